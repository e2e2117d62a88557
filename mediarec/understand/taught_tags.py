"""Tags the user teaches by example: tag a few items, get suggestions for the others, accept or reject them.

The classifier is a logistic regression on the fused item vectors (what an item looks, sounds and talks
like). Positives are the items the user tagged; negatives are the items the user rejected plus the untagged
items (most untagged items do not have the tag; this is learning from positive and unlabelled examples).
Every item is scored by a model that did not train on it (cross-fitting over folds), so an untagged item that
truly has the tag is not scored down for having been used as a negative, and the same out-of-fold scores give
the cross-validated precision that is reported before anything is applied. Untagged items count as negatives
in that figure, so it is a lower bound.

Nothing is applied automatically unless the user asks for it and the cross-validated precision reaches
AUTO_APPLY_PRECISION; then the suggestions are stored as "suggested" tags with their confidence. Every
accept or reject retrains (the model is small and fitted on demand) and refreshes applied suggestions.
Rejections live in the library's meta table, keyed by tag, so re-indexing never forgets them; applied
suggestions, like the user's own tags, are kept when an item is re-indexed (its file or a model changed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from mediarec.errors import MediarecError
from mediarec.index.records import SUGGESTED_TAG_SOURCE, USER_TAG_SOURCE, ItemRecord, TagRecord
from mediarec.index.store import LibraryStore
from mediarec.index.vectors import ITEM_SPACE_MODALITY

MIN_POSITIVES = 2
SUGGEST_CONFIDENCE = 0.5
AUTO_APPLY_PRECISION = 0.9
AUTO_APPLY_MIN_POSITIVES = 5
MAX_FOLDS = 5
# Untagged items used as negatives when training (all of them are still scored).
MAX_UNLABELLED_FOR_TRAINING = 5000
# Inverse regularisation: item vectors are unit length and close together, so a weak penalty is needed for
# the scores to separate at all.
REGULARISATION_C = 10.0
_META_PREFIX = "taught_tag:"


class TaughtTagError(MediarecError):
    """A taught tag cannot be trained or changed yet; the message says what the user should do."""


@dataclass(frozen=True)
class Suggestion:
    item: ItemRecord
    confidence: float

    def to_json(self) -> dict:
        return {
            "path": self.item.path,
            "title": self.item.display_title,
            "confidence": round(self.confidence, 4),
        }


@dataclass(frozen=True)
class TagModelReport:
    name: str
    positives: int
    rejected: int
    unlabelled: int
    folds: int
    cv_precision: float | None  # None when no item was predicted positive in cross-validation
    cv_recall: float
    suggestions: tuple[Suggestion, ...]
    auto_apply: bool
    applied: int
    note: str

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "positives": self.positives,
            "rejected": self.rejected,
            "unlabelled": self.unlabelled,
            "folds": self.folds,
            "cv_precision": None if self.cv_precision is None else round(self.cv_precision, 4),
            "cv_recall": round(self.cv_recall, 4),
            "auto_apply": self.auto_apply,
            "applied": self.applied,
            "note": self.note,
            "suggestions": [suggestion.to_json() for suggestion in self.suggestions],
        }


class TaughtTags:
    def __init__(self, store: LibraryStore):
        self.store = store

    # -- the user's answers ------------------------------------------------------------------------------------

    def add(self, item: ItemRecord, name: str) -> None:
        name = tag_name(name)
        self.store.set_tags([TagRecord(item.id, name, USER_TAG_SOURCE, 1.0)])
        self.store.remove_tag(item.id, name, SUGGESTED_TAG_SOURCE)
        self._forget_rejection(name, item.id)

    def remove(self, item: ItemRecord, name: str) -> int:
        name = tag_name(name)
        return self.store.remove_tag(item.id, name, USER_TAG_SOURCE) + self.store.remove_tag(
            item.id, name, SUGGESTED_TAG_SOURCE
        )

    def accept(self, item: ItemRecord, name: str) -> TagModelReport:
        self.add(item, name)
        return self._retrain(tag_name(name))

    def reject(self, item: ItemRecord, name: str) -> TagModelReport:
        name = tag_name(name)
        state = self._state(name)
        state["rejected"] = sorted(set(state.get("rejected", [])) | {item.id})
        self._save_state(name, state)
        self.store.remove_tag(item.id, name, SUGGESTED_TAG_SOURCE)
        return self._retrain(name)

    def _retrain(self, name: str) -> TagModelReport:
        return self.suggest(name, apply=bool(self._state(name).get("auto_apply")))

    # -- training and suggestions ------------------------------------------------------------------------------

    def suggest(self, name: str, *, limit: int = 20, apply: bool = False) -> TagModelReport:
        """Suggestions for ``name`` with confidences and the cross-validated precision; with ``apply``, also
        store them as "suggested" tags, if the precision allows (and keep doing so after each answer)."""
        name = tag_name(name)
        item_ids, vectors = self._item_vectors()
        positives = {item.id for item in self._items_tagged(name)} & set(item_ids)
        if len(positives) < MIN_POSITIVES:
            raise TaughtTagError(
                f"Tag at least {MIN_POSITIVES} items with {name!r} first (mediarec tag add PATH {name!r}); "
                f"{len(positives)} tagged so far."
            )
        rejected = set(self._state(name).get("rejected", [])) & set(item_ids)
        labels = np.array([1 if i in positives else (-1 if i in rejected else 0) for i in item_ids])
        if not np.any(labels <= 0):
            raise TaughtTagError(f"Every item has the tag {name!r}; there is nothing to suggest.")
        scores, folds = cross_fitted_scores(vectors, labels)
        precision, recall = _cv_precision_recall(scores, labels)
        candidates = [
            (item_ids[i], float(scores[i]))
            for i in np.flatnonzero(labels == 0)
            if scores[i] >= SUGGEST_CONFIDENCE
        ]
        candidates.sort(key=lambda pair: -pair[1])
        records = self.store.items_by_ids([item_id for item_id, _ in candidates])
        suggestions = tuple(Suggestion(records[i], c) for i, c in candidates if i in records)
        if apply:  # the wish is kept, so suggestions are applied once the precision allows
            self._save_state(name, {**self._state(name), "auto_apply": True})
        applied, note = self._apply(name, suggestions, precision, len(positives)) if apply else (0, "")
        return TagModelReport(
            name,
            len(positives),
            len(rejected),
            int(np.sum(labels == 0)),
            folds,
            precision,
            recall,
            suggestions[:limit],
            apply,
            applied,
            note or _precision_note(precision, len(positives)),
        )

    def refresh_applied(self) -> list[str]:
        """Apply again every taught tag the user asked to apply automatically, so that files indexed since then
        are suggested too (the indexer calls this after a run that indexed something). Returns the tag names."""
        refreshed = []
        for name, state in self.store.meta_with_prefix(_META_PREFIX).items():
            if not json.loads(state or "{}").get("auto_apply"):
                continue
            try:
                self.suggest(name, apply=True)
            except TaughtTagError:  # e.g. its examples were removed; it applies again once there are enough
                continue
            refreshed.append(name)
        return refreshed

    def stop_applying(self, name: str) -> int:
        """Turn automatic suggestions off for ``name`` and remove the ones applied; returns how many."""
        name = tag_name(name)
        self._save_state(name, {**self._state(name), "auto_apply": False})
        return self._clear_suggested(name)

    def _clear_suggested(self, name: str) -> int:
        return sum(
            self.store.remove_tag(item_id, name, SUGGESTED_TAG_SOURCE)
            for item_id in self.store.items_with_tag(name, 0.0)
        )

    def _apply(
        self, name: str, suggestions: tuple[Suggestion, ...], precision: float | None, positives: int
    ) -> tuple[int, str]:
        # Applied suggestions are replaced as a whole: those no longer suggested (or no longer trusted) go.
        self._clear_suggested(name)
        if positives < AUTO_APPLY_MIN_POSITIVES or precision is None or precision < AUTO_APPLY_PRECISION:
            return 0, "Not applied: " + _precision_note(precision, positives)
        self.store.set_tags(
            [TagRecord(s.item.id, name, SUGGESTED_TAG_SOURCE, s.confidence) for s in suggestions]
        )
        return len(suggestions), ""

    def _items_tagged(self, name: str) -> list[ItemRecord]:
        ids = [
            item_id
            for item_id in self.store.items_with_tag(name, 0.0)
            if any(tag.name == name and tag.source == USER_TAG_SOURCE for tag in self.store.tags(item_id))
        ]
        return [item for item in self.store.items_by_ids(ids).values() if item.status == "indexed"]

    def _item_vectors(self) -> tuple[list[int], np.ndarray]:
        spaces = self.store.spaces(ITEM_SPACE_MODALITY)
        if not spaces:
            raise TaughtTagError("Nothing is indexed yet. Index some folders first: mediarec index FOLDER")
        # The newest fused space is the one the current models write; older ones hold stale items.
        row_ids, _, vectors = self.store.vectors_after(spaces[-1], 0)
        indexed = {item.id for item in self.store.items()}
        keep = [k for k, item_id in enumerate(row_ids) if int(item_id) in indexed]
        return [int(row_ids[k]) for k in keep], vectors[keep]

    # -- per-tag state in the meta table -----------------------------------------------------------------------

    def _state(self, name: str) -> dict:
        return json.loads(self.store.get_meta(_META_PREFIX + name, "{}") or "{}")

    def _save_state(self, name: str, state: dict) -> None:
        self.store.set_meta(_META_PREFIX + name, json.dumps(state))

    def _forget_rejection(self, name: str, item_id: int) -> None:
        state = self._state(name)
        if item_id in state.get("rejected", []):
            state["rejected"] = [i for i in state["rejected"] if i != item_id]
            self._save_state(name, state)


def cross_fitted_scores(vectors: np.ndarray, labels: np.ndarray, seed: int = 0) -> tuple[np.ndarray, int]:
    """Probability of the tag for every item, each from a model that did not train on that item.

    labels: 1 tagged, -1 rejected, 0 untagged (trained on as a negative, up to MAX_UNLABELLED_FOR_TRAINING of
    them; the rest are scored by the mean of the fold models). Returns (scores, number of folds).
    """
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    unlabelled = np.flatnonzero(labels == 0)
    trained_unlabelled = rng.permutation(unlabelled)[:MAX_UNLABELLED_FOR_TRAINING]
    training = np.concatenate([np.flatnonzero(labels != 0), trained_unlabelled])
    positives = int(np.sum(labels == 1))
    folds = int(min(MAX_FOLDS, positives, len(training) - positives))
    fold_of = np.full(len(labels), -1)
    for group in (np.flatnonzero(labels == 1), np.setdiff1d(training, np.flatnonzero(labels == 1))):
        fold_of[rng.permutation(group)] = np.arange(len(group)) % folds  # stratified: every fold gets both
    scores = np.zeros(len(labels))
    outside = fold_of < 0
    for fold in range(folds):
        train = training[fold_of[training] != fold]
        model = LogisticRegression(C=REGULARISATION_C, class_weight="balanced", max_iter=2000)
        model.fit(vectors[train], (labels[train] == 1).astype(int))
        held_out = fold_of == fold
        scores[held_out] = model.predict_proba(vectors[held_out])[:, 1]
        if np.any(outside):
            scores[outside] += model.predict_proba(vectors[outside])[:, 1] / folds
    return scores, folds


def _cv_precision_recall(scores: np.ndarray, labels: np.ndarray) -> tuple[float | None, float]:
    """Out-of-fold precision and recall at the suggestion threshold; untagged items count as negatives."""
    predicted = scores >= SUGGEST_CONFIDENCE
    truth = labels == 1
    true_positives = int(np.sum(predicted & truth))
    precision = true_positives / int(np.sum(predicted)) if np.any(predicted) else None
    recall = true_positives / max(1, int(np.sum(truth)))
    return precision, recall


def _precision_note(precision: float | None, positives: int) -> str:
    if precision is None:
        return "in cross-validation no tagged item was recognised; tag more examples."
    message = f"cross-validated precision {precision:.0%} (a lower bound: untagged items count as wrong)"
    if positives < AUTO_APPLY_MIN_POSITIVES:
        return f"{message}; tag at least {AUTO_APPLY_MIN_POSITIVES} items before suggestions can be applied."
    if precision < AUTO_APPLY_PRECISION:
        return f"{message}, below the {AUTO_APPLY_PRECISION:.0%} needed to apply suggestions automatically."
    return message + "."


def tag_name(name: str) -> str:
    """The one rule for a tag name the user types, in the desktop and on the command line alike: inner runs of
    white space become one space and letters become lower case, so "Beach  Day" and "beach day" are one tag (the
    filters and the vocabulary match names in any case; two spellings would split one tag's examples)."""
    cleaned = " ".join(name.split()).lower()
    if not cleaned:
        raise TaughtTagError("A tag needs a name.")
    return cleaned

"""More like this, fused or by one modality: looks like (frames), sounds like (audio), talks about (speech).

Scores come from the items' modality blocks (item_blocks.py): the cosine of one block for a single modality,
or a fusion variant (fusion_scoring.py) for "fused", scored from the asking item's side (like_this: what the
asker has and a candidate lacks is a mismatch, what only the candidate has counts neither way). Small libraries
are scored exactly against every item; large ones take candidates from a KNN in the fused item space with a query
that keeps only the wanted block (over-fetched, because an item's block is scaled by how many modalities it has),
then score them exactly.

Copies are not recommendations: the item's own duplicates (same content fingerprint, or a near-identical
re-encode) are left out, and near-identical hits are folded into the first of them (`duplicates`).

A hit's score is calibrated (rank/calibration.py, SimilarCalibration): the similarity, on the scale of this
library's random pairs (standard deviations above the mean of random pairs, per modality or fused), is mapped to
the probability that the two items are alike by a logistic fitted on the development sets' groups, and items no
more alike than a random pair of the library are left out. "More like this" is therefore never the whole library
and never negative; an item like nothing else in the library gets an empty list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mediarec.errors import MediarecError
from mediarec.index.records import ItemRecord
from mediarec.index.store import LibraryStore
from mediarec.rank.calibration import SimilarCalibration, similar_calibration
from mediarec.rank.fusion_scoring import (
    ModalityCalibration,
    fusion_for_library,
    library_calibration,
    like_this_scores,
    needs_evidence,
    needs_features,
)
from mediarec.rank.item_blocks import (
    MODALITIES,
    BlockLayout,
    ItemBlocks,
    block_layout,
    item_space_of,
    load_blocks,
)
from mediarec.rank.item_matrix import item_matrix

SIMILAR_MODALITIES = ("fused", "frame", "audio", "speech")
ASPECTS = {"looks": "frame", "sounds": "audio", "talks": "speech", "all": "fused"}
MODALITY_LABELS = {"fused": "similar", "frame": "looks like", "audio": "sounds like", "speech": "talks about"}
EXACT_SCORING_LIMIT = 2000  # items; below this every item is scored exactly (a few MB of vectors)
CANDIDATE_FACTOR = 8
# Two files are copies of one content when every modality they have agrees this closely and their lengths
# match (a re-encode or another container); two different takes of one scene differ in length or content.
NEAR_DUPLICATE_COSINE = 0.985
NEAR_DUPLICATE_DURATION = 0.03  # relative difference
NEAR_DUPLICATE_MIN_SECONDS = 0.5


class ModalityMissing(MediarecError):
    """The item has nothing in the asked modality (no picture, no speech, no sound)."""


@dataclass(frozen=True)
class SimilarHit:
    """One item found by "more like this", with its similarity to the item asked about."""

    item: ItemRecord
    score: float  # the calibrated probability that the two items are alike, in [0, 1]

    def to_json(self) -> dict:
        return {
            **self.item.summary_json(),
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class ModalHit(SimilarHit):
    """A SimilarHit that says which similarity it is and which copies of it were folded into it."""

    modality: str = "fused"
    duplicates: tuple[ItemRecord, ...] = ()

    def to_json(self) -> dict:
        return {
            **self.item.summary_json(),
            "score": round(float(self.score), 4),
            "modality": self.modality,
            "reason": MODALITY_LABELS[self.modality],
            "duplicates": [copy.path for copy in self.duplicates],
        }


def resolve_modality(modality: str) -> str:
    """Accept "frame"/"audio"/"speech"/"fused" and the user's words "looks"/"sounds"/"talks"/"all"."""
    resolved = ASPECTS.get(modality, modality)
    if resolved not in SIMILAR_MODALITIES:
        choices = ", ".join([*SIMILAR_MODALITIES, *ASPECTS])
        raise ModalityMissing(f"Unknown similarity {modality!r}; choose one of {choices}")
    return resolved


def is_near_duplicate(
    first: ItemRecord, second: ItemRecord, blocks_first: ItemBlocks, blocks_second: ItemBlocks
) -> bool:
    """Same content: the same fingerprint, or the same modalities all nearly identical and the same length."""
    if first.fingerprint == second.fingerprint:
        return True
    if (
        not np.array_equal(blocks_first.present[0], blocks_second.present[0])
        or not blocks_first.present[0].any()
    ):
        return False
    for index, modality in enumerate(MODALITIES):
        if blocks_first.present[0, index]:
            cosine = float(blocks_first.vectors[modality][0] @ blocks_second.vectors[modality][0])
            if cosine < NEAR_DUPLICATE_COSINE:
                return False
    return _same_length(first.duration, second.duration)


def _same_length(first: float | None, second: float | None) -> bool:
    if not first or not second:
        return first == second
    allowed = max(NEAR_DUPLICATE_MIN_SECONDS, NEAR_DUPLICATE_DURATION * max(first, second))
    return abs(first - second) <= allowed


class ModalSimilarity:
    def __init__(self, store: LibraryStore, fusion=None, calibration: SimilarCalibration | None = None):
        """`fusion` scores "fused" similarity; by default the user's learned gate, else the default variant
        calibrated on this library. `calibration` maps similarities to [0, 1] and holds the cutoff."""
        self.store = store
        self.fusion = fusion
        self.calibration = calibration if calibration is not None else similar_calibration()

    def layout_for(self, item: ItemRecord) -> BlockLayout | None:
        space = item_space_of(self.store, item.id)
        return block_layout(self.store, space) if space is not None else None

    def similar(
        self,
        item: ItemRecord,
        limit: int = 10,
        modality: str = "fused",
        *,
        exclude: Sequence[int] = (),
        min_score: float | None = None,
    ) -> list[ModalHit]:
        """The items most like ``item``, best first: those more alike than a random pair of the library, and whose
        calibrated score reaches ``min_score`` when given."""
        modality = resolve_modality(modality)
        layout = self.layout_for(item)
        if layout is None:
            return []
        fusion = self.fusion if self.fusion is not None else fusion_for_library(self.store, layout)
        features = modality == "fused" and needs_features(fusion)
        evidence = modality == "fused" and needs_evidence(fusion)
        query = load_blocks(self.store, layout, [item.id], features=features, evidence=evidence)
        if modality != "fused" and not query.has(modality)[0]:
            raise ModalityMissing(f"{item.display_title} has no {_NOUNS[modality]} to compare.")
        candidates = self._candidates(layout, query, modality, limit, {item.id, *exclude}, features, evidence)
        if len(candidates) == 0:
            return []
        raw = self.score(query, candidates, modality, fusion)[0]
        scale = library_calibration(self.store, layout) if modality != "fused" else None
        values = comparable(raw, modality, scale)
        scores = np.atleast_1d(self.calibration.probability(modality, values))
        floor = 0.0 if min_score is None else min_score
        order = [
            row
            for row in np.argsort(-raw, kind="stable")
            if values[row] > self.calibration.min_similarity and scores[row] >= floor
        ]
        return self._collapse(item, query, candidates, scores, order, modality, limit)

    @staticmethod
    def score(left: ItemBlocks, right: ItemBlocks, modality: str, fusion) -> np.ndarray:
        if modality == "fused":
            return like_this_scores(fusion, left, right)  # from the asking item's side
        column = MODALITIES.index(modality)
        shared = left.present[:, column][:, None] & right.present[:, column][None, :]
        return np.where(shared, left.vectors[modality] @ right.vectors[modality].T, -1.0)

    def copies_of(self, item: ItemRecord) -> list[ItemRecord]:
        """Other files with the same content as the item (for "2 other copies" in the app)."""
        copies = {o.id: o for o in self.store.items_by_fingerprint(item.fingerprint) if o.id != item.id}
        layout = self.layout_for(item)
        if layout is None:
            return list(copies.values())
        query = load_blocks(self.store, layout, [item.id], features=False)
        candidates = self._candidates(layout, query, "fused", 50, {item.id}, features=False)
        records = self.store.items_by_ids(list(candidates.ids))
        for row, item_id in enumerate(candidates.ids):
            other = records.get(item_id)
            if other is None or item_id in copies:
                continue
            if is_near_duplicate(item, other, query, candidates.take([row])):
                copies[item_id] = other
        return list(copies.values())

    def _candidates(
        self,
        layout: BlockLayout,
        query: ItemBlocks,
        modality: str,
        limit: int,
        exclude: set[int],
        features: bool,
        evidence: bool = False,
    ) -> ItemBlocks:
        """`features`, `evidence`: what load_blocks reads besides the vectors (what the scorer needs)."""
        matrix = item_matrix(self.store, layout.space)
        size = matrix.size
        if size <= EXACT_SCORING_LIMIT:
            blocks = load_blocks(self.store, layout, features=features, evidence=evidence)
        else:
            vector = np.zeros(layout.space.dim, dtype=np.float32)
            wanted = [m for m in MODALITIES if m in layout.spans and (modality in ("fused", m))]
            for m in wanted:
                if query.has(m)[0]:
                    start, end = layout.spans[m]
                    vector[start:end] = query.vectors[m][0]
            neighbours = matrix.knn(vector, min(size, limit * CANDIDATE_FACTOR + 20))
            blocks = load_blocks(
                self.store,
                layout,
                [item_id for _, item_id, _ in neighbours],
                features=features,
                evidence=evidence,
            )
        keep = [row for row, item_id in enumerate(blocks.ids) if item_id not in exclude]
        if modality != "fused":
            keep = [row for row in keep if blocks.has(modality)[row]]
        return blocks.take(keep)

    def _collapse(self, item, query, candidates, scores, order, modality, limit) -> list[ModalHit]:
        records = self.store.items_by_ids(list(candidates.ids))
        kept: list[tuple[ItemRecord, float, int, list[ItemRecord]]] = []
        for row in order:
            other = records.get(candidates.ids[row])
            if other is None or other.status != "indexed":
                continue
            other_blocks = candidates.take([row])
            if is_near_duplicate(item, other, query, other_blocks):
                continue  # a copy of the item itself
            folded = False
            for kept_record, _, kept_row, copies in kept:
                if is_near_duplicate(kept_record, other, candidates.take([kept_row]), other_blocks):
                    copies.append(other)
                    folded = True
                    break
            if folded:
                continue
            if len(kept) == limit:
                break
            kept.append((other, float(scores[row]), int(row), []))
        return [ModalHit(record, score, modality, tuple(copies)) for record, score, _, copies in kept]


def comparable(scores: np.ndarray, modality: str, scale: ModalityCalibration | None) -> np.ndarray:
    """Similarities on the scale the calibration was fitted on: the fused score as the fusion gives it (already
    in random-pair standard deviations when the library has a calibration); one modality's cosine in standard
    deviations above this library's random pairs (raw where too few items have the modality to tell). A pair
    that does not share the modality stays far below any match."""
    if modality == "fused":
        return np.asarray(scores, np.float32)
    column = MODALITIES.index(modality)
    shared = np.asarray(scores) > -1.0
    if scale is None:
        return np.asarray(scores, np.float32)
    z = (np.asarray(scores, np.float32) - scale.mean[column]) / scale.std[column]
    return np.where(shared, z, -10.0).astype(np.float32)


_NOUNS = {"frame": "picture", "audio": "sound", "speech": "speech"}

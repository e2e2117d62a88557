""" "More like this" precision@5 by label group: for every labelled item, how many of its five most similar items
share its group, fused and per modality (looks like, sounds like, talks about).

Precision is over min(5, other items of the group that have the modality), so a group of three can score 1.0.
With `kinds` (item id -> kind of item: speech, music, instrument/effect, video) each modality is also averaged
per kind, and fused similarity is set against every single modality for each kind of item on the same footing
(``versus_single``): the same asking items (those that have the modality) and the same right answers (every
other item of the group, also those the single modality cannot see, which it therefore misses, as a user asking
"sounds like" would). The plain per-modality figures instead leave out what a modality cannot see, so for speech
items they compare "talks about" on the items with a transcript against fused on all of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from mediarec.evaluation.metrics import mean, precision_at
from mediarec.evaluation.runner import EvaluationError
from mediarec.rank.fusion_scoring import DEFAULT_FUSION, library_calibration, make_fusion
from mediarec.rank.item_blocks import MODALITIES, BlockLayout, block_layout, current_item_space, load_blocks
from mediarec.rank.modal_similarity import SIMILAR_MODALITIES, ModalSimilarity

TOP = 5
# Manifest item types -> the kinds "more like this" is reported for (instruments and effects are one kind).
SIMILARITY_KINDS = {
    "speech": "speech",
    "music": "music",
    "instrument": "instrument/effect",
    "effect": "instrument/effect",
    "video": "video",
}


# Manifests without types (devsets/eval) say what an item is in its labels.
LABEL_TYPES = {"speech": "speech", "music": "music", "sound": "effect", "video": "video"}


def similarity_kind(item_type: str | None, labels: Iterable[str] = ()) -> str | None:
    """The kind an item is reported under: its manifest type, else the first label that names a type."""
    if item_type is None:
        item_type = next((LABEL_TYPES[label] for label in labels if label in LABEL_TYPES), None)
    return SIMILARITY_KINDS.get(item_type or "")


def item_layout(store) -> BlockLayout:
    """The block layout of the library's current fused item space; EvaluationError when no item has one."""
    space = current_item_space(store)
    if space is None:
        raise EvaluationError("No item of the evaluation library has a fused vector: nothing to compare.")
    return block_layout(store, space)


def evaluate_similar(
    store,
    groups: dict[int, str],
    fusion=None,
    *,
    queries: Iterable[int] | None = None,
    modalities=None,
    kinds: dict[int, str] | None = None,
) -> dict:
    """`groups` maps item id -> label group; `queries` limits which items ask (default: all labelled); `kinds`
    maps item id -> kind of item, for the figures per kind. Without `fusion`, the product's default variant
    untrained (never a gate a user of this library trained)."""
    layout = item_layout(store)
    if fusion is None:
        fusion = make_fusion(DEFAULT_FUSION, library_calibration(store, layout))
    engine = ModalSimilarity(store, fusion)
    blocks = load_blocks(store, layout, list(groups), features=False)
    has = {
        m: {item_id for item_id, ok in zip(blocks.ids, blocks.has(m), strict=True) if ok} for m in MODALITIES
    }
    has["fused"] = set(blocks.ids)
    members: dict[str, set[int]] = defaultdict(set)
    for item_id, group in groups.items():
        members[group].add(item_id)
    asking = set(groups if queries is None else queries)
    results: dict[str, dict] = {}
    ranked: dict[str, dict[int, list[int]]] = {}
    for modality in modalities or SIMILAR_MODALITIES:
        per_item = []
        ranked[modality] = {}
        for item_id in sorted(asking & has[modality]):
            group = groups[item_id]
            if not members[group] - {item_id}:
                continue
            hits = engine.similar(store.item(item_id), TOP, modality)
            ranked[modality][item_id] = [hit.item.id for hit in hits]
            relevant = (members[group] & has[modality]) - {item_id}
            if not relevant:
                continue
            kind = kinds.get(item_id) if kinds else None
            per_item.append((group, kind, precision_at(ranked[modality][item_id], relevant, TOP)))
        results[modality] = summarise_similar(per_item, with_kinds=kinds is not None)
    if kinds is not None and "fused" in ranked:
        results["fused"]["versus_single"] = versus_single(ranked, groups, members, kinds)
    return results


def versus_single(ranked: dict, groups: dict[int, str], members: dict, kinds: dict[int, str]) -> dict:
    """Per kind and single modality: P@5 of that modality and of fused on the items that have the modality,
    counting every other item of the group as a right answer."""
    table: dict[str, dict] = defaultdict(dict)
    for modality, lists in ranked.items():
        if modality == "fused":
            continue
        pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for item_id, single in lists.items():
            kind, fused = kinds.get(item_id), ranked["fused"].get(item_id)
            if kind is None or fused is None:
                continue
            right = members[groups[item_id]] - {item_id}
            pairs[kind].append((precision_at(single, right, TOP), precision_at(fused, right, TOP)))
        for kind, values in pairs.items():
            table[kind][modality] = {
                "items": len(values),
                "single": round(mean([single for single, _ in values]), 4),
                "fused": round(mean([fused for _, fused in values]), 4),
            }
    return {kind: dict(sorted(by_modality.items())) for kind, by_modality in sorted(table.items())}


def summarise_similar(per_item: list[tuple[str, str | None, float]], *, with_kinds: bool = True) -> dict:
    """Mean precision@5 overall, per label group and (with_kinds) per kind of item, from (group, kind, precision)
    of every item that asked; items without a kind count overall and in their group only."""
    by_group: dict[str, list[float]] = defaultdict(list)
    by_kind: dict[str, list[float]] = defaultdict(list)
    for group, kind, value in per_item:
        by_group[group].append(value)
        if kind is not None:
            by_kind[kind].append(value)
    summary = {
        "items": len(per_item),
        "precision@5": round(mean([value for _, _, value in per_item]), 4),
        "by_group": {group: round(mean(values), 4) for group, values in sorted(by_group.items())},
    }
    if with_kinds:
        summary["by_kind"] = {
            kind: {"items": len(values), "precision@5": round(mean(values), 4)}
            for kind, values in sorted(by_kind.items())
        }
    return summary

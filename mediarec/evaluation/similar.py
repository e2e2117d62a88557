""" "More like this" precision@5 by label group: for every labelled item, how many of its five most similar items
share its group, fused and per modality (looks like, sounds like, talks about).

Precision is over min(5, other items of the group that have the modality), so a group of three can score 1.0.
With `kinds` (item id -> kind of item: speech, music, instrument/effect, video) each modality is also averaged
per kind, so fused similarity can be set against every single modality for each kind of item.
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


def similarity_kind(item_type: str | None) -> str | None:
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
    results = {}
    for modality in modalities or SIMILAR_MODALITIES:
        per_item = []
        for item_id in sorted(asking & has[modality]):
            group = groups[item_id]
            relevant = (members[group] & has[modality]) - {item_id}
            if not relevant:
                continue
            hits = engine.similar(store.item(item_id), TOP, modality)
            ranked = [hit.item.id for hit in hits]
            kind = kinds.get(item_id) if kinds else None
            per_item.append((group, kind, precision_at(ranked, relevant, TOP)))
        results[modality] = summarise_similar(per_item, with_kinds=kinds is not None)
    return results


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

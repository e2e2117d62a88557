"""Reciprocal rank fusion: several ranked lists of items merged into one score per item (search.py merges its
per-modality result lists with it). Ranks, not scores, are merged because each channel scores on its own scale."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def reciprocal_rank_fusion(
    ranked_lists: Mapping[str, Sequence[int]], weights: Mapping[str, float] | None = None, k: float = 60.0
) -> dict[int, float]:
    """Weighted RRF: score(item) = sum over lists of weight / (k + rank)."""
    scores: dict[int, float] = {}
    for name, items in ranked_lists.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        for rank, item in enumerate(items, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return scores

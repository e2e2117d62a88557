"""Ranking and recommendation metrics over binary relevance (numpy only, no hidden averaging)."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence


def recall_at(ranked: Sequence, relevant: Collection, k: int) -> float:
    return len(set(ranked[:k]) & set(relevant)) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: Sequence, relevant: Collection) -> float:
    for rank, item in enumerate(ranked, start=1):
        if item in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence, relevant: Collection, k: int) -> float:
    gains = sum(
        1.0 / math.log2(rank + 1) for rank, item in enumerate(ranked[:k], start=1) if item in relevant
    )
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return gains / ideal if ideal > 0 else 0.0


def precision_at(ranked: Sequence, relevant: Collection, k: int) -> float:
    """Hits in the top k over k, or over the number of relevant items when fewer than k exist."""
    denominator = min(k, len(relevant))
    return len(set(ranked[:k]) & set(relevant)) / denominator if denominator else 0.0


def mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else float("nan")


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Substitutions + deletions + insertions (Levenshtein distance over words)."""
    previous = list(range(len(hypothesis) + 1))
    for row, word in enumerate(reference, start=1):
        current = [row] + [0] * len(hypothesis)
        for column, other in enumerate(hypothesis, start=1):
            current[column] = min(
                previous[column] + 1, current[column - 1] + 1, previous[column - 1] + (word != other)
            )
        previous = current
    return previous[-1]


def hub_share(tops: Sequence) -> tuple[float, object, int]:
    """The largest share of queries that one item tops: (share, that item, how many it tops). ``tops`` holds each
    query's first result, None where a query returned nothing (it counts in the denominator, never as a hub).
    Ties go to the item that topped a query first. (0.0, None, 0) without queries or results."""
    counts: dict = {}
    for top in tops:
        if top is not None:
            counts[top] = counts.get(top, 0) + 1
    if not counts:
        return 0.0, None, 0
    item = max(counts, key=lambda key: counts[key])  # first maximum in insertion order
    return counts[item] / len(tops), item, counts[item]


def empty_rate(result_counts: Sequence[int]) -> float:
    """The share of queries that returned no result (NaN without queries)."""
    if not result_counts:
        return float("nan")
    return sum(1 for count in result_counts if count == 0) / len(result_counts)

"""Search quality: Recall@1/5/10, MRR and nDCG@10 per query type, through the same search the user runs."""

from __future__ import annotations

from collections import defaultdict

from mediarec.evaluation.manifest import Manifest
from mediarec.evaluation.metrics import mean, ndcg_at, recall_at, reciprocal_rank

SEARCH_DEPTH = 50  # MRR looks this far; the other metrics stop at 10


def evaluate_search(library, manifest: Manifest, item_ids: dict) -> dict:
    """`item_ids` maps each manifest path to its library item id (items that failed to index are absent, so
    their queries count as misses, not as skipped)."""
    per_query = []
    for query in manifest.queries:
        relevant = {item_ids[path] for path in query.relevant if path in item_ids}
        hits = library.search(query.text, SEARCH_DEPTH)
        ranked = [hit.item.id for hit in hits]
        wanted = relevant or {-1}
        per_query.append(
            {
                "type": query.type,
                "text": query.text,
                "language": query.language,
                "relevant": len(query.relevant),
                "recall@1": recall_at(ranked, wanted, 1),
                "recall@5": recall_at(ranked, wanted, 5),
                "recall@10": recall_at(ranked, wanted, 10),
                "mrr": reciprocal_rank(ranked, wanted),
                "ndcg@10": ndcg_at(ranked, wanted, 10),
                "top": [hit.item.display_title for hit in hits[:3]],
                "first_relevant_rank": next((r for r, i in enumerate(ranked, 1) if i in relevant), None),
            }
        )
    by_language = summarise(
        per_query, lambda o: f"{o['type']}, query in {o['language'] or '?'}", overall=False
    )
    return {"by_type": summarise(per_query), "by_type_and_language": by_language, "queries": per_query}


def summarise(per_query: list[dict], key=lambda outcome: outcome["type"], *, overall: bool = True) -> dict:
    groups: dict[str, list[dict]] = defaultdict(list)
    for outcome in per_query:
        groups[key(outcome)].append(outcome)
    if overall:
        groups["all"] = list(per_query)
    return {
        name: {
            "queries": len(outcomes),
            **{
                metric: round(mean([o[metric] for o in outcomes]), 4)
                for metric in ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10")
            },
        }
        for name, outcomes in groups.items()
        if outcomes
    }

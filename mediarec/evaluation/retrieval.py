"""Search quality through the same search the user runs: Recall@1/5/10, MRR and nDCG@10 per query type; what
negative queries (about things the set does not hold) get back; and hubs, items that top many queries.

- Negative queries are kept out of the recall figures. Their right answer is no match, so the report gives the
  share of them that returned nothing ("empty rate") and the mean score of the first result they did get (with the
  mean first score of the positive queries beside it, to show whether a score threshold could tell them apart).
- Hub share: the largest share of all queries (positive and negative) whose first result is one same item. A
  library where one photo or one music track answers a third of all queries has a hub problem, however good its
  recall looks.
"""

from __future__ import annotations

from collections import defaultdict

from mediarec.evaluation.manifest import Manifest
from mediarec.evaluation.metrics import empty_rate, hub_share, mean, ndcg_at, recall_at, reciprocal_rank
from mediarec.evaluation.moments import MomentOutcome, query_span, summarise_moments

SEARCH_DEPTH = 50  # MRR looks this far; the other metrics stop at 10
HUBS_LISTED = 5


def evaluate_search(library, manifest: Manifest, item_ids: dict) -> dict:
    """`item_ids` maps each manifest path to its library item id (items that failed to index are absent, so
    their queries count as misses, not as skipped)."""
    written = {item_ids[item.path]: item.written_path for item in manifest.items if item.path in item_ids}
    per_query, negatives, tops = [], [], []
    unrelated_tops: list = []  # each query's first result where it is not one of the query's answers, else None
    moments: list[MomentOutcome] = []
    for query in manifest.queries:
        hits = library.search(query.text, SEARCH_DEPTH)
        top = hits[0] if hits else None
        tops.append(written.get(top.item.id, top.item.path) if top is not None else None)
        relevant = (
            set() if query.negative else {item_ids[path] for path in query.relevant if path in item_ids}
        )
        unrelated_tops.append(tops[-1] if top is not None and top.item.id not in relevant else None)
        if query.negative:
            negatives.append(
                {
                    "type": query.type,
                    "text": query.text,
                    "language": query.language,
                    "results": len(hits),
                    "top_score": round(top.score, 4) if top is not None else None,
                    "top_similarity": round(top.best.similarity, 4) if top is not None else None,
                    "top": [hit.item.display_title for hit in hits[:3]],
                }
            )
            continue
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
                "top_score": round(top.score, 4) if top is not None else None,
                "top_similarity": round(top.best.similarity, 4) if top is not None else None,
                "first_relevant_rank": next((r for r, i in enumerate(ranked, 1) if i in relevant), None),
            }
        )
        span = query_span(query.extra)
        if span is not None:  # where the first hit lands, against the span the answer is said in
            best = top.best if top is not None else None
            moments.append(
                MomentOutcome(
                    query.type,
                    top is not None and top.item.id in relevant,
                    best.start if best is not None else None,
                    best.end if best is not None else None,
                    span,
                )
            )
            per_query[-1]["moment"] = moments[-1].to_json()
    by_language = summarise(
        per_query, lambda o: f"{o['type']}, query in {o['language'] or '?'}", overall=False
    )
    return {
        "by_type": summarise(per_query),
        "by_type_and_language": by_language,
        "queries": per_query,
        "negatives": summarise_negatives(negatives, per_query),
        "hubs": hubs(tops, unrelated_tops),
        "moments": summarise_moments(moments),
    }


def summarise_negatives(negatives: list[dict], positives: list[dict] | None = None) -> dict:
    """Empty rate and mean first score of the negative queries, overall and per query language; NaN means where no
    negative query returned anything. `positives` (per-query outcomes) adds their mean first score and similarity
    for contrast."""

    def figures(outcomes: list[dict]) -> dict:
        answered = [o for o in outcomes if o["results"]]
        return {
            "queries": len(outcomes),
            "empty_rate": round(empty_rate([o["results"] for o in outcomes]), 4),
            "mean_top_score": round(mean([o["top_score"] for o in answered]), 4),
            "mean_top_similarity": round(mean([o["top_similarity"] for o in answered]), 4),
        }

    if not negatives:
        return {"queries": 0}
    by_language: dict[str, list[dict]] = defaultdict(list)
    for outcome in negatives:
        by_language[outcome["language"] or "?"].append(outcome)
    summary = figures(negatives)
    if positives is not None:
        for figure in ("top_score", "top_similarity"):
            values = [o[figure] for o in positives if o.get(figure) is not None]
            summary[f"positive_mean_{figure}"] = round(mean(values), 4)
    summary["by_language"] = {language: figures(o) for language, o in sorted(by_language.items())}
    summary["queries_list"] = negatives
    return summary


def hubs(tops: list, unrelated_tops: list | None = None) -> dict:
    """The hub share over all queries (`tops`: each query's first result, None where it got nothing) and the items
    that top the most queries. With `unrelated_tops` (each query's first result only where it is not an answer to
    that query), also the unrelated share: the largest share of all queries one item tops *wrongly*. An item that
    is the answer to many queries (the same sentence asked in three languages) raises the plain share without
    being a hub; the unrelated share counts only what a hub does."""
    share, item, count = hub_share(tops)
    counts: dict = defaultdict(int)
    for top in tops:
        if top is not None:
            counts[top] += 1
    ranked = sorted(counts.items(), key=lambda pair: -pair[1])[:HUBS_LISTED]
    return {
        "queries": len(tops),
        "share": round(share, 4),
        "item": item,
        "count": count,
        "distinct_tops": len(counts),
        "top_items": [{"item": name, "queries": n, "share": round(n / len(tops), 4)} for name, n in ranked],
        **(_unrelated(unrelated_tops) if unrelated_tops is not None else {}),
    }


def _unrelated(unrelated_tops: list) -> dict:
    share, item, count = hub_share(unrelated_tops)
    return {"unrelated_share": round(share, 4), "unrelated_item": item, "unrelated_count": count}


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

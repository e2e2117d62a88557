"""Where search loses paraphrase queries that meaning alone would answer: each query followed stage by stage.

    .venv/bin/python benchmarks/paraphrase_stages.py \\
        --set moments=devsets/moments/manifest.jsonl:COPY_OF_MOMENTS_LIBRARY \\
        --set messy=devsets/messy/manifest.jsonl:COPY_OF_MESSY_LIBRARY \\
        --set eval=devsets/eval/manifest.jsonl:COPY_OF_EVAL_LIBRARY

Each LIBRARY is an indexed data folder (`mediarec eval` leaves one in OUT/library). Opening it may write to it (the
tag names' refresh), so point it at a copy. For every paraphrase query (the manifest's "paraphrase", and in the eval
set a "speech" or "cross-lingual" query whose words are not in its recording, as benchmarks/calibrate_search.py
counts them), the rank of its best right recording is taken at each stage between the text encoder and what
`mediarec search` returns (a set without negative queries gets calibrate_search.py's EXTRA_NEGATIVES):

  sentence cosine     the recording's best transcript line by raw cosine (the ceiling of
                      benchmarks/text_encoder_ceiling.py, no threshold)
  chunk cosine        its best transcript chunk (the speech channel's unit) by raw cosine
  speech probability  its best chunk by the speech channel's calibrated probability (normalised score and cosine)
  fused               every channel fused (rank/search.py's SearchEngine.candidates), before the threshold
  returned            what the search returns (the threshold applied)

A query the ceiling answers (right recording within depth 1 and 5) but the search does not is lost at the first
stage where the right recording falls below that depth; at "fused" the channel of the recording that took its
place is named (its most probable channel), and at "returned" whether the search returned nothing at all or only
left the right recording out. Prints one JSON object: per set and depth, the counts per stage lost, and every lost
query with its ranks and figures. It also checks that the fused stage, thresholded, gives the search's own order.

``--language-bonus B`` (repeatable) adds a what-if, the speech channel alone at the match threshold with B added to
the cosine of recordings whose transcript language is the query's as the manifest gives it (an oracle), against the
same with no bonus: paraphrases' right first and R@5, negatives empty. Search's own same-language bonus (the
detector of rank/query_language.py, the speech fit's language_bonus) is already in the probabilities it adds to.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mediarec.evaluation.manifest import load_manifest  # noqa: E402

DEPTHS = (1, 5)
STAGES = ("sentence cosine", "chunk cosine", "speech probability", "fused", "returned")
SEARCH_DEPTH = 50


@dataclass(frozen=True)
class Query:
    text: str
    language: str
    relevant: frozenset[int]  # item ids; empty for a negative query


def open_library(folder: Path):
    from mediarec.app import Library
    from mediarec.config import load_settings

    settings = load_settings(
        environ={**os.environ, "MEDIAREC_PROFILE": os.environ.get("MEDIAREC_PROFILE", "offline")}
    )
    return Library(settings.with_updates(data_dir=folder))


def paraphrase_queries(manifest, ids: dict) -> tuple[list[Query], list[Query]]:
    """(the paraphrase queries, the negative queries), as calibrate_search.py's query_kind counts them."""
    transcripts = {item.path: (item.transcript or "").strip().casefold() for item in manifest.items}
    chosen, negatives = [], []
    for query in manifest.queries:
        if query.negative:
            negatives.append(Query(query.text, query.language or "?", frozenset()))
            continue
        words = query.text.strip().casefold()
        said = any(words and words in transcripts.get(path, "") for path in query.relevant)
        if query.type == "paraphrase" or (query.type in ("speech", "cross-lingual") and not said):
            relevant = frozenset(ids[path] for path in query.relevant if path in ids)
            chosen.append(Query(query.text, query.language or "?", relevant))
    if not negatives:  # as calibrate_search.py does for a set without negative queries
        from calibrate_search import EXTRA_NEGATIVES

        negatives = [
            Query(t, language, frozenset()) for language, texts in EXTRA_NEGATIVES.items() for t in texts
        ]
    return chosen, negatives


class Stages:
    """The stage rankings of one library: its transcript lines embedded once, then each query's rankings."""

    def __init__(self, library, item_ids: list[int]):
        self.library = library
        self.engine = library.search_engine
        self.text = library.query_models.get("text")
        owners, texts = [], []
        for item_id in item_ids:
            for line in library.store.transcript(item_id, 0.0, 1e12):
                owners.append(item_id)
                texts.append(line.text)
        self.line_items = np.array(owners)
        self.line_vectors = np.asarray(self.text.encode_passages(texts), np.float32)

    def rankings(self, text: str) -> tuple[dict[str, list[int]], dict]:
        """Per stage, the item ids best first; and each fused candidate's channel probabilities."""
        from mediarec.rank.search import MATCH_THRESHOLD

        query_vector = np.asarray(self.text.encode_queries([text]), np.float32)[0]
        lines: dict[int, float] = {}
        for item_id, cosine in zip(self.line_items, self.line_vectors @ query_vector, strict=True):
            lines[int(item_id)] = max(lines.get(int(item_id), -1.0), float(cosine))
        speech = self.engine.channel_moments(text).get("speech", [])
        chunk = best_of(speech, lambda moment: moment.similarity)
        probability = best_of(speech, lambda moment: moment.score)
        candidates = self.engine.candidates(text, MATCH_THRESHOLD)
        fused = {
            item_id: self.engine.calibration.fuse(candidate.channels.values())
            for item_id, candidate in candidates.items()
        }
        best_moment = {item_id: max(m.score for m in c.moments) for item_id, c in candidates.items()}
        returned = [hit.item.id for hit in self.library.search(text, SEARCH_DEPTH)]
        order = {
            "sentence cosine": ranked(lines),
            "chunk cosine": ranked(chunk),
            "speech probability": ranked(probability),
            "fused": sorted(fused, key=lambda item: (-fused[item], -best_moment[item], item)),
            "returned": returned,
        }
        details = {
            "fused": fused,
            "channels": {item: dict(c.channels) for item, c in candidates.items()},
            "sentence": lines,
            "chunk": chunk,
        }
        return order, details

    def speech_alone(self, query: Query, bonus: float, languages: dict[int, str]) -> list[int]:
        """The items the speech channel alone passes at the match threshold, best first, with ``bonus`` added to
        the cosine of items in the query's language (``languages``: item id -> its transcript language)."""
        from mediarec.rank.search import MATCH_THRESHOLD

        closeness = self.engine.query_closeness(query.text).get("speech")
        best: dict[int, float] = {}
        for item_id, moment in self.engine.channel_moments(query.text).get("speech", []):
            same = languages.get(item_id, "")[:2] == query.language[:2]
            cosine = moment.similarity + (bonus if same else 0.0)
            value = float(self.engine.calibration.probability("speech", moment.z, cosine, closeness))
            best[item_id] = max(best.get(item_id, 0.0), value)
        return [item for item in ranked(best) if best[item] >= MATCH_THRESHOLD]


def language_bonus_figures(stages: Stages, queries, negatives, bonuses, languages) -> dict:
    """Per bonus (0 first): paraphrases' right first and R@5 (any right one), negatives empty; speech alone."""
    figures = {}
    for bonus in (0.0, *bonuses):
        orders = [stages.speech_alone(query, bonus, languages) for query in queries]
        ranks = [first_right(order, query.relevant) for order, query in zip(orders, queries, strict=True)]
        figures[f"bonus {bonus}"] = {
            "paraphrase_first": _share(rank == 1 for rank in ranks),
            "paraphrase_r@5": _share(rank is not None and rank <= 5 for rank in ranks),
            "negatives_empty": _share(
                not stages.speech_alone(query, bonus, languages) for query in negatives
            ),
        }
    return figures


def _share(flags) -> float | None:
    flags = list(flags)
    return round(sum(flags) / len(flags), 3) if flags else None


def best_of(moments, value) -> dict[int, float]:
    best: dict[int, float] = {}
    for item_id, moment in moments:
        best[item_id] = max(best.get(item_id, -np.inf), float(value(moment)))
    return best


def ranked(scores: dict[int, float]) -> list[int]:
    return sorted(scores, key=lambda item: (-scores[item], item))


def first_right(order: list[int], relevant: frozenset[int]) -> int | None:
    return next((rank for rank, item in enumerate(order, 1) if item in relevant), None)


def loss(ranks: dict[str, int | None], depth: int) -> str | None:
    """The first stage at which a query the ceiling answers within ``depth`` no longer is; None if not lost."""
    within = {stage: rank is not None and rank <= depth for stage, rank in ranks.items()}
    if not within["sentence cosine"] or within["returned"]:
        return None
    return next(stage for stage in STAGES[1:] if not within[stage])


def cause(
    stage: str, order: dict[str, list[int]], details: dict, relevant: frozenset[int], depth: int
) -> str:
    """The stage lost, with what: at "fused" the channel of the first wrong item, at "returned" nothing or a cut."""
    if stage == "fused":
        wrong = [item for item in order["fused"][:depth] if item not in relevant]
        channels = details["channels"][wrong[0]]
        return f"fused: outranked by {max(channels, key=channels.get)}"
    if stage == "returned":
        return "returned: nothing" if not order["returned"] else "returned: right one below the threshold"
    return stage


def measure_set(name: str, manifest_path: Path, folder: Path, names: dict, bonuses=()) -> dict:
    from mediarec.rank.search import MATCH_THRESHOLD

    manifest = load_manifest(manifest_path)
    library = open_library(folder.absolute())
    try:
        ids = {}
        for item in manifest.items:
            record = library.store.item_by_path(str(item.path))
            if record is not None and record.status == "indexed":
                ids[item.path] = record.id
                names[(name, record.id)] = Path(item.path).name
        queries, negatives = paraphrase_queries(manifest, ids)
        stages = Stages(library, sorted(ids.values()))
        lost: dict[int, list[dict]] = {depth: [] for depth in DEPTHS}
        within: dict[int, Counter] = {depth: Counter() for depth in DEPTHS}
        agree = 0
        for query in queries:
            order, details = stages.rankings(query.text)
            passing = [i for i in order["fused"] if details["fused"][i] >= MATCH_THRESHOLD][:SEARCH_DEPTH]
            agree += passing == order["returned"]
            ranks = {stage: first_right(order[stage], query.relevant) for stage in STAGES}
            for depth in DEPTHS:
                within[depth].update(
                    stage for stage, rank in ranks.items() if rank is not None and rank <= depth
                )
                stage = loss(ranks, depth)
                if stage is not None:
                    lost[depth].append(lost_query(name, query, stage, order, details, ranks, depth, names))
        empty = sum(not library.search(query.text, SEARCH_DEPTH) for query in negatives)
        what_if = {}
        if bonuses:
            items = library.store.items_by_ids(sorted(ids.values()))
            languages = {item_id: item.language or "" for item_id, item in items.items()}
            what_if = language_bonus_figures(stages, queries, negatives, bonuses, languages)
    finally:
        library.close()
    return {
        **({"speech_alone_with_language_bonus": what_if} if what_if else {}),
        "paraphrase_queries": len(queries),
        "negative_queries": len(negatives),
        "negatives_empty": round(empty / len(negatives), 4) if negatives else None,
        "fused_thresholded_is_the_search": f"{agree}/{len(queries)}",
        "by_depth": {
            f"depth {depth}": {
                "share_within_depth_per_stage": {
                    stage: round(within[depth][stage] / max(len(queries), 1), 3) for stage in STAGES
                },
                "lost_by_cause": dict(Counter(entry["cause"] for entry in lost[depth]).most_common()),
                "lost": lost[depth],
            }
            for depth in DEPTHS
        },
    }


def lost_query(name, query: Query, stage: str, order, details, ranks, depth: int, names: dict) -> dict:
    right = min(query.relevant, key=lambda item: ranks_of(order["fused"], item))
    return {
        "query": query.text,
        "language": query.language,
        "cause": cause(stage, order, details, query.relevant, depth),
        "ranks": ranks,
        "right": names.get((name, right)),
        "right_sentence_cosine": _rounded(details["sentence"].get(right)),
        "right_chunk_cosine": _rounded(details["chunk"].get(right)),
        "right_channels": {k: round(v, 3) for k, v in details["channels"].get(right, {}).items()},
        "right_fused": _rounded(details["fused"].get(right)),
        "fused_first": names.get((name, order["fused"][0])) if order["fused"] else None,
        "fused_first_channels": {
            k: round(v, 3) for k, v in details["channels"].get(order["fused"][0], {}).items()
        }
        if order["fused"]
        else {},
    }


def ranks_of(order: list[int], item: int) -> int:
    return order.index(item) if item in order else len(order)


def _rounded(value) -> float | None:
    return None if value is None else round(float(value), 4)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--set", action="append", required=True, help="NAME=MANIFEST:LIBRARY_DATA_DIR (repeatable; a copy)"
    )
    parser.add_argument("--summary", action="store_true", help="leave out the per-query list")
    parser.add_argument(
        "--language-bonus", type=float, action="append", default=[], help="a what-if (see above; repeatable)"
    )
    args = parser.parse_args()
    report, names = {}, {}
    for given in args.set:
        name, _, paths = given.partition("=")
        manifest, _, folder = paths.partition(":")
        if not (name and manifest and folder):
            parser.error(f"--set wants NAME=MANIFEST:LIBRARY_DATA_DIR, not {given!r}")
        report[name] = measure_set(name, Path(manifest), Path(folder), names, args.language_bonus)
        if args.summary:
            for figures in report[name]["by_depth"].values():
                figures.pop("lost")
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

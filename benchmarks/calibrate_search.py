"""Fit the calibration of search and "more like this" on the development sets, and report search on them.

    .venv/bin/python benchmarks/calibrate_search.py --write       # fit, write resources/search_calibration.json,
                                                                  # then report the search this tree now does
    .venv/bin/python benchmarks/calibrate_search.py --report-only # only report (run it with PYTHONPATH pointing
                                                                  # at another checkout to measure "before")

Sets (``--manifest``, repeatable): devsets/messy/manifest.jsonl (benchmarks/devsets/build_messy_devset.py) and
devsets/eval/manifest.jsonl (build_eval_devset.py) where they exist. Each is indexed into OUT/NAME/library with the
offline profile (``--profile``), as `mediarec eval` does. A set without negative queries gets the ones in
EXTRA_NEGATIVES (things neither set holds; none of them is in resources/query_bank.txt).

Honesty rules: queries are split by a hash of their text; a third is held out, never fitted on, and every figure is
reported for both parts. Items are split the same way for "more like this". What counts as a match when fitting
comes from the manifests alone: the query's relevant items, items relevant together with one of them to another
query (the same prompt in another language, a paraphrase's group), and for pictures an item whose labels name
what a query "a X" asks for (a narrated talk drawn over a red circle *is* a red circle). The reports use the
manifests' own relevance, through mediarec.evaluation.retrieval.evaluate_search.

Fitting: per search channel, a logistic P(match | normalised score) on each query's ten best items of that channel
(the decisions that matter are at the top); for TWO_INPUT_CHANNELS (speech) P(match | normalised score, raw
cosine), on the ten best by either; for the words-said channel (rank/search.py) P(exact words | lexical overlap),
where only a query's own recordings count as matches, and only for a query of their words (words_matches_of);
the fused-probability threshold is the one of THRESHOLDS that
maximises, on the fitted queries, the mean of the negative queries' empty rate and the positive queries' R@5. "More
like this": per modality, a logistic P(same group | similarity) on each item's ten most similar items; its cutoff
(more alike than a random pair) is fixed, and its precision and recall over those pairs are printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import subprocess
import sys
import zlib
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))  # after PYTHONPATH, so that --report-only can measure another checkout

DEFAULT_MANIFESTS = (
    REPO / "devsets" / "messy" / "manifest.jsonl",
    REPO / "devsets" / "eval" / "manifest.jsonl",
)
DEFAULT_OUT = REPO / "benchmarks" / "_out" / "calibrate_search"
CALIBRATION_FILE = REPO / "resources" / "search_calibration.json"
HELD_OUT = 3  # one query (or item) in three
TOP = 10
SEARCH_DEPTH = 50
THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)
SIMILAR_MIN = 0.0  # more alike than a random pair of the library (rank/calibration.py, SimilarCalibration)
WEAK_THRESHOLD = 0.05
AGREEMENT = (
    0.5  # 0 (the best channel alone), 0.5 and 1 (noisy-OR) gave the same figures on the fitted queries
)
MIN_SLOPE = 0.05
# --operating-point: the logit shifts tried on a channel's fit, and the share of negative queries (fitted part) that
# must stay empty. A likelihood fit on each query's ten best candidates says how often such a candidate matches; the
# threshold is one for every channel; so a channel whose matches sit just under it is moved by the shift that best
# serves the threshold's objective, never past these guards (nor raising the hub share above the larger of
# MAX_HUB_SHARE and its share unshifted).
OPERATING_SHIFTS = (-0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0)
MIN_NEGATIVES_EMPTY = 0.9
MAX_HUB_SHARE = 0.03
# The weights of the query's closeness to the query bank tried with each shift, for a channel whose rows carry it
# (speech): negative, so that a query much like the bank's generic sentences needs a higher cosine to match.
# A likelihood fit on each query's ten best candidates gave it the wrong sign (+17): it learns which candidates of
# a query match, not which queries have a match at all, which is what the threshold decides.
QUERY_SLOPES = (0.0, -5.0, -10.0, -15.0, -20.0, -25.0, -30.0)
# The same-language bonuses on the cosine tried at the chosen shift and weight, for a channel whose rows say which
# candidates are in the query's language (speech; rank/query_language.py), under the same guards.
LANGUAGE_BONUSES = (0.0, 0.02, 0.03, 0.05, 0.075, 0.1)
# Channels whose logistic also weighs the raw cosine: on speech it tells paraphrases of a recording from "no match"
# queries better than the normalised score (benchmarks/speech_overlap.py), which stays in to keep hubs out.
TWO_INPUT_CHANNELS = ("speech",)
EXTRA_NEGATIVES = {
    "en": (
        "a submarine under the ice", "a hot air balloon festival", "a tattoo artist at work",
        "a spider building a web", "a surgeon operating on a patient", "ice hockey players fighting",
        "a tractor ploughing a field", "a lawyer in a courtroom", "a potter shaping clay on a wheel",
        "a skateboarder doing tricks", "a greenhouse full of tomatoes", "a tiger hunting in the jungle",
        "zzzz", "qwxv plorf", "an opera singer on stage", "a queen's coronation",
    ),
    "zh": (
        "冰下的潜水艇", "热气球节", "纹身师在工作", "蜘蛛织网", "外科手术", "冰球比赛", "拖拉机耕地",
        "法庭上的律师", "做陶艺", "滑板少年", "温室里的西红柿", "舞龙舞狮", "京剧表演", "打太极拳",
    ),
}  # fmt: skip


def held_out(key: str) -> bool:
    return zlib.crc32(key.encode("utf-8")) % HELD_OUT == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", action="append", help="a development set (repeatable)")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--profile", default="offline")
    parser.add_argument("--write", action="store_true", help=f"write the fit to {CALIBRATION_FILE.name}")
    parser.add_argument("--report-only", action="store_true", help="measure the search as it is, fit nothing")
    parser.add_argument("--label", default="", help="a name for this report (e.g. before, after)")
    parser.add_argument(
        "--reuse-rows",
        action="store_true",
        help="fit again on the scores the last run collected (OUT/rows.json)",
    )
    parser.add_argument(
        "--operating-point",
        default="",
        help="with --channels: comma-separated channels (e.g. words,speech) whose fits are then moved, in turn, by "
        "the logit shift of OPERATING_SHIFTS that best serves the threshold's objective on the fitted queries while "
        "negatives stay empty; with --reuse-rows: the shipped fits moved on the rows the last --channels run "
        "collected (OUT/rows-channels.json)",
    )
    parser.add_argument(
        "--channels",
        default="",
        help="comma-separated channels (e.g. read) to fit on the given sets alone; every other figure of the "
        "calibration file (the other channels, the threshold, more like this) is kept as it is",
    )
    args = parser.parse_args(argv)
    manifests = (
        [Path(m) for m in args.manifest] if args.manifest else [m for m in DEFAULT_MANIFESTS if m.exists()]
    )
    if not manifests:
        parser.error("no development set: build one (benchmarks/devsets/) or give --manifest")
    out = Path(args.out).absolute()
    if args.report_only:
        report = {name: figures for name, figures in measure_all(manifests, out, args.profile)}
        path = out / f"report{'-' + args.label if args.label else ''}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print_report(report, args.label)
        return 0
    if args.channels:
        fitted = fit_channels_only(
            manifests, out, args.profile, [c.strip() for c in args.channels.split(",")]
        )
        rows = json.loads((out / "rows-channels.json").read_text())["search"]
        for channel in filter(None, (c.strip() for c in args.operating_point.split(","))):
            move_operating_point(fitted, rows, channel)  # one after the other, each with the last one moved
    elif args.reuse_rows and args.operating_point:  # move the shipped fits on the rows --channels collected
        fitted = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
        rows = mark_same_language(json.loads((out / "rows-channels.json").read_text())["search"], out)
        for channel in filter(None, (c.strip() for c in args.operating_point.split(","))):
            move_operating_point(fitted, rows, channel)
    elif args.reuse_rows:
        saved = json.loads((out / "rows.json").read_text())
        fitted = fit_rows(saved["search"], saved["similar"], saved["sources"])
    else:
        fitted = fit_all(manifests, out, args.profile)
    target = CALIBRATION_FILE if args.write else out / "search_calibration.json"
    target.write_text(json.dumps(fitted, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    if not args.write:
        print(
            "(not written to resources/: pass --write; the report below is of the calibration already there)"
        )
    command = [sys.executable, __file__, "--report-only", "--out", str(out), "--profile", args.profile]
    command += [arg for manifest in manifests for arg in ("--manifest", str(manifest))]
    return subprocess.call([*command, "--label", args.label or "after"])


# -- libraries ------------------------------------------------------------------------------------------------------


def open_set(manifest_path: Path, out: Path, profile: str):
    """(name, library, manifest with negatives, item ids by manifest path), indexed into OUT/NAME/library."""
    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.evaluation.manifest import ManifestQuery, load_manifest

    manifest = load_manifest(manifest_path)
    if not any(query.negative for query in manifest.queries):
        extra = tuple(
            ManifestQuery("negative", text, (), language, negative=True)
            for language, texts in EXTRA_NEGATIVES.items()
            for text in texts
        )
        manifest = dataclasses.replace(manifest, queries=manifest.queries + extra)
    name = manifest_path.parent.name
    settings = load_settings(environ={**os.environ, "MEDIAREC_PROFILE": profile})
    library = Library(settings.with_updates(data_dir=out / name / "library"))
    for _ in library.indexer().run([item.path for item in manifest.items]):
        pass
    item_ids = {}
    for item in manifest.items:
        record = library.store.item_by_path(str(item.path))
        if record is not None and record.status == "indexed":
            item_ids[item.path] = record.id
    return name, library, manifest, item_ids


# -- the report -----------------------------------------------------------------------------------------------------


def measure_all(manifests: list[Path], out: Path, profile: str):
    for manifest_path in manifests:
        name, library, manifest, item_ids = open_set(manifest_path, out, profile)
        try:
            yield (
                name,
                {
                    split: measure(library, subset(manifest, split), item_ids)
                    for split in ("fitted", "held out")
                },
            )
        finally:
            library.close()


def subset(manifest, split: str):
    queries = tuple(q for q in manifest.queries if held_out(q.text) == (split == "held out"))
    return dataclasses.replace(manifest, queries=queries)


def measure(library, manifest, item_ids: dict) -> dict:
    from mediarec.evaluation.retrieval import evaluate_search

    results = evaluate_search(library, manifest, item_ids)
    transcripts = {item.path: (item.transcript or "").strip().casefold() for item in manifest.items}
    relevant_of = {(q.type, q.text): q.relevant for q in manifest.queries}
    exact, paraphrase, other = [], [], []
    for outcome in results["queries"]:
        relevant = relevant_of[(outcome["type"], outcome["text"])]
        kind = query_kind(outcome["type"], outcome["text"], relevant, transcripts)
        {"exact": exact, "paraphrase": paraphrase}.get(kind, other).append(outcome)
    negatives = results["negatives"]
    return {
        "queries": len(manifest.queries),
        "hub_share": results["hubs"]["share"],
        "hub": results["hubs"]["item"],
        "negative_queries": negatives.get("queries", 0),
        "negative_empty_rate": negatives.get("empty_rate"),
        "exact_queries": len(exact),
        "exact_r@1": _mean(o["recall@1"] for o in exact),
        "paraphrase_queries": len(paraphrase),
        "paraphrase_r@5": _mean(o["recall@5"] for o in paraphrase),
        "other_queries": len(other),
        "other_r@5": _mean(o["recall@5"] for o in other),
        "by_type": results["by_type"],
    }


def query_kind(query_type: str, text: str, relevant, transcripts: dict) -> str:
    """ "exact" (the words of a relevant item's transcript), "paraphrase" (other speech queries), else the type."""
    if query_type == "exact":
        return "exact"
    if query_type == "paraphrase":
        return "paraphrase"
    if query_type in ("speech", "cross-lingual"):
        words = text.strip().casefold()
        return (
            "exact"
            if any(words and words in transcripts.get(path, "") for path in relevant)
            else "paraphrase"
        )
    return query_type


def _mean(values) -> float | None:
    values = list(values)
    return round(float(np.mean(values)), 4) if values else None


def print_report(report: dict, label: str) -> None:
    print(f"\n{label or 'report'}:")
    header = "set / queries        hub share  negatives empty  exact R@1      paraphrase R@5  other R@5"
    print(header)
    for name, splits in report.items():
        for split, f in splits.items():
            print(
                f"{name + ' ' + split:20s} {f['hub_share']:<10.3f} "
                f"{_cell(f['negative_empty_rate'], f['negative_queries']):16s} "
                f"{_cell(f['exact_r@1'], f['exact_queries']):14s} "
                f"{_cell(f['paraphrase_r@5'], f['paraphrase_queries']):15s} "
                f"{_cell(f['other_r@5'], f['other_queries'])}"
            )


def _cell(value, count) -> str:
    return f"{value:.3f} ({count})" if value is not None else f"- ({count})"


# -- fitting search ------------------------------------------------------------------------------------------------


def fit_all(manifests: list[Path], out: Path, profile: str) -> dict:
    search_rows, similar_rows, sources = [], [], []
    for manifest_path in manifests:
        name, library, manifest, item_ids = open_set(manifest_path, out, profile)
        try:
            search_rows += channel_rows(name, library, manifest, item_ids)
            similar_rows += similar_pairs(name, library, manifest, item_ids)
            sources.append(
                {
                    "set": str(
                        manifest_path.relative_to(REPO)
                        if manifest_path.is_relative_to(REPO)
                        else manifest_path
                    ),
                    "items": len(item_ids),
                    "queries": len(manifest.queries),
                    "models": library.models.model_ids(),
                }
            )
        finally:
            library.close()
    (out / "rows.json").write_text(
        json.dumps({"search": search_rows, "similar": similar_rows, "sources": sources})
    )
    return fit_rows(search_rows, similar_rows, sources)


def fit_rows(search_rows: list[dict], similar_rows: list[dict], sources: list[dict]) -> dict:
    channels = {}
    for channel in sorted({row["channel"] for row in search_rows if row["channel"] is not None}):
        fitted = [row for row in search_rows if row["channel"] == channel and not row["held_out"]]
        channels[channel] = fit_channel(channel, fitted)
    threshold, sweep = choose_threshold(search_rows, channels)
    modalities, similar_threshold = fit_similar(similar_rows)
    return {
        "version": calibration_version(),
        "source": {
            "sets": sources,
            "date": datetime.date.today().isoformat(),
            "script": "benchmarks/calibrate_search.py",
            "held_out": f"queries and items whose crc32(text or path) % {HELD_OUT} == 0 (not fitted on)",
            "threshold_sweep_on_fitted_queries": sweep,
        },
        "search": {
            "channels": channels,
            "threshold": threshold,
            "weak_threshold": WEAK_THRESHOLD,
            "agreement": AGREEMENT,
        },
        "similar": {"modalities": modalities, "min_similarity": similar_threshold},
    }


def fit_channels_only(manifests: list[Path], out: Path, profile: str, channels: list[str]) -> dict:
    """The calibration file with only ``channels`` fitted again, on ``manifests``' rows (a new channel, such as
    on-screen text, gets its fit on a set made for it without moving the fits the other channels were chosen
    with); the sets and the date of each such fit are recorded under source.channel_fits, the candidates it saw
    in OUT/rows-channels.json."""
    fitted = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    rows, sets = [], []
    for manifest_path in manifests:
        name, library, manifest, item_ids = open_set(manifest_path, out, profile)
        try:
            rows += channel_rows(name, library, manifest, item_ids)
            sets.append({"set": _relative(manifest_path), "items": len(item_ids), "queries": len(manifest.queries),
                         "models": library.models.model_ids()})  # fmt: skip
        finally:
            library.close()
    (out / "rows-channels.json").write_text(json.dumps({"search": rows, "sources": sets}))
    for channel in channels:
        chosen = [row for row in rows if row["channel"] == channel and not row["held_out"]]
        if not chosen:
            raise SystemExit(f"no {channel!r} candidates in {', '.join(s['set'] for s in sets)}")
        fitted["search"]["channels"][channel] = fit_channel(channel, chosen)
        # a new fit holds no operating point yet: the old one's shift is not undone from it
        fitted["source"].get("operating_points", {}).pop(channel, None)
        fitted["version"] = calibration_version()
        fitted["source"].setdefault("channel_fits", {})[channel] = {
            "sets": sets,
            "date": datetime.date.today().isoformat(),
            "candidates": len(chosen),
        }
    return fitted


def move_operating_point(fitted: dict, rows: list[dict], channel: str) -> None:
    """Shift ``channel``'s logistic in ``fitted`` (a calibration file's content) by the OPERATING_SHIFTS logit shift
    whose objective (choose_threshold's, at the file's threshold, on the fitted queries) is best while at least
    MIN_NEGATIVES_EMPTY of the negative queries stay empty and the unrelated hub share (the largest share of queries
    one item tops while not an answer to them: an item that answers a sentence asked in three languages is not a
    hub) does not rise (see MAX_HUB_SHARE); the sweep is recorded under source.operating_points. Where the channel's
    rows carry the query's closeness to the query bank (rank/calibration.py's Logistic), each shift is tried with
    each of QUERY_SLOPES as its weight, around the rows' mean closeness. A shift and weight the file already holds
    are undone first, so that running it again does not add up."""
    from mediarec.rank.calibration import Logistic

    channels = fitted["search"]["channels"]
    base = Logistic.from_json(channels[channel])
    earlier = fitted["source"].get("operating_points", {}).get(channel)
    if earlier is not None:
        base = dataclasses.replace(base, midpoint=base.midpoint + earlier["shift"] / base.slope)
    base = dataclasses.replace(base, query_slope=0.0, query_midpoint=0.0)
    closeness = [row["closeness"] for row in rows if row["channel"] == channel and "closeness" in row]
    query_midpoint = float(np.mean(closeness)) if closeness else 0.0
    threshold = fitted["search"]["threshold"]
    sweep, moved = [], {}
    for shift in OPERATING_SHIFTS:
        for query_slope in QUERY_SLOPES if closeness else (0.0,):
            moved[(shift, query_slope)] = dataclasses.replace(
                base, midpoint=base.midpoint - shift / base.slope, query_slope=query_slope,
                query_midpoint=query_midpoint if query_slope else 0.0,
            )  # fmt: skip
            figures = threshold_figures(
                rows, {**channels, channel: moved[(shift, query_slope)].to_json()}, threshold
            )
            sweep.append({"shift": shift, "query_slope": query_slope, **figures})
            print(f"{channel} shifted by {shift:+.2f}, query weight {query_slope:+.1f}: {figures}")
    unmoved = next(entry for entry in sweep if entry["shift"] == 0.0 and entry["query_slope"] == 0.0)
    hubs = max(MAX_HUB_SHARE, unmoved["unrelated_hub_share"])
    allowed = [
        entry
        for entry in sweep
        if entry["negative_empty_rate"] >= MIN_NEGATIVES_EMPTY and entry["unrelated_hub_share"] <= hubs
    ] or [unmoved]
    best = max(allowed, key=lambda e: (e["objective"], -abs(e["shift"]), -abs(e["query_slope"])))
    channels[channel] = moved[(best["shift"], best["query_slope"])].to_json()
    fitted["source"].setdefault("operating_points", {})[channel] = {
        "shift": best["shift"], "query_slope": best["query_slope"], "threshold": threshold,
        "date": datetime.date.today().isoformat(), "min_negatives_empty": MIN_NEGATIVES_EMPTY,
        "sweep_on_fitted_queries": sweep,
    }  # fmt: skip
    if any("same_language" in row for row in rows if row["channel"] == channel):
        choose_language_bonus(fitted, rows, channel, hubs)


def choose_language_bonus(fitted: dict, rows: list[dict], channel: str, max_hubs: float) -> None:
    """Give ``channel``'s fit the LANGUAGE_BONUSES bonus (on the cosine of candidates in the query's language) whose
    objective on the fitted queries is best while MIN_NEGATIVES_EMPTY of the negatives stay empty and the unrelated
    hub share stays within ``max_hubs``; the sweep is recorded with the channel's operating point."""
    from mediarec.rank.calibration import Logistic

    channels = fitted["search"]["channels"]
    base = Logistic.from_json(channels[channel])
    sweep = []
    for bonus in LANGUAGE_BONUSES:
        moved = dataclasses.replace(base, language_bonus=bonus).to_json()
        figures = threshold_figures(rows, {**channels, channel: moved}, fitted["search"]["threshold"])
        sweep.append({"language_bonus": bonus, **figures})
        print(f"{channel} with a same-language bonus of {bonus}: {figures}")
    allowed = [
        entry
        for entry in sweep
        if entry["language_bonus"] == 0.0
        or (entry["negative_empty_rate"] >= MIN_NEGATIVES_EMPTY and entry["unrelated_hub_share"] <= max_hubs)
    ]
    best = max(allowed, key=lambda entry: (entry["objective"], -entry["language_bonus"]))
    channels[channel] = dataclasses.replace(base, language_bonus=best["language_bonus"]).to_json()
    fitted["version"] = calibration_version()
    point = fitted["source"]["operating_points"][channel]
    point.update(language_bonus=best["language_bonus"], language_sweep_on_fitted_queries=sweep)


def mark_same_language(rows: list[dict], out: Path) -> list[dict]:
    """Rows collected before search marked the query's language: each speech row gets whether its item's transcript
    (OUT/SET/library's items) is in the query's language as rank/query_language.py names it."""
    import sqlite3

    from mediarec.rank.query_language import query_language, same_language

    languages: dict[str, dict[int, str]] = {}
    for row in rows:
        if row["channel"] != "speech" or "same_language" in row:
            continue
        if row["set"] not in languages:
            database = sqlite3.connect(out / row["set"] / "library" / "library.sqlite3")
            languages[row["set"]] = dict(database.execute("SELECT id, language FROM items"))
            database.close()
        row["same_language"] = same_language(
            query_language(row["query"]), languages[row["set"]].get(row["item"])
        )
    return rows


def calibration_version() -> int:
    from mediarec.rank.calibration import CALIBRATION_VERSION

    return CALIBRATION_VERSION


def fit_channel(channel: str, rows: list[dict]) -> dict:
    """The channel's logistic (Logistic.to_json) on its candidates: over the normalised score, and for
    TWO_INPUT_CHANNELS over it and the raw cosine."""
    from mediarec.rank.calibration import Logistic

    xs, ys = [r["x"] for r in rows], [r["match"] for r in rows]
    if channel in TWO_INPUT_CHANNELS and all("cosine" in r for r in rows):
        logistic = fit_two_inputs(xs, [r["cosine"] for r in rows], ys)
    else:
        logistic = Logistic(*fit_logistic(xs, ys))
    print(f"search {channel:7s} {logistic.to_json()} on {len(rows)} candidates")
    return logistic.to_json()


def _relative(path: Path) -> str:
    return str(path.relative_to(REPO) if path.is_relative_to(REPO) else path)


def matches_of(manifest, item_ids: dict) -> dict[str, set[int]]:
    """Query text -> the item ids that count as a match when fitting (see the module docstring)."""
    relevant: dict[str, set[int]] = defaultdict(set)
    for query in manifest.queries:
        relevant[query.text] |= {item_ids[path] for path in query.relevant if path in item_ids}
    together: dict[int, set[int]] = defaultdict(set)
    for items in relevant.values():
        for item in items:
            together[item] |= items
    labels = {
        item_ids[i.path]: {label.casefold() for label in i.labels}
        for i in manifest.items
        if i.path in item_ids
    }
    matches = {}
    for query in manifest.queries:
        found = set(relevant[query.text])
        for item in relevant[query.text]:
            found |= together[item]
        words = query.text.casefold().strip()
        for article in ("a ", "an "):
            if query.type == "visual" and words.startswith(article):
                found |= {item for item, names in labels.items() if words[len(article) :] in names}
        matches[query.text] = found
    return matches


def words_matches_of(manifest, item_ids: dict) -> dict[str, set[int]]:
    """Query text -> the items that match it for the words-said channel: a query's relevant items when the query
    is their transcript's words (query_kind "exact"); nothing for the others. That channel says the query's words
    were said in the recording, so the same prompt in another language, or a paraphrase, is not its match (with
    them as matches its fit rated a sentence sharing one long word with a "no match" query as likely as not)."""
    transcripts = {item.path: (item.transcript or "").strip().casefold() for item in manifest.items}
    said: dict[str, set[int]] = defaultdict(set)
    for query in manifest.queries:
        if query_kind(query.type, query.text, query.relevant, transcripts) == "exact":
            said[query.text] |= {item_ids[path] for path in query.relevant if path in item_ids}
    return said


def channel_rows(name: str, library, manifest, item_ids: dict) -> list[dict]:
    """Each query's TOP best items per channel, with their best normalised score and whether they match."""
    engine = library.search_engine
    matches = matches_of(manifest, item_ids)
    said = words_matches_of(manifest, item_ids)
    rows = []
    for text in dict.fromkeys(query.text for query in manifest.queries):
        closeness = engine.query_closeness(text)  # per vector channel, one figure for the query
        for channel, moments in engine.channel_moments(text).items():
            ranked = top_candidates(moments, by_cosine_too=channel in TWO_INPUT_CHANNELS)
            in_language = {item_id for item_id, moment in moments if moment.same_language}
            rows += [
                {
                    "set": name,
                    "query": text,
                    "channel": channel,
                    "item": int(item_id),
                    "x": float(x),
                    "cosine": float(cosine),
                    **({"closeness": closeness[channel]} if channel in closeness else {}),
                    **({"same_language": item_id in in_language} if channel == "speech" else {}),
                    "match": bool(item_id in (said if channel == "words" else matches)[text]),
                    "held_out": held_out(text),
                }
                for item_id, (x, cosine) in ranked
            ]
    # the queries' own records, for choosing the threshold
    for query in manifest.queries:
        rows.append(
            {
                "set": name,
                "query": query.text,
                "channel": None,
                "negative": query.negative,
                "relevant": sorted(item_ids[p] for p in query.relevant if p in item_ids),
                "held_out": held_out(query.text),
            }
        )
    return rows


def top_candidates(moments, by_cosine_too: bool) -> list[tuple[int, tuple[float, float]]]:
    """The TOP items of best normalised score, each as its best moment's (z, cosine); with ``by_cosine_too`` also
    the TOP of best raw cosine (their best-cosine moment's): a two-input fit must see the hubs, which a high cosine
    would let through, among its non-matches."""
    by_z: dict[int, tuple[float, float]] = {}
    by_cosine: dict[int, tuple[float, float]] = {}
    for item_id, moment in moments:
        by_z[item_id] = max(by_z.get(item_id, (-np.inf, 0.0)), (moment.z, moment.similarity))
        best = by_cosine.get(item_id, (0.0, -np.inf))
        by_cosine[item_id] = max(best, (moment.z, moment.similarity), key=lambda pair: pair[1])
    ranked = dict(sorted(by_z.items(), key=lambda pair: -pair[1][0])[:TOP])
    if by_cosine_too:
        for item_id, pair in sorted(by_cosine.items(), key=lambda pair: -pair[1][1])[:TOP]:
            ranked.setdefault(item_id, pair)
    return list(ranked.items())


def fit_logistic(xs, ys, ridge: float = 1e-3) -> tuple[float, float]:
    """Maximum-likelihood logistic P(y | x) = sigmoid(slope * (x - midpoint)) by Newton's method, slope >= MIN_SLOPE
    (a calibration that falls as the score rises is noise: with it the midpoint alone is fitted)."""
    x = np.asarray(xs, np.float64)
    y = np.asarray(ys, np.float64)
    design = np.stack([x, np.ones_like(x)], axis=1)
    weights = np.zeros(2)
    for _ in range(200):
        p = 1.0 / (1.0 + np.exp(-design @ weights))
        gradient = design.T @ (p - y) + ridge * weights
        hessian = (design * (p * (1 - p))[:, None]).T @ design + ridge * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-9:
            break
    if weights[0] >= MIN_SLOPE:
        return float(weights[0]), float(-weights[1] / weights[0])
    midpoints = np.linspace(x.min() - 50, x.max() + 50, 2001)
    losses = [_log_loss(x, y, MIN_SLOPE, m) for m in midpoints]
    return MIN_SLOPE, float(midpoints[int(np.argmin(losses))])


def fit_two_inputs(zs, cosines, ys):
    """Maximum-likelihood P(y | z, cosine) = sigmoid(a * z + b * (cosine - mean cosine) + c), as a Logistic. The
    weight of z is held at MIN_SLOPE or more, for a likelihood that would drop it: it is what keeps hubs (high
    cosine to everything) out, and the candidates hold too few hubs to show it. The one-input fit on z where the
    cosine's weight comes out below MIN_SLOPE."""
    from mediarec.rank.calibration import Logistic

    z, cosine, y = (np.asarray(values, np.float64) for values in (zs, cosines, ys))
    centre = float(cosine.mean())
    weights = _newton(np.stack([z, cosine - centre, np.ones_like(z)], axis=1), y, np.zeros_like(z))
    if weights[0] < MIN_SLOPE:
        held = _newton(np.stack([cosine - centre, np.ones_like(z)], axis=1), y, MIN_SLOPE * z)
        weights = np.array([MIN_SLOPE, *held])
    if weights[1] < MIN_SLOPE:
        return Logistic(*fit_logistic(zs, ys))
    return Logistic(float(weights[0]), float(-weights[2] / weights[0]), float(weights[1]), centre)


def _newton(design: np.ndarray, y: np.ndarray, offset: np.ndarray, ridge: float = 1e-3) -> np.ndarray:
    """The weights w of the maximum-likelihood logistic P(y) = sigmoid(design @ w + offset)."""
    weights = np.zeros(design.shape[1])
    for _ in range(200):
        p = 1.0 / (1.0 + np.exp(-(design @ weights + offset)))
        gradient = design.T @ (p - y) + ridge * weights
        hessian = (design * (p * (1 - p))[:, None]).T @ design + ridge * np.eye(design.shape[1])
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-9:
            break
    return weights


def _log_loss(x, y, slope, midpoint) -> float:
    z = slope * (x - midpoint)
    return float(np.sum(np.logaddexp(0, -z) * y + np.logaddexp(0, z) * (1 - y)))


def choose_threshold(rows: list[dict], channels: dict) -> tuple[float, list]:
    sweep = []
    for threshold in THRESHOLDS:
        figures = threshold_figures(rows, channels, threshold)
        sweep.append({"threshold": threshold, **figures})
        print(
            f"threshold {threshold:.2f}: negatives empty {figures['negative_empty_rate']:.3f}, "
            f"positives R@5 {figures['positive_r@5']:.3f}"
        )
    best = max(sweep, key=lambda entry: (entry["objective"], entry["threshold"]))
    return best["threshold"], sweep


def threshold_figures(rows: list[dict], channels: dict, threshold: float) -> dict:
    """On the fitted queries' candidates, with these channel fits and this fused-probability threshold: the
    negative queries' empty rate, the positive queries' R@5, their mean (the objective) and the hub share (in the
    set where it is largest: the share of its queries, negatives too, whose first item is one same item)."""
    from mediarec.rank.calibration import Logistic, fuse_probabilities

    logistics = {name: Logistic.from_json(v) for name, v in channels.items()}
    fusion_channel = {"tags": "audio"}  # the heard channel and the audio vectors are one channel
    per_query: dict[tuple[str, str], dict[int, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        if row["channel"] not in logistics:  # a query's own record, or a channel the file has no fit of
            continue
        probability = logistics[row["channel"]].probability(
            row["x"], row.get("cosine"), row.get("closeness"), row.get("same_language")
        )
        channel = fusion_channel.get(row["channel"], row["channel"])
        found = per_query[(row["set"], row["query"])][row["item"]]
        found[channel] = max(found.get(channel, 0.0), probability)
    queries = [row for row in rows if row["channel"] is None and not row["held_out"]]
    empty, recall = [], []
    tops: dict[str, Counter] = defaultdict(Counter)
    wrong_tops: dict[str, Counter] = defaultdict(Counter)  # first items that are not an answer to the query
    asked: Counter = Counter()
    for query in queries:
        fused = {
            item: fuse_probabilities(found.values(), AGREEMENT)
            for item, found in per_query[(query["set"], query["query"])].items()
        }
        shown = [item for item, p in sorted(fused.items(), key=lambda pair: -pair[1]) if p >= threshold]
        asked[query["set"]] += 1
        if shown:
            tops[query["set"]][shown[0]] += 1
            if shown[0] not in query["relevant"]:
                wrong_tops[query["set"]][shown[0]] += 1
        if query["negative"]:
            empty.append(not shown)
        elif query["relevant"]:
            recall.append(len(set(shown[:5]) & set(query["relevant"])) / len(query["relevant"]))
    objective = (np.mean(empty) + np.mean(recall)) / 2

    def largest_share(counts: dict[str, Counter]) -> float:
        return max((max(counts[name].values(), default=0) / n for name, n in asked.items()), default=0.0)

    return {"negative_empty_rate": round(float(np.mean(empty)), 4),
            "positive_r@5": round(float(np.mean(recall)), 4), "objective": round(float(objective), 4),
            "hub_share": round(float(largest_share(tops)), 4),
            "unrelated_hub_share": round(float(largest_share(wrong_tops)), 4)}  # fmt: skip


# -- fitting "more like this" -------------------------------------------------------------------------------------


def similar_pairs(name: str, library, manifest, item_ids: dict) -> list[dict]:
    """For every item, its TOP most similar items per modality: (comparable similarity, same group)."""
    from mediarec.rank.fusion_scoring import fusion_for_library, library_calibration
    from mediarec.rank.item_blocks import MODALITIES, block_layout, current_item_space, load_blocks
    from mediarec.rank.modal_similarity import ModalSimilarity, comparable

    store = library.store
    space = current_item_space(store)
    if space is None:
        return []
    layout = block_layout(store, space)
    blocks = load_blocks(store, layout, features=False)
    groups = {item_ids[i.path]: i.group for i in manifest.items if i.path in item_ids and i.group}
    keys = {item_ids[i.path]: i.written_path for i in manifest.items if i.path in item_ids}
    scale = library_calibration(store, layout)
    fusion = fusion_for_library(store, layout)
    rows = []
    for modality in ("fused", *MODALITIES):
        raw = ModalSimilarity.score(blocks, blocks, modality, fusion)
        values = comparable(raw, modality, scale if modality != "fused" else None)
        for row, item in enumerate(blocks.ids):
            if item not in groups or (modality != "fused" and not blocks.has(modality)[row]):
                continue
            others = [
                column for column in np.argsort(-raw[row], kind="stable")
                if blocks.ids[column] != item and blocks.ids[column] in groups
                and (modality == "fused" or blocks.has(modality)[column])
            ][:TOP]  # fmt: skip
            rows += [
                {
                    "set": name,
                    "modality": modality,
                    "item": int(item),
                    "x": float(values[row, column]),
                    "match": bool(groups[blocks.ids[column]] == groups[item]),
                    "held_out": held_out(keys[item]),
                }
                for column in others
            ]
    return rows


def fit_similar(rows: list[dict]) -> tuple[dict, float]:
    modalities = {}
    for modality in ("fused", "frame", "audio", "speech"):
        fitted = [row for row in rows if row["modality"] == modality and not row["held_out"]]
        slope, midpoint = fit_logistic([r["x"] for r in fitted], [r["match"] for r in fitted])
        modalities[modality] = {"slope": round(slope, 6), "midpoint": round(midpoint, 6)}
        print(f"similar {modality:6s} slope {slope:.3f} midpoint {midpoint:.3f} on {len(fitted)} pairs")
        for part, held in (("fitted", False), ("held out", True)):
            chosen = [row for row in rows if row["modality"] == modality and row["held_out"] == held]
            shown = np.array([row["x"] > SIMILAR_MIN for row in chosen], bool)
            truth = np.array([row["match"] for row in chosen], bool)
            if truth.any():
                precision = (shown & truth).sum() / max(shown.sum(), 1)
                print(
                    f"  {part}: the cutoff keeps {shown.mean():.2f} of the ten nearest, precision {precision:.2f}, "
                    f"recall {(shown & truth).sum() / truth.sum():.2f}"
                )
    return modalities, SIMILAR_MIN


if __name__ == "__main__":
    sys.exit(main())

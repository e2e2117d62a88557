"""Choose the speech channel's words-said bonus (and its same-language bonus with it) and what a match by sound
counts (rank/lexical.py's SOUND_WEIGHT) on the fitted queries.

    .venv/bin/python benchmarks/calibrate_words_bonus.py \\
        --set messy=devsets/messy/manifest.jsonl:COPY_OF_MESSY_LIBRARY \\
        --set eval=devsets/eval/manifest.jsonl:COPY_OF_EVAL_LIBRARY \\
        --set moments=devsets/moments/manifest.jsonl:COPY_OF_MOMENTS_LIBRARY --out DIR [--write]

Each LIBRARY is an indexed data folder (`mediarec eval` leaves one in OUT/library; opening it may write to it, so
point it at a copy). For every query (a set without negative queries gets benchmarks/calibrate_search.py's
EXTRA_NEGATIVES), it collects once (DIR/rows-words.json; ``--reuse-rows`` reads it again) every item's speech
moments (normalised score, cosine, lexical overlap by character and by sound, same language) and the other channels'
probabilities as search has them. Then, for every sound weight, words cutoff, words bonus and language bonus of the
grid below, it recomputes each moment's overlap (the larger of the one by character and the weighted one by sound),
the speech channel's probabilities (rank/calibration.py's Logistic) and the words-said channel's, fuses and
thresholds them as rank/search.py does, and
measures, per set, on the fitted queries and the held-out ones apart (calibrate_search.py's crc32 split): exact R@1,
paraphrase R@5, the negative queries' empty rate and the unrelated hub share.

The point chosen is the one of best objective on the fitted queries alone: the mean over the sets of exact R@1,
paraphrase R@5 and negatives empty (exact R@1 is in it because that is what the bonus is for; calibrate_search.py's
objective, R@5, does not see which of the same prompt's recordings comes first), while every set's fitted
negatives stay at least MIN_NEGATIVES_EMPTY empty and its unrelated hub share at most MAX_HUB_SHARE (or its share
without a bonus, if higher); ties go to the smaller bonuses, then to the sound weight whose overlaps best tell a
fitted exact query's own recording from every other candidate (the words-said channel's log-loss on the fitted
queries' candidates: most Chinese queries are no exact query, so the objective alone seldom sees the weight). Prints one JSON object: the figures with no words bonus
(at the file's language bonus, no sound), with the file's bonuses and no sound (what search did before sounds
counted), and at the chosen point, and the sweep; ``--write`` puts the chosen bonuses into
resources/search_calibration.json (SOUND_WEIGHT is a constant of rank/lexical.py: the output says when the chosen
one differs from it).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import itertools
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from calibrate_search import EXTRA_NEGATIVES, held_out, query_kind  # noqa: E402

from mediarec.rank.calibration import (  # noqa: E402
    CALIBRATION_FILE,
    Logistic,
    fuse_probabilities,
    search_calibration,
)
from mediarec.rank.lexical import SOUND_WEIGHT, overlap_parts  # noqa: E402
from mediarec.rank.search import WORDS_CHANNEL  # noqa: E402

WORDS_CUTOFFS = (0.4, 0.5, 0.6)
WORDS_BONUSES = (0.0, 0.3, 0.4, 0.5, 0.6)
LANGUAGE_BONUSES = (0.02, 0.03, 0.05)
# 0: Chinese compared by its characters alone, as before sounds counted
SOUND_WEIGHTS = (0.0, 0.5, 0.7, 0.8, 0.9, 1.0)
MIN_NEGATIVES_EMPTY = 0.9
MAX_HUB_SHARE = 0.03
MIN_Z = 0.0  # rank/search.py: a speech moment counts from chance up, and from this probability
MIN_MOMENT_PROBABILITY = 0.01
SPLITS = ("fitted", "held out")


def open_library(folder: Path):
    import os

    from mediarec.app import Library
    from mediarec.config import load_settings

    settings = load_settings(environ={**os.environ, "MEDIAREC_PROFILE": "offline"})
    return Library(settings.with_updates(data_dir=folder.absolute()))


def collect(name: str, manifest_path: Path, folder: Path) -> list[dict]:
    """One row per query: its kind, answers, split, closeness, and per item its speech moments and other channels."""
    from mediarec.evaluation.manifest import load_manifest

    manifest = load_manifest(manifest_path)
    library = open_library(folder)
    try:
        engine = library.search_engine
        ids = {}
        for item in manifest.items:
            record = library.store.item_by_path(str(item.path))
            if record is not None and record.status == "indexed":
                ids[item.path] = record.id
        transcripts = {item.path: (item.transcript or "").strip().casefold() for item in manifest.items}
        queries = [(q.type, q.text, q.relevant, q.negative) for q in manifest.queries]
        if not any(negative for *_, negative in queries):
            queries += [("negative", text, (), True) for texts in EXTRA_NEGATIVES.values() for text in texts]
        rows = []
        for query_type, text, relevant, negative in queries:
            items: dict[str, dict] = {}
            for item_id, candidate in engine.candidates(text).items():
                other = {c: p for c, p in candidate.channels.items() if c not in ("speech", WORDS_CHANNEL)}
                items[str(item_id)] = {"other": other, "speech": []}
            spoken = engine.channel_moments(text).get("speech", [])
            parts = overlap_parts(text, [moment.snippet for _, moment in spoken])
            for (item_id, moment), (spelt, sounded) in zip(spoken, parts, strict=True):
                entry = items.setdefault(str(item_id), {"other": {}, "speech": []})
                entry["speech"].append([moment.z, moment.similarity, spelt, sounded, moment.same_language])
            rows.append({
                "set": name, "query": text, "negative": negative, "held_out": held_out(text),
                "kind": "negative" if negative else query_kind(query_type, text, relevant, transcripts),
                "relevant": sorted(ids[path] for path in relevant if path in ids),
                "closeness": engine.query_closeness(text).get("speech", 0.0), "items": items,
            })  # fmt: skip
        return rows
    finally:
        library.close()


@dataclasses.dataclass(frozen=True)
class Point:
    """One point of the grid: the speech channel's fit, the words-said channel's, and what a sound match counts."""

    speech: Logistic
    words: Logistic | None
    sound_weight: float


def spoken_probabilities(point: Point, moments: list, closeness: float) -> tuple[float, float]:
    """An item's speech and words-said probabilities: its best moments' that search would keep (0 when none)."""
    if not moments:
        return 0.0, 0.0
    z, cosine, spelt, sounded, same = (np.array(column, np.float64) for column in zip(*moments, strict=True))
    overlap = np.maximum(spelt, point.sound_weight * sounded)
    probability = np.atleast_1d(point.speech.probability(z, cosine, closeness, same > 0, overlap))
    kept = (z >= MIN_Z) & (probability >= MIN_MOMENT_PROBABILITY)
    speech = float(probability[kept].max()) if kept.any() else 0.0
    if point.words is None:
        return speech, 0.0
    said = np.atleast_1d(point.words.probability(overlap))
    said = said[said >= MIN_MOMENT_PROBABILITY]
    return speech, float(said.max()) if len(said) else 0.0


def figures(rows: list[dict], point: Point, threshold: float, agreement: float) -> dict:
    """Exact R@1, paraphrase R@5, negatives empty and the unrelated hub share of ``rows`` at this point."""
    found: dict[str, list] = {"exact": [], "paraphrase": [], "paraphrase first": [], "negative": []}
    wrong_tops: Counter = Counter()
    for row in rows:
        fused = {}
        for item, entry in row["items"].items():
            channels = dict(entry["other"])
            speech, said = spoken_probabilities(point, entry["speech"], row["closeness"])
            for channel, probability in (("speech", speech), (WORDS_CHANNEL, said)):
                if probability > 0:
                    channels[channel] = probability
            fused[int(item)] = fuse_probabilities(channels.values(), agreement)
        ranked = sorted(fused.items(), key=lambda pair: (-pair[1], pair[0]))
        shown = [item for item, probability in ranked if probability >= threshold]
        relevant = set(row["relevant"])
        if shown and shown[0] not in relevant:
            wrong_tops[shown[0]] += 1
        if row["negative"]:
            found["negative"].append(not shown)
        elif relevant and row["kind"] in ("exact", "paraphrase"):
            depth = 1 if row["kind"] == "exact" else 5
            found[row["kind"]].append(len(set(shown[:depth]) & relevant) / len(relevant))
            if row["kind"] == "paraphrase":  # reported, not in the objective: whether a right one comes first
                found["paraphrase first"].append(float(bool(shown) and shown[0] in relevant))
    mean = {kind: round(float(np.mean(values)), 4) if values else None for kind, values in found.items()}
    return {
        "exact_r@1": mean["exact"], "paraphrase_r@5": mean["paraphrase"], "negatives_empty": mean["negative"],
        "paraphrase_right_first": mean["paraphrase first"],
        "unrelated_hub_share": round(max(wrong_tops.values(), default=0) / max(len(rows), 1), 4),
        "queries": {kind: len(values) for kind, values in found.items()},
    }  # fmt: skip


def measure(rows: list[dict], point: Point, threshold: float, agreement: float) -> dict:
    by_set: dict[str, dict] = {}
    for name in dict.fromkeys(row["set"] for row in rows):
        for split in SPLITS:
            chosen = [r for r in rows if r["set"] == name and r["held_out"] == (split == "held out")]
            by_set.setdefault(name, {})[split] = figures(chosen, point, threshold, agreement)
    return by_set


def objective(by_set: dict) -> float:
    parts = [
        by_set[name]["fitted"][key]
        for name in by_set
        for key in ("exact_r@1", "paraphrase_r@5", "negatives_empty")
    ]
    return round(float(np.mean([part for part in parts if part is not None])), 4)


def allowed(by_set: dict, unchanged: dict) -> bool:
    for name, splits in by_set.items():
        fitted, before = splits["fitted"], unchanged[name]["fitted"]
        empty = fitted["negatives_empty"]
        if empty is not None and empty < MIN_NEGATIVES_EMPTY:
            return False
        if fitted["unrelated_hub_share"] > max(MAX_HUB_SHARE, before["unrelated_hub_share"]):
            return False
    return True


def sweep(rows: list[dict]) -> dict:
    calibration = search_calibration()
    shipped = calibration.channels["speech"]
    base = dataclasses.replace(shipped, words_bonus=0.0, words_cutoff=0.0)
    threshold, agreement = calibration.threshold, calibration.agreement
    words = calibration.channels.get(WORDS_CHANNEL)
    unchanged_point = Point(dataclasses.replace(base, language_bonus=shipped.language_bonus), words, 0.0)
    unchanged = measure(rows, unchanged_point, threshold, agreement)
    before = measure(rows, Point(shipped, words, 0.0), threshold, agreement)
    losses = {sound: words_log_loss(rows, words, sound) for sound in SOUND_WEIGHTS}
    points = []
    grid = itertools.product(SOUND_WEIGHTS, WORDS_CUTOFFS, WORDS_BONUSES, LANGUAGE_BONUSES)
    for sound, cutoff, bonus, language in grid:
        fit = dataclasses.replace(base, words_bonus=bonus, words_cutoff=cutoff, language_bonus=language)
        by_set = measure(rows, Point(fit, words, sound), threshold, agreement)
        points.append({"sound_weight": sound, "words_cutoff": cutoff, "words_bonus": bonus, "language_bonus": language,
                       "objective": objective(by_set), "words_log_loss": losses[sound],
                       "allowed": allowed(by_set, unchanged), "sets": by_set})  # fmt: skip
    best = max((point for point in points if point["allowed"]), key=_preference)
    return {"no_words_bonus": {"language_bonus": shipped.language_bonus, "objective": objective(unchanged),
                               "sets": unchanged},
            "file_without_sound": _described(shipped, 0.0, objective(before), before),
            "chosen": best, "sweep": points}  # fmt: skip


def _preference(point: dict) -> tuple:
    """Best objective first; among equals the smaller bonuses, then the smaller words-said log-loss."""
    return (point["objective"], -point["words_bonus"], -point["language_bonus"], -point["words_cutoff"],
            -point["words_log_loss"])  # fmt: skip


def words_log_loss(rows: list[dict], words: Logistic | None, sound_weight: float) -> float:
    """The words-said channel's summed log-loss on the fitted queries' candidates at this sound weight: an item
    (its best overlap) matches when it is a relevant item of an exact query, as calibrate_search.py fits that
    channel; lower is better."""
    if words is None:
        return 0.0
    overlaps, matches = [], []
    for row in rows:
        if row["held_out"]:
            continue
        relevant = set(row["relevant"]) if row["kind"] == "exact" else set()
        for item, entry in row["items"].items():
            if entry["speech"]:
                overlaps.append(max(max(m[2], sound_weight * m[3]) for m in entry["speech"]))
                matches.append(int(item) in relevant)
    said = np.clip(np.atleast_1d(words.probability(np.array(overlaps))), 1e-6, 1 - 1e-6)
    return round(float(-np.sum(np.where(matches, np.log(said), np.log(1 - said)))), 4)


def _described(fit: Logistic, sound: float, score: float, by_set: dict) -> dict:
    return {"sound_weight": sound, "words_cutoff": fit.words_cutoff, "words_bonus": fit.words_bonus,
            "language_bonus": fit.language_bonus, "objective": score, "sets": by_set}  # fmt: skip


def write(chosen: dict, sets: list[str]) -> None:
    data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    speech = Logistic.from_json(data["search"]["channels"]["speech"])
    moved = dataclasses.replace(
        speech, words_bonus=chosen["words_bonus"], words_cutoff=chosen["words_cutoff"],
        language_bonus=chosen["language_bonus"],
    )  # fmt: skip
    data["search"]["channels"]["speech"] = moved.to_json()
    from mediarec.rank.calibration import CALIBRATION_VERSION

    data["version"] = CALIBRATION_VERSION
    point = data["source"].setdefault("operating_points", {}).setdefault("speech", {})
    point["language_bonus"] = chosen["language_bonus"]
    point["words"] = {
        "script": "benchmarks/calibrate_words_bonus.py", "date": datetime.date.today().isoformat(),
        "grid": {"words_cutoff": WORDS_CUTOFFS, "words_bonus": WORDS_BONUSES, "language_bonus": LANGUAGE_BONUSES},
        "grid_sound_weight": SOUND_WEIGHTS, "sound_weight": chosen["sound_weight"],
        "sets": sets, "chosen_on": "the fitted queries of every set", "objective": chosen["objective"],
        "words_cutoff": chosen["words_cutoff"], "words_bonus": chosen["words_bonus"],
    }  # fmt: skip
    CALIBRATION_FILE.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", action="append", default=[], help="NAME=MANIFEST:LIBRARY_DATA_DIR (a copy)")
    parser.add_argument("--out", type=Path, required=True, help="where rows-words.json goes")
    parser.add_argument("--reuse-rows", action="store_true", help="sweep again on OUT/rows-words.json")
    parser.add_argument(
        "--write", action="store_true", help="write the chosen bonuses to the calibration file"
    )
    args = parser.parse_args()
    path = args.out / "rows-words.json"
    if args.reuse_rows:
        rows = json.loads(path.read_text(encoding="utf-8"))
    else:
        if not args.set:
            parser.error("give --set NAME=MANIFEST:LIBRARY (repeatable), or --reuse-rows")
        rows = []
        for spec in args.set:
            name, _, rest = spec.partition("=")
            manifest, _, folder = rest.partition(":")
            rows += collect(name, Path(manifest), Path(folder))
        args.out.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(rows), encoding="utf-8")
    result = sweep(rows)
    if args.write:
        write(result["chosen"], list(dict.fromkeys(row["set"] for row in rows)))
    summary = {key: result[key] for key in ("no_words_bonus", "file_without_sound", "chosen")}
    if result["chosen"]["sound_weight"] != SOUND_WEIGHT:
        summary["note"] = (
            f"rank/lexical.py's SOUND_WEIGHT is {SOUND_WEIGHT}: set it to the chosen sound_weight"
        )
    summary["sweep"] = [{k: v for k, v in p.items() if k != "sets"} for p in result["sweep"]]
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()

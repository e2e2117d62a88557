"""Can the speech channel's calibration alone let paraphrases through? Where correct paraphrases and "no match"
queries fall on the speech channel's normalised score (the z-score that its logistic maps to a probability).

    .venv/bin/python benchmarks/speech_overlap.py --out benchmarks/_out/calibrate_search

Opens (indexing where needed, as calibrate_search.py does) the fitting sets (``--fit-manifest``, by default
calibrate_search.py's: messy and eval) and the moments set (``--moments``, build_moments_devset.py: long
recordings of known sentences), and prints one JSON object: the z at which the calibration in resources/ reaches
the match threshold, and for each cut of z the share of the moments set's paraphrase queries whose right recording
scores at least that on the speech channel, beside the share of negative queries (fitting sets, moments set) that
have a speech candidate at least that high. A cut that lets paraphrases through while no negative reaches it is
what a refit of the speech logistic could find; where none exists, the two overlap and the fix lies elsewhere.
The same table on the raw cosine (before the query-bank normalisation) shows whether that score separates them.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate_search  # noqa: E402

Z_CUTS = (2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5)
COSINE_CUTS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


@dataclass(frozen=True)
class SpeechBest:
    """A query's best speech candidate, on the normalised score and on the raw cosine; of its matching items."""

    query_type: str
    negative: bool
    z: float
    cosine: float
    match_z: float
    match_cosine: float


def speech_best(manifest_path: Path, out: Path, profile: str) -> list[SpeechBest]:
    name, library, manifest, item_ids = calibrate_search.open_set(manifest_path, out, profile)
    try:
        matches = calibrate_search.matches_of(manifest, item_ids)
        found = []
        for query in manifest.queries:
            moments = library.search_engine.channel_moments(query.text).get("speech", [])
            matching = [moment for item, moment in moments if item in matches[query.text]]
            found.append(
                SpeechBest(
                    query.type, query.negative,
                    max((m.z for _, m in moments), default=-math.inf),
                    max((m.similarity for _, m in moments), default=-math.inf),
                    max((m.z for m in matching), default=-math.inf),
                    max((m.similarity for m in matching), default=-math.inf),
                )
            )  # fmt: skip
        return found
    finally:
        library.close()


def threshold_z() -> float:
    calibration = json.loads(calibrate_search.CALIBRATION_FILE.read_text(encoding="utf-8"))["search"]
    speech, threshold = calibration["channels"]["speech"], calibration["threshold"]
    return speech["midpoint"] + math.log(threshold / (1 - threshold)) / speech["slope"]


def table(
    cuts, paraphrases: np.ndarray, fit_negatives: np.ndarray, moment_negatives: np.ndarray
) -> list[dict]:
    return [
        {
            "at_least": cut,
            "paraphrases_right_recording_over": round(float(np.mean(paraphrases >= cut)), 3),
            "fitting_negatives_over": round(float(np.mean(fit_negatives >= cut)), 3),
            "moments_negatives_over": round(float(np.mean(moment_negatives >= cut)), 3),
        }
        for cut in cuts
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=calibrate_search.DEFAULT_OUT)
    parser.add_argument("--fit-manifest", type=Path, action="append")
    parser.add_argument(
        "--moments", type=Path, default=calibrate_search.REPO / "devsets/moments/manifest.jsonl"
    )
    parser.add_argument("--profile", default="offline")
    args = parser.parse_args()
    fit_sets = args.fit_manifest or [m for m in calibrate_search.DEFAULT_MANIFESTS if m.exists()]
    fitting = [b for m in fit_sets for b in speech_best(m.absolute(), args.out.absolute(), args.profile)]
    moments = speech_best(args.moments.absolute(), args.out.absolute(), args.profile)
    paraphrases = [b for b in moments if b.query_type == "paraphrase"]
    negatives = {"fitting": [b for b in fitting if b.negative], "moments": [b for b in moments if b.negative]}
    figures: dict = {
        "speech_z_at_threshold": round(threshold_z(), 3),
        "paraphrase_queries": len(paraphrases),
        "negative_queries": {name: len(found) for name, found in negatives.items()},
    }
    for score, cuts in (("z", Z_CUTS), ("cosine", COSINE_CUTS)):
        figures[f"by_{score}"] = table(
            cuts,
            np.array([getattr(b, f"match_{score}") for b in paraphrases]),
            np.array([getattr(b, score) for b in negatives["fitting"]]),
            np.array([getattr(b, score) for b in negatives["moments"]]),
        )
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()

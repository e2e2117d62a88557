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
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate_search  # noqa: E402

CUTS = (2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5)


def speech_rows(manifest_path: Path, out: Path, profile: str) -> tuple[list[dict], object]:
    name, library, manifest, item_ids = calibrate_search.open_set(manifest_path, out, profile)
    try:
        return calibrate_search.channel_rows(name, library, manifest, item_ids), manifest
    finally:
        library.close()


def best_speech(rows: list[dict], matches_only: bool = False) -> dict[str, float]:
    """Query text -> its best speech z (of a matching item when ``matches_only``)."""
    best: dict[str, float] = defaultdict(lambda: -math.inf)
    for row in rows:
        if row["channel"] == "speech" and (row["match"] or not matches_only):
            best[row["query"]] = max(best[row["query"]], row["x"])
    return best


def negatives_best(rows: list[dict]) -> np.ndarray:
    best = best_speech(rows)
    return np.array([best[r["query"]] for r in rows if r["channel"] is None and r["negative"]])


def threshold_z() -> float:
    calibration = json.loads(calibrate_search.CALIBRATION_FILE.read_text(encoding="utf-8"))["search"]
    speech, threshold = calibration["channels"]["speech"], calibration["threshold"]
    return speech["midpoint"] + math.log(threshold / (1 - threshold)) / speech["slope"]


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
    fit_negatives = np.concatenate(
        [negatives_best(speech_rows(m.absolute(), args.out.absolute(), args.profile)[0]) for m in fit_sets]
    )
    moment_rows, moments = speech_rows(args.moments.absolute(), args.out.absolute(), args.profile)
    right = best_speech(moment_rows, matches_only=True)
    paraphrases = np.array([right[q.text] for q in moments.queries if q.type == "paraphrase"])
    moment_negatives = negatives_best(moment_rows)
    print(
        json.dumps(
            {
                "speech_z_at_threshold": round(threshold_z(), 3),
                "paraphrase_queries": len(paraphrases),
                "negative_queries": {"fitting sets": len(fit_negatives), "moments": len(moment_negatives)},
                "cuts": [
                    {
                        "z": cut,
                        "paraphrases_right_recording_over": round(float(np.mean(paraphrases >= cut)), 3),
                        "fitting_negatives_over": round(float(np.mean(fit_negatives >= cut)), 3),
                        "moments_negatives_over": round(float(np.mean(moment_negatives >= cut)), 3),
                    }
                    for cut in CUTS
                ],
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()

"""How much should the speech channel weigh its hubness-corrected score? A sweep of that weight, measured by the
calibration's own simulation of search on each development set.

    .venv/bin/python benchmarks/speech_z_weight.py --manifest devsets/messy/manifest.jsonl \\
        --manifest devsets/eval/manifest.jsonl --manifest devsets/moments/manifest.jsonl \\
        --manifest devsets/unseen/manifest.jsonl --manifest devsets/blind/manifest.jsonl \\
        [--out benchmarks/_out/calibrate_search] [--weights 0.05,0.1,0.2,0.3,0.5]

The speech channel's logistic (rank/calibration.py's Logistic) weighs the raw cosine of a transcript chunk to the
query and its normalised score (the z-score against the query bank, which keeps hubs out). Fitted by likelihood on
the fitting sets, the z weight lands on its floor (calibrate_search.py's MIN_SLOPE): there it does almost nothing,
so a transcript close in cosine to many queries tops them (the blind set's "Incoming laser satellite strike." tops
14 of its 243 queries). For each weight, the shipped fit is kept but for that weight, whose midpoint moves so that
the logit at the mean z of the fitting sets' matching candidates stays the same, and calibrate_search.py's
threshold_figures gives, per set: negative queries left empty, positive R@5 and the hub share (all and unrelated).

Opens each set's library as calibrate_search.py does (indexing it under OUT/NAME/library where needed), collects
its candidates (calibrate_search.channel_rows) and prints one JSON object. Nothing is written to resources/.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate_search  # noqa: E402  (it puts the repository on the path)

from mediarec.rank.calibration import Logistic  # noqa: E402

FITTING_SETS = (
    "messy",
    "eval",
    "moments",
)  # the sets search's constants were chosen on; the others are held out
DEFAULT_WEIGHTS = "0.05,0.1,0.2,0.3,0.5,0.75,1.0"
FIGURES = ("negative_empty_rate", "positive_r@5", "hub_share", "unrelated_hub_share")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, action="append", required=True)
    parser.add_argument("--out", type=Path, default=calibrate_search.DEFAULT_OUT)
    parser.add_argument("--profile", default="offline")
    parser.add_argument("--weights", default=DEFAULT_WEIGHTS, help="comma-separated z weights to try")
    args = parser.parse_args()
    rows = {
        path.parent.name: set_rows(path.absolute(), args.out.absolute(), args.profile)
        for path in args.manifest
    }
    calibration = json.loads(calibrate_search.CALIBRATION_FILE.read_text(encoding="utf-8"))["search"]
    shipped = Logistic.from_json(calibration["channels"]["speech"])
    pivot = matching_mean_z([row for name in FITTING_SETS for row in rows.get(name, [])])
    sweep = []
    for weight in (float(text) for text in args.weights.split(",")):
        moved = dataclasses.replace(
            shipped, slope=weight, midpoint=pivot - shipped.slope * (pivot - shipped.midpoint) / weight
        )
        channels = {**calibration["channels"], "speech": moved.to_json()}
        figures = {
            name: pick(calibrate_search.threshold_figures(set_rows, channels, calibration["threshold"]))
            for name, set_rows in rows.items()
        }
        sweep.append({"z_weight": weight, "sets": figures})
    print(
        json.dumps({"shipped_z_weight": shipped.slope, "pivot_z": round(pivot, 3), "sweep": sweep}, indent=1)
    )


def set_rows(manifest: Path, out: Path, profile: str) -> list[dict]:
    """The set's candidates and query records; every query counted on a held-out set (not only the fitting sets'
    held-out share, calibrate_search.held_out)."""
    name, library, manifest_read, item_ids = calibrate_search.open_set(manifest, out, profile)
    try:
        rows = calibrate_search.channel_rows(name, library, manifest_read, item_ids)
    finally:
        library.close()
    if name in FITTING_SETS:
        return rows
    return [{**row, "held_out": False} for row in rows]


def matching_mean_z(rows: list[dict]) -> float:
    """The mean normalised score of the fitting sets' matching speech candidates (3.0 without any)."""
    found = [row["x"] for row in rows if row["channel"] == "speech" and row["match"]]
    return float(np.mean(found)) if found else 3.0


def pick(figures: dict) -> dict:
    return {key: figures[key] for key in FIGURES}


if __name__ == "__main__":
    main()

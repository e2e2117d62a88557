"""Choose the audio tag threshold and smoothing on the tags development set, and report held-out figures.

    python benchmarks/devsets/build_tags_devset.py
    python benchmarks/calibrate_audio_tags.py [--manifest devsets/tags/manifest.jsonl]

Decodes every audio item of the manifest, runs the audio encoder once (YAMNet, offline), and for each
smoothing (number of consecutive windows averaged), threshold and cap (most tags per item) computes
micro precision, recall and F1 and macro F1 the way
`mediarec eval tags` does (closed world over the label set). The items are split in two by a hash of their
path: the setting is chosen on the calibration half and reported on the held-out half, so the figure is not
tuned on the items it is measured on. Prints a table and the choice.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mediarec.media.audio import decode_audio  # noqa: E402
from mediarec.models.model_set import ModelSet  # noqa: E402
from mediarec.understand.audio_tags import smoothed_peaks, tag_name  # noqa: E402

THRESHOLDS = np.round(np.arange(0.1, 0.75, 0.05), 2)
SMOOTHINGS = (1, 2, 3)
CAPS = (4, 6, 8, 10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=ROOT / "devsets" / "tags" / "manifest.jsonl")
    args = parser.parse_args(argv)
    items = [
        json.loads(line) for line in args.manifest.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    items = [item for item in items if item.get("tag_source") == "audio"]
    encoder = ModelSet("offline").audio()
    labels, scores, halves = [], [], []
    for item in items:
        audio = decode_audio(args.manifest.parent / item["path"])
        _, _, window_scores, names = encoder.embed_and_tag(audio)
        scores.append(window_scores)
        labels.append(set(item["tags"]))
        halves.append(int(hashlib.sha1(item["path"].encode()).hexdigest(), 16) % 2)
    label_set = sorted(set().union(*labels))
    columns = [names.index(next(n for n in names if tag_name(n) == label)) for label in label_set]
    truth = np.array([[label in item for label in label_set] for item in labels])
    halves = np.array(halves)
    table = {}
    for smoothing in SMOOTHINGS:
        all_peaks = [smoothed_peaks(s, smoothing) for s in scores]
        peaks = np.stack(all_peaks)[:, columns]
        for cap in CAPS:
            in_top = np.stack([_top_mask(p, columns, cap) for p in all_peaks])
            for threshold in THRESHOLDS:
                predicted = (peaks >= threshold) & in_top
                table[(smoothing, cap, float(threshold))] = [
                    _scores(predicted[halves == half], truth[halves == half]) for half in (0, 1)
                ] + [_scores(predicted, truth)]
    print(
        f"{len(items)} audio items ({int(np.sum(halves == 0))} calibration, {int(np.sum(halves))} held out), "
        f"{len(label_set)} labels"
    )
    print("smooth cap thresh | calibration P    R   microF1 macroF1 | held-out P    R   microF1 macroF1")
    for (smoothing, cap, threshold), (calibration, held_out, _) in table.items():
        print(f"{smoothing:6d} {cap:3d} {threshold:6.2f} | {_row(calibration)} | {_row(held_out)}")
    best = max(table, key=lambda key: (table[key][0][2], table[key][0][0]))
    calibration, held_out, everything = table[best]
    print(
        f"chosen on the calibration half (best micro-F1, then precision): smoothing {best[0]}, cap {best[1]}, "
        f"threshold {best[2]:.2f}"
    )
    print(f"  held-out: {_row(held_out)}   all items: {_row(everything)}  (P R microF1 macroF1)")
    return 0


def _top_mask(peaks: np.ndarray, columns: list[int], cap: int) -> np.ndarray:
    """Whether each labelled class is among the item's ``cap`` best classes (the tagger's cap)."""
    top = set(np.argsort(-peaks)[:cap].tolist())
    return np.array([column in top for column in columns])


def _scores(predicted: np.ndarray, truth: np.ndarray) -> tuple[float, float, float, float]:
    """(micro precision, micro recall, micro F1, macro F1 over labels with at least one item)."""
    tp = (predicted & truth).sum(axis=0)
    fp = (predicted & ~truth).sum(axis=0)
    fn = (~predicted & truth).sum(axis=0)
    precision = tp.sum() / max(1, tp.sum() + fp.sum())
    recall = tp.sum() / max(1, tp.sum() + fn.sum())
    micro = 2 * tp.sum() / max(1, 2 * tp.sum() + fp.sum() + fn.sum())
    supported = (tp + fn) > 0
    per_label = 2 * tp / np.maximum(1, 2 * tp + fp + fn)
    return float(precision), float(recall), float(micro), float(per_label[supported].mean())


def _row(values: tuple[float, float, float, float]) -> str:
    return " ".join(f"{value:.3f}" for value in values)


if __name__ == "__main__":
    sys.exit(main())

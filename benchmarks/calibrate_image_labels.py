"""Choose the image label tags' threshold (min_probability in resources/vocabulary/imagenet_labels.json).

    .venv/bin/python benchmarks/devsets/build_photo_devset.py
    .venv/bin/python benchmarks/calibrate_image_labels.py [--manifest devsets/photos/manifest.jsonl]

Runs the image_labels model (EfficientNet-Lite0) once on every photo of the development set (the first frame of
each one-photo clip) and on flat frames (black, white, greys, single colours, gradients, noise, a blurred photo),
then for each threshold reports the tag precision (every tag judged: right when it is one of the photo's accepted
tags, so a tag on a giraffe, which ImageNet has no class for, is wrong), the photos' recall (a photo with
accepted tags that got one of them), and the largest tag probability of any flat frame, which the threshold must
stay above so that blank frames get no tag. Photos are split in two by a hash of their path: the threshold is
chosen on one half (the lowest whose precision reaches TARGET_PRECISION, FLAT_MARGIN above every flat
frame) and reported on
the other. Prints JSON.
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

from mediarec.models.image_labels import EfficientNetLabeller  # noqa: E402
from mediarec.understand.image_label_tags import label_vocabulary  # noqa: E402

THRESHOLDS = np.round(np.arange(0.2, 0.91, 0.05), 2)
TARGET_PRECISION = 0.8
FLAT_MARGIN = (
    0.05  # the threshold stays this far above the surest flat frame (noise came within 0.013 of 0.3)
)
MAX_TAGS = 5


def first_frame(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def flat_frames(photo: np.ndarray) -> dict[str, np.ndarray]:
    from PIL import Image, ImageFilter

    size = (240, 320, 3)
    frames = {f"grey {value}": np.full(size, value, np.uint8) for value in (0, 16, 64, 128, 192, 255)}
    for name, colour in {"red": (200, 30, 30), "green": (30, 160, 60), "blue": (40, 90, 200)}.items():
        frames[name] = np.broadcast_to(np.array(colour, np.uint8), size).copy()
    ramp = np.linspace(0, 255, 320, dtype=np.uint8)
    frames["gradient"] = np.repeat(np.repeat(ramp[None, :, None], 240, 0), 3, 2)
    frames["noise"] = np.random.default_rng(0).integers(0, 256, size, dtype=np.uint8)
    frames["blurred photo"] = np.asarray(Image.fromarray(photo).filter(ImageFilter.GaussianBlur(40)))
    return frames


def scores(tag_probabilities: np.ndarray, accepted: list[set[int]], threshold: float) -> dict:
    right = wrong = recalled = with_tags = 0
    for row, good in zip(tag_probabilities, accepted, strict=True):
        predicted = set(np.argsort(-row)[:MAX_TAGS][row[np.argsort(-row)[:MAX_TAGS]] >= threshold].tolist())
        right += len(predicted & good)
        wrong += len(predicted - good)
        if good:
            with_tags += 1
            recalled += bool(predicted & good)
    return {
        "precision": round(right / max(1, right + wrong), 3),
        "recall": round(recalled / max(1, with_tags), 3),
        "tags": right + wrong,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=ROOT / "devsets" / "photos" / "manifest.jsonl")
    args = parser.parse_args(argv)
    vocabulary = label_vocabulary()
    position = {tag: index for index, tag in enumerate(vocabulary.tags)}
    lines = [json.loads(line) for line in args.manifest.read_text(encoding="utf-8").splitlines() if line]
    items = [line for line in lines if line["kind"] == "item" and len(line["shots"]) == 1]
    pictures = [first_frame(args.manifest.parent / item["path"]) for item in items]
    accepted = [{position[tag] for tag in item["tags"]} for item in items]
    labeller = EfficientNetLabeller()
    per_tag = vocabulary.tag_probabilities(labeller.classify(pictures).probabilities)
    flats = flat_frames(pictures[0])
    flat_max = vocabulary.tag_probabilities(labeller.classify(list(flats.values())).probabilities).max(axis=1)
    halves = [int(hashlib.sha1(item["path"].encode()).hexdigest(), 16) % 2 for item in items]
    table = []
    for threshold in THRESHOLDS:
        row = {"threshold": float(threshold)}
        for half in (0, 1):
            keep = [k for k, h in enumerate(halves) if h == half]
            row[f"half_{half}"] = scores(per_tag[keep], [accepted[k] for k in keep], float(threshold))
        row["all"] = scores(per_tag, accepted, float(threshold))
        table.append(row)
    floor = float(flat_max.max())
    eligible = [
        r
        for r in table
        if r["threshold"] >= floor + FLAT_MARGIN and r["half_0"]["precision"] >= TARGET_PRECISION
    ]
    chosen = eligible[0] if eligible else table[-1]
    print(json.dumps({
        "manifest": str(args.manifest), "photos": len(items), "model": labeller.model_id,
        "flat_frames_max_tag_probability": {name: round(float(p), 3) for name, p in zip(flats, flat_max, strict=True)},
        "chosen_on_half_0": chosen["threshold"], "held_out_half_1": chosen["half_1"], "all_photos": chosen["all"],
        "table": table,
    }, indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

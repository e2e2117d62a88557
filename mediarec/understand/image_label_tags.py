"""Visual tags from the image_labels model: ImageNet classes summed into friendly tags (resources/vocabulary/
imagenet_labels.json, written by its build_imagenet_labels.py).

A keyframe's probability for a tag is the sum of its classes' probabilities, so "dog" is sure when the breed is
not (German shepherd 0.5 + malinois 0.3). An item gets a tag when some keyframe's probability reaches the
vocabulary's ``min_probability``, measured by benchmarks/calibrate_image_labels.py so that flat frames (black,
white, grey, one colour, a gradient, noise) get no tag while most real photographs get their right one. The
tag's moments are every keyframe span that reaches it; its detail is the most probable ImageNet class of its best
keyframe ("German shepherd"), kept in the item's metadata ("tag_details"). The tag's score is its probability
rescaled so that ``min_probability`` lands on the applied-tag score (index.records.APPLIED_TAG_SCORE, 0.5) and 1
stays 1: what the tag channel and the filters read as "applied" is what the calibration chose.

Beside a real image model, the image_text model's vocabulary tags are kept only on keyframes that are drawings
(``looks_drawn``: mostly flat colour once black borders are cut off): the offline profile's tiny CLIP was trained
on drawn shapes and tags "red square 1.00" on a photo of a flower. Measured on the development sets: drawn shape
clips 0.70-0.98 flat, 109 of the 112 photo clips below 0.66 (benchmarks/bench_image_labels.py reports the tags).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from mediarec.index.records import APPLIED_TAG_SCORE
from mediarec.understand.found import FoundTag, best_first, merge_moments
from mediarec.understand.vocabulary import VOCABULARY_DIR, VocabularyError

LABELS_FILE = VOCABULARY_DIR / "imagenet_labels.json"
TAG_SOURCE = "visual"
DRAWING_FLAT_SHARE = 0.66  # share of flat pixels from which a frame is a drawing (see the module docstring)
_FLAT_STEP = 3.0  # grey levels: neighbouring pixels closer than this are one flat area
_BORDER_LEVEL = 12  # darker rows and columns at the edges are letterbox borders


@dataclass(frozen=True)
class LabelVocabulary:
    """The tags, their Chinese names, which tag each class belongs to, and the calibration."""

    tags: tuple[str, ...]
    chinese: tuple[str, ...]
    class_names: tuple[str, ...]  # ImageNet's name of each class, in the model's output order
    class_tag: np.ndarray  # [1000] index into ``tags`` of each class
    min_probability: float
    max_tags: int
    # Each tag's English synonyms (WordNet's names of its one class: "ladybird" for ladybug); () for most.
    also: tuple[tuple[str, ...], ...] = ()

    def names_of(self, index: int) -> tuple[str, ...]:
        """Every name a query may name tag ``index`` by: the tag, its Chinese name, its synonyms."""
        synonyms = self.also[index] if index < len(self.also) else ()
        return tuple(name for name in (self.tags[index], self.chinese[index], *synonyms) if name)

    def tag_probabilities(self, class_probabilities: np.ndarray) -> np.ndarray:
        """[F, 1000] class probabilities -> [F, len(tags)]: each tag's summed probability."""
        probabilities = np.asarray(class_probabilities, np.float32)
        summed = np.zeros((len(probabilities), len(self.tags)), np.float32)
        np.add.at(summed.T, self.class_tag, probabilities.T)
        return summed


@lru_cache(maxsize=2)
def label_vocabulary(path: Path = LABELS_FILE) -> LabelVocabulary:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        terms = document["terms"]
        tags = tuple(term["name"] for term in terms)
        position = {tag: index for index, tag in enumerate(tags)}
        classes = document["classes"]
        class_tag = np.array([position[entry["tag"]] for entry in classes], np.int64)
        calibration = document.get("calibration", {})
        return LabelVocabulary(
            tags,
            tuple(term.get("zh", "") for term in terms),
            tuple(entry["imagenet"] for entry in classes),
            class_tag,
            float(calibration.get("min_probability", 0.5)),
            int(calibration.get("max_tags", 5)),
            tuple(tuple(term.get("also", ())) for term in terms),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise VocabularyError(
            f"Cannot read the image label tags {path} ({error}); rebuild it with "
            "`python resources/vocabulary/build_imagenet_labels.py`."
        ) from error


@dataclass(frozen=True)
class LabelledFrame:
    """One keyframe's class probabilities and the span of the video it stands for."""

    start: float
    end: float
    probabilities: np.ndarray  # [1000]
    drawing: bool = False  # whether the keyframe looks drawn (looks_drawn)


def image_label_tags(
    frames: Sequence[LabelledFrame], vocabulary: LabelVocabulary | None = None
) -> tuple[list[FoundTag], dict[str, str]]:
    """The item's tags, most probable first, and each tag's detail ({"visual:dog": "German shepherd"})."""
    if not frames:
        return [], {}
    vocabulary = vocabulary or label_vocabulary()
    classes = np.stack([frame.probabilities for frame in frames])
    per_tag = vocabulary.tag_probabilities(classes)
    found, details = [], {}
    for column in np.flatnonzero(per_tag.max(axis=0) >= vocabulary.min_probability):
        scores = per_tag[:, column]
        best = int(np.argmax(scores))
        spans = [
            (frames[int(f)].start, frames[int(f)].end)
            for f in np.flatnonzero(scores >= vocabulary.min_probability)
        ]
        moments = best_first(merge_moments(spans), (frames[best].start, frames[best].end))
        score = APPLIED_TAG_SCORE + (1 - APPLIED_TAG_SCORE) * (
            scores[best] - vocabulary.min_probability
        ) / max(1e-6, 1 - vocabulary.min_probability)
        tag = FoundTag(vocabulary.tags[int(column)], TAG_SOURCE, round(float(score), 4), moments)
        found.append(tag)
        members = np.flatnonzero(vocabulary.class_tag == column)
        details[tag.key] = vocabulary.class_names[members[np.argmax(classes[best, members])]]
    found.sort(key=lambda tag: (-tag.score, tag.name))
    kept = found[: vocabulary.max_tags]
    return kept, {tag.key: details[tag.key] for tag in kept}


def looks_drawn(image: np.ndarray) -> bool:
    """Whether an RGB frame is mostly flat colour (a drawing, a slide), measured inside its letterbox borders."""
    from PIL import Image

    rgb = np.asarray(image)[..., :3]
    lit = rgb.max(axis=2) > _BORDER_LEVEL
    rows, columns = np.flatnonzero(lit.any(axis=1)), np.flatnonzero(lit.any(axis=0))
    if len(rows) == 0:
        return True  # all black
    inside = np.ascontiguousarray(rgb[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]).astype(np.uint8)
    grey = np.asarray(
        Image.fromarray(inside).convert("L").resize((96, 72), Image.Resampling.BILINEAR), np.float32
    )
    flat_x = np.abs(np.diff(grey, axis=1))[:-1, :] < _FLAT_STEP
    flat_y = np.abs(np.diff(grey, axis=0))[:, :-1] < _FLAT_STEP
    return float((flat_x & flat_y).mean()) >= DRAWING_FLAT_SHARE

"""The image_labels model on an item's keyframes, where the model set has one (the offline profile does).

Its class probabilities become visual tags (understand.image_label_tags) and its pooled features join the item's
"looks" block (rank.item_vector), which "more like this" and taught tags compare: the block is the image_text
model's mean frame vector and the labeller's mean features, each unit length, side by side with weights
IMAGE_TEXT_SHARE and 1 - IMAGE_TEXT_SHARE (renormalised), so its cosine is the weighted mean of the two models'
cosines. On the photo devset's first frames, P@5 of "looks like" by groups: tiny CLIP 0.14, EfficientNet 0.72, side
by side at 0.5 0.48 and at 0.2 0.67. On real photos EfficientNet-Lite0's features tell a dog from a
landscape, which the offline profile's tiny CLIP (trained on drawn shapes) cannot; on drawn shapes the tiny CLIP
tells a red circle from a blue one, which EfficientNet barely does; side by side, each keeps what it knows (the
labeller's features alone lost the taught "red things" tag of tests/test_understand.py). The frame segments keep
the image_text model's vectors, which text queries are compared with.

Whether each keyframe looks drawn (understand.image_label_tags.looks_drawn) is measured once, where something
needs it: the labeller's frames (the image_text model's vocabulary tags only drawings beside it), and an image_text
model that sees drawings only (catalogue option ``sees``), whose frame search leaves out the keyframes that do
not: their spans are kept in the item's metadata (index.records.UNDRAWN_FRAMES_KEY; rank.search).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np

from mediarec.index.records import NewSegment
from mediarec.media.keyframes import VisualSummary, distinct_pictures
from mediarec.models.image_labels import EfficientNetLabeller
from mediarec.models.model_set import ModelSet, sees_drawings_only
from mediarec.pipeline.stage_timer import StageTimer
from mediarec.rank.item_vector import modality_block
from mediarec.understand.image_label_tags import LabelledFrame, looks_drawn

ROLE = "image_labels"
IMAGE_TEXT_SHARE = 0.2  # of the "looks" block's cosine (see the module docstring)


def has_labeller(models: ModelSet) -> bool:
    return bool(getattr(models, "has_role", lambda role: False)(ROLE))


def drawn_keyframes(models: ModelSet, visual: VisualSummary) -> list[bool] | None:
    """Per keyframe, whether it looks drawn (a repeated picture measured once); None where nothing needs it."""
    if not visual.keyframes or not (has_labeller(models) or sees_drawings_only(models)):
        return None
    pictures, shown_as = distinct_pictures(visual.keyframes)
    drawn = [looks_drawn(picture) for picture in pictures]
    return [drawn[position] for position in shown_as]


def undrawn_frames(
    models: ModelSet, frame_segments: Sequence[NewSegment], drawn: Sequence[bool] | None
) -> list[list[float]] | None:
    """The spans of the frame segments whose keyframe does not look drawn, when the image_text model sees drawings
    only (index.records.UNDRAWN_FRAMES_KEY); None otherwise."""
    if drawn is None or not sees_drawings_only(models):
        return None
    return [
        [segment.start, segment.end]
        for segment, is_drawn in zip(frame_segments, drawn, strict=True)
        if not is_drawn
    ]


def looks_model(models: ModelSet) -> tuple[str, int] | None:
    """(model id, dim) of the "looks" block when the image_labels model makes it, else None (image_text's)."""
    if not has_labeller(models):
        return None
    image_text, labeller = models.get("image_text"), models.get(ROLE)
    return f"{image_text.model_id}+{labeller.model_id}", image_text.dim + labeller.dim


def label_keyframes(
    models: ModelSet,
    visual: VisualSummary,
    frame_segments: Sequence[NewSegment],
    frame_block: np.ndarray | None,
    timed: StageTimer,
    drawn: Sequence[bool] | None = None,
) -> tuple[list[LabelledFrame], np.ndarray | None]:
    """Each keyframe's class probabilities over its segment's span, and the item's "looks" block beside the image_text
    model's ``frame_block`` (None, and no frames, without an image_labels model). ``drawn``: drawn_keyframes's."""
    if not has_labeller(models) or not visual.keyframes or frame_block is None:
        return [], None
    if drawn is None:
        drawn = drawn_keyframes(models, visual) or []
    labeller = cast(EfficientNetLabeller, models.get(ROLE))
    pictures, shown_as = distinct_pictures(visual.keyframes)  # a still shot's keyframes are one picture
    with timed("image_labels"):
        labels = labeller.classify(pictures)
    frames = [
        LabelledFrame(segment.start, segment.end, probabilities, is_drawn)
        for segment, probabilities, is_drawn in zip(
            frame_segments, labels.probabilities[shown_as], drawn, strict=True
        )
    ]
    looks = modality_block(labels.features[shown_as])
    if looks is None:
        return frames, None
    side_by_side = np.concatenate(
        [np.sqrt(IMAGE_TEXT_SHARE) * frame_block, np.sqrt(1 - IMAGE_TEXT_SHARE) * looks]
    )
    return frames, modality_block(side_by_side[None])

"""The read stage of indexing: the pictures a video was sampled at (media.text_frames) through OCR, merged into
on-screen lines (understand.screen_text), each embedded with the text model for meaning.

What it returns goes in the file's one transaction: the lines with their boxes (shown by `mediarec show`, the
details panel and the player) and one "read" segment per line, with its vector and its words for the text index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from mediarec.index.records import NewSegment, ScreenTextLine
from mediarec.media.text_frames import TextFrame
from mediarec.models.base import TextEncoder
from mediarec.models.model_set import ModelSet
from mediarec.models.ocr import ScreenTextReader, read_space_model_id
from mediarec.pipeline.stage_timer import StageTimer
from mediarec.understand.screen_text import ReadPicture, merge_screen_text


def read_screen_text(
    models: ModelSet,
    frames: Sequence[TextFrame],
    timed: StageTimer,
    keyframe_thumbnails: Sequence[tuple[float, float, str]] = (),
) -> tuple[list[ScreenTextLine], list[NewSegment], tuple[str, int]]:
    """(the lines, their "read" segments, the read space's (model id, dim)); no lines for a video without text.
    Each segment gets the thumbnail of the keyframe whose (start, end, thumbnail) holds the line's start, or the
    nearest one, so that a "read" hit shows the picture of its moment."""
    reader = cast(ScreenTextReader, models.get("ocr"))
    text = cast(TextEncoder, models.get("text"))
    pictures = []
    with timed("ocr"):
        for frame in frames:
            pictures.append(ReadPicture(frame.start, frame.end, tuple(reader.read(frame.image))))
    merged = merge_screen_text(pictures)
    space = (read_space_model_id(models), text.dim)
    if not merged:
        return [], [], space
    with timed("text_encoder"):
        vectors = text.encode_passages([segment.text for segment in merged])
    lines = [ScreenTextLine(s.start, s.end, s.text, s.box) for s in merged]
    segments = [
        NewSegment(
            "read", line.start, line.end, vector, line.text, _thumbnail_at(line.start, keyframe_thumbnails)
        )
        for line, vector in zip(lines, vectors, strict=True)
    ]
    return lines, segments, space


def _thumbnail_at(time: float, keyframes: Sequence[tuple[float, float, str]]) -> str | None:
    def distance(span: tuple[float, float, str]) -> float:
        start, end, _ = span
        return 0.0 if start <= time < end else min(abs(time - start), abs(time - end))

    return min(keyframes, key=distance)[2] if keyframes else None

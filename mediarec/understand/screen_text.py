"""On-screen text as time-coded segments: the lines read in consecutive pictures of a video, merged.

A slide or a subtitle stays on screen for several sampled pictures, and OCR reads it again in each, not always
letter for letter. A line read in one picture continues a line of the pictures just before when its text is
nearly the same (``SAME_TEXT``, a character-level similarity, so one misread letter does not split it) and its box
overlaps (``SAME_PLACE``, so the same word in the title and in the body stay two lines); a line missed in one
picture and read again within ``MAX_GAP_SECONDS`` continues too. A merged line lasts from the first picture it was
read in to the end of the last, keeps the reading seen most (weighted by the recogniser's confidence), and the box
of that reading.

Pure logic: no model, no Qt, no database.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from mediarec.models.ocr import ReadLine

SAME_TEXT = 0.8
SAME_PLACE = 0.3  # intersection over union of the boxes
MAX_GAP_SECONDS = 1.5
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class ReadPicture:
    """What was read in one picture shown from ``start`` to ``end`` seconds."""

    start: float
    end: float
    lines: tuple[ReadLine, ...]


@dataclass(frozen=True)
class ScreenTextSegment:
    """A line of on-screen text and when it was shown; ``box`` as fractions (left, top, right, bottom)."""

    start: float
    end: float
    text: str
    box: tuple[float, float, float, float]
    score: float


@dataclass
class _Track:
    start: float
    end: float
    last_box: tuple[float, float, float, float]
    last_key: str
    weights: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)

    def add(self, line: ReadLine, end: float) -> None:
        self.end = max(self.end, end)
        self.last_box, self.last_key = line.box, _key(line.text)
        self.weights[line.text] += line.score
        if line.score >= self.scores.get(line.text, 0.0):
            self.scores[line.text], self.boxes[line.text] = line.score, line.box

    def segment(self) -> ScreenTextSegment:
        text = max(self.weights, key=lambda variant: (self.weights[variant], self.scores[variant]))
        return ScreenTextSegment(self.start, self.end, text, self.boxes[text], self.scores[text])


def merge_screen_text(pictures: Iterable[ReadPicture]) -> list[ScreenTextSegment]:
    """The merged lines of ``pictures`` (in time order), ordered by start, then top to bottom."""
    tracks: list[_Track] = []
    for picture in pictures:
        taken: set[int] = set()
        for line in picture.lines:
            if not worth_keeping(line.text):
                continue
            index = _continued(tracks, line, picture.start, taken)
            if index is None:
                tracks.append(_Track(picture.start, picture.end, line.box, _key(line.text)))
                index = len(tracks) - 1
            taken.add(index)
            tracks[index].add(line, picture.end)
    segments = [track.segment() for track in tracks]
    return sorted(segments, key=lambda segment: (segment.start, segment.box[1], segment.box[0]))


def worth_keeping(text: str) -> bool:
    """A line is kept when it has a word character and is not a lone Latin letter or digit (OCR's usual noise)."""
    letters = _WORD.findall(text)
    if not letters:
        return False
    return not (len(letters) == 1 and letters[0].isascii())


def _continued(tracks: Sequence[_Track], line: ReadLine, start: float, taken: set[int]) -> int | None:
    """The open track ``line`` continues: seen recently, nearly the same text, overlapping box; None if none."""
    key = _key(line.text)
    best, best_similarity = None, SAME_TEXT
    for index, track in enumerate(tracks):
        if index in taken or start - track.end > MAX_GAP_SECONDS:
            continue
        if box_overlap(track.last_box, line.box) < SAME_PLACE:
            continue
        similarity = 1.0 if key == track.last_key else SequenceMatcher(None, key, track.last_key).ratio()
        if similarity >= best_similarity:
            best, best_similarity = index, similarity
    return best


def box_overlap(first: Sequence[float], second: Sequence[float]) -> float:
    """Intersection over union of two (left, top, right, bottom) boxes."""
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (first[2] - first[0]) * (first[3] - first[1]) + (second[2] - second[0]) * (second[3] - second[1])
    return inter / (union - inter) if union > inter else 1.0


def _key(text: str) -> str:
    return "".join(text.casefold().split())

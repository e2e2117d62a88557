"""Where the talk changes subject: topic-shift candidates from the transcript, for chapters.

TextTiling's block comparison with sentence vectors: each sentence of the transcript is embedded once with the
text encoder at indexing time, and at every sentence start the contrast is the mean similarity of the sentences
within each side (the WINDOW_SECONDS before it, and after it) minus the mean similarity across it. Sentences about one thing
resemble each other more than sentences about two things, so the contrast peaks where the subject changes; the
local maxima are kept in the item's metadata ("topic_shifts": [[time, contrast], ...]) for chapters, which then
need no model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from mediarec.index.records import TranscriptLine
from mediarec.models.base import TextEncoder

WINDOW_SECONDS = 15.0
# Peaks lower than this are noise between sentences of one subject (chapters need more: chapters.TOPIC_CONTRAST).
MIN_KEPT_CONTRAST = 0.05
MIN_LINES = 4
_SENTENCE_END = re.compile(r"[.!?。！？]+[\"')”’]*\s*")
MIN_SIDE_LINES = 2


def line_contrasts(times: np.ndarray, similarity: np.ndarray, window: float = WINDOW_SECONDS) -> np.ndarray:
    """Contrast at each line start: mean similarity within the two sides minus mean similarity across."""
    contrasts = np.zeros(len(times))
    for index, time in enumerate(times):
        before = np.flatnonzero((times >= time - window) & (times < time))
        after = np.flatnonzero((times >= time) & (times < time + window))
        if len(before) < MIN_SIDE_LINES or len(after) < MIN_SIDE_LINES:
            continue  # one sentence is no subject: at the very start and end, every line would stand out
        across = similarity[np.ix_(before, after)].mean()
        within = (_mean_off_diagonal(similarity, before) + _mean_off_diagonal(similarity, after)) / 2
        contrasts[index] = within - across
    return contrasts


def _mean_off_diagonal(similarity: np.ndarray, members: np.ndarray) -> float:
    block = similarity[np.ix_(members, members)]
    return float(block[~np.eye(len(members), dtype=bool)].mean())


def sentences(lines: Sequence[TranscriptLine]) -> list[TranscriptLine]:
    """The transcript cut into sentences. Speech-to-text segments run across sentences (and so across a change
    of subject); a sentence's start is placed by its share of the characters of its segment."""
    pieces = []
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        cuts = (
            [0]
            + [match.end() for match in _SENTENCE_END.finditer(text) if match.end() < len(text)]
            + [len(text)]
        )
        span = line.end - line.start
        for first, last in zip(cuts, cuts[1:], strict=False):
            piece = text[first:last].strip()
            if piece:
                start = line.start + span * first / len(text)
                pieces.append(
                    TranscriptLine(round(start, 3), round(line.start + span * last / len(text), 3), piece)
                )
    return pieces


def topic_shifts(encoder: TextEncoder, lines: Sequence[TranscriptLine]) -> list[list[float]]:
    """[[time, contrast], ...] at the local maxima of the contrast (empty for short transcripts)."""
    spoken = sentences(lines)
    if len(spoken) < MIN_LINES:
        return []
    times = np.array([line.start for line in spoken])
    vectors = encoder.encode_passages([line.text.strip() for line in spoken])
    contrasts = line_contrasts(times, vectors @ vectors.T)
    shifts = []
    for index in range(1, len(spoken)):
        neighbours = contrasts[index - 1 : index + 2]
        if contrasts[index] >= MIN_KEPT_CONTRAST and contrasts[index] >= neighbours.max():
            shifts.append([round(float(times[index]), 3), round(float(contrasts[index]), 4)])
    return shifts

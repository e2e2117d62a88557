"""Sound event and music tags from the audio encoder's window scores (the 521 AudioSet classes for YAMNet),
and the share of an item's time that is speech, music or silence.

YAMNet scores ~1 s windows every 0.48 s. A class's item score is its best run of ``SMOOTHING_WINDOWS``
consecutive windows (averaged), so one noisy window of a long file does not make a tag but a short event
still does; an item keeps its ``MAX_AUDIO_TAGS`` best classes that reach ``MIN_AUDIO_SCORE``, and a tag's
moments are the windows where its class reaches it (merged into runs). The stored tag's own moment, where a
search hit on it lands, is the one window where its class scored highest (YAMNet's 0.96 s; CLAP's 10 s window
narrowed to 5 s where the half-overlapping window beside it did not hear the class): a search for a bark opens
where the bark is surest, not at the start of a minute of dog sounds.

The threshold and the cap were chosen by benchmarks/calibrate_audio_tags.py on half of the development set
built by benchmarks/devsets/build_tags_devset.py (153 labelled sounds from Debian packages; best micro-F1 on
that half, measured on the other half; figures in README, How it works). The quantised YAMNet's scores are
coarse and low: 0.10 is where its F1 peaks, while 0.5 loses a third of the recall for 8 points of precision.
Two-window smoothing scored the same as none on these short clips and is kept for long files. The stored
score is rescaled so that the threshold maps to 0.5, the score at which every source's tags count as applied.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from mediarec.index.tag_names import sound_tag_name
from mediarec.understand import zero_shot_audio
from mediarec.understand.found import FoundTag, best_first, merge_moments

SAMPLE_RATE = 16_000
# A class becomes a tag when its smoothed item score reaches this (calibrated, see the module doc).
MIN_AUDIO_SCORE = 0.10
SMOOTHING_WINDOWS = 2
MAX_AUDIO_TAGS = 6
# A tag's stored moment is its best window; a window longer than this is narrowed by its neighbours (_peak_span).
FINE_WINDOW_SECONDS = 1.0
# Shares: a window is silent below this loudness, and speech or music when that class reaches SHARE_SCORE.
SILENCE_DBFS = -50.0
SHARE_SCORE = 0.3
SHARE_CLASSES = {"speech": "Speech", "music": "Music"}


@dataclass(frozen=True)
class AudioScores:
    """The audio encoder's event scores for one item: window starts [W], scores [W, C], class names."""

    starts: np.ndarray
    scores: np.ndarray
    names: tuple[str, ...]
    window_seconds: float
    exclusive: bool = False  # one softmax over the labels per window (AudioEncoder.exclusive_scores)

    @property
    def windows(self) -> int:
        return len(self.starts)


def tag_name(class_name: str) -> str:
    """The tag for an AudioSet class: its display name in lower case ("Beep, bleep" -> "beep, bleep")."""
    return sound_tag_name(class_name)


def smoothed_peaks(scores: np.ndarray, windows: int = SMOOTHING_WINDOWS) -> np.ndarray:
    """[C] each class's best mean over ``windows`` consecutive windows (over all windows when fewer)."""
    if len(scores) == 0:
        return np.zeros(scores.shape[1], np.float32)
    span = min(windows, len(scores))
    cumulative = np.cumsum(np.vstack([np.zeros((1, scores.shape[1]), np.float32), scores]), axis=0)
    means = (cumulative[span:] - cumulative[:-span]) / span
    return means.max(axis=0)


def audio_tags(
    analysis: AudioScores,
    duration: float,
    *,
    min_score: float = MIN_AUDIO_SCORE,
    max_tags: int = MAX_AUDIO_TAGS,
) -> list[FoundTag]:
    if analysis.windows == 0:
        return []
    smoothing = SMOOTHING_WINDOWS
    if analysis.exclusive:  # CLAP: its own rule, see understand/zero_shot_audio.py
        analysis = replace(analysis, scores=zero_shot_audio.present_scores(analysis.scores))
        min_score, smoothing = zero_shot_audio.min_probability(analysis.scores.shape[1]), 1
    peaks = smoothed_peaks(analysis.scores, smoothing)
    found = []
    for index in np.argsort(-peaks)[:max_tags]:
        if peaks[index] < min_score:
            break
        column = analysis.scores[:, index]
        spans = [_window_span(analysis, int(w), duration) for w in np.flatnonzero(column >= min_score)]
        best = _window_span(analysis, int(np.argmax(column)), duration)
        moments = best_first(merge_moments(spans), best) if spans else (best,)
        score = applied_score(float(peaks[index]), min_score)
        peak = _peak_span(analysis, column, int(np.argmax(column)), min_score, duration)
        found.append(FoundTag(tag_name(analysis.names[index]), "audio", score, moments, peak=peak))
    return found


def _peak_span(
    analysis: AudioScores, column: np.ndarray, window: int, threshold: float, duration: float
) -> tuple[float, float]:
    """Where the class was heard best: its best window, less the part it shares with a neighbouring window that
    did not hear the class (the sound cannot be there, or that window would have heard it). Only for windows longer
    than FINE_WINDOW_SECONDS (CLAP's 10 s windows, hop 5 s: 5 s then); YAMNet's 0.96 s window is kept whole."""
    start, end = whole = _window_span(analysis, window, duration)
    if analysis.window_seconds <= FINE_WINDOW_SECONDS:
        return whole
    for neighbour in (window - 1, window + 1):
        if not 0 <= neighbour < analysis.windows or column[neighbour] >= threshold:
            continue
        other_start, other_end = _window_span(analysis, neighbour, duration)
        if other_start <= start < other_end < end:  # the window before heard nothing: after its end
            start = other_end
        elif start < other_start < end <= other_end:  # the window after heard nothing: before its start
            end = other_start
    return (start, end) if end > start else whole


def applied_score(peak: float, threshold: float) -> float:
    """The model's score rescaled so that the threshold is 0.5 and certainty 1.0."""
    return round(0.5 + 0.5 * (peak - threshold) / (1.0 - threshold), 4)


def _window_span(analysis: AudioScores, window: int, duration: float) -> tuple[float, float]:
    start = float(analysis.starts[window])
    return round(start, 3), round(min(duration, start + analysis.window_seconds), 3)


def audio_shares(audio: np.ndarray, analysis: AudioScores) -> dict[str, float]:
    """Share of windows that are silence, speech, music or something else (they add up to 1)."""
    if analysis.windows == 0:
        return {}
    loudness = _window_dbfs(audio, analysis)
    if analysis.exclusive:  # CLAP: 1.0 where the best label is speech or music
        columns = zero_shot_audio.share_columns(analysis.scores, analysis.names)
    else:
        columns = {key: _class_column(analysis, name) for key, name in SHARE_CLASSES.items()}
    counts = dict.fromkeys(("speech", "music", "silence", "other"), 0)
    for window in range(analysis.windows):
        if loudness[window] < SILENCE_DBFS:
            counts["silence"] += 1
            continue
        speech, music = columns["speech"][window], columns["music"][window]
        if max(speech, music) < SHARE_SCORE:
            counts["other"] += 1
        else:
            counts["speech" if speech >= music else "music"] += 1
    return {key: round(count / analysis.windows, 3) for key, count in counts.items()}


def _class_column(analysis: AudioScores, class_name: str) -> np.ndarray:
    try:
        return analysis.scores[:, analysis.names.index(class_name)]
    except ValueError:  # a model without this class
        return np.zeros(analysis.windows, np.float32)


def _window_dbfs(audio: np.ndarray, analysis: AudioScores) -> np.ndarray:
    length = max(1, round(analysis.window_seconds * SAMPLE_RATE))
    levels = []
    for start in analysis.starts:
        first = int(round(float(start) * SAMPLE_RATE))
        piece = np.asarray(audio[first : first + length], dtype=np.float64)
        rms = float(np.sqrt(np.mean(piece**2))) if piece.size else 0.0
        levels.append(20.0 * np.log10(max(rms, 1e-10)))
    return np.array(levels)

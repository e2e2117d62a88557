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

All of this is read from the windows as they come (AudioEvidence), so a long file's window scores are never all
held: the indexer feeds it one 10-minute audio block at a time (pipeline/encoding.py).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    evidence = AudioEvidence(analysis.names, analysis.window_seconds, analysis.exclusive, min_score=min_score)
    evidence.add(analysis)
    return evidence.tags(duration, max_tags=max_tags)


def audio_shares(audio: np.ndarray, analysis: AudioScores) -> dict[str, float]:
    """Share of windows that are silence, speech, music or something else (they add up to 1)."""
    evidence = AudioEvidence(analysis.names, analysis.window_seconds, analysis.exclusive)
    evidence.add(analysis, window_dbfs(audio, analysis.starts, analysis.window_seconds))
    return evidence.shares()


class AudioEvidence:
    """What an item's sound tags, moments and shares are made from, gathered batch by batch (windows in time order),
    so that a long file's window scores ([W, 521] float32 for YAMNet: 156 MB in 10 hours) are never all kept. Per
    class: its best smoothed run of ``SMOOTHING_WINDOWS`` windows, its best window (with the scores of the windows
    on either side, for _peak_span) and the windows where it reaches the threshold, merged into runs as they come;
    per item: running counts of the windows that are speech, music, silence or other. One batch gives what the
    whole-file functions gave; several give the same, except that each batch's smoothing sums start afresh (the
    whole file's float32 running sum drifted by up to ~1e-3 at 10 hours)."""

    def __init__(
        self,
        names: tuple[str, ...],
        window_seconds: float,
        exclusive: bool = False,
        *,
        min_score: float = MIN_AUDIO_SCORE,
    ):
        self.names, self.window_seconds, self.exclusive = names, window_seconds, exclusive
        self.min_score, self.smoothing = min_score, SMOOTHING_WINDOWS
        if exclusive:  # CLAP: its own rule, see understand/zero_shot_audio.py
            self.min_score, self.smoothing = zero_shot_audio.min_probability(len(names)), 1
        self.windows = 0
        self.track_seconds = 0.0  # how much audio the windows came from (set by the pipeline)
        self.heard_speech = False  # whether a window had speech evidence (understand.speech_gate, set by add)
        classes = len(names)
        # The last smoothing - 1 windows, the start of a smoothed run that the next batch may end.
        self._tail = np.zeros((0, classes), np.float32)
        self._peaks: np.ndarray | None = None  # in the scores' own dtype, as the whole-file function gave
        self._best = _BestWindows()
        self._runs: dict[int, list[tuple[float, float]]] = {}
        self._counts = dict.fromkeys(("speech", "music", "silence", "other"), 0)

    def add(
        self, batch: AudioScores, loudness: np.ndarray | None = None, speech: np.ndarray | None = None
    ) -> None:
        """The next windows: their scores, and for the shares their loudness in dBFS (window_dbfs) and which of
        them had speech evidence (understand.speech_gate.speech_windows; None when the model cannot tell)."""
        if batch.windows == 0:
            return
        scores = zero_shot_audio.present_scores(batch.scores) if self.exclusive else batch.scores
        self._add_peaks(scores)
        self._best.add(batch.starts, scores)
        self._add_runs(batch.starts, scores)
        if loudness is not None:
            self._count_shares(batch, loudness)
        self.heard_speech = self.heard_speech or bool(speech is not None and speech.any())
        self.windows += batch.windows

    def tags(self, duration: float, *, max_tags: int = MAX_AUDIO_TAGS) -> list[FoundTag]:
        """An item keeps its ``max_tags`` best classes that reach the threshold (the module doc)."""
        if self.windows == 0:
            return []
        peaks = smoothed_peaks(self._tail, self.smoothing) if self._peaks is None else self._peaks
        found = []
        for index in np.argsort(-peaks)[:max_tags]:
            if peaks[index] < self.min_score:
                break
            best = self._span(self._best.start[index], duration)
            spans = [(start, min(round(duration, 3), end)) for start, end in self._runs.get(int(index), [])]
            moments = best_first(merge_moments(spans), best) if spans else (best,)
            score = applied_score(float(peaks[index]), self.min_score)
            peak = self._peak_span(int(index), duration)
            found.append(FoundTag(tag_name(self.names[index]), "audio", score, moments, peak=peak))
        return found

    def shares(self) -> dict[str, float]:
        """Share of windows that are silence, speech, music or something else (they add up to 1)."""
        if self.windows == 0:
            return {}
        return {key: round(count / self.windows, 3) for key, count in self._counts.items()}

    def _add_peaks(self, scores: np.ndarray) -> None:
        rows = np.concatenate([self._tail, scores]) if len(self._tail) else scores
        if len(rows) >= self.smoothing:
            peaks = smoothed_peaks(rows, self.smoothing)
            self._peaks = peaks if self._peaks is None else np.maximum(self._peaks, peaks)
        self._tail = rows[len(rows) - (self.smoothing - 1) :].copy() if self.smoothing > 1 else rows[:0]

    def _add_runs(self, starts: np.ndarray, scores: np.ndarray) -> None:
        """Each class's windows at the threshold, merged into runs; only a class's last run can still grow."""
        hits = scores >= self.min_score
        for index in np.flatnonzero(hits.any(axis=0)):
            spans = [self._span(float(starts[window])) for window in np.flatnonzero(hits[:, index])]
            runs = self._runs.setdefault(int(index), [])
            runs[-1:] = merge_moments(runs[-1:] + spans)

    def _count_shares(self, batch: AudioScores, loudness: np.ndarray) -> None:
        if batch.exclusive:  # CLAP: 1.0 where the best label is speech or music
            columns = zero_shot_audio.share_columns(batch.scores, batch.names)
        else:
            columns = {key: _class_column(batch, name) for key, name in SHARE_CLASSES.items()}
        speech, music = columns["speech"], columns["music"]
        silent = loudness < SILENCE_DBFS
        heard = ~silent & (np.maximum(speech, music) >= SHARE_SCORE)
        self._counts["silence"] += int(silent.sum())
        self._counts["other"] += int((~silent & ~heard).sum())
        self._counts["speech"] += int((heard & (speech >= music)).sum())
        self._counts["music"] += int((heard & (speech < music)).sum())

    def _span(self, start: float, duration: float = np.inf) -> tuple[float, float]:
        start = float(start)  # Python's round, not numpy's (which can differ in the last digit)
        return round(start, 3), round(min(duration, start + self.window_seconds), 3)

    def _peak_span(self, index: int, duration: float) -> tuple[float, float]:
        """Where the class was heard best: its best window, less the part it shares with a neighbouring window that
        did not hear the class (the sound cannot be there, or that window would have heard it). Only for windows
        longer than FINE_WINDOW_SECONDS (CLAP's 10 s windows, hop 5 s: 5 s then); YAMNet's 0.96 s window is kept
        whole."""
        start, end = whole = self._span(self._best.start[index], duration)
        if self.window_seconds <= FINE_WINDOW_SECONDS:
            return whole
        for neighbour_start, neighbour_score in self._best.neighbours(index):
            if neighbour_score >= self.min_score:
                continue
            other_start, other_end = self._span(neighbour_start, duration)
            if other_start <= start < other_end < end:  # the window before heard nothing: after its end
                start = other_end
            elif start < other_start < end <= other_end:  # the window after heard nothing: before its start
                end = other_start
        return (start, end) if end > start else whole


class _BestWindows:
    """Each class's best window (the first of equals) and the windows either side of it, as batches come. Scores
    keep the dtype they came in, so that comparisons with a threshold read them as the whole-file code did."""

    def __init__(self) -> None:
        self.score = self.start = np.zeros(0)
        # [class, before/after]: the neighbouring windows' start and score (NaN: no such window, or not yet seen).
        self._next_start = self._next_score = np.zeros((0, 2))
        self._previous: tuple[float, np.ndarray] | None = None  # the last window of the batch before

    def add(self, starts: np.ndarray, scores: np.ndarray) -> None:
        if self._previous is None:
            classes = scores.shape[1]
            self.score, self.start = np.full(classes, -np.inf, scores.dtype), np.zeros(classes)
            self._next_start = np.full((classes, 2), np.nan)
            self._next_score = np.full((classes, 2), np.nan, scores.dtype)
        # Classes whose best so far was the last window seen: this batch's first window is the one after it.
        waiting = np.isnan(self._next_start[:, 1]) & np.isfinite(self.score)
        self._next_start[waiting, 1], self._next_score[waiting, 1] = float(starts[0]), scores[0, waiting]
        window = np.argmax(scores, axis=0)
        classes = np.arange(scores.shape[1])
        better = scores[window, classes] > self.score
        window, classes = window[better], classes[better]
        self.score[classes] = scores[window, classes]
        self.start[classes] = starts[window].astype(np.float64)
        for side, offset in ((0, -1), (1, 1)):
            self._next_start[classes, side] = np.nan
            self._next_score[classes, side] = np.nan
            inside = (window + offset >= 0) & (window + offset < len(starts))
            self._next_start[classes[inside], side] = starts[window[inside] + offset]
            self._next_score[classes[inside], side] = scores[window[inside] + offset, classes[inside]]
        if self._previous is not None:  # the best is this batch's first window: the one before came earlier
            first = classes[window == 0]
            self._next_start[first, 0] = self._previous[0]
            self._next_score[first, 0] = self._previous[1][first]
        self._previous = float(starts[-1]), scores[-1].copy()

    def neighbours(self, index: int) -> list[tuple[float, np.floating]]:
        return [
            (float(self._next_start[index, side]), self._next_score[index, side])
            for side in (0, 1)
            if not np.isnan(self._next_start[index, side])
        ]


def applied_score(peak: float, threshold: float) -> float:
    """The model's score rescaled so that the threshold is 0.5 and certainty 1.0."""
    return round(0.5 + 0.5 * (peak - threshold) / (1.0 - threshold), 4)


def _class_column(analysis: AudioScores, class_name: str) -> np.ndarray:
    try:
        return analysis.scores[:, analysis.names.index(class_name)]
    except ValueError:  # a model without this class
        return np.zeros(analysis.windows, np.float32)


def window_dbfs(audio: np.ndarray, starts: np.ndarray, window_seconds: float) -> np.ndarray:
    """[W] each window's loudness in dBFS: the RMS of the ``window_seconds`` of audio from its start."""
    length = max(1, round(window_seconds * SAMPLE_RATE))
    levels = []
    for start in starts:
        first = int(round(float(start) * SAMPLE_RATE))
        piece = np.asarray(audio[first : first + length], dtype=np.float64)
        rms = float(np.sqrt(np.mean(piece**2))) if piece.size else 0.0
        levels.append(20.0 * np.log10(max(rms, 1e-10)))
    return np.array(levels)

"""Audio window vectors pooled into moments, and what lets a long track be encoded block by block without ever
holding its samples, its window vectors or its window scores whole (pipeline.encoding reads them)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from mediarec.rank.item_vector import normalise
from mediarec.understand.audio_tags import AudioEvidence, AudioScores, window_dbfs
from mediarec.understand.speech_gate import speech_windows


def chain_first(
    first: np.ndarray, rest: Iterator[tuple[float, np.ndarray]]
) -> Iterator[tuple[float, np.ndarray]]:
    yield 0.0, first
    del first
    yield from rest


class PooledWindows:
    """pool_windows and modality_block of a long track's window vectors, summed as the blocks come, so the vectors
    of every 0.48 s window (1024 floats each: 300 MB in 10 hours) are never all kept. Windows come in time order, so a
    moment is done once a later one has begun: only the open moment is a float64 sum, the others are kept as the
    float32 vector that is stored (31 MB in 10 hours of 4.8 s moments)."""

    def __init__(self, window: float):
        self._window = window
        self._done: list[tuple[int, np.ndarray]] = []  # (moment, pooled vector) of the moments done
        self._open: dict[int, tuple[np.ndarray, int]] = {}  # moment -> (sum, count) of those still open
        self._total: np.ndarray | None = None
        self._count = 0

    def add(self, starts: np.ndarray, vectors: np.ndarray) -> None:
        if len(vectors) == 0:
            return
        vectors = np.asarray(vectors, dtype=np.float64)
        bucket_of = np.floor(np.asarray(starts) / self._window).astype(int)
        for bucket in np.unique(bucket_of):
            members = vectors[bucket_of == bucket]
            total, count = self._open.get(int(bucket), (0.0, 0))
            self._open[int(bucket)] = (total + members.sum(axis=0), count + len(members))
        self._total = vectors.sum(axis=0) if self._total is None else self._total + vectors.sum(axis=0)
        self._count += len(vectors)
        self._close(before=int(bucket_of.max()))

    def _close(self, before: float) -> None:
        for bucket in sorted(key for key in self._open if key < before):
            total, count = self._open.pop(bucket)
            self._done.append((bucket, normalise((total / count).astype(np.float32))))

    def windows(self, duration: float) -> list[tuple[float, float, np.ndarray]]:
        self._close(before=np.inf)
        pooled = []
        for bucket, vector in self._done:
            start = float(bucket * self._window)
            pooled.append((start, min(duration, start + self._window), vector))
        return pooled

    def mean(self) -> np.ndarray | None:
        if self._total is None or self._count == 0:
            return None
        return normalise((self._total / self._count).astype(np.float32))


def add_block_evidence(
    evidence: AudioEvidence | None, block: AudioScores, samples: np.ndarray, block_start: float
) -> AudioEvidence:
    """One block's windows (block-relative starts, the block's samples) into a long track's tag and share evidence;
    the first block starts it."""
    if evidence is None:
        evidence = AudioEvidence(block.names, block.window_seconds, block.exclusive)
    loudness = window_dbfs(samples, block.starts, block.window_seconds)
    in_track = replace(block, starts=block.starts + block_start)
    evidence.add(in_track, loudness, speech_windows(in_track))
    evidence.track_seconds = (round(block_start * 16000) + len(samples)) / 16000.0
    return evidence


def track_evidence(scores: AudioScores, audio: np.ndarray) -> AudioEvidence:
    """The tag and share evidence of a track held whole."""
    return add_block_evidence(None, scores, audio, 0.0)


def pool_windows(starts: np.ndarray, vectors: np.ndarray, window: float, duration: float):
    """Average the encoder's short windows into `window`-second moments (fewer rows, same information)."""
    pooled = []
    bucket_of = np.floor(np.asarray(starts) / window).astype(int)
    for bucket in np.unique(bucket_of):
        members = vectors[bucket_of == bucket]
        start = float(bucket * window)
        pooled.append((start, min(duration, start + window), normalise(members.mean(axis=0))))
    return pooled

"""Audio window vectors pooled into moments, and the stand-ins that let a long track be encoded block by block
without ever holding its samples or its window vectors whole (pipeline.encoding reads them)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from mediarec.rank.item_vector import normalise


def chain_first(
    first: np.ndarray, rest: Iterator[tuple[float, np.ndarray]]
) -> Iterator[tuple[float, np.ndarray]]:
    yield 0.0, first
    del first
    yield from rest


def window_rms(samples: np.ndarray, starts: np.ndarray, window_seconds: float) -> np.ndarray:
    """Each window's RMS level, read as understand.audio_tags reads a track (its first sample, window_seconds long)."""
    length = max(1, round(window_seconds * 16000))
    levels = []
    for start in starts:
        first = int(round(float(start) * 16000))
        piece = np.asarray(samples[first : first + length], dtype=np.float64)
        levels.append(float(np.sqrt(np.mean(piece**2))) if piece.size else 0.0)
    return np.array(levels)


class PooledWindows:
    """pool_windows and modality_block of a long track's window vectors, summed as the blocks come, so the vectors
    of every 0.48 s window (1024 floats each: 300 MB in 10 hours) are never all kept."""

    def __init__(self, window: float):
        self._window = window
        self._sums: dict[int, np.ndarray] = {}
        self._counts: dict[int, int] = {}
        self._total: np.ndarray | None = None
        self._count = 0

    def add(self, starts: np.ndarray, vectors: np.ndarray) -> None:
        if len(vectors) == 0:
            return
        vectors = np.asarray(vectors, dtype=np.float64)
        bucket_of = np.floor(np.asarray(starts) / self._window).astype(int)
        for bucket in np.unique(bucket_of):
            members = vectors[bucket_of == bucket]
            key = int(bucket)
            self._sums[key] = self._sums.get(key, 0.0) + members.sum(axis=0)
            self._counts[key] = self._counts.get(key, 0) + len(members)
        self._total = vectors.sum(axis=0) if self._total is None else self._total + vectors.sum(axis=0)
        self._count += len(vectors)

    def windows(self, duration: float) -> list[tuple[float, float, np.ndarray]]:
        pooled = []
        for bucket in sorted(self._sums):
            start = float(bucket * self._window)
            mean = (self._sums[bucket] / self._counts[bucket]).astype(np.float32)
            pooled.append((start, min(duration, start + self._window), normalise(mean)))
        return pooled

    def mean(self) -> np.ndarray | None:
        if self._total is None or self._count == 0:
            return None
        return normalise((self._total / self._count).astype(np.float32))


class WindowLevels:
    """Stands in for a long track where only each audio window's loudness is read (understand.audio_tags reads
    track[first : first + length] at each window's first sample): that slice holds the window's RMS level, constant,
    so the level read back is the one measured on the block and the track itself is never kept."""

    def __init__(self, starts: np.ndarray, rms: np.ndarray, samples: int):
        firsts = [int(round(float(start) * 16000)) for start in starts]
        self._rms = dict(zip(firsts, (float(level) for level in rms), strict=True))
        self._samples = samples

    def __len__(self) -> int:
        return self._samples

    def __getitem__(self, key: slice) -> np.ndarray:
        first = key.start or 0
        stop = self._samples if key.stop is None else min(key.stop, self._samples)
        return np.full(max(0, stop - first), self._rms.get(first, 0.0), dtype=np.float64)


def pool_windows(starts: np.ndarray, vectors: np.ndarray, window: float, duration: float):
    """Average the encoder's short windows into `window`-second moments (fewer rows, same information)."""
    pooled = []
    bucket_of = np.floor(np.asarray(starts) / window).astype(int)
    for bucket in np.unique(bucket_of):
        members = vectors[bucket_of == bucket]
        start = float(bucket * window)
        pooled.append((start, min(duration, start + window), normalise(members.mean(axis=0))))
    return pooled

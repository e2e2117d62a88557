"""An in-memory copy of a vector space for exact search at interactive speed.

sqlite-vec stays the store of record, but its brute-force KNN costs ~0.4 µs per row whatever the vector size
(measured here: 120-130 ms for 300k rows of 512-d, float or binary), which misses the 100 ms target at 100k items.
A float32 matrix in memory answers the same query with one BLAS matrix-vector product (~25 ms for 300k x 512 on two
cores). The copy is refreshed from the database when its write/deletion generation changes: after appends only the
newest chunks are re-read; after a deletion (a changed, vanished or re-encoded file: rare) everything is.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from mediarec.index.vectors import VectorChunk


@dataclass
class _Matrix:
    rowids: np.ndarray
    item_ids: np.ndarray
    vectors: np.ndarray
    generation: tuple[int, int]  # (vector writes, vector deletions) when this copy was made
    chunks: dict[int, VectorChunk] = field(default_factory=dict)


class VectorIndex:
    """Exact cosine top-k over one vector space."""

    def __init__(self, store, space):
        self.store = store
        self.space = space
        self._matrix: _Matrix | None = None
        self._lock = threading.Lock()

    def _refresh(self) -> _Matrix:
        generation = self.store.vector_generation()
        matrix = self._matrix
        if matrix is not None and matrix.generation == generation:
            return matrix
        chunks: dict[int, VectorChunk] = {}
        if matrix is not None and matrix.generation[1] == generation[1]:
            chunks = dict(matrix.chunks)  # only appends since: the chunks read before still hold
        first = max(chunks) if chunks else 0
        fresh = self.store.vector_chunks(self.space, first)
        if fresh is None:  # unknown sqlite-vec layout: the slow, always-correct path
            rowids, item_ids, vectors = self.store.vectors_after(self.space, 0)
            self._matrix = _Matrix(rowids, item_ids, vectors, generation)
            return self._matrix
        chunks.update({chunk.chunk_id: chunk for chunk in fresh})
        ordered = [chunks[key] for key in sorted(chunks)]
        self._matrix = _Matrix(
            np.concatenate([c.rowids for c in ordered]) if ordered else np.zeros(0, np.int64),
            np.concatenate([c.item_ids for c in ordered]) if ordered else np.zeros(0, np.int64),
            np.concatenate([c.vectors for c in ordered])
            if ordered
            else np.zeros((0, self.space.dim), np.float32),
            generation,
            chunks,
        )
        return self._matrix

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, int, float]]:
        """(rowid, item_id, cosine similarity), best first. Stored vectors are unit length."""
        with self._lock:
            matrix = self._refresh()
        if len(matrix.rowids) == 0:
            return []
        similarities = matrix.vectors @ np.asarray(query, dtype=np.float32)
        k = min(k, len(similarities))
        top = np.argpartition(-similarities, k - 1)[:k]
        top = top[np.argsort(-similarities[top])]
        return [(int(matrix.rowids[i]), int(matrix.item_ids[i]), float(similarities[i])) for i in top]

    def size(self) -> int:
        with self._lock:
            return len(self._refresh().rowids)

    def sample(self, limit: int, seed: int = 0) -> np.ndarray:
        with self._lock:
            matrix = self._refresh()
        if len(matrix.rowids) <= limit:
            return matrix.vectors
        picks = np.random.default_rng(seed).choice(len(matrix.rowids), size=limit, replace=False)
        return matrix.vectors[picks]

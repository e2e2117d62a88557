"""The fused item space in memory: what "more like this" and For you read their item vectors and neighbours from.

Both used to ask SQLite on every call: a KNN over the item space (sqlite-vec's brute force, ~1.2 s at 10^5 items of
2,048-d on the shared 2 cores) and the vectors of a few hundred items by rowid (sqlite-vec reads a row out of its
8 MB chunk blob, ~5 ms a row). At 10^5 items that is seconds a call where the targets are 20 ms and 100 ms
(benchmarks/bench_scale.py). Here the space is read once, chunk by chunk, into a float32 matrix (exact: the blocks
read back are the stored ones; float16 moved them by ~1e-4, which tests/test_similar_modal.py does not allow)
beside a 256-d random projection of it (the sketch). A KNN scores the sketch (an eighth of the work of the full
matrix), keeps the best `OVERFETCH` x k rows (at least MIN_EXACT_ROWS) and ranks those exactly; a library no
bigger than that is ranked exactly throughout.

Memory at 10^5 items of 2,048-d: 820 MB of vectors and 102 MB of sketch, as much as the vectors take in the
database; a float16 or memory-mapped copy would halve or page it, at the cost above. The copy follows the store's
vector generation (index.vectors: writes, deletions): after appends only the newest chunks are read again, after
a deletion everything is.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mediarec.index.records import VectorSpace
from mediarec.index.store import LibraryStore
from mediarec.index.vector_index import ExactMatrix, read_matrix
from mediarec.rank.blas_threads import queries_on_one_thread

SKETCH_DIM = 256
OVERFETCH = 10  # rows ranked exactly per row asked for
MIN_EXACT_ROWS = 2000  # at least this many rows are ranked exactly (so small libraries are ranked exactly)
ROUGH_CHUNK_ROWS = 1024  # sketch rows (1 MB) scored for every query while in cache (knn_each); 16 | it


@dataclass
class ItemMatrix:
    space: VectorSpace
    generation: tuple[int, int]
    item_ids: np.ndarray  # int64, ascending
    vectors: np.ndarray  # float32 [n, dim], rows in item_ids' order
    sketch: np.ndarray  # float32 [n, SKETCH_DIM]
    projection: np.ndarray  # float32 [dim, SKETCH_DIM]
    exact: ExactMatrix  # the rows as read (index.vector_index), in the store's order: the next read starts from it
    sketches: dict[int, np.ndarray] = field(default_factory=dict)  # chunk id -> its rows' sketch

    @property
    def size(self) -> int:
        return len(self.item_ids)

    def rows_of(self, item_ids: Sequence[int]) -> np.ndarray:
        """Row numbers of the items that have a vector, in ascending item id order."""
        wanted = np.unique(np.asarray(list(item_ids), dtype=np.int64))
        rows = np.searchsorted(self.item_ids, wanted)
        inside = rows < len(self.item_ids)
        rows, wanted = rows[inside], wanted[inside]
        return rows[self.item_ids[rows] == wanted]

    def vectors_of(self, item_ids: Sequence[int]) -> tuple[list[int], np.ndarray]:
        """As LibraryStore.item_vectors(space, item_ids): (ids that have a vector, ascending; float32 matrix)."""
        rows = self.rows_of(item_ids)
        return self.item_ids[rows].tolist(), self.vectors[rows]

    def sample(self, limit: int) -> tuple[list[int], np.ndarray]:
        """As LibraryStore.item_vectors(space, limit=limit): the same random sample while the space keeps its
        size (seeded by the size), ascending."""
        if self.size <= limit:
            return self.item_ids.tolist(), self.vectors.copy()
        # From the array itself: the same draw as from its list (~4 ms at 10^5 items to make and read back).
        chosen = np.random.default_rng(self.size).choice(self.item_ids, size=limit, replace=False)
        return self.vectors_of(sorted(chosen.tolist()))

    def knn(self, vector: np.ndarray, k: int) -> list[tuple[int, int, float]]:
        """As LibraryStore.knn on an item space: (rowid, item id, cosine), best first."""
        return self.knn_many(np.asarray(vector, np.float32)[None, :], k)[0]

    def knn_many(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, int, float]]]:
        """knn for each row of `vectors` [Q, dim], the sketch scored for all of them in one pass."""
        queries = np.asarray(vectors, np.float32)
        if self.size == 0 or k <= 0:
            return [[] for _ in queries]
        shortlist = min(self.size, max(OVERFETCH * k, MIN_EXACT_ROWS))
        rough = self.sketch @ (queries @ self.projection).T if shortlist < self.size else None
        results = []
        for index, query in enumerate(queries):
            if rough is None:
                rows = np.arange(self.size)
            else:
                rows = np.argpartition(-rough[:, index], shortlist - 1)[:shortlist]
            results.append(self._ranked(query, rows, k))
        return results

    def knn_each(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, int, float]]]:
        """knn(row) for each row of `vectors` [Q, dim], the same answers bit for bit, the sketch read once: each
        query is projected and scored alone, as knn does (a matrix-vector product), but chunk by chunk of the
        sketch, every query on a chunk while it is in cache. The sketch is 102 MB at 10^5 items, so a pass is
        memory-bound: 4 queries ~8 ms instead of 4 x ~4 (one sgemm for all of them costs as much as the 4 passes,
        and gives other bits). Only where a chunk's product is known to have the whole one's bits
        (chunked_products_agree); elsewhere one pass per query."""
        queries = np.asarray(vectors, np.float32)
        shortlist = min(self.size, max(OVERFETCH * k, MIN_EXACT_ROWS))
        if len(queries) < 2 or k <= 0 or shortlist >= self.size or not chunked_products_agree():
            return [self.knn(query, k) for query in queries]
        columns = [(query[None, :] @ self.projection).T for query in queries]  # [SKETCH_DIM, 1], as knn's
        rough = [np.empty((self.size, 1), np.float32) for _ in queries]
        for start in range(0, self.size, ROUGH_CHUNK_ROWS):
            chunk = self.sketch[start : start + ROUGH_CHUNK_ROWS]
            for column, scores in zip(columns, rough, strict=True):
                np.matmul(chunk, column, out=scores[start : start + ROUGH_CHUNK_ROWS])
        return [
            self._ranked(query, np.argpartition(-scores[:, 0], shortlist - 1)[:shortlist], k)
            for query, scores in zip(queries, rough, strict=True)
        ]

    def _ranked(self, query: np.ndarray, rows: np.ndarray, k: int) -> list[tuple[int, int, float]]:
        """The best `k` of `rows` by their exact cosine to `query`."""
        exact = self.vectors[rows] @ query
        order = np.argsort(-exact, kind="stable")[: min(k, len(rows))]
        found = self.item_ids[rows[order]].tolist()
        return [(item_id, item_id, float(exact[i])) for item_id, i in zip(found, order, strict=True)]


@functools.cache
def chunked_products_agree() -> bool:
    """Whether this process's BLAS gives the rows of a ROUGH_CHUNK_ROWS chunk of a matrix-vector product the bits
    the whole product gives them: only on one thread (rank/blas_threads.py; threads split the rows where they
    like), and checked once on a probe of chunks and a tail like the sketch's. OpenBLAS scores rows in groups
    and a call's last rows apart: a chunk of 1,021 rows gives its last row other bits, one of 1,024 (a multiple
    of 16, so its rows fall in the whole's groups) does not."""
    if not queries_on_one_thread():
        return False
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((5 * ROUGH_CHUNK_ROWS + 7, SKETCH_DIM)).astype(np.float32)
    column = rng.standard_normal((1, SKETCH_DIM)).astype(np.float32).T
    whole = matrix @ column
    chunked = np.empty_like(whole)
    for start in range(0, len(matrix), ROUGH_CHUNK_ROWS):
        rows = slice(start, start + ROUGH_CHUNK_ROWS)
        np.matmul(matrix[rows], column, out=chunked[rows])
    return bool(np.array_equal(whole.view(np.uint32), chunked.view(np.uint32)))


_matrices: dict[tuple[str, str], ItemMatrix] = {}
_sizes: dict[tuple[str, str], tuple[tuple[int, int], int]] = {}
_lock = threading.Lock()


def item_matrix(store: LibraryStore, space: VectorSpace) -> ItemMatrix:
    """The space's matrix, brought up to the store's current vector generation."""
    key = (str(store.path), space.table_name)
    generation = store.vector_generation()
    with _lock:
        current = _matrices.get(key)
        if current is None or current.generation != generation:
            current = _read(store, space, generation, current)
            _matrices[key] = current
        return current


def space_size(store: LibraryStore, space: VectorSpace) -> int:
    """store.space_size (a count over the vec0 table: ~80 ms at 10^5 rows), asked again only when the store's
    vectors changed."""
    key = (str(store.path), space.table_name)
    generation = store.vector_generation()
    with _lock:
        known = _sizes.get(key)
        if known is not None and known[0] == generation:
            return known[1]
    size = store.space_size(space)
    with _lock:
        _sizes[key] = (generation, size)
    return size


def _projection(dim: int) -> np.ndarray:
    # Gaussian, scaled so a sketch's dot product estimates the cosine; seeded, so every process agrees.
    rng = np.random.default_rng(dim)
    return (rng.standard_normal((dim, SKETCH_DIM)) / np.sqrt(SKETCH_DIM)).astype(np.float32)


def _read(store, space: VectorSpace, generation: tuple[int, int], previous: ItemMatrix | None) -> ItemMatrix:
    """The space read as the exact search reads it (index.vector_index.read_matrix: after appends only the newest
    chunks), each chunk's sketch kept while its rows are."""
    projection = previous.projection if previous is not None else _projection(space.dim)
    exact = read_matrix(store, space, generation, previous.exact if previous is not None else None)
    kept = previous.sketches if previous is not None and previous.generation[1] == generation[1] else {}
    sketches: dict[int, np.ndarray] = {}
    for chunk_id in sorted(exact.chunks):
        chunk = exact.chunks[chunk_id]
        sketch = kept.get(chunk_id)
        if sketch is None or len(sketch) != len(chunk.rowids):  # new, or the last chunk grew
            sketch = chunk.vectors @ projection
        sketches[chunk_id] = sketch
    item_ids, vectors = exact.item_ids, exact.vectors
    if sketches:
        sketch = _stack(list(sketches.values()), (0, SKETCH_DIM), np.float32)
    else:  # read without chunks (an unknown sqlite-vec layout)
        sketch = (vectors @ projection).astype(np.float32)
    if np.any(
        np.diff(item_ids) <= 0
    ):  # an item indexed late sits after higher ids: sort (a copy, so only then)
        order = np.argsort(item_ids, kind="stable")
        item_ids, vectors, sketch = item_ids[order], vectors[order], sketch[order]
    return ItemMatrix(space, generation, item_ids, vectors, sketch, projection, exact, sketches)


def _stack(blocks: list[np.ndarray], empty: tuple[int, int], dtype) -> np.ndarray:
    return np.concatenate(blocks) if blocks else np.zeros(empty, dtype)

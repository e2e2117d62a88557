"""Search of one vector space: exact in memory while the space is small, an HNSW sidecar file once it is large.

sqlite-vec stays the store of record, but its brute-force KNN costs ~0.4 µs per row whatever the vector size
(measured here: 120-130 ms for 300k rows of 512-d, float or binary), which misses the 100 ms target at 100k items.
A float32 matrix in memory answers the same query with one BLAS matrix-vector product (~25 ms for 300k x 512 on two
cores). The copy is refreshed from the database when its write/deletion generation changes: after appends only the
newest chunks are re-read; after a deletion (a changed, vanished or re-encoded file: rare) everything is.

From ANN_THRESHOLD vectors on, a space is searched through its approximate-nearest-neighbour sidecar
(ann_sidecar.py: a memory-mapped float16 HNSW graph beside the database, kept exact about inserts and deletions):
at 10^6 512-d rows it answers 200 candidates in ~1.2 ms (p50) where the matrix takes ~290 ms, in 1.17 GB instead of
2 GB (benchmarks/bench_ann.py). Until the sidecar exists and matches the store (first use, a stale or damaged one),
the exact matrix answers and the sidecar is built on a background thread; the matrix is dropped once it is ready.
Below the threshold the matrix is about as fast and exact (bench_ann, one BLAS thread: p50 0.4 ms at 10k rows,
1.5 ms at 20k, 15 ms at 50k on the shared 2 cores), and a build would not pay for itself.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mediarec.index import ann_build, ann_files, ann_sidecar
from mediarec.index.ann_sidecar import AnnState
from mediarec.index.vectors import ITEM_SPACE_MODALITY, VectorChunk

log = logging.getLogger(__name__)

# Vectors in a space from which it is searched through its sidecar (and below half of which it goes back to exact).
ANN_THRESHOLD = 20_000
# Rows the sidecar misses (added since it was written, or deleted since and filtered out) from which it is brought
# up to date in the background; until then they cost an exact product with the tail (~1 ms for 20k x 512).
UPDATE_ROWS = 20_000
# A sidecar updated by removing more than this share of the rows it was built with is rebuilt from the store
# (HNSW graphs lose recall as holes accumulate).
REBUILD_SHARE = 0.3
# After a failed or refused build (another process building, a full disk), the next try waits this long, doubling
# up to MAX_RETRY_SECONDS.
RETRY_SECONDS = 30.0
MAX_RETRY_SECONDS = 3600.0


@dataclass
class ExactMatrix:
    rowids: np.ndarray
    item_ids: np.ndarray
    vectors: np.ndarray
    generation: tuple[int, int]  # (vector writes, vector deletions) when this copy was made
    chunks: dict[int, VectorChunk] = field(default_factory=dict)
    _order: np.ndarray | None = field(default=None, repr=False)  # the rows by rowid, made at the first lookup

    def rows_of(self, rowids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(those of `rowids` that are rows here, their vectors)."""
        wanted = np.asarray(rowids, np.int64)
        if len(self.rowids) == 0 or len(wanted) == 0:
            return wanted[:0], self.vectors[:0]
        if self._order is None:
            self._order = np.argsort(self.rowids, kind="stable")
        places = np.minimum(np.searchsorted(self.rowids, wanted, sorter=self._order), len(self.rowids) - 1)
        rows = self._order[places]
        known = self.rowids[rows] == wanted
        return wanted[known], self.vectors[rows[known]]


def read_matrix(store, space, generation: tuple[int, int], matrix: ExactMatrix | None) -> ExactMatrix:
    """The space's rows as an exact matrix, re-reading only the newest chunks of `matrix` after appends."""
    chunks: dict[int, VectorChunk] = {}
    if matrix is not None and matrix.generation[1] == generation[1]:
        chunks = dict(matrix.chunks)  # only appends since: the chunks read before still hold
    first = max(chunks) if chunks else 0
    fresh = store.vector_chunks(space, first)
    if fresh is None:  # unknown sqlite-vec layout: the slow, always-correct path
        rowids, item_ids, vectors = store.vectors_after(space, 0)
        return ExactMatrix(rowids, item_ids, vectors, generation)
    chunks.update({chunk.chunk_id: chunk for chunk in fresh})
    ordered = [chunks[key] for key in sorted(chunks)]
    return ExactMatrix(
        np.concatenate([c.rowids for c in ordered]) if ordered else np.zeros(0, np.int64),
        np.concatenate([c.item_ids for c in ordered]) if ordered else np.zeros(0, np.int64),
        np.concatenate([c.vectors for c in ordered]) if ordered else np.zeros((0, space.dim), np.float32),
        generation,
        chunks,
    )


class VectorIndex:
    """Cosine top-k over one vector space: exact, or through its ANN sidecar from `ann_threshold` vectors on
    (None: always exact). `sidecar_folder` defaults to ``<database>.ann`` beside the library."""

    def __init__(
        self,
        store,
        space,
        *,
        ann_threshold: int | None = ANN_THRESHOLD,
        sidecar_folder: str | Path | None = None,
        update_rows: int = UPDATE_ROWS,
        build_threads: int | None = None,
    ):
        self.store = store
        self.space = space
        usable = ann_files.available() and space.modality != ITEM_SPACE_MODALITY  # see ann_sidecar
        self.ann_threshold = ann_threshold if usable else None
        self.sidecar_folder = (
            Path(sidecar_folder) if sidecar_folder is not None else ann_files.sidecar_folder(store.path)
        )
        self.update_rows = update_rows
        self.build_threads = build_threads
        self._matrix: ExactMatrix | None = None
        self._ann: AnnState | None = None
        self._lock = threading.Lock()
        self._job: threading.Event | None = None  # set when the background job in flight is over
        # time.monotonic() before which no sidecar is opened, or built, again
        self._next_open = self._next_build = 0.0
        self._retry = RETRY_SECONDS

    # -- the interface search uses ---------------------------------------------------------------------------

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, int, float]]:
        """(rowid, item_id, cosine similarity), best first. Stored vectors are unit length."""
        with self._lock:
            current = self._refresh()
        if isinstance(current, AnnState):
            return current.search(query, k)
        matrix = current
        if len(matrix.rowids) == 0:
            return []
        similarities = matrix.vectors @ np.asarray(query, dtype=np.float32)
        k = min(k, len(similarities))
        top = np.argpartition(-similarities, k - 1)[:k]
        top = top[np.argsort(-similarities[top])]
        return [(int(matrix.rowids[i]), int(matrix.item_ids[i]), float(similarities[i])) for i in top]

    def vectors_of(self, rowids) -> tuple[np.ndarray, np.ndarray]:
        """(those of `rowids` that are in the space, their vectors), from memory (the matrix, or the sidecar's
        float16 copies): what a search reads for its candidates, instead of the database."""
        with self._lock:
            current = self._refresh()
        return current.rows_of(np.asarray(rowids, np.int64))

    def size(self) -> int:
        with self._lock:
            current = self._refresh()
        return current.live if isinstance(current, AnnState) else len(current.rowids)

    def sample(self, limit: int, seed: int = 0) -> np.ndarray:
        with self._lock:
            current = self._refresh()
        if isinstance(current, AnnState):
            return current.sample(limit, seed)
        matrix = current
        if len(matrix.rowids) <= limit:
            return matrix.vectors
        picks = np.random.default_rng(seed).choice(len(matrix.rowids), size=limit, replace=False)
        return matrix.vectors[picks]

    # -- state -------------------------------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        """How the last search ran: "ann" (through the sidecar) or "exact"."""
        return "ann" if self._ann is not None else "exact"

    def wait_for_background(self, timeout: float | None = None) -> bool:
        """Wait until the sidecar build or update in flight (if any) is over; False if it still runs."""
        job = self._job
        return job is None or job.wait(timeout)

    def _refresh(self) -> ExactMatrix | AnnState:
        generation = self.store.vector_generation()
        if self._ann is not None:
            state = ann_sidecar.sync(self.store, self.space, self._ann, generation)
            if state is not None and self._big_enough(state.live, keep=True):
                self._ann = state
                self._maybe_update(state)
                return state
            if state is None:
                log.info("the vector sidecar of space %s is stale; searching exactly", self.space.id)
                self._next_build = 0.0
            self._ann = None
        now = time.monotonic()
        if self.ann_threshold is not None and self._job is None and now >= self._next_open:
            self._next_open = now + RETRY_SECONDS
            state = ann_sidecar.open_sidecar(self.store, self.space, self.sidecar_folder, generation)
            if state is not None and self._big_enough(state.live, keep=True):
                self._ann, self._matrix = state, None
                self._maybe_update(state)
                return state
        matrix = self._matrix
        if matrix is None or matrix.generation != generation:
            matrix = self._matrix = read_matrix(self.store, self.space, generation, matrix)
        if self._big_enough(len(matrix.rowids)) and self._job is None and now >= self._next_build:
            self._start_build(matrix)
        return matrix

    def _big_enough(self, size: int, keep: bool = False) -> bool:
        if self.ann_threshold is None:
            return False
        return size >= (self.ann_threshold // 2 if keep else self.ann_threshold)

    # -- background work (one worker thread for every space of the process: builds do not compete) ----------------

    def _maybe_update(self, state: AnnState) -> None:
        if state.pending < self.update_rows or self._job is not None or time.monotonic() < self._next_build:
            return
        if self.store.read_only:
            return
        header = state.header
        if header.removed_since_build + len(state.removed) > REBUILD_SHARE * max(header.built_count, 1):
            self._submit(self._rebuild_from_store)
            return

        def update() -> None:
            ann_build.update(state, self.space, threads=self.build_threads)

        self._submit(update)

    def _start_build(self, matrix: ExactMatrix) -> None:
        if self.store.read_only:
            self._next_build = float("inf")  # nowhere to keep it: stay exact
            return

        def build() -> None:
            rowids, item_ids, vectors = matrix.rowids, matrix.item_ids, matrix.vectors
            ann_build.build(
                self.space,
                self.sidecar_folder,
                rowids,
                item_ids,
                vectors,
                matrix.generation,
                threads=self.build_threads,
            )

        self._submit(build)

    def _rebuild_from_store(self) -> None:
        generation = self.store.vector_generation()
        matrix = read_matrix(self.store, self.space, generation, None)
        ann_build.build(
            self.space,
            self.sidecar_folder,
            matrix.rowids,
            matrix.item_ids,
            matrix.vectors,
            generation,
            threads=self.build_threads,
        )

    def _submit(self, work: Callable[[], None]) -> None:
        """Run `work` (which writes a sidecar) on the worker with the space's build lock held, then open what it
        wrote and search through it. Called with self._lock held."""
        done = threading.Event()
        self._job = done

        def job() -> None:
            state = None
            try:
                lock = ann_files.BuildLock(self.sidecar_folder, self.space)
                if lock.acquire():
                    try:
                        work()
                    finally:
                        lock.release()
                    state = ann_sidecar.open_sidecar(
                        self.store, self.space, self.sidecar_folder, self.store.vector_generation()
                    )
                else:
                    log.info("another process is building the vector sidecar of space %s", self.space.id)
            except Exception:  # a full disk, a closed store: search stays exact, the next try comes later
                log.warning("could not build the vector sidecar of space %s", self.space.id, exc_info=True)
            with self._lock:
                if state is not None:
                    self._ann, self._matrix = state, None
                    self._retry = RETRY_SECONDS
                else:  # try again later; meanwhile another process may write it: look for it sooner
                    self._next_build = time.monotonic() + self._retry
                    self._next_open = min(self._next_open, time.monotonic() + RETRY_SECONDS)
                    self._retry = min(2 * self._retry, MAX_RETRY_SECONDS)
                self._job = None
            done.set()

        _worker().submit(job)


class _Worker:
    """One daemon thread running sidecar jobs in order (a daemon: a build in flight does not keep the process
    alive; what it leaves half-written is never named by a header)."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[Callable[[], None]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="vector-sidecar", daemon=True)
                self._thread.start()
        self._jobs.put(job)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            job()


_WORKER: _Worker | None = None
_WORKER_LOCK = threading.Lock()


def _worker() -> _Worker:
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is None:
            _WORKER = _Worker()
        return _WORKER

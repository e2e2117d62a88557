"""An approximate-nearest-neighbour sidecar for one vector space: a usearch HNSW graph in a file beside the library.

SQLite (sqlite-vec) stays the store of record; the sidecar is a derived copy that can always be thrown away and
rebuilt. It lives in a folder beside the database (``library.sqlite3.ann/``), per space:

    <space_id>.json               the header: format, the space it copies, the store's vector generation (writes,
                                  deletions) and the largest rowid it covers, its count, and the names, sizes and
                                  sampled digests of the two files below
    <space_id>-<token>.usearch    the HNSW graph with float16 vectors (keys are the store's rowids)
    <space_id>-<token>.keys.npy   its rowids, ascending, with each row's item id

A build writes new token-named files (temporary name, fsync, os.replace), then the header the same way, so the
header always names complete files: a process killed during a build leaves the previous sidecar or none, plus
stray files that the next build removes. The graph is searched through a memory-mapped view (Index.restore(view=
True)): opening costs milliseconds whatever the size, and the pages are the operating system's to keep or drop.

This module opens a sidecar, keeps it exact and searches it; ann_files.py holds its files (the header, digests,
durable writes, the build lock, loading usearch) and ann_build.py writes new ones (a build, an update).

Keeping it correct while the store changes underneath (here or in another process):

* Inserts. Segment rowids only grow (SQLite gives a new row the largest rowid + 1), so the rows above the header's
  largest rowid are the ones added since: they are read (sqlite-vec's rowid table says which, their chunks hold the
  vectors), kept in memory and searched exactly beside the graph, results merged.
* Deletions. Every deletion of vectors is logged in the store under its deletion number (vectors.py,
  vec_deletion_log). The rows deleted since the header's deletion count are filtered out of the graph's answers
  (which over-fetch by as many rows, up to k more, to keep k), and those among them that came back (a re-indexed
  item may get its old rowids back, with new vectors) are read again into the exact tail. A deletion the log does
  not hold (made before the log existed, or pruned) makes the sidecar stale. So no deleted row is ever returned.
* Stale or damaged sidecars (another space or library, a generation the store has not reached, a file whose size
  or digest differs, a graph usearch will not open, spot-checked vectors that differ from the store's) are not
  used: search stays exact and a new sidecar is built in the background. When the tail and the deleted rows grow
  past a limit the sidecar is brought up to date in the background (a copy loaded, rows removed and added, saved
  as a new file); after many deletions it is rebuilt from the store instead.
* A build lock (flock / msvcrt) keeps two processes from building the same sidecar at once.

Only segment spaces are served this way: an item space's rowid is its item id, which can be inserted below the
largest one without a deletion (an item indexed late), so item spaces stay exact (vector_index.py).

Measured (benchmarks/bench_ann.py --sizes 1e4,1e5,1e6: 512-d unit vectors around 1,000 Gaussian clusters, 2 cores
shared with other work, one query thread). At 10^6 the float16 graph (M=16) is 1.17 GB (1,173 B a vector: 1,024 of
vector, ~150 of links; the rowid table adds 16 B); recall@10 against exact search 0.90 at ef 64, 0.974 at ef 128,
p50 0.6-0.8 ms; 200 candidates (what search asks for) at ef 400: recall@200 0.993, p50 1.2 ms, p95 9-13 ms on the
loaded machine; opening the memory-mapped view 0.2 s; the build took 20 min on 2 busy cores (36 s for 10^5 on
quiet ones). Exact numpy at 10^6: 2 GB, p50 286 ms. On data without clusters (--latent 48, 10^5) HNSW needs ef 256
for recall@10 0.95 (1.5 ms), hence EXPANSION_SEARCH. int8 vectors halve the graph (660 MB at 10^6) but cap recall@10
there at 0.64-0.75; re-ranking 2k int8 candidates with float16 copies brings recall@200 back to 0.992 (p50 1.7 ms).

The 10^7 plan (extrapolated from those figures, not measured): float16 would be 11.7 GB, too close to 16 GB next to
the rest of the app, so the graph becomes int8 (10 x 660 MB = 6.6 GB, memory-mapped: only visited pages resident)
returning 2k candidates, re-ranked exactly against float16 copies of the vectors in a second memory-mapped file
(10.2 GB on disk, ~2k x 1 kB read per query; hot pages stay cached). Resident working set ~7-9 GB, within 16 GB. The
build would stream the store's chunks into the graph instead of holding the exact float32 matrix (20 GB at 10^7), and
while it runs (hours on 2 cores: ~10-15 x the 10^6 build) search falls back to sqlite-vec's own KNN (0.4-1.6 us a
row: seconds a query) instead of the in-memory matrix; afterwards the graph is kept up to date incrementally.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from mediarec.index.ann_files import Header, check_files, header_path, usearch_index_class
from mediarec.index.records import VectorSpace

log = logging.getLogger(__name__)

# The least ef a query searches with (for k rows: 2k). bench_ann, recall@10 against exact: clustered 10^6 0.90 at
# ef 64, 0.974 at 128; unclustered (--latent 48) 10^5 0.86 at 128, 0.953 at 256 (1.5 ms).
EXPANSION_SEARCH = 256
SPOT_CHECKS = 8  # vectors compared with the store's when a sidecar is opened


@dataclass(frozen=True)
class AnnState:
    """An opened sidecar brought up to a generation of the store: the graph, the rows deleted since its header
    (filtered out of its answers) and the rows added since (searched exactly). Immutable: a later generation is a
    new AnnState (sync), so searches in flight keep a consistent one."""

    header: Header
    folder: Path
    index: object  # usearch.index.Index, a memory-mapped view
    keys: np.ndarray  # the graph's rowids, ascending
    item_ids: np.ndarray  # their item ids
    removed: np.ndarray  # graph rowids deleted since the header, ascending
    tail_rowids: np.ndarray  # rows not in the graph (added since, or back with new vectors), searched exactly
    tail_item_ids: np.ndarray
    tail_vectors: np.ndarray
    tail_max: int  # every rowid up to this one has been seen (the graph's or the tail's)
    generation: tuple[int, int]
    search_lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @property
    def live(self) -> int:
        return int(self.header.count - len(self.removed) + len(self.tail_rowids))

    @property
    def pending(self) -> int:
        """Rows the graph answers for wrongly or not at all (handled by filtering and the exact tail)."""
        return int(len(self.removed) + len(self.tail_rowids))

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, int, float]]:
        """(rowid, item_id, cosine similarity), best first: the graph's answers without the deleted rows, merged
        with the exact tail's."""
        query = np.ascontiguousarray(query, dtype=np.float32)
        rowids: list[np.ndarray] = []
        items: list[np.ndarray] = []
        similarities: list[np.ndarray] = []
        if self.header.count and k > 0:
            fetch = min(self.header.count, k + min(len(self.removed), k))
            index = self.index
            with self.search_lock:  # ef is the index's, not the call's
                index.expansion_search = max(EXPANSION_SEARCH, 2 * k, fetch)  # type: ignore[attr-defined]
                matches = index.search(query, fetch, threads=1)  # type: ignore[attr-defined]
            keys = np.asarray(matches.keys, np.int64)
            found = 1.0 - np.asarray(matches.distances, np.float32)
            if len(self.removed):
                keep = ~np.isin(keys, self.removed)
                keys, found = keys[keep], found[keep]
            positions = np.minimum(np.searchsorted(self.keys, keys), max(len(self.keys) - 1, 0))
            known = self.keys[positions] == keys  # always, unless the files disagree
            rowids.append(keys[known])
            items.append(self.item_ids[positions[known]])
            similarities.append(found[known])
        if len(self.tail_rowids) and k > 0:
            scores = self.tail_vectors @ query
            top = np.argpartition(-scores, k - 1)[:k] if len(scores) > k else np.arange(len(scores))
            rowids.append(self.tail_rowids[top])
            items.append(self.tail_item_ids[top])
            similarities.append(scores[top])
        if not rowids:
            return []
        merged_rowids, merged_items = np.concatenate(rowids), np.concatenate(items)
        merged = np.concatenate(similarities)
        order = np.argsort(-merged, kind="stable")[:k]
        return [(int(merged_rowids[i]), int(merged_items[i]), float(merged[i])) for i in order]

    def rows_of(self, rowids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the live rows among `rowids`, their vectors): the tail's, else the graph's float16 copies."""
        wanted = np.asarray(rowids, np.int64)
        in_tail = np.isin(wanted, self.tail_rowids)
        in_graph = ~in_tail & np.isin(wanted, self.keys) & ~np.isin(wanted, self.removed)
        found = np.concatenate([wanted[in_tail], wanted[in_graph]])
        parts = []
        if in_tail.any():
            order = np.argsort(self.tail_rowids)
            places = order[np.searchsorted(self.tail_rowids, wanted[in_tail], sorter=order)]
            parts.append(self.tail_vectors[places])
        if in_graph.any():
            parts.append(_vectors(self.index, wanted[in_graph]))
        if not parts:
            return found, np.zeros((0, self.header.dim), np.float32)
        return found, np.concatenate(parts)

    def sample(self, limit: int, seed: int = 0) -> np.ndarray:
        """Up to `limit` live vectors at random (the graph's float16 copies and the tail's), as float32."""
        live_keys = self.keys[~np.isin(self.keys, self.removed)] if len(self.removed) else self.keys
        total = len(live_keys) + len(self.tail_rowids)
        if total <= limit:
            picks = np.arange(total)
        else:
            picks = np.sort(np.random.default_rng(seed).choice(total, size=limit, replace=False))
        from_graph = live_keys[picks[picks < len(live_keys)]]
        parts = [self.tail_vectors[picks[picks >= len(live_keys)] - len(live_keys)]]
        if len(from_graph):
            parts.insert(0, _vectors(self.index, from_graph))
        return np.concatenate(parts) if parts else np.zeros((0, self.header.dim), np.float32)


def _vectors(index, keys: np.ndarray) -> np.ndarray:
    """The graph's copies of the vectors of `keys` (all present), as float32 rows."""
    got = index.get(np.asarray(keys, np.uint64), dtype=np.float32)
    rows = got if isinstance(got, tuple) else (got,)
    return np.stack([np.asarray(vector, np.float32).reshape(-1) for vector in rows])


# -- opening and keeping up ------------------------------------------------------------------------------------


def open_sidecar(store, space: VectorSpace, folder: Path, generation: tuple[int, int]) -> AnnState | None:
    """The space's sidecar brought up to `generation` (the store's current one), or None when there is none or it
    is stale or damaged (then the caller searches exactly and builds a new one)."""
    path = header_path(folder, space)
    # No sidecar (a space below the ANN threshold never has one): answered without loading usearch.
    if not path.exists() or usearch_index_class() is None:
        return None
    try:
        header = Header.read(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as error:
        log.info("vector sidecar %s is unreadable (%s); it will be rebuilt", path, error)
        return None
    why = check_files(header, space, folder)
    if why is None:
        try:
            state = _load(header, folder)
        except (OSError, ValueError, RuntimeError) as error:
            why = f"it does not load ({error})"
    if why is not None:
        log.info("vector sidecar %s is stale: %s; it will be rebuilt", path, why)
        return None
    synced = sync(store, space, state, generation)
    if synced is None:
        log.info("vector sidecar %s is stale: the store has changed in ways it cannot follow", path)
        return None
    if not _spot_check(store, space, synced):
        log.info("vector sidecar %s is stale: its vectors are not the store's", path)
        return None
    return synced


def _load(header: Header, folder: Path) -> AnnState:
    index_class = usearch_index_class()
    assert index_class is not None
    table = np.load(folder / header.keys_file, allow_pickle=False)
    if table.ndim != 2 or table.shape != (header.count, 2) or table.dtype != np.int64:
        raise ValueError("the rowid table has the wrong shape")
    keys, item_ids = np.ascontiguousarray(table[:, 0]), np.ascontiguousarray(table[:, 1])
    if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):
        raise ValueError("the rowids are not ascending")
    if len(keys) and int(keys[-1]) > header.max_rowid:
        raise ValueError("a rowid lies above the header's largest")
    index = index_class.restore(str(folder / header.index_file), view=True)
    if index is None or index.ndim != header.dim or len(index) != header.count:
        raise ValueError("the graph does not hold what the header says")
    empty = np.zeros(0, np.int64)
    return AnnState(
        header,
        folder,
        index,
        keys,
        item_ids,
        empty,
        empty,
        empty,
        np.zeros((0, header.dim), np.float32),
        header.max_rowid,
        (header.writes, header.deletions),
    )


def sync(store, space: VectorSpace, state: AnnState, generation: tuple[int, int]) -> AnnState | None:
    """`state` brought to `generation`: the deletions logged since filtered out, the rows added (or back) since
    read into the exact tail. None when that cannot be done exactly (the deletion log misses some, or the store is
    behind the sidecar: another library or a restored backup)."""
    if generation == state.generation:
        return state
    writes, deletions = generation
    if writes < state.generation[0] or deletions < state.generation[1]:
        return None
    removed, tail_rowids = state.removed, state.tail_rowids
    tail_items, tail_vectors = state.tail_item_ids, state.tail_vectors
    back = np.zeros(0, np.int64)
    if deletions != state.generation[1]:
        gone = store.deleted_rows(space, state.generation[1], deletions)
        if gone is None:
            return None
        gone = np.unique(gone)
        removed = np.union1d(removed, np.intersect1d(gone, state.keys))
        keep = ~np.isin(tail_rowids, gone)
        tail_rowids, tail_items, tail_vectors = tail_rowids[keep], tail_items[keep], tail_vectors[keep]
        back = gone[gone <= state.tail_max]  # deleted rows that may be live again, with new vectors
    added = store.vector_rowids_after(space, state.tail_max)
    tail_max = max(state.tail_max, int(added[-1])) if len(added) else state.tail_max
    wanted = np.union1d(back, added)
    if len(wanted):
        rowids, item_ids, vectors = store.vector_rows(space, wanted.tolist())
        tail_rowids = np.concatenate([tail_rowids, rowids])
        tail_items = np.concatenate([tail_items, item_ids])
        tail_vectors = np.concatenate([tail_vectors, vectors])
    return replace(
        state,
        removed=removed,
        tail_rowids=tail_rowids,
        tail_item_ids=tail_items,
        tail_vectors=tail_vectors,
        tail_max=tail_max,
        generation=generation,
        search_lock=threading.Lock(),
    )


def _spot_check(store, space: VectorSpace, state: AnnState) -> bool:
    """A few of the graph's vectors against the store's (a library swapped for a backup with the same counters,
    a graph from somewhere else)."""
    live = state.keys[~np.isin(state.keys, state.removed)] if len(state.removed) else state.keys
    if not len(live):
        return True
    picks = np.unique(np.linspace(0, len(live) - 1, min(SPOT_CHECKS, len(live))).astype(np.int64))
    keys = live[picks]
    rowids, item_ids, vectors = store.vector_rows(space, keys.tolist())
    if len(rowids) != len(keys) or not np.array_equal(rowids, keys):
        return False
    if not np.array_equal(item_ids, state.item_ids[np.searchsorted(state.keys, keys)]):
        return False
    stored = _vectors(state.index, keys)
    norms = np.linalg.norm(stored, axis=1) * np.linalg.norm(vectors, axis=1)
    cosines = np.sum(stored * vectors, axis=1) / np.maximum(norms, 1e-12)
    return bool(np.all(cosines > 0.99))

"""The ANN sidecar of a vector space (index/ann_sidecar.py behind index/vector_index.py): real SQLite, real
sqlite-vec, real usearch files on disk. The threshold is lowered through VectorIndex's constructor so that small
libraries take the ANN path; each test keeps its sidecars in its own folder."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from mediarec.index import ann_files, ann_sidecar, vector_index
from mediarec.index.records import ItemIndexResult, NewSegment
from mediarec.index.store import LibraryStore
from mediarec.index.vector_index import VectorIndex
from mediarec.index.vectors import DELETION_LOG, ITEM_SPACE_MODALITY

pytestmark = pytest.mark.skipif(not ann_files.available(), reason="usearch is not installed")

DIM = 32


def _ann(store, space, folder: Path, **options) -> VectorIndex:
    """A VectorIndex on the ANN path from the first vector on, its sidecar built and in use."""
    index = VectorIndex(store, space, ann_threshold=1, sidecar_folder=folder, **options)
    index.size()  # the first look: exact, and the build starts in the background
    assert index.wait_for_background(120)
    index.size()
    assert index.mode == "ann"
    return index


def _header(folder: Path, space) -> dict:
    return json.loads(ann_files.header_path(folder, space).read_text())


def _copy_library(store: LibraryStore, target: Path) -> LibraryStore:
    """A copy of a live library (WAL content included) that a test may change."""
    destination = store.driver.module.connect(str(target))
    store.connection().backup(destination)
    destination.close()
    return LibraryStore(target)


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, np.float32)
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def _add_items(store: LibraryStore, vectors: np.ndarray, per_item: int = 2, first: int = 0) -> list[int]:
    """Items with `per_item` frame vectors each, written as the indexer writes them."""
    ids = []
    for number in range(len(vectors) // per_item):
        with store.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO items(path, fingerprint, size, mtime, status, added_at, kind, duration) "
                "VALUES (?, ?, 1, 1, 'indexed', 0, 'video', 60)",
                (f"/ann/{first + number}.mp4", f"fp{first + number}"),
            )
            ids.append(cursor.lastrowid)
        _write_frames(store, ids[-1], vectors[number * per_item : (number + 1) * per_item])
    return ids


def _write_frames(store: LibraryStore, item_id: int, vectors: np.ndarray) -> None:
    segments = [NewSegment("frame", 10.0 * k, 10.0 * (k + 1), vector) for k, vector in enumerate(vectors)]
    encoded_by = {"frame": ("ann-test", DIM)}
    result = ItemIndexResult(metadata={"kind": "video"}, segments=segments, encoded_by=encoded_by)
    store.write_index_result(item_id, result)


@contextmanager
def _worker_busy():
    """The process's one sidecar worker kept busy (as by another space's build) for the block."""
    gate = threading.Event()
    vector_index._worker().submit(lambda: gate.wait(60))
    try:
        yield
    finally:
        gate.set()


@pytest.fixture
def synthetic(tmp_path):
    """A library of 200 items x 2 clustered frame vectors."""
    rng = np.random.default_rng(7)
    centres = _unit(rng.standard_normal((20, DIM)))
    vectors = _unit(centres[rng.integers(0, 20, 400)] + 0.3 * rng.standard_normal((400, DIM)) / np.sqrt(DIM))
    store = LibraryStore(tmp_path / "library.sqlite3")
    _add_items(store, vectors)
    yield store, store.space("frame", "ann-test"), tmp_path / "ann", rng
    store.close()


# -- agreement with exact search ---------------------------------------------------------------------------------


def test_ann_search_agrees_with_exact_search_on_the_indexed_library(indexed, tmp_path):
    store = indexed.library.store
    # Every space with vectors (the read space of clips without on-screen text has none).
    spaces = [
        space
        for space in store.spaces()
        if space.modality != ITEM_SPACE_MODALITY and store.space_size(space) > 0
    ]
    assert len(spaces) >= 3
    rng = np.random.default_rng(0)
    for space in spaces:
        exact = VectorIndex(store, space, ann_threshold=None)
        ann = _ann(store, space, tmp_path / "ann")
        assert ann.size() == exact.size() > 0
        stored = exact.sample(10)
        queries = [*stored[:4], *_unit(stored[:4] + 0.5 * rng.standard_normal(stored[:4].shape))]
        for query in queries:
            want, got = exact.search(query, 10), ann.search(query, 10)
            # The same top hit (identical keyframes tie: the item then), at the same similarity (float16 copies).
            assert got[0][1] == want[0][1] and got[0][2] == pytest.approx(want[0][2], abs=2e-3)
            clear = {hit[0] for hit in want if hit[2] > want[-1][2] + 2e-3}  # not tied at the 10th
            assert clear <= {hit[0] for hit in got}
        assert ann.sample(3).shape == (min(3, exact.size()), space.dim)
    files = [path.name for path in (tmp_path / "ann").iterdir() if path.name.startswith(f"{spaces[0].id}-")]
    assert sorted(Path(name).suffix for name in files) == [".npy", ".usearch"]


def test_recall_at_10_against_exact_search_on_a_clustered_library(tmp_path):
    rng = np.random.default_rng(3)
    centres = _unit(rng.standard_normal((50, 64)))
    vectors = _unit(centres[rng.integers(0, 50, 4000)] + 0.6 * rng.standard_normal((4000, 64)) / 8)
    store = LibraryStore(tmp_path / "library.sqlite3")
    try:
        with store.transaction() as connection:
            space = store._ensure_space(connection, "frame", "ann-recall", 64)
            for rowid, vector in enumerate(vectors, start=1):
                store._insert_vector(connection, space, rowid, vector, rowid)
        exact = VectorIndex(store, space, ann_threshold=None)
        ann = VectorIndex(store, space, ann_threshold=1000, sidecar_folder=tmp_path / "ann")
        ann.size()
        assert ann.wait_for_background(120) and ann.size() == 4000 and ann.mode == "ann"
        queries = _unit(centres[rng.integers(0, 50, 100)] + 0.6 * rng.standard_normal((100, 64)) / 8)
        overlap = [
            len({hit[0] for hit in ann.search(q, 10)} & {hit[0] for hit in exact.search(q, 10)}) / 10
            for q in queries
        ]
        assert np.mean(overlap) >= 0.95
    finally:
        store.close()


def test_small_spaces_and_item_spaces_stay_exact(synthetic):
    store, space, folder, _ = synthetic
    small = VectorIndex(store, space, ann_threshold=10_000, sidecar_folder=folder)
    assert small.size() == 400 and small.wait_for_background(5) and small.size() == 400
    assert small.mode == "exact" and not folder.exists()
    item_space = type(space)(space.id, ITEM_SPACE_MODALITY, space.model_id, space.dim, space.table_name)
    items = VectorIndex(store, item_space, ann_threshold=1, sidecar_folder=folder)
    assert items.size() == 400 and items.wait_for_background(5) and items.mode == "exact"


# -- deletions ---------------------------------------------------------------------------------------------------


def _top_segment_item(store: LibraryStore, space) -> int:
    """The item holding the largest segment id: re-indexing it gives its new segments the same ids."""
    return store.query(f"SELECT item_id FROM {space.table_name} ORDER BY rowid DESC LIMIT 1")[0][0]


def test_a_deleted_item_never_comes_back_from_the_indexed_library(indexed, tmp_path):
    source = indexed.library.store
    store = _copy_library(source, tmp_path / "copy.sqlite3")
    try:
        space = next(s for s in store.spaces() if s.modality == "frame")
        folder = tmp_path / "ann"
        ann = _ann(store, space, folder)
        item_id = _top_segment_item(store, space)
        rowids, vectors = store.segment_vectors(space, item_id)
        assert ann.search(vectors[0], 5)[0][1] == item_id
        store.mark_changed(item_id, "a changed file", 1, 1.0)  # its vectors go, through the store
        for index in (ann, VectorIndex(store, space, ann_threshold=1, sidecar_folder=folder)):
            hits = index.search(vectors[0], 1000)
            assert index.mode == "ann"  # the old sidecar, filtered by the deletion log
            assert item_id not in {hit[1] for hit in hits} and not set(rowids) & {hit[0] for hit in hits}
            assert len(hits) == index.size() == _header(folder, space)["count"] - len(rowids)
    finally:
        store.close()


def test_a_reindexed_item_that_gets_its_rowids_back_is_found_by_its_new_vectors(synthetic):
    store, space, folder, rng = synthetic
    ann = _ann(store, space, folder)
    item_id = _top_segment_item(store, space)
    old_rowids, old_vectors = store.segment_vectors(space, item_id)
    store.mark_changed(item_id, "changed", 1, 1.0)
    new_vectors = _unit(rng.standard_normal((2, DIM)))
    _write_frames(store, item_id, new_vectors)
    assert store.segment_vectors(space, item_id)[0] == old_rowids  # the same rowids, new vectors
    exact = VectorIndex(store, space, ann_threshold=None)
    for index in (ann, VectorIndex(store, space, ann_threshold=1, sidecar_folder=folder)):
        for query in (*old_vectors, *new_vectors):
            got, want = index.search(query, 10), exact.search(query, 10)
            assert [hit[:2] for hit in got[:3]] == [hit[:2] for hit in want[:3]]
            assert got[0][2] == pytest.approx(want[0][2], abs=2e-3)
        assert index.mode == "ann" and index.size() == exact.size() == 400
    hits = ann.search(new_vectors[0], 1)
    assert hits[0][1] == item_id and hits[0][2] == pytest.approx(1.0, abs=1e-5)  # exact: from the tail


def test_many_deletions_bring_the_sidecar_up_to_date_in_the_background(synthetic):
    store, space, folder, _ = synthetic
    ann = _ann(store, space, folder, update_rows=10)
    before = _header(folder, space)
    items = [row[0] for row in store.query("SELECT id FROM items ORDER BY id LIMIT 10")]
    store.mark_missing(items)
    assert ann.size() == 380  # searched exactly until the update is in
    assert ann.wait_for_background(60)
    after = _header(folder, space)
    assert after["index_file"] != before["index_file"] and after["count"] == 380
    assert after["deletions"] == store.vector_generation()[1]
    assert not (folder / before["index_file"]).exists()  # the old graph is removed once replaced
    remaining = VectorIndex(store, space, ann_threshold=None)
    for query in remaining.sample(5):
        assert {hit[1] for hit in ann.search(query, 400)}.isdisjoint(items)


# -- stale and damaged sidecars ------------------------------------------------------------------------------------


def test_vectors_written_after_the_sidecar_was_saved_are_found_and_taken_in(synthetic):
    # A process that wrote vectors and was killed before its sidecar caught up: the header is behind the store.
    store, space, folder, rng = synthetic
    _ann(store, space, folder)
    saved = _header(folder, space)
    new_vectors = _unit(rng.standard_normal((6, DIM)))
    new_items = _add_items(store, new_vectors, first=1000)  # three items of two vectors
    assert store.vector_generation()[0] > saved["writes"]
    reopened = VectorIndex(store, space, ann_threshold=1, sidecar_folder=folder, update_rows=6)
    for item_id, query in zip(np.repeat(new_items, 2), new_vectors, strict=True):
        hit = reopened.search(query, 1)[0]
        assert hit[1] == item_id and hit[2] == pytest.approx(1.0, abs=1e-5)
    assert reopened.mode == "ann" and reopened.size() == 406
    assert reopened.wait_for_background(60)  # six rows behind: brought up to date in the background
    updated = _header(folder, space)
    assert (updated["writes"], updated["count"]) == (store.vector_generation()[0], 406)
    assert updated["max_rowid"] > saved["max_rowid"]
    assert reopened.search(new_vectors[0], 1)[0][1] == new_items[0]


def test_a_truncated_sidecar_is_stale_search_stays_exact_and_it_is_rebuilt(synthetic):
    store, space, folder, rng = synthetic
    _ann(store, space, folder)
    header = _header(folder, space)
    graph = folder / header["index_file"]
    graph.write_bytes(graph.read_bytes()[: graph.stat().st_size // 2])
    (folder / f"{space.id}-0123456789ab.usearch.tmp").write_bytes(b"half a graph")  # a build killed midway
    exact = VectorIndex(store, space, ann_threshold=None)
    index = VectorIndex(store, space, ann_threshold=1, sidecar_folder=folder)
    queries = _unit(rng.standard_normal((5, DIM)))
    with _worker_busy():
        assert [index.search(q, 10) for q in queries] == [exact.search(q, 10) for q in queries]
        assert index.mode == "exact" and not index.wait_for_background(0.2)  # exact until it is rebuilt
    assert index.wait_for_background(60)
    rebuilt = _header(folder, space)
    assert rebuilt["index_file"] != header["index_file"] and rebuilt["count"] == 400
    for query in queries:
        assert index.search(query, 1)[0][:2] == exact.search(query, 1)[0][:2]
    assert index.mode == "ann"
    names = sorted(path.name for path in folder.iterdir() if path.name.startswith(f"{space.id}-"))
    assert names == sorted([rebuilt["index_file"], rebuilt["keys_file"]])  # the damaged, the half: gone


@pytest.mark.parametrize("damage", ["header", "keys", "space", "log"])
def test_other_stale_sidecars_are_not_used(synthetic, damage):
    store, space, folder, rng = synthetic
    _ann(store, space, folder)
    path = ann_files.header_path(folder, space)
    header = json.loads(path.read_text())
    if damage == "header":
        path.write_text(path.read_text()[:40])
    elif damage == "keys":
        keys = folder / header["keys_file"]
        table = np.load(keys)
        table[:, 1] += 1  # every row said to belong to another item: same size, other bytes
        np.save(keys, table)
    elif damage == "space":
        path.write_text(json.dumps({**header, "model_id": "another model"}))
    else:  # deletions the log does not hold any more (pruned, or made by an older mediarec)
        store.mark_changed(_top_segment_item(store, space), "changed", 1, 1.0)
        with store.transaction() as connection:
            connection.execute(f"DELETE FROM {DELETION_LOG}")
    index = VectorIndex(store, space, ann_threshold=1, sidecar_folder=folder)
    exact = VectorIndex(store, space, ann_threshold=None)
    query = _unit(rng.standard_normal(DIM))
    with _worker_busy():
        assert index.search(query, 10) == exact.search(query, 10) and index.mode == "exact"
    assert index.wait_for_background(60)
    assert index.search(query, 10)[0][:2] == exact.search(query, 10)[0][:2] and index.mode == "ann"
    assert _header(folder, space)["deletions"] == store.vector_generation()[1]


def test_a_sidecar_from_another_library_is_not_used(synthetic, tmp_path):
    store, space, folder, rng = synthetic
    _ann(store, space, folder)
    other = LibraryStore(tmp_path / "other.sqlite3")
    try:
        vectors = _unit(rng.standard_normal((400, DIM)))
        _add_items(other, vectors)  # the same counters, rowids and item ids; other vectors
        assert other.vector_generation() == store.vector_generation()
        other_space = other.space("frame", "ann-test")
        index = VectorIndex(other, other_space, ann_threshold=1, sidecar_folder=folder)
        with _worker_busy():
            assert index.search(vectors[0], 1)[0][2] == pytest.approx(1.0, abs=1e-5)
            assert index.mode == "exact"
        assert index.wait_for_background(60)
        assert index.search(vectors[0], 1)[0][2] == pytest.approx(1.0, abs=2e-3) and index.mode == "ann"
    finally:
        other.close()


def test_the_deletion_log_records_each_deletion_once(synthetic):
    store, space, _, _ = synthetic
    writes, deletions = store.vector_generation()
    assert store.deleted_rows(space, deletions, deletions).size == 0
    item_id = _top_segment_item(store, space)
    rowids, _ = store.segment_vectors(space, item_id)
    store.mark_changed(item_id, "changed", 1, 1.0)
    assert store.vector_generation() == (writes, deletions + 1)
    assert store.deleted_rows(space, deletions, deletions + 1).tolist() == rowids
    assert store.deleted_rows(space, deletions - 1, deletions + 1) is None  # a deletion it never logged
    assert store.vector_rows(space, [*rowids, 1])[0].tolist() == [1]  # only live rows


_BUILDER = """
import sys
from mediarec.index.store import LibraryStore
from mediarec.index.vector_index import VectorIndex

store = LibraryStore(sys.argv[1])
index = VectorIndex(store, store.space("frame", "ann-kill"), ann_threshold=1, sidecar_folder=sys.argv[2])
index.size()
print("building", flush=True)
index.wait_for_background()
print(index.mode, flush=True)
"""


@pytest.mark.parametrize("earlier", [False, True])
def test_a_build_killed_while_it_writes_leaves_the_old_sidecar_or_none(tmp_path, earlier):
    rng = np.random.default_rng(11)
    store = LibraryStore(tmp_path / "library.sqlite3")
    folder = tmp_path / "ann"
    try:
        with store.transaction() as connection:
            space = store._ensure_space(connection, "frame", "ann-kill", 256)
            vectors = _unit(rng.standard_normal((4000, 256)))
            for rowid, vector in enumerate(vectors, start=1):
                store._insert_vector(connection, space, rowid, vector, rowid)
        old = None
        if earlier:  # an earlier sidecar, then damaged so that the child rebuilds it
            _ann(store, space, folder)
            old = _header(folder, space)
            (folder / old["keys_file"]).write_bytes(b"")
        child = subprocess.Popen(
            [sys.executable, "-c", _BUILDER, str(store.path), str(folder)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None and child.stdout.readline().strip() == "building"
        deadline = time.monotonic() + 120
        while child.poll() is None and time.monotonic() < deadline:
            if folder.exists() and any(path.name.endswith(".tmp") for path in folder.iterdir()):
                break  # it is writing a file: kill it now
            time.sleep(0.0005)
        child.send_signal(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
        child.wait(30)
        child.stdout.close()
        header_file = ann_files.header_path(folder, space)
        if header_file.exists():  # the old header (naming the files it named) or a complete new one
            header = _header(folder, space)
            assert header == old or ann_sidecar.open_sidecar(store, space, folder, store.vector_generation())
        else:
            assert old is None
        index = VectorIndex(store, space, ann_threshold=1, sidecar_folder=folder)
        exact = VectorIndex(store, space, ann_threshold=None)
        query = _unit(vectors[16] + 0.05 * rng.standard_normal(256))  # near row 17
        assert index.search(query, 5)[0][:2] == exact.search(query, 5)[0][:2] == (17, 17)
        assert index.wait_for_background(120)
        assert index.search(query, 5)[0][:2] == exact.search(query, 5)[0][:2] and index.mode == "ann"
    finally:
        store.close()


def test_a_search_reads_its_candidates_vectors_from_memory_as_the_store_holds_them(synthetic):
    # The query bank's normalisation reads each new candidate's vector (rank/calibration.py); the index gives it from
    # memory: the exact matrix, or the sidecar's float16 copies and its exact tail. A changed item's old vectors are
    # gone (mark_changed deletes them) and its new ones are read back.
    store, space, folder, rng = synthetic
    ann = _ann(store, space, folder)
    changed = _top_segment_item(store, space)
    old_rowids, _ = store.segment_vectors(space, changed)
    store.mark_changed(changed, "changed", 1, 1.0)
    gone = VectorIndex(store, space, ann_threshold=None).vectors_of(old_rowids)
    assert len(gone[0]) == 0 and gone[1].shape == (0, DIM)
    _write_frames(store, changed, _unit(rng.standard_normal((2, DIM))))
    _add_items(store, _unit(rng.standard_normal((4, DIM))), first=1000)  # rows after the sidecar: its tail
    wanted = [int(rowid) for rowid in rng.choice(np.arange(1, 411), 60, replace=False)] + [10**9]
    stored_rowids, stored = store.item_vectors(space, wanted)
    truth = dict(zip(stored_rowids, stored, strict=True))
    for index, tolerance in ((VectorIndex(store, space, ann_threshold=None), 1e-7), (ann, 2e-3)):
        rowids, vectors = index.vectors_of(wanted)
        assert sorted(int(r) for r in rowids) == sorted(truth)  # not the unknown rowid
        for rowid, vector in zip(rowids, vectors, strict=True):
            np.testing.assert_allclose(vector, truth[int(rowid)], atol=tolerance)
    assert ann.mode == "ann"

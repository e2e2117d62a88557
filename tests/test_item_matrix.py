"""The in-memory item space (rank/item_matrix.py) against the store it copies: same neighbours, same vectors, and
it follows appends and deletions."""

from __future__ import annotations

import time

import numpy as np

from mediarec.index.database import bump_counter
from mediarec.index.store import LibraryStore
from mediarec.index.vectors import VECTOR_WRITES
from mediarec.rank.item_matrix import MIN_EXACT_ROWS, item_matrix
from mediarec.rank.item_vector import normalise

DIM = 48


def _write_items(store: LibraryStore, space, vectors: np.ndarray, first_id: int) -> list[int]:
    """Item rows, fused vectors and their encodings, as the writer leaves them (the test needs only these)."""
    ids = []
    with store.transaction() as connection:
        for offset, vector in enumerate(vectors):
            item_id = first_id + offset
            connection.execute(
                "INSERT INTO items(id, path, fingerprint, size, mtime, status, added_at) "
                "VALUES (?, ?, ?, 1, 1, 'indexed', ?)",
                (item_id, f"/m/{item_id}.mp4", f"fp{item_id}", time.time()),
            )
            store._insert_vector(connection, space, item_id, vector, item_id)
            connection.execute(
                "INSERT INTO item_encodings(item_id, space_id, vectors, encoded_at) VALUES (?, ?, 1, 0)",
                (item_id, space.id),
            )
            ids.append(item_id)
        bump_counter(connection, VECTOR_WRITES)
    return ids


def test_item_matrix_finds_the_stores_neighbours_and_follows_its_writes(tmp_path):
    rng = np.random.default_rng(0)
    centres = normalise(rng.normal(size=(30, DIM)))
    count = MIN_EXACT_ROWS + 600  # past the exact shortlist, so the sketch chooses the rows ranked
    vectors = normalise(centres[rng.integers(0, 30, count)] + 0.25 * rng.normal(size=(count, DIM)))
    store = LibraryStore(tmp_path / "library.sqlite3")
    try:
        with store.transaction() as connection:
            space = store._ensure_space(connection, "item", "test-fused", DIM)
        ids = _write_items(store, space, vectors[:-100], first_id=1)
        matrix = item_matrix(store, space)
        assert matrix.size == len(ids)
        found, read = matrix.vectors_of([ids[5], 10**6, ids[2]])
        assert found == [ids[2], ids[5]]
        np.testing.assert_array_equal(read, store.item_vectors(space, found)[1])
        queries = vectors[:8]
        for query, neighbours in zip(queries, matrix.knn_many(queries, 10), strict=True):
            exact = store.knn(space, query, 10)
            assert [item for _, item, _ in neighbours] == [item for _, item, _ in exact]
            np.testing.assert_allclose([s for *_, s in neighbours], [s for *_, s in exact], atol=1e-5)
        # Appends are read on the next call; a deleted item is gone from every answer.
        late = _write_items(store, space, vectors[-100:], first_id=len(ids) + 1)
        assert item_matrix(store, space).size == count
        store.mark_missing([late[0], ids[0]])
        after = item_matrix(store, space)
        assert after.size == count - 2 and late[0] not in after.item_ids and ids[0] not in after.item_ids
        assert ids[0] not in [item for _, item, _ in after.knn(vectors[0], 10)]
        assert after.knn(vectors[1], 1)[0][1] == ids[1]
    finally:
        store.close()

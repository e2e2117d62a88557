"""Vectors and the spaces they live in: one sqlite-vec table per (modality, model), made on first use.

A space of modality ITEM_SPACE_MODALITY holds one fused vector per item (rowid = item id); every other space
holds one vector per segment (rowid = segment id). In-memory copies (vector_index.py) follow the two counters
kept here, so every write or deletion of vectors must bump one of them in the same transaction.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mediarec.index.database import Connection, Database, bump_counter
from mediarec.index.records import VectorSpace

ITEM_SPACE_MODALITY = "item"
# meta counters: how many transactions wrote vectors, and how many deleted some (see vector_generation).
VECTOR_WRITES = "vector_writes"
VECTOR_DELETIONS = "vector_deletions"
# What each deletion removed, by its number (the VECTOR_DELETIONS count it made): the item (its row in every item
# space) and its segments' ids (their rows in the other spaces), so that a copy of a space taken at an earlier count
# (ann_sidecar.py) drops exactly those rows, also when a row id comes back with a new vector. The newest
# DELETION_LOG_KEEP deletions are kept; an older copy is rebuilt. A run-time table ("vec_" prefix, like the spaces').
DELETION_LOG = "vec_deletion_log"
DELETION_LOG_KEEP = 20_000
_ROWS_WORTH_A_CHUNK = 6  # vector_rows: from this many rows in one chunk on, the chunk is read whole


def vector_blob(vector: np.ndarray) -> bytes:
    """A vector as sqlite-vec stores it: little-endian float32, contiguous."""
    return np.ascontiguousarray(vector, dtype=np.float32).tobytes()


@dataclass(frozen=True)
class VectorChunk:
    """The live rows of one sqlite-vec chunk (see VectorsMixin.vector_chunks)."""

    chunk_id: int
    rowids: np.ndarray
    item_ids: np.ndarray
    vectors: np.ndarray


class VectorsMixin(Database):
    # -- spaces -----------------------------------------------------------------------------------------

    def spaces(
        self, modality: str | None = None, *, connection: Connection | None = None
    ) -> list[VectorSpace]:
        connection = connection or self.connection()
        sql = "SELECT id, modality, model_id, dim, table_name FROM vector_spaces"
        rows = (
            connection.execute(sql + " WHERE modality = ? ORDER BY id", (modality,)).fetchall()
            if modality
            else connection.execute(sql + " ORDER BY id").fetchall()
        )
        return [VectorSpace(*row) for row in rows]

    def space(self, modality: str, model_id: str) -> VectorSpace | None:
        rows = self.query(
            "SELECT id, modality, model_id, dim, table_name FROM vector_spaces WHERE modality = ? AND model_id = ?",
            (modality, model_id),
        )
        return VectorSpace(*rows[0]) if rows else None

    def _ensure_space(self, connection: Connection, modality: str, model_id: str, dim: int) -> VectorSpace:
        row = connection.execute(
            "SELECT id, modality, model_id, dim, table_name FROM vector_spaces WHERE modality = ? AND model_id = ?",
            (modality, model_id),
        ).fetchone()
        if row:
            return VectorSpace(*row)
        space_id = connection.execute("SELECT coalesce(max(id), 0) + 1 FROM vector_spaces").fetchone()[0]
        table = f"vec_{modality}_{space_id}"
        connection.execute(
            f"CREATE VIRTUAL TABLE {table} USING vec0(embedding float[{int(dim)}] distance_metric=cosine, "
            "item_id integer)"
        )
        connection.execute(
            "INSERT INTO vector_spaces(id, modality, model_id, dim, table_name, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (space_id, modality, model_id, int(dim), table, time.time()),
        )
        return VectorSpace(space_id, modality, model_id, int(dim), table)

    def encoded_spaces(self, item_id: int) -> set[int]:
        return {
            row[0] for row in self.query("SELECT space_id FROM item_encodings WHERE item_id = ?", (item_id,))
        }

    def knn(self, space: VectorSpace, vector: np.ndarray, k: int) -> list[tuple[int, int, float]]:
        """Nearest rows of a space: (rowid, item_id, cosine similarity), best first."""
        rows = self.query(
            f"SELECT rowid, item_id, distance FROM {space.table_name} WHERE embedding MATCH ? AND k = ? "
            "ORDER BY distance",
            (vector_blob(vector), int(k)),
        )
        return [(rowid, item_id, 1.0 - distance) for rowid, item_id, distance in rows]

    def vector_generation(self) -> tuple[int, int]:
        """(writes, deletions) of vectors so far: a cheap way for caches to see that a space changed."""
        counts = self.counters(VECTOR_WRITES, VECTOR_DELETIONS)
        return counts[VECTOR_WRITES], counts[VECTOR_DELETIONS]

    def vectors_after(self, space: VectorSpace, rowid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows of a space with rowid > `rowid`: (rowids, item_ids, vectors [N, dim])."""
        rows = self.query(
            f"SELECT rowid, item_id, embedding FROM {space.table_name} WHERE rowid > ? ORDER BY rowid",
            (rowid,),
        )
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, space.dim), np.float32)
        rowids = np.fromiter((row[0] for row in rows), np.int64, len(rows))
        item_ids = np.fromiter((row[1] for row in rows), np.int64, len(rows))
        vectors = np.frombuffer(b"".join(row[2] for row in rows), dtype=np.float32).reshape(
            len(rows), space.dim
        )
        return rowids, item_ids, vectors.copy()

    def vector_chunks(self, space: VectorSpace, first_chunk: int = 0) -> list[VectorChunk] | None:
        """The live vectors of a space read chunk by chunk from sqlite-vec's own tables, or None when the layout
        is not the one we know (then use vectors_after). A full scan through the vec0 interface costs ~14 µs a
        row; whole chunks (1024 vectors per row) read in a fraction of that, which is what makes loading a large
        library's vectors at start-up bearable."""
        table = space.table_name
        try:
            rows = self.query(
                f"SELECT c.chunk_id, c.size, c.validity, c.rowids, v.vectors, m.data FROM {table}_chunks c "
                f"JOIN {table}_vector_chunks00 v ON v.rowid = c.chunk_id "
                f"JOIN {table}_metadatachunks00 m ON m.rowid = c.chunk_id WHERE c.chunk_id >= ? ORDER BY c.chunk_id",
                (first_chunk,),
            )
        except self.driver.module.DatabaseError:
            return None
        chunks = []
        for chunk_id, size, validity, rowids, vectors, item_ids in rows:
            if len(rowids) != 8 * size or len(vectors) != 4 * size * space.dim or len(item_ids) != 8 * size:
                return None
            valid = np.unpackbits(np.frombuffer(validity, np.uint8), bitorder="little")[:size].astype(bool)
            chunks.append(
                VectorChunk(
                    chunk_id,
                    np.frombuffer(rowids, np.int64)[valid],
                    np.frombuffer(item_ids, np.int64)[valid],
                    np.frombuffer(vectors, np.float32).reshape(size, space.dim)[valid],
                )
            )
        return chunks

    def deleted_rows(self, space: VectorSpace, after: int, upto: int) -> np.ndarray | None:
        """Rowids of `space` deleted by the deletions numbered `after` + 1 to `upto`, or None when the log does
        not hold every one of them (made before the log was, or pruned since)."""
        if upto <= after:
            return np.zeros(0, np.int64)
        try:
            rows = self.query(
                f"SELECT item_id, segment_ids FROM {DELETION_LOG} WHERE deletion > ? AND deletion <= ?",
                (int(after), int(upto)),
            )
        except self.driver.module.OperationalError:  # no deletion logged yet
            return None
        if len(rows) != upto - after:
            return None
        if space.modality == ITEM_SPACE_MODALITY:
            return np.array([row[0] for row in rows], np.int64)
        return np.concatenate([np.frombuffer(row[1], "<i8") for row in rows]).astype(np.int64)

    def vector_rowids_after(self, space: VectorSpace, rowid: int) -> np.ndarray:
        """Rowids of a space above `rowid`, ascending, from sqlite-vec's rowid table (a rowid range on the vec0
        table itself scans every row)."""
        sql = "SELECT rowid FROM {} WHERE rowid > ? ORDER BY rowid"
        try:
            rows = self.query(sql.format(f"{space.table_name}_rowids"), (rowid,))
        except self.driver.module.DatabaseError:  # not the layout we know
            rows = self.query(sql.format(space.table_name), (rowid,))
        return np.array([row[0] for row in rows], np.int64)

    def vector_rows(
        self, space: VectorSpace, rowids: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The live rows of a space among `rowids`: (rowids, item_ids, vectors [N, dim]), ascending. sqlite-vec
        answers an IN list by scanning every row and one rowid lookup in ~1.5 ms, so a chunk holding several of
        them is read whole (~8 ms for 1024 x 512-d), the others row by row."""
        wanted = sorted({int(rowid) for rowid in rowids})
        table = space.table_name
        found: dict[int, tuple[int, np.ndarray]] = {}

        def lookup(rowid: int) -> None:
            hit = self.query(f"SELECT item_id, embedding FROM {table} WHERE rowid = ?", (rowid,))
            if hit:
                found[rowid] = (int(hit[0][0]), np.frombuffer(hit[0][1], np.float32))

        try:
            places: dict[int, list[tuple[int, int]]] = {}
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                for rowid, chunk_id, offset in self.query(
                    f"SELECT rowid, chunk_id, chunk_offset FROM {table}_rowids WHERE rowid IN "
                    f"({','.join('?' * len(chunk))})",
                    chunk,
                ):
                    places.setdefault(int(chunk_id), []).append((int(rowid), int(offset)))
            for chunk_id, rows in places.items():
                if len(rows) < _ROWS_WORTH_A_CHUNK:
                    for rowid, _ in rows:
                        lookup(rowid)
                    continue
                parts = self.query(
                    f"SELECT c.size, c.validity, c.rowids, v.vectors, m.data FROM {table}_chunks c "
                    f"JOIN {table}_vector_chunks00 v ON v.rowid = c.chunk_id "
                    f"JOIN {table}_metadatachunks00 m ON m.rowid = c.chunk_id WHERE c.chunk_id = ?",
                    (chunk_id,),
                )
                size, validity, chunk_rowids, vectors, item_ids = parts[0]
                if len(chunk_rowids) != 8 * size or len(vectors) != 4 * size * space.dim:
                    raise self.driver.module.DatabaseError("unknown sqlite-vec chunk layout")
                valid = np.unpackbits(np.frombuffer(validity, np.uint8), bitorder="little")
                stored, owners = np.frombuffer(chunk_rowids, np.int64), np.frombuffer(item_ids, np.int64)
                matrix = np.frombuffer(vectors, np.float32).reshape(size, space.dim)
                for rowid, offset in rows:
                    if offset < size and valid[offset] and stored[offset] == rowid:
                        found[rowid] = (int(owners[offset]), matrix[offset])
        except (self.driver.module.DatabaseError, IndexError):  # not the layout we know: one lookup a row
            found = {}
            for rowid in wanted:
                lookup(rowid)
        keys = sorted(found)
        vectors_out = np.zeros((len(keys), space.dim), np.float32)
        for index, key in enumerate(keys):
            vectors_out[index] = found[key][1]
        return np.array(keys, np.int64), np.array([found[key][0] for key in keys], np.int64), vectors_out

    def space_size(self, space: VectorSpace) -> int:
        return self.query(f"SELECT count(*) FROM {space.table_name}")[0][0]

    def item_vector(self, space: VectorSpace, item_id: int) -> np.ndarray | None:
        rows = self.query(f"SELECT embedding FROM {space.table_name} WHERE rowid = ?", (item_id,))
        return np.frombuffer(rows[0][0], dtype=np.float32).copy() if rows else None

    def segment_vectors(self, space: VectorSpace, item_id: int) -> tuple[list[int], np.ndarray]:
        rows = self.query(f"SELECT rowid, embedding FROM {space.table_name} WHERE item_id = ?", (item_id,))
        if not rows:
            return [], np.zeros((0, space.dim), dtype=np.float32)
        return [row[0] for row in rows], np.stack([np.frombuffer(row[1], dtype=np.float32) for row in rows])

    def item_vectors(
        self, space: VectorSpace, item_ids: Sequence[int] | None = None, *, limit: int | None = None
    ) -> tuple[list[int], np.ndarray]:
        """Vectors of an item space: of the given items (read by sqlite-vec chunk, fast at any size), or of up to
        `limit` items sampled at random over the whole space (the same sample while the space keeps its size).
        Returns (item ids that have a vector, ascending, and the matrix in the same order)."""
        if item_ids is None:
            ids = [int(row[0]) for row in self.query(f"SELECT rowid FROM {space.table_name}")]
            if limit is not None and len(ids) > limit:
                # Random, not every n-th rowid: ids often follow the folder order, and a stride would follow it.
                ids = sorted(np.random.default_rng(len(ids)).choice(ids, size=limit, replace=False).tolist())
            item_ids = ids
        # Through vector_rows, not `rowid IN (...)`: sqlite-vec answers an IN list by scanning the whole table.
        found, _, vectors = self.vector_rows(space, [int(item_id) for item_id in item_ids])
        return [int(item_id) for item_id in found], vectors

    # -- writing (inside the caller's transaction) ----------------------------------------------------------

    def _insert_vector(
        self, connection: Connection, space: VectorSpace, rowid: int, vector: np.ndarray, item_id: int
    ) -> None:
        connection.execute(
            f"INSERT INTO {space.table_name}(rowid, embedding, item_id) VALUES (?, ?, ?)",
            (rowid, vector_blob(vector), item_id),
        )

    def _delete_item_vectors(self, connection: Connection, item_id: int) -> None:
        """Remove the item's vectors from every space: its fused vector and those of its segments (the segment
        rows themselves are the caller's to delete, after this, since their ids are read here)."""
        segment_ids = [
            row[0] for row in connection.execute("SELECT id FROM segments WHERE item_id = ?", (item_id,))
        ]
        had_vectors = connection.execute(
            "SELECT count(*) FROM item_encodings WHERE item_id = ?", (item_id,)
        ).fetchone()[0]
        if had_vectors:  # tells in-memory vector indexes (in this or another process) to reload
            bump_counter(connection, VECTOR_DELETIONS)
            _log_deletion(connection, item_id, segment_ids)
        for space in self.spaces(connection=connection):
            if space.modality == ITEM_SPACE_MODALITY:
                connection.execute(f"DELETE FROM {space.table_name} WHERE rowid = ?", (item_id,))
            elif segment_ids:
                connection.executemany(
                    f"DELETE FROM {space.table_name} WHERE rowid = ?", [(sid,) for sid in segment_ids]
                )


def _log_deletion(connection: Connection, item_id: int, segment_ids: list[int]) -> None:
    connection.execute(
        f"CREATE TABLE IF NOT EXISTS {DELETION_LOG} "
        "(deletion INTEGER PRIMARY KEY, item_id INTEGER NOT NULL, segment_ids BLOB NOT NULL)"
    )
    row = connection.execute("SELECT value FROM meta WHERE key = ?", (VECTOR_DELETIONS,)).fetchone()
    deletion = int(row[0])
    connection.execute(
        f"INSERT OR REPLACE INTO {DELETION_LOG}(deletion, item_id, segment_ids) VALUES (?, ?, ?)",
        (deletion, item_id, np.asarray(segment_ids, "<i8").tobytes()),
    )
    connection.execute(f"DELETE FROM {DELETION_LOG} WHERE deletion <= ?", (deletion - DELETION_LOG_KEEP,))

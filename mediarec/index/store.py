"""The library database: every SQL statement of mediarec lives in this package (plumbing in database.py).

One SQLite file in WAL mode. A connection per thread (sqlite connections must not cross threads); writes go through
`transaction()`, which takes the write lock up front (BEGIN IMMEDIATE) so two writers never deadlock half-way.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from mediarec.index import fts
from mediarec.index.database import Database, bump_counter
from mediarec.index.records import (
    ITEM_COLUMNS,
    ItemIndexResult,
    ItemRecord,
    PlayRecord,
    SegmentRecord,
    TagRecord,
    TranscriptLine,
    VectorSpace,
)
from mediarec.index.sqlite_driver import StorageError

ITEM_SPACE_MODALITY = "item"
_ITEM_SELECT = f"SELECT {', '.join(ITEM_COLUMNS)} FROM items"
_SEGMENT_COLUMNS = "id, item_id, modality, start, end, text, thumbnail, shot_index"
USER_TAG_SOURCES = ("user",)
# Applied suggestions of a tag the user teaches by example (understand/taught_tags.py).
SUGGESTED_TAG_SOURCE = "suggested"
# Re-indexing an item replaces the tags its analysis made and keeps these: they come from the user (their own
# tags, and the applied suggestions of the tags they taught), not from the file's content.
KEPT_TAG_SOURCES = (*USER_TAG_SOURCES, SUGGESTED_TAG_SOURCE)


def _blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=np.float32).tobytes()


@dataclass(frozen=True)
class VectorChunk:
    chunk_id: int
    rowids: np.ndarray
    item_ids: np.ndarray
    vectors: np.ndarray


class LibraryStore(Database):
    # -- folders -----------------------------------------------------------------------------------------------

    def add_folder(self, path: str) -> None:
        with self.transaction() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO folders(path, added_at) VALUES (?, ?)", (path, time.time())
            )

    def remove_folder(self, path: str) -> None:
        with self.transaction() as connection:
            connection.execute("DELETE FROM folders WHERE path = ?", (path,))

    def folders(self) -> list[str]:
        return [row[0] for row in self.query("SELECT path FROM folders ORDER BY path")]

    # -- items -------------------------------------------------------------------------------------------------

    def item(self, item_id: int) -> ItemRecord | None:
        rows = self.query(f"{_ITEM_SELECT} WHERE id = ?", (item_id,))
        return ItemRecord.from_row(rows[0]) if rows else None

    def item_by_path(self, path: str) -> ItemRecord | None:
        rows = self.query(f"{_ITEM_SELECT} WHERE path = ?", (path,))
        return ItemRecord.from_row(rows[0]) if rows else None

    def items_by_fingerprint(self, fingerprint: str) -> list[ItemRecord]:
        rows = self.query(f"{_ITEM_SELECT} WHERE fingerprint = ? ORDER BY id", (fingerprint,))
        return [ItemRecord.from_row(row) for row in rows]

    def items(self, *, statuses: Iterable[str] = ("indexed",), under: str | None = None) -> list[ItemRecord]:
        status_list = list(statuses)
        sql = f"{_ITEM_SELECT} WHERE status IN ({','.join('?' * len(status_list))})"
        parameters: list = list(status_list)
        if under is not None:
            sql += " AND (path = ? OR substr(path, 1, ?) = ?)"
            prefix = under.rstrip("/\\") + "/"
            parameters += [under, len(prefix), prefix]
        rows = self.query(sql + " ORDER BY id", parameters)
        return [ItemRecord.from_row(row) for row in rows]

    def items_by_ids(self, item_ids: Sequence[int]) -> dict[int, ItemRecord]:
        if not item_ids:
            return {}
        placeholders = ",".join("?" * len(item_ids))
        rows = self.query(f"{_ITEM_SELECT} WHERE id IN ({placeholders})", list(item_ids))
        return {row[0]: ItemRecord.from_row(row) for row in rows}

    def count_items(self, status: str = "indexed") -> int:
        return self.query("SELECT count(*) FROM items WHERE status = ?", (status,))[0][0]

    def item_facets(self) -> list[tuple[int, str | None, float | None, str | None]]:
        """(id, kind, duration, language) of every indexed item: what search filters look at, without
        parsing each item's metadata."""
        return [
            tuple(row)
            for row in self.query("SELECT id, kind, duration, language FROM items WHERE status = 'indexed'")
        ]

    def add_item(self, path: str, fingerprint: str, size: int, mtime: float) -> int:
        with self.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO items(path, fingerprint, size, mtime, status, added_at) VALUES (?, ?, ?, ?, 'pending', ?)",
                (path, fingerprint, size, mtime, time.time()),
            )
            return cursor.lastrowid

    def move_item(self, item_id: int, new_path: str, size: int, mtime: float) -> None:
        """A renamed or moved file: same content, new path; vectors, tags and history stay."""
        with self.transaction() as connection:
            connection.execute(
                "DELETE FROM items WHERE path = ? AND id != ? AND status = 'missing'", (new_path, item_id)
            )
            connection.execute(
                "UPDATE items SET path = ?, size = ?, mtime = ?, missing_since = NULL, "
                "status = CASE WHEN status = 'missing' THEN 'pending' ELSE status END WHERE id = ?",
                (new_path, size, mtime, item_id),
            )

    def mark_changed(self, item_id: int, fingerprint: str, size: int, mtime: float) -> None:
        """The file's content changed: derived data goes, user data (history, user tags) stays."""
        with self.transaction() as connection:
            self._delete_derived(connection, item_id)
            connection.execute(
                "UPDATE items SET fingerprint = ?, size = ?, mtime = ?, status = 'pending', error = NULL, "
                "missing_since = NULL WHERE id = ?",
                (fingerprint, size, mtime, item_id),
            )

    def mark_missing(self, item_ids: Sequence[int]) -> None:
        with self.transaction() as connection:
            for item_id in item_ids:
                self._delete_derived(connection, item_id)
                connection.execute(
                    "UPDATE items SET status = 'missing', missing_since = ? WHERE id = ?",
                    (time.time(), item_id),
                )

    def mark_error(self, item_id: int, message: str, metadata: dict | None = None) -> None:
        with self.transaction() as connection:
            self._delete_derived(connection, item_id)
            connection.execute(
                "UPDATE items SET status = 'error', error = ?, indexed_at = ?, metadata_json = ? WHERE id = ?",
                (message, time.time(), json.dumps(metadata or {}), item_id),
            )

    def _delete_derived(self, connection, item_id: int) -> None:
        segment_ids = [
            row[0] for row in connection.execute("SELECT id FROM segments WHERE item_id = ?", (item_id,))
        ]
        had_vectors = connection.execute(
            "SELECT count(*) FROM item_encodings WHERE item_id = ?", (item_id,)
        ).fetchone()[0]
        if had_vectors:  # tells in-memory vector indexes (in this or another process) to reload
            bump_counter(connection, "vector_deletions")
        for space in self.spaces(connection=connection):
            if space.modality == ITEM_SPACE_MODALITY:
                connection.execute(f"DELETE FROM {space.table_name} WHERE rowid = ?", (item_id,))
            elif segment_ids:
                connection.executemany(
                    f"DELETE FROM {space.table_name} WHERE rowid = ?", [(sid,) for sid in segment_ids]
                )
        for table in ("segments", "shots", "transcript_segments", "item_encodings"):
            connection.execute(f"DELETE FROM {table} WHERE item_id = ?", (item_id,))
        kept = ", ".join("?" * len(KEPT_TAG_SOURCES))
        connection.execute(
            f"DELETE FROM tags WHERE item_id = ? AND source NOT IN ({kept})", (item_id, *KEPT_TAG_SOURCES)
        )
        connection.execute("DELETE FROM text_fts WHERE item_id = ?", (item_id,))

    # -- vector spaces -----------------------------------------------------------------------------------------

    def spaces(self, modality: str | None = None, *, connection=None) -> list[VectorSpace]:
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

    def _ensure_space(self, connection, modality: str, model_id: str, dim: int) -> VectorSpace:
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
            (_blob(vector), int(k)),
        )
        return [(rowid, item_id, 1.0 - distance) for rowid, item_id, distance in rows]

    def vector_generation(self) -> tuple[int, int]:
        """(writes, deletions) of vectors so far: a cheap way for caches to see that a space changed."""
        counts = self.counters("vector_writes", "vector_deletions")
        return counts["vector_writes"], counts["vector_deletions"]

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
        """Vectors of an item space: of the given items (rowid lookups, fast at any size), or of up to `limit`
        items sampled at random over the whole space (the same sample while the space keeps its size).
        Returns (item ids that have a vector, matrix in the same order)."""
        if item_ids is None:
            ids = [int(row[0]) for row in self.query(f"SELECT rowid FROM {space.table_name}")]
            if limit is not None and len(ids) > limit:
                # Random, not every n-th rowid: ids often follow the folder order, and a stride would follow it.
                ids = sorted(np.random.default_rng(len(ids)).choice(ids, size=limit, replace=False).tolist())
            item_ids = ids
        wanted = [int(item_id) for item_id in dict.fromkeys(item_ids)]
        rows: list = []
        for start in range(0, len(wanted), 500):  # stay below SQLite's bound-parameter limit
            chunk = wanted[start : start + 500]
            rows += self.query(
                f"SELECT rowid, embedding FROM {space.table_name} WHERE rowid IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        if not rows:
            return [], np.zeros((0, space.dim), dtype=np.float32)
        return [int(row[0]) for row in rows], np.stack(
            [np.frombuffer(row[1], dtype=np.float32) for row in rows]
        )

    # -- writing an indexed item -------------------------------------------------------------------------------

    def write_index_result(self, item_id: int, result: ItemIndexResult) -> None:
        """Replace everything derived about one item in a single transaction: all of it or none of it lands."""
        with self.transaction() as connection:
            self._delete_derived(connection, item_id)
            for (name,) in connection.execute(  # the kept tags stay findable by their words
                "SELECT DISTINCT name FROM tags WHERE item_id = ?", (item_id,)
            ).fetchall():
                self._index_text(connection, item_id, name, "tag", None)
            spaces = {
                modality: self._ensure_space(connection, modality, model_id, dim)
                for modality, (model_id, dim) in result.encoded_by.items()
            }
            counts = dict.fromkeys(spaces, 0)
            for segment in result.segments:
                cursor = connection.execute(
                    "INSERT INTO segments(item_id, modality, start, end, text, thumbnail, shot_index) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        item_id,
                        segment.modality,
                        segment.start,
                        segment.end,
                        segment.text,
                        segment.thumbnail,
                        segment.shot_index,
                    ),
                )
                if segment.vector is not None:
                    space = spaces[segment.modality]
                    connection.execute(
                        f"INSERT INTO {space.table_name}(rowid, embedding, item_id) VALUES (?, ?, ?)",
                        (cursor.lastrowid, _blob(segment.vector), item_id),
                    )
                    counts[segment.modality] += 1
                if segment.modality == "speech" and segment.text:
                    self._index_text(connection, item_id, segment.text, "speech", cursor.lastrowid)
            bump_counter(connection, "vector_writes")
            now = time.time()
            for modality, space in spaces.items():
                connection.execute(
                    "INSERT INTO item_encodings(item_id, space_id, vectors, encoded_at) VALUES (?, ?, ?, ?)",
                    (item_id, space.id, counts[modality], now),
                )
            if result.item_vector is not None and result.item_vector_model is not None:
                model_id, dim = result.item_vector_model
                item_space = self._ensure_space(connection, ITEM_SPACE_MODALITY, model_id, dim)
                connection.execute(
                    f"INSERT INTO {item_space.table_name}(rowid, embedding, item_id) VALUES (?, ?, ?)",
                    (item_id, _blob(result.item_vector), item_id),
                )
                connection.execute(
                    "INSERT INTO item_encodings(item_id, space_id, vectors, encoded_at) VALUES (?, ?, 1, ?)",
                    (item_id, item_space.id, now),
                )
            connection.executemany(
                "INSERT INTO shots(item_id, shot_index, start, end) VALUES (?, ?, ?, ?)",
                [(item_id, index, start, end) for index, (start, end) in enumerate(result.shots)],
            )
            connection.executemany(
                "INSERT INTO transcript_segments(item_id, start, end, text) VALUES (?, ?, ?, ?)",
                [(item_id, line.start, line.end, line.text) for line in result.transcript],
            )
            for tag in result.tags:  # tags made before the item id was known carry a placeholder id
                self._upsert_tag(connection, replace(tag, item_id=item_id))
            metadata = result.metadata
            connection.execute(
                "UPDATE items SET status = 'indexed', error = NULL, indexed_at = ?, kind = ?, duration = ?, "
                "width = ?, height = ?, video_codec = ?, audio_codec = ?, title = ?, artist = ?, album = ?, "
                "date = ?, genre = ?, metadata_json = ?, language = ?, thumbnail = ? WHERE id = ?",
                (
                    now,
                    metadata.get("kind"),
                    metadata.get("duration"),
                    metadata.get("width"),
                    metadata.get("height"),
                    metadata.get("video_codec"),
                    metadata.get("audio_codec"),
                    metadata.get("title"),
                    metadata.get("artist"),
                    metadata.get("album"),
                    metadata.get("date"),
                    metadata.get("genre"),
                    json.dumps(metadata, default=str),
                    result.language,
                    result.thumbnail,
                    item_id,
                ),
            )
            title_text = " ".join(
                str(value)
                for value in (
                    metadata.get("title"),
                    metadata.get("artist"),
                    metadata.get("album"),
                    metadata.get("file_stem"),
                )
                if value
            )
            if title_text:
                self._index_text(connection, item_id, title_text, "title", None)

    def _index_text(self, connection, item_id: int, text: str, field: str, segment_id: int | None) -> None:
        connection.execute(
            "INSERT INTO text_fts(body, item_id, segment_id, field) VALUES (?, ?, ?, ?)",
            (fts.text_for_index(text), item_id, segment_id, field),
        )

    # -- reading an item's moments -----------------------------------------------------------------------------

    def segments(self, segment_ids: Sequence[int]) -> dict[int, SegmentRecord]:
        if not segment_ids:
            return {}
        rows = self.query(
            f"SELECT {_SEGMENT_COLUMNS} FROM segments WHERE id IN ({','.join('?' * len(segment_ids))})",
            list(segment_ids),
        )
        return {row[0]: SegmentRecord(*row) for row in rows}

    def item_segments(self, item_id: int, modality: str | None = None) -> list[SegmentRecord]:
        sql = f"SELECT {_SEGMENT_COLUMNS} FROM segments WHERE item_id = ?"
        parameters: list = [item_id]
        if modality:
            sql += " AND modality = ?"
            parameters.append(modality)
        return [SegmentRecord(*row) for row in self.query(sql + " ORDER BY start", parameters)]

    def transcript(self, item_id: int) -> list[TranscriptLine]:
        rows = self.query(
            "SELECT start, end, text FROM transcript_segments WHERE item_id = ? ORDER BY start", (item_id,)
        )
        return [TranscriptLine(*row) for row in rows]

    def shots(self, item_id: int) -> list[tuple[float, float]]:
        return [
            tuple(row)
            for row in self.query(
                "SELECT start, end FROM shots WHERE item_id = ? ORDER BY shot_index", (item_id,)
            )
        ]

    def text_search(self, query: str, limit: int = 50) -> list[tuple[int, int | None, str, float]]:
        """Exact-word matches: (item_id, segment_id or None, field, bm25 score where higher is better)."""
        expression = fts.match_expression(query)
        if expression is None:
            return []
        rows = self.query(
            "SELECT item_id, segment_id, field, -bm25(text_fts) FROM text_fts WHERE text_fts MATCH ? "
            "ORDER BY bm25(text_fts) LIMIT ?",
            (expression, limit),
        )
        return [
            (int(item_id), None if segment_id is None else int(segment_id), field, score)
            for item_id, segment_id, field, score in rows
        ]

    # -- tags --------------------------------------------------------------------------------------------------

    def _upsert_tag(self, connection, tag: TagRecord) -> None:
        connection.execute(
            "INSERT INTO tags(item_id, name, source, score, start, end, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(item_id, name, source) DO UPDATE SET score = excluded.score, start = excluded.start, "
            "end = excluded.end",
            (tag.item_id, tag.name, tag.source, tag.score, tag.start, tag.end, time.time()),
        )
        self._unindex_tag(connection, tag.item_id, tag.name)
        if tag.source in USER_TAG_SOURCES or tag.score >= 0.5:
            self._index_text(connection, tag.item_id, tag.name, "tag", None)

    def _unindex_tag(self, connection, item_id: int, name: str) -> None:
        connection.execute(
            "DELETE FROM text_fts WHERE item_id = ? AND field = 'tag' AND body = ?",
            (item_id, fts.text_for_index(name)),
        )

    def set_tags(self, tags: Sequence[TagRecord]) -> None:
        with self.transaction() as connection:
            for tag in tags:
                self._upsert_tag(connection, tag)

    def remove_tag(self, item_id: int, name: str, source: str | None = None) -> int:
        with self.transaction() as connection:
            if source:
                cursor = connection.execute(
                    "DELETE FROM tags WHERE item_id = ? AND name = ? AND source = ?", (item_id, name, source)
                )
            else:
                cursor = connection.execute(
                    "DELETE FROM tags WHERE item_id = ? AND name = ?", (item_id, name)
                )
            remaining = connection.execute(
                "SELECT count(*) FROM tags WHERE item_id = ? AND name = ?", (item_id, name)
            ).fetchone()[0]
            if not remaining:
                self._unindex_tag(connection, item_id, name)
            return cursor.rowcount

    def tags(self, item_id: int) -> list[TagRecord]:
        rows = self.query(
            "SELECT item_id, name, source, score, start, end FROM tags WHERE item_id = ? ORDER BY score DESC, name",
            (item_id,),
        )
        return [TagRecord(*row) for row in rows]

    def tag_names(self) -> list[tuple[str, int]]:
        return [
            tuple(row)
            for row in self.query(
                "SELECT t.name, count(DISTINCT t.item_id) FROM tags t JOIN items i ON i.id = t.item_id "
                "WHERE i.status = 'indexed' AND t.score >= 0.5 GROUP BY t.name ORDER BY 2 DESC, 1"
            )
        ]

    def items_with_tag(self, name: str, min_score: float = 0.5) -> set[int]:
        rows = self.query(
            "SELECT DISTINCT item_id FROM tags WHERE name = ? AND score >= ?", (name, min_score)
        )
        return {row[0] for row in rows}

    # -- history and feedback ----------------------------------------------------------------------------------

    def record_play(
        self,
        item_id: int,
        *,
        seconds: float,
        start_position: float = 0.0,
        started_at: float | None = None,
        skipped: bool = False,
    ) -> PlayRecord:
        item = self.item(item_id)
        if item is None:
            raise StorageError(f"No item with id {item_id}")
        duration = item.duration or 0.0
        completion = min(1.0, (start_position + seconds) / duration) if duration > 0 else 0.0
        finished = completion >= 0.9
        skipped = skipped or (not finished and seconds < min(30.0, 0.1 * duration if duration else 30.0))
        started = time.time() if started_at is None else started_at
        with self.transaction() as connection:
            connection.execute(
                "INSERT INTO plays(item_id, fingerprint, started_at, start_position, seconds, completion, finished, "
                "skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item_id,
                    item.fingerprint,
                    started,
                    start_position,
                    seconds,
                    completion,
                    int(finished),
                    int(skipped),
                ),
            )
        return PlayRecord(item_id, started, start_position, seconds, completion, finished, skipped)

    def plays(self, item_id: int | None = None) -> list[PlayRecord]:
        sql = "SELECT item_id, started_at, start_position, seconds, completion, finished, skipped FROM plays"
        rows = (
            self.query(sql + " WHERE item_id = ? ORDER BY started_at", (item_id,))
            if item_id is not None
            else self.query(sql + " ORDER BY started_at")
        )
        return [PlayRecord(r[0], r[1], r[2], r[3], r[4], bool(r[5]), bool(r[6])) for r in rows]

    def set_feedback(self, item_id: int, value: int) -> None:
        item = self.item(item_id)
        if item is None:
            raise StorageError(f"No item with id {item_id}")
        with self.transaction() as connection:
            if value == 0:
                connection.execute("DELETE FROM feedback WHERE item_id = ?", (item_id,))
            else:
                connection.execute(
                    "INSERT INTO feedback(item_id, fingerprint, value, at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(item_id) DO UPDATE SET value = excluded.value, at = excluded.at",
                    (item_id, item.fingerprint, value, time.time()),
                )

    def feedback(self) -> dict[int, int]:
        return {row[0]: row[1] for row in self.query("SELECT item_id, value FROM feedback")}

    def feedback_records(self) -> list[tuple[int, int, float]]:
        """(item_id, value, when) of every rating: +1 like, -1 dislike, -2 not interested; oldest first."""
        return [
            (int(item_id), int(value), float(at))
            for item_id, value, at in self.query("SELECT item_id, value, at FROM feedback ORDER BY at")
        ]

    def recently_added(self, limit: int) -> list[ItemRecord]:
        """The newest indexed items, newest first (the "fresh" shelf and the cold start of recommendations)."""
        rows = self.query(
            f"{_ITEM_SELECT} WHERE status = 'indexed' ORDER BY added_at DESC, id DESC LIMIT ?", (int(limit),)
        )
        return [ItemRecord.from_row(row) for row in rows]

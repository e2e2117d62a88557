"""Library folders and items (one row per file), and reading what was stored about an item's moments."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from mediarec.index.database import Database
from mediarec.index.records import ITEM_COLUMNS, ItemRecord, SegmentRecord, TranscriptLine

_ITEM_SELECT = f"SELECT {', '.join(ITEM_COLUMNS)} FROM items"
_SEGMENT_COLUMNS = "id, item_id, modality, start, end, text, thumbnail, shot_index"


class ItemsMixin(Database):
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

    def recently_added(self, limit: int) -> list[ItemRecord]:
        """The newest indexed items, newest first (the "fresh" shelf and the cold start of recommendations)."""
        rows = self.query(
            f"{_ITEM_SELECT} WHERE status = 'indexed' ORDER BY added_at DESC, id DESC LIMIT ?", (int(limit),)
        )
        return [ItemRecord.from_row(row) for row in rows]

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

    # -- an item's moments -------------------------------------------------------------------------------------

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

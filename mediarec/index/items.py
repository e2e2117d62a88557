"""Library folders and items (one row per file), and reading what was stored about an item's moments."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence

from mediarec.index.database import Database
from mediarec.index.records import (
    ITEM_COLUMNS,
    UNDRAWN_FRAMES_KEY,
    ItemRecord,
    ScreenTextLine,
    SegmentRecord,
    TranscriptLine,
    words_from_json,
)

_ITEM_SELECT = f"SELECT {', '.join(ITEM_COLUMNS)} FROM items"
_SEGMENT_COLUMNS = "id, item_id, modality, start, end, text, thumbnail, shot_index"
ENCODED_BATCH = 10_000  # item ids per query of items_missing_models (one JSON array parameter)
# The orders item_listing can give, each that of the grid's sort key of the same name (app/library_listing.py),
# ties included; the grid's other keys (title, duration) compare titles as Python casefolds them, which SQL cannot.
ITEM_LISTING_ORDERS = {
    "given": "i.id",
    "added": "i.added_at DESC, i.id DESC",
    "played": "coalesce(p.played, 0) DESC, i.added_at DESC, i.id",  # p.played: the item's last play
}

# -- paths as stored -----------------------------------------------------------------------------------------------
# A file name that is not valid UTF-8 (common on old drives) reaches Python as a str with lone surrogates
# (U+DC80-U+DCFF, one per undecodable byte: the 'surrogateescape' of os.fsdecode; on Windows an unpaired UTF-16
# half). sqlite cannot store those, so the path columns keep such a name in a lossless escape: every surrogate
# becomes _ESCAPE and its four hex digits, and a literal _ESCAPE (a Unicode noncharacter, reserved for internal use,
# so never in a real name) is doubled. A valid name is stored as it is, so existing rows need no migration. The
# escape is one code per character, so a stored folder path is a prefix of the stored paths of its files (the
# `under` query below relies on it). Rows come back with the real name, ready for open() and PyAV.
_ESCAPE = "\ufdd0"
_SURROGATE = re.compile("[\ud800-\udfff\ufdd0]")
_ESCAPED = re.compile("\ufdd0(\ufdd0|[0-9a-f]{4})")


def stored_path(path: str) -> str:
    """The text that the path columns hold for the file system's name ``path`` (see above)."""
    if _SURROGATE.search(path) is None:
        return path
    return _SURROGATE.sub(
        lambda match: _ESCAPE + (_ESCAPE if match[0] == _ESCAPE else f"{ord(match[0]):04x}"), path
    )


def path_from_stored(text: str) -> str:
    """The file system's name back from the text of a path column: stored_path's exact inverse."""
    if _ESCAPE not in text:
        return text
    return _ESCAPED.sub(lambda match: _ESCAPE if match[1] == _ESCAPE else chr(int(match[1], 16)), text)


def _item(row) -> ItemRecord:
    record = ItemRecord.from_row(row)
    return (
        dataclasses.replace(record, path=path_from_stored(record.path)) if _ESCAPE in record.path else record
    )


class ItemsMixin(Database):
    # -- folders -----------------------------------------------------------------------------------------------

    def add_folder(self, path: str) -> None:
        with self.transaction() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO folders(path, added_at) VALUES (?, ?)",
                (stored_path(path), time.time()),
            )

    def remove_folder(self, path: str) -> None:
        with self.transaction() as connection:
            connection.execute("DELETE FROM folders WHERE path = ?", (stored_path(path),))

    def folders(self) -> list[str]:
        return [path_from_stored(row[0]) for row in self.query("SELECT path FROM folders ORDER BY path")]

    # -- items -------------------------------------------------------------------------------------------------

    def item(self, item_id: int) -> ItemRecord | None:
        rows = self.query(f"{_ITEM_SELECT} WHERE id = ?", (item_id,))
        return _item(rows[0]) if rows else None

    def item_by_path(self, path: str) -> ItemRecord | None:
        rows = self.query(f"{_ITEM_SELECT} WHERE path = ?", (stored_path(path),))
        return _item(rows[0]) if rows else None

    def items_by_fingerprint(self, fingerprint: str) -> list[ItemRecord]:
        rows = self.query(f"{_ITEM_SELECT} WHERE fingerprint = ? ORDER BY id", (fingerprint,))
        return [_item(row) for row in rows]

    def items(self, *, statuses: Iterable[str] = ("indexed",), under: str | None = None) -> list[ItemRecord]:
        status_list = list(statuses)
        sql = f"{_ITEM_SELECT} WHERE status IN ({','.join('?' * len(status_list))})"
        parameters: list = list(status_list)
        if under is not None:
            sql += " AND (path = ? OR substr(path, 1, ?) = ?)"
            folder = stored_path(under)
            prefix = folder.rstrip("/\\") + "/"
            parameters += [folder, len(prefix), prefix]
        rows = self.query(sql + " ORDER BY id", parameters)
        return [_item(row) for row in rows]

    def items_by_ids(self, item_ids: Sequence[int]) -> dict[int, ItemRecord]:
        if not item_ids:
            return {}
        placeholders = ",".join("?" * len(item_ids))
        rows = self.query(f"{_ITEM_SELECT} WHERE id IN ({placeholders})", list(item_ids))
        return {row[0]: _item(row) for row in rows}

    def item_languages(self, item_ids: Sequence[int]) -> dict[int, str | None]:
        """Each item's transcript language, for a search's candidates: its one column, not the whole record
        (at 10^5 items reading ~150 records with their metadata took ~5 ms a query)."""
        if not item_ids:
            return {}
        placeholders = ",".join("?" * len(item_ids))
        rows = self.query(f"SELECT id, language FROM items WHERE id IN ({placeholders})", list(item_ids))
        return {int(item_id): language for item_id, language in rows}

    def count_items(self, status: str = "indexed") -> int:
        if status == "indexed":  # most of a library: all items less the others, ~0.05 ms, not ~2.5, at 10^5
            return self.query(
                "SELECT (SELECT count(*) FROM items) - "
                "(SELECT count(*) FROM items WHERE status < 'indexed' OR status > 'indexed')"
            )[0][0]
        return self.query("SELECT count(*) FROM items WHERE status = ?", (status,))[0][0]

    def item_facets(self) -> list[tuple[int, str | None, float | None, str | None]]:
        """(id, kind, duration, language) of every indexed item: what search filters look at, without
        parsing each item's metadata."""
        return [
            tuple(row)
            for row in self.query("SELECT id, kind, duration, language FROM items WHERE status = 'indexed'")
        ]

    def item_listing(self, order: str = "given", limit: int | None = None) -> list[tuple]:
        """(id, path, title, kind, duration, added_at, thumbnail, artist, status, last played or None) of every
        file the library grid lists (indexed, or waiting for indexing), in ``order`` (ITEM_LISTING_ORDERS), the
        first ``limit`` of them when given: a card's columns without an ItemRecord per file (10^5 of them, with
        their parsed metadata, kept the garbage collector busy)."""
        if order not in ITEM_LISTING_ORDERS:
            raise ValueError(f"unknown listing order {order!r}; known: {', '.join(ITEM_LISTING_ORDERS)}")
        played = (
            "LEFT JOIN (SELECT item_id, max(started_at) AS played FROM plays GROUP BY item_id) p "
            "ON p.item_id = i.id"
        )
        listed = "i.status IN ('indexed', 'pending')"
        ordered = ITEM_LISTING_ORDERS[order]
        chosen = ""
        if limit is not None:
            # The first ids come from the (status, added_at) index alone, then only their rows are read: ordering
            # every row of a 10^5-file library by a column of the table read each row (180 ms; now 1-20 ms).
            needs_played = "p.played" in ordered
            chosen = (
                f"AND i.id IN (SELECT i.id FROM items i {played if needs_played else ''} WHERE {listed} "
                f"ORDER BY {ordered} LIMIT {int(limit)})"
            )
        rows = self.query(
            "SELECT i.id, i.path, i.title, i.kind, i.duration, i.added_at, i.thumbnail, i.artist, i.status, "
            f"p.played FROM items i {played} WHERE {listed} {chosen} ORDER BY {ordered}"
        )
        return [
            row if _ESCAPE not in row[1] else (row[0], path_from_stored(row[1]), *row[2:]) for row in rows
        ]

    def recently_added(self, limit: int) -> list[ItemRecord]:
        """The newest indexed items, newest first (the "fresh" shelf and the cold start of recommendations)."""
        rows = self.query(
            f"{_ITEM_SELECT} WHERE status = 'indexed' ORDER BY added_at DESC, id DESC LIMIT ?", (int(limit),)
        )
        return [_item(row) for row in rows]

    def items_missing_models(self, item_ids: Sequence[int], wanted: Mapping[str, str]) -> set[int]:
        """Of these items, those with vectors of a modality of `wanted` (modality -> model id) but none made by
        that model: a model changed, so they are to be encoded again. Answered in SQL, one query per
        ENCODED_BATCH items, so that a run over 10^5 up-to-date items reads no row per item into Python."""
        outdated: set[int] = set()
        ids = list(item_ids)
        for start in range(0, len(ids), ENCODED_BATCH):
            rows = self.query(
                "SELECT e.item_id FROM item_encodings e JOIN vector_spaces s ON s.id = e.space_id "
                "JOIN json_each(?) w ON w.key = s.modality "
                "WHERE e.item_id IN (SELECT value FROM json_each(?)) "
                "GROUP BY e.item_id, s.modality HAVING max(s.model_id = w.value) = 0",
                (json.dumps(dict(wanted)), json.dumps(ids[start : start + ENCODED_BATCH])),
            )
            outdated.update(row[0] for row in rows)
        return outdated

    def add_item(self, path: str, fingerprint: str, size: int, mtime: float) -> int:
        with self.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO items(path, fingerprint, size, mtime, status, added_at) VALUES (?, ?, ?, ?, 'pending', ?)",
                (stored_path(path), fingerprint, size, mtime, time.time()),
            )
            return cursor.lastrowid

    def move_item(self, item_id: int, new_path: str, size: int, mtime: float) -> None:
        """A renamed or moved file: same content, new path; vectors, tags and history stay."""
        new_path = stored_path(new_path)
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

    def undrawn_frames(self, item_ids: Iterable[int]) -> dict[int, set[tuple[float, float]]]:
        """Per item that records them, the (start, end) of its frame segments whose keyframe does not look drawn
        (records.UNDRAWN_FRAMES_KEY); an item without the record is left out. Read inside SQLite (json_extract),
        so the rest of each item's metadata is not parsed."""
        ids = sorted(set(item_ids))
        if not ids:
            return {}
        rows = self.query(
            f"SELECT id, json_extract(metadata_json, '$.{UNDRAWN_FRAMES_KEY}') FROM items "
            f"WHERE id IN ({','.join('?' * len(ids))})",
            ids,
        )
        return {
            item_id: {(float(start), float(end)) for start, end in json.loads(spans)}
            for item_id, spans in rows
            if spans is not None
        }

    def item_segments(self, item_id: int, modality: str | None = None) -> list[SegmentRecord]:
        sql = f"SELECT {_SEGMENT_COLUMNS} FROM segments WHERE item_id = ?"
        parameters: list = [item_id]
        if modality:
            sql += " AND modality = ?"
            parameters.append(modality)
        return [SegmentRecord(*row) for row in self.query(sql + " ORDER BY start", parameters)]

    def transcript(
        self, item_id: int, start: float | None = None, end: float | None = None
    ) -> list[TranscriptLine]:
        """The item's transcript lines with their word times, or those that overlap [start, end]."""
        sql = "SELECT start, end, text, words_json FROM transcript_segments WHERE item_id = ?"
        parameters: list = [item_id]
        if start is not None and end is not None:
            sql += " AND end > ? AND start < ?"
            parameters += [start, end]
        rows = self.query(sql + " ORDER BY start", parameters)
        return [
            TranscriptLine(first, last, text, words_from_json(words)) for first, last, text, words in rows
        ]

    def screen_text(self, item_id: int) -> list[ScreenTextLine]:
        """The lines of text the item showed on screen, in time order (top to bottom at the same time)."""
        rows = self.query(
            "SELECT start, end, text, box_json FROM screen_text_segments WHERE item_id = ? ORDER BY start, id",
            (item_id,),
        )
        return [ScreenTextLine(first, last, text, tuple(json.loads(box))) for first, last, text, box in rows]

    def shots(self, item_id: int) -> list[tuple[float, float]]:
        return [
            tuple(row)
            for row in self.query(
                "SELECT start, end FROM shots WHERE item_id = ? ORDER BY shot_index", (item_id,)
            )
        ]

"""Tags, and the full-text index (text_fts) that makes them, titles and speech findable by their words.

The text index lives here with the tags because the two must move together: a tag is in text_fts exactly while
it is applied (or is the user's own), whichever source it has; the writer adds titles and speech lines through
`_index_text` too.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from mediarec.index import fts, tag_names
from mediarec.index.database import Connection, Database
from mediarec.index.records import APPLIED_TAG_SCORE, KEPT_TAG_SOURCES, USER_TAG_SOURCES, TagRecord

# The table of other names (index.tag_names) the library's tag rows were last written with.
TAG_NAMES_META_KEY = "tag_names_version"
# An item's rows in the text index have rowids in [item_id << 20, (item_id + 1) << 20) (migration
# 0005_text_index_by_item): FTS5 finds a rowid range by seeking, its UNINDEXED item_id column only by reading
# every row. 2^20 lines of text (titles, tags, speech and on-screen lines) per file is far more than any file has.
_ROWID_BITS_PER_ITEM = 20


def item_text_rowids(item_id: int) -> tuple[int, int]:
    """The first and last rowid of an item's rows in text_fts."""
    first = int(item_id) << _ROWID_BITS_PER_ITEM
    return first, first + (1 << _ROWID_BITS_PER_ITEM) - 1


class TagsMixin(Database):
    # -- the text index ----------------------------------------------------------------------------------------

    def _index_text(
        self, connection: Connection, item_id: int, text: str, field: str, segment_id: int | None
    ) -> None:
        first, last = item_text_rowids(item_id)
        latest = connection.execute(
            "SELECT rowid FROM text_fts WHERE rowid BETWEEN ? AND ? ORDER BY rowid DESC LIMIT 1",
            (first, last),
        ).fetchone()
        rowid = first if latest is None else int(latest[0]) + 1
        if rowid > last:
            raise ValueError(f"item {item_id} has more than {last - first + 1} lines of indexed text")
        connection.execute(
            "INSERT INTO text_fts(rowid, body, item_id, segment_id, field) VALUES (?, ?, ?, ?, ?)",
            (rowid, fts.text_for_index(text), item_id, segment_id, field),
        )

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

    def _upsert_tag(self, connection: Connection, tag: TagRecord) -> None:
        connection.execute(
            "INSERT INTO tags(item_id, name, source, score, start, end, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(item_id, name, source) DO UPDATE SET score = excluded.score, start = excluded.start, "
            "end = excluded.end",
            (tag.item_id, tag.name, tag.source, tag.score, tag.start, tag.end, time.time()),
        )
        self._reindex_tag_name(connection, tag.item_id, tag.name)

    def _reindex_tag_name(self, connection: Connection, item_id: int, name: str) -> None:
        """One text-index row per tag name of an item, there while some source applies the name (a faint tag
        of another source must not take the applied one's row away)."""
        self._unindex_tag(connection, item_id, name)
        marks = ", ".join("?" * len(USER_TAG_SOURCES))
        applied = connection.execute(
            f"SELECT 1 FROM tags WHERE item_id = ? AND name = ? AND (source IN ({marks}) OR score >= ?) LIMIT 1",
            (item_id, name, *USER_TAG_SOURCES, APPLIED_TAG_SCORE),
        ).fetchone()
        if applied is not None:
            self._index_tag_text(connection, item_id, name)

    def _index_tag_text(self, connection: Connection, item_id: int, name: str) -> None:
        # Every name the tag is known by (its Chinese ones too), so a plain query finds it as `tag:` does.
        self._index_text(connection, item_id, tag_names.indexed_text(name), "tag", None)

    def _unindex_tag(self, connection: Connection, item_id: int, name: str) -> None:
        """Forget the tag's row, written with any table of other names (its first line is the name) and in
        either Chinese script (fts.index_spellings)."""
        for own in fts.index_spellings(name):
            first_line = own + tag_names.OTHER_NAMES_SEPARATOR
            connection.execute(
                "DELETE FROM text_fts WHERE rowid BETWEEN ? AND ? AND field = 'tag' "
                "AND (body = ? OR substr(body, 1, ?) = ?)",
                (*item_text_rowids(item_id), own, len(first_line), first_line),
            )

    def refresh_tag_text(self) -> int:
        """Rewrite the text index's tag rows when they were written with another table of other names (an older
        mediarec, or a vocabulary that changed since); returns the rows rewritten, 0 when they are current. Only
        the body changes: rowids, and so the item ranges, stay."""
        version = tag_names.names_version()
        if self.read_only or self.get_meta(TAG_NAMES_META_KEY) == version:
            return 0
        with self.transaction() as connection:
            names = _tag_names_by_index_text(connection)
            rows = connection.execute("SELECT rowid, body FROM text_fts WHERE field = 'tag'").fetchall()
            rewritten = 0
            for rowid, body in rows:
                name = names.get((int(rowid) >> _ROWID_BITS_PER_ITEM, _first_line(body)))
                new_body = fts.text_for_index(tag_names.indexed_text(name)) if name is not None else body
                if new_body != body:
                    connection.execute("UPDATE text_fts SET body = ? WHERE rowid = ?", (new_body, rowid))
                    rewritten += 1
            connection.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (TAG_NAMES_META_KEY, version),
            )
        return rewritten

    def tag_at_text_row(self, item_id: int, query: str) -> TagRecord | None:
        """The item's tag whose text-index row matches ``query`` best (what an exact-words hit on a tag found:
        狗 finds "dog" before "bark", 狗叫), with the finest moment among its sources (a sound tag's window rather
        than a whole-file tag); None when no tag row of the item matches."""
        expression = fts.match_expression(query)
        if expression is None:
            return None
        best = self.query(
            "SELECT body FROM text_fts WHERE text_fts MATCH ? AND rowid BETWEEN ? AND ? AND field = 'tag' "
            "ORDER BY bm25(text_fts) LIMIT 1",
            (expression, *item_text_rowids(item_id)),
        )
        if not best:
            return None
        name = _first_line(best[0][0])
        tags = [tag for tag in self.tags(item_id) if name in fts.index_spellings(tag.name) and _applied(tag)]
        return min(tags, key=_finest_first, default=None)

    def _delete_analysis_text(self, connection: Connection, item_id: int) -> None:
        """Forget what the item's analysis said: its tags but the kept sources, and all of its indexed text (the
        writer re-indexes the kept tags' names)."""
        kept = ", ".join("?" * len(KEPT_TAG_SOURCES))
        connection.execute(
            f"DELETE FROM tags WHERE item_id = ? AND source NOT IN ({kept})", (item_id, *KEPT_TAG_SOURCES)
        )
        connection.execute("DELETE FROM text_fts WHERE rowid BETWEEN ? AND ?", item_text_rowids(item_id))

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
            self._reindex_tag_name(connection, item_id, name)
            return cursor.rowcount

    def tags(self, item_id: int) -> list[TagRecord]:
        rows = self.query(
            "SELECT item_id, name, source, score, start, end FROM tags WHERE item_id = ? ORDER BY score DESC, name",
            (item_id,),
        )
        return [TagRecord(*row) for row in rows]

    def tag_names(self) -> list[tuple[str, int]]:
        """Every applied tag name with the number of indexed items that have it, commonest first."""
        return [
            tuple(row)
            for row in self.query(
                "SELECT t.name, count(DISTINCT t.item_id) FROM tags t JOIN items i ON i.id = t.item_id "
                "WHERE i.status = 'indexed' AND t.score >= ? GROUP BY t.name ORDER BY 2 DESC, 1",
                (APPLIED_TAG_SCORE,),
            )
        ]

    def tag_counts(self, names: Iterable[str]) -> dict[str, int]:
        """tag_names' counts for the given names only (it reads every tag of the library: ~100 ms at 10^5 items).
        Read from the (name, item_id, score) index alone; the items not indexed are left out through one set of
        their ids instead of a join to items for every tag (~5x faster for a dozen common tags at 10^5 items),
        found by two range searches of the status index (`!=` walked all of it: 10 -> 4 ms at 10^5 items)."""
        wanted = sorted(set(names))
        counts: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            counts.update(
                (name, count)
                for name, count in self.query(
                    "SELECT name, count(DISTINCT item_id) FROM tags "
                    f"WHERE score >= ? AND name IN ({','.join('?' * len(chunk))}) "
                    "AND item_id NOT IN (SELECT id FROM items WHERE status < 'indexed' OR status > 'indexed') "
                    "GROUP BY name",
                    (APPLIED_TAG_SCORE, *chunk),
                )
            )
        return counts

    def items_with_tag(self, name: str, min_score: float = APPLIED_TAG_SCORE) -> set[int]:
        rows = self.query(
            "SELECT DISTINCT item_id FROM tags WHERE name = ? AND score >= ?", (name, min_score)
        )
        return {row[0] for row in rows}


def _applied(tag: TagRecord) -> bool:
    """Whether the tag is in the text index: the user's own, or a found tag sure enough to be applied."""
    return tag.source in USER_TAG_SOURCES or tag.score >= APPLIED_TAG_SCORE


def _first_line(body: str) -> str:
    return body.split(tag_names.OTHER_NAMES_SEPARATOR, 1)[0]


def _tag_names_by_index_text(connection: Connection) -> dict[tuple[int, str], str]:
    """(item id, a tag name as the text index spells it) -> the tag's name, for every tag of the library."""
    rows = connection.execute("SELECT DISTINCT item_id, name FROM tags").fetchall()
    return {
        (int(item_id), spelling): str(name)
        for item_id, name in rows
        for spelling in fts.index_spellings(name)
    }


def _finest_first(tag: TagRecord) -> tuple[int, float, float]:
    """Tags with a moment before those about the whole file, the shortest moment first, then the surest."""
    if tag.start is None or tag.end is None:
        return (1, 0.0, -tag.score)
    return (0, float(tag.end) - float(tag.start), -tag.score)

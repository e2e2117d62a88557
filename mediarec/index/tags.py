"""Tags, and the full-text index (text_fts) that makes them, titles and speech findable by their words.

The text index lives here with the tags because the two must move together: a tag is in text_fts exactly while
it is applied (or is the user's own), whichever source it has; the writer adds titles and speech lines through
`_index_text` too.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from mediarec.index import fts
from mediarec.index.database import Connection, Database
from mediarec.index.records import APPLIED_TAG_SCORE, KEPT_TAG_SOURCES, USER_TAG_SOURCES, TagRecord

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
        self._unindex_tag(connection, tag.item_id, tag.name)
        if tag.source in USER_TAG_SOURCES or tag.score >= APPLIED_TAG_SCORE:
            self._index_text(connection, tag.item_id, tag.name, "tag", None)

    def _unindex_tag(self, connection: Connection, item_id: int, name: str) -> None:
        connection.execute(
            "DELETE FROM text_fts WHERE rowid BETWEEN ? AND ? AND field = 'tag' AND body = ?",
            (*item_text_rowids(item_id), fts.text_for_index(name)),
        )

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
        CROSS JOIN keeps tags as the outer loop (by the name index); SQLite's own choice, every indexed item first,
        took 3x longer."""
        wanted = sorted(set(names))
        counts: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            counts.update(
                (name, count)
                for name, count in self.query(
                    "SELECT t.name, count(DISTINCT t.item_id) FROM tags t CROSS JOIN items i ON i.id = t.item_id "
                    f"WHERE i.status = 'indexed' AND t.score >= ? AND t.name IN ({','.join('?' * len(chunk))}) "
                    "GROUP BY t.name",
                    (APPLIED_TAG_SCORE, *chunk),
                )
            )
        return counts

    def items_with_tag(self, name: str, min_score: float = APPLIED_TAG_SCORE) -> set[int]:
        rows = self.query(
            "SELECT DISTINCT item_id FROM tags WHERE name = ? AND score >= ?", (name, min_score)
        )
        return {row[0] for row in rows}

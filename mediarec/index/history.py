"""Viewing history and feedback: what the user did, kept across re-indexing (only deleting an item removes it).

Each row also stores the item's fingerprint at the time, so the history of a file can be told from that of
whatever later sits at the same path.
"""

from __future__ import annotations

import time

from mediarec.index.items import ItemsMixin
from mediarec.index.records import NO_FEEDBACK, ItemRecord, PlayRecord, play_outcome
from mediarec.index.sqlite_driver import StorageError


class HistoryMixin(ItemsMixin):
    def _existing_item(self, item_id: int) -> ItemRecord:
        item = self.item(item_id)
        if item is None:
            raise StorageError(f"No item with id {item_id}")
        return item

    def record_play(
        self,
        item_id: int,
        *,
        seconds: float,
        start_position: float = 0.0,
        started_at: float | None = None,
        skipped: bool = False,
    ) -> PlayRecord:
        """Store one viewing; how far it got, and whether it finished or was skipped, follow play_outcome."""
        item = self._existing_item(item_id)
        outcome = play_outcome(item.duration or 0.0, start_position, seconds, skipped)
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
                    outcome.completion,
                    int(outcome.finished),
                    int(outcome.skipped),
                ),
            )
        return PlayRecord(
            item_id, started, start_position, seconds, outcome.completion, outcome.finished, outcome.skipped
        )

    def plays(self, item_id: int | None = None) -> list[PlayRecord]:
        sql = "SELECT item_id, started_at, start_position, seconds, completion, finished, skipped FROM plays"
        rows = (
            self.query(sql + " WHERE item_id = ? ORDER BY started_at", (item_id,))
            if item_id is not None
            else self.query(sql + " ORDER BY started_at")
        )
        return [PlayRecord(r[0], r[1], r[2], r[3], r[4], bool(r[5]), bool(r[6])) for r in rows]

    def plays_after(self, play_id: int = 0) -> list[tuple[int, PlayRecord]]:
        """(play id, play) of the plays of existing items written after `play_id`, by start time (then id): what
        a reader that kept the history up to there reads to bring it up to date."""
        rows = self.query(
            "SELECT id, item_id, started_at, start_position, seconds, completion, finished, skipped FROM plays "
            "WHERE id > ? AND item_id IS NOT NULL ORDER BY started_at, id",
            (play_id,),
        )
        return [(r[0], PlayRecord(r[1], r[2], r[3], r[4], r[5], bool(r[6]), bool(r[7]))) for r in rows]

    def plays_mark(self) -> tuple[int, int, int]:
        """(plays, the latest play id, plays of existing items): it changes with every play written, removed or
        left without its item (a deleted file's plays keep their row without it)."""
        count, latest, with_item = self.query(
            "SELECT count(*), coalesce(max(id), 0), count(item_id) FROM plays"
        )[0]
        return int(count), int(latest), int(with_item)

    def set_feedback(self, item_id: int, value: int) -> None:
        """Rate an item (LIKE, DISLIKE, NOT_INTERESTED), or clear its rating with NO_FEEDBACK."""
        item = self._existing_item(item_id)
        with self.transaction() as connection:
            if value == NO_FEEDBACK:
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
        """(item_id, value, when) of every rating (LIKE, DISLIKE or NOT_INTERESTED), oldest first."""
        return [
            (int(item_id), int(value), float(at))
            for item_id, value, at in self.query("SELECT item_id, value, at FROM feedback ORDER BY at")
        ]

    def last_played_at(self, item_ids: list[int]) -> dict[int, float]:
        """item id -> when it was last played, for the given items that were (one grouped query, not every play
        of the history read back)."""
        if not item_ids:
            return {}
        marks = ",".join("?" * len(item_ids))
        rows = self.query(
            f"SELECT item_id, max(started_at) FROM plays WHERE item_id IN ({marks}) GROUP BY item_id",
            tuple(item_ids),
        )
        return {int(item_id): float(at) for item_id, at in rows}

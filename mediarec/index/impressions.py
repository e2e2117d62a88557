"""What the "For you" shelf showed: one row per card shown (item, the kind of its reason, the shelf's variety,
when, where). recommend/shelf_stats.py reads them beside plays and feedback to tell how the picks fared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mediarec.index.items import ItemsMixin

_IMPRESSION_COLUMNS = "item_id, shown_at, reason, source, variety, surface"


@dataclass(frozen=True)
class ShownCard:
    """One card as the shelf showed it: the item, the kind of its first reason and the recommender's source."""

    item_id: int
    reason: str  # watched, liked, tags, continue, new, explore
    source: str  # continue, interest, new, explore


@dataclass(frozen=True)
class ImpressionRecord:
    item_id: int
    shown_at: float
    reason: str
    source: str
    variety: float
    surface: str  # desktop or cli


def _impression(row) -> ImpressionRecord:
    return ImpressionRecord(int(row[0]), float(row[1]), row[2], row[3], float(row[4]), row[5])


class ImpressionsMixin(ItemsMixin):
    def add_impressions(
        self, cards: Sequence[ShownCard], *, variety: float, surface: str, shown_at: float
    ) -> None:
        """Store the cards of one showing, with the item's fingerprint (as plays and feedback keep it)."""
        if not cards:
            return
        fingerprints = {
            item_id: item.fingerprint
            for item_id, item in self.items_by_ids([c.item_id for c in cards]).items()
        }
        with self.transaction() as connection:
            connection.executemany(
                f"INSERT INTO shelf_impressions(fingerprint, {_IMPRESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        fingerprints[card.item_id],
                        card.item_id,
                        shown_at,
                        card.reason,
                        card.source,
                        variety,
                        surface,
                    )
                    for card in cards
                    if card.item_id in fingerprints  # an item deleted meanwhile was not really shown
                ],
            )

    def impressions(self, since: float | None = None) -> list[ImpressionRecord]:
        """Every card shown (since ``since``), oldest first."""
        sql = f"SELECT {_IMPRESSION_COLUMNS} FROM shelf_impressions"
        rows = (
            self.query(sql + " WHERE shown_at >= ? ORDER BY shown_at, id", (since,))
            if since is not None
            else self.query(sql + " ORDER BY shown_at, id")
        )
        return [_impression(row) for row in rows]

    def latest_impressions(self, item_ids: Sequence[int]) -> dict[int, ImpressionRecord]:
        """The most recent showing of each of these items that was ever shown."""
        if not item_ids:
            return {}
        placeholders = ",".join("?" * len(item_ids))
        rows = self.query(
            f"SELECT {_IMPRESSION_COLUMNS} FROM shelf_impressions WHERE id IN (SELECT max(id) FROM "
            f"shelf_impressions WHERE item_id IN ({placeholders}) GROUP BY item_id)",
            list(item_ids),
        )
        return {int(row[0]): _impression(row) for row in rows}

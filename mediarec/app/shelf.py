"""The library's shelves as the desktop shows them: grid rows, tag choices and the "For you" cards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mediarec.app.library import Library
from mediarec.index.records import ItemRecord

if TYPE_CHECKING:
    from mediarec.recommend.explain import Reason

# -- library grid --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryRow:
    """What one card of the library grid shows and sorts by."""

    id: int
    path: str
    title: str
    kind: str
    duration: float
    added_at: float
    last_played: float  # 0 when never played
    thumbnail: str | None
    artist: str | None


def library_rows(library: Library) -> list[LibraryRow]:
    last_played = last_played_times(library)
    return [
        row_for_item(item, last_played.get(item.id, 0.0))
        for item in library.store.items(statuses=("indexed",))
    ]


def row_for_item(item: ItemRecord, last_played: float = 0.0) -> LibraryRow:
    return LibraryRow(
        id=item.id,
        path=item.path,
        title=item.display_title,
        kind=item.kind or "video",
        duration=item.duration or 0.0,
        added_at=item.added_at,
        last_played=last_played,
        thumbnail=item.thumbnail,
        artist=item.artist,
    )


def last_played_times(library: Library) -> dict[int, float]:
    latest: dict[int, float] = {}
    for play in library.store.plays():
        if play.item_id is not None:
            latest[play.item_id] = max(latest.get(play.item_id, 0.0), play.started_at)
    return latest


def tag_choices(library: Library) -> list[tuple[str, int]]:
    """Tag names with how many items carry them, most common first (for the tag filter)."""
    return library.store.tag_names()


def items_with_tag(library: Library, name: str) -> set[int]:
    return library.store.items_with_tag(name)


# -- "For you" and chapters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForYouCard:
    """One recommendation as the shelf shows it: the card, why (structured, so the app words it in its
    language), and where to start playing (a "continue watching" card resumes where the user stopped)."""

    row: LibraryRow
    source: str  # "continue", "interest", "new", "explore"
    reasons: tuple[Reason, ...]
    named_titles: tuple[tuple[int, str], ...]  # (item id, title) of the items the reasons name
    resume_at: float | None

    def title_of(self, item_id: int | None) -> str:
        return dict(self.named_titles).get(item_id, "") if item_id is not None else ""


FOR_YOU_VARIETY_KEY = "for_you_variety"


def for_you_variety(library: Library, default: float = 0.3) -> float:
    """The diversity the user last chose on the shelf (kept with the library, like the rest of its history)."""
    stored = library.store.get_meta(FOR_YOU_VARIETY_KEY)
    return float(stored) if stored is not None else default


def save_for_you_variety(library: Library, diversity: float) -> None:
    library.store.set_meta(FOR_YOU_VARIETY_KEY, f"{min(1.0, max(0.0, diversity)):.2f}")


def for_you(library: Library, limit: int = 12, diversity: float = 0.3) -> list[ForYouCard]:
    """The recommendations of Library.recommend as shelf cards (cold start: the newest and a spread)."""
    recommendations = library.recommend(limit, diversity)
    named = {
        reason.item_id for rec in recommendations for reason in rec.reasons if reason.item_id is not None
    }
    titles = {
        item_id: item.display_title for item_id, item in library.store.items_by_ids(list(named)).items()
    }
    last_played = last_played_times(library) if recommendations else {}
    return [
        ForYouCard(
            row=row_for_item(rec.item, last_played.get(rec.item.id, 0.0)),
            source=rec.source,
            reasons=tuple(rec.reasons),
            named_titles=tuple(
                (reason.item_id, titles[reason.item_id])
                for reason in rec.reasons
                if reason.item_id is not None and reason.item_id in titles
            ),
            resume_at=rec.resume_at,
        )
        for rec in recommendations
    ]

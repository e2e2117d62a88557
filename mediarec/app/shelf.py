"""The library's shelves as the desktop shows them: grid rows, tag choices and the "For you" cards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mediarec.app.library import Library
from mediarec.index.records import ItemRecord
from mediarec.recommend.shelf_stats import (
    OUTCOME_WINDOW_DAYS,
    ShelfStats,
    record_shown,
    shelf_stats,
    shown_card,
)

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
    indexed: bool = True  # False: found, not indexed yet (it plays; search and "more like this" wait for it)


def library_rows(library: Library) -> list[LibraryRow]:
    """Every file of the library that can be played: the indexed ones and those waiting for indexing (listed
    before any model is here, so a library without its models is still a library)."""
    last_played = last_played_times(library)
    return [
        row_for_item(item, last_played.get(item.id, 0.0))
        for item in library.store.items(statuses=("indexed", "pending"))
    ]


def row_for_item(item: ItemRecord, last_played: float = 0.0) -> LibraryRow:
    return LibraryRow(
        id=item.id,
        path=item.path,
        title=item.display_title,
        kind=item.kind or kind_from_name(item.path),
        duration=item.duration or 0.0,
        added_at=item.added_at,
        last_played=last_played,
        thumbnail=item.thumbnail,
        artist=item.artist,
        indexed=item.status == "indexed",
    )


def kind_from_name(path: str) -> str:
    """A file not looked into yet: audio or video by its extension."""
    from pathlib import PurePath

    from mediarec.scan.files import AUDIO_EXTENSIONS

    return "audio" if PurePath(path).suffix.lower() in AUDIO_EXTENSIONS else "video"


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
# "Continue watching" only for a viewing that got somewhere: at least this far in, and this share of the file. A
# 4-second listen of a 30-second clip is a look, not something to come back to. (The recommender offers to resume
# from 3 % on, which tests/test_recommend.py holds it to; the shelf asks more.)
CONTINUE_MIN_SECONDS = 30.0
CONTINUE_MIN_SHARE = 0.10


def worth_continuing(resume_at: float, duration: float) -> bool:
    return resume_at >= CONTINUE_MIN_SECONDS and (duration <= 0 or resume_at >= CONTINUE_MIN_SHARE * duration)


def for_you_variety(library: Library, default: float = 0.3) -> float:
    """The diversity the user last chose on the shelf (kept with the library, like the rest of its history)."""
    stored = library.store.get_meta(FOR_YOU_VARIETY_KEY)
    return float(stored) if stored is not None else default


def save_for_you_variety(library: Library, diversity: float) -> None:
    library.store.set_meta(FOR_YOU_VARIETY_KEY, f"{min(1.0, max(0.0, diversity)):.2f}")


def for_you(library: Library, limit: int = 12, diversity: float = 0.3) -> list[ForYouCard]:
    """The recommendations of Library.recommend as shelf cards (cold start: the newest and a spread), without the
    "continue watching" of a viewing too short to come back to (worth_continuing)."""
    recommendations = [
        rec
        for rec in library.recommend(limit + 2, diversity)  # 2: the recommender's continue_slots
        if rec.source != "continue" or worth_continuing(rec.resume_at or 0.0, rec.item.duration or 0.0)
    ][:limit]
    named = {
        reason.item_id for rec in recommendations for reason in rec.reasons if reason.item_id is not None
    }
    titles = {
        item_id: item.display_title for item_id, item in library.store.items_by_ids(list(named)).items()
    }
    # Only the cards' own last plays: a long history's every play read back was ~40 ms at 10,000 plays.
    last_played = library.store.last_played_at([rec.item.id for rec in recommendations])
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


# -- how the shelf is doing ------------------------------------------------------------------------------------


def record_cards_shown(library: Library, cards: Sequence[ForYouCard], diversity: float) -> int:
    """Remember which For-you cards the desktop showed, with the variety in force (recommend/shelf_stats.py)."""
    return _record_shown(
        library, [shown_card(c.row.id, c.reasons, c.source) for c in cards], diversity, "desktop"
    )


def record_recommendations_shown(library: Library, recommendations: Sequence, diversity: float) -> int:
    """The same for the list `mediarec recommend` printed (Recommendation objects)."""
    shown = [shown_card(rec.item.id, rec.reasons, rec.source) for rec in recommendations]
    return _record_shown(library, shown, diversity, "cli")


def _record_shown(library: Library, shown: list, diversity: float, surface: str) -> int:
    # A library opened read-only (a backup, a shared drive) is still recommended from; it only keeps no record.
    if library.store.read_only or not shown:
        return 0
    return record_shown(library.store, shown, variety=diversity, surface=surface)


def recommendation_stats(library: Library, window_days: float = OUTCOME_WINDOW_DAYS) -> ShelfStats:
    """Of the cards shown, the shares played, played past half, liked and dismissed, by reason and by variety."""
    return shelf_stats(library.store, window_days=window_days)

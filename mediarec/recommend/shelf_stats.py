"""How the "For you" shelf is doing, from real use: of the cards it showed, the share that were played, played past
half, liked or dismissed afterwards, per kind of reason and per variety setting.

An impression is a card shown (index/impressions.py). Its outcome is read from the history the library keeps anyway
(plays and feedback) between the moment it was shown and the end of a window (a week): nothing is asked of the user,
and nothing done before the card was shown counts for it. A play from the grid or from search counts too: the card
was seen, and the shelf's job is to offer what the user goes on to want.

The shelf asks the recommender again after every play and while files are indexed, so the same card is shown many
times. A card that is still "open" (shown with the same reason and variety within the window, and nothing done with
the item since) is not recorded again, so each impression is one chance, not one repaint.
"""

from __future__ import annotations

import bisect
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mediarec.index.impressions import ImpressionRecord, ShownCard
from mediarec.index.records import DISLIKE, LIKE, NOT_INTERESTED, PlayRecord
from mediarec.index.store import LibraryStore

if TYPE_CHECKING:  # only its type: the desktop's window process need not load the recommender's modules
    from mediarec.recommend.explain import Reason

OUTCOME_WINDOW_DAYS = 7.0
PAST_HALF = 0.5  # completion: how far into the file the viewing reached
DISMISSALS = frozenset({DISLIKE, NOT_INTERESTED})
# The order the kinds of reason are listed in; a kind not here (a newer recommender's) comes after them.
REASON_ORDER = ("watched", "liked", "tags", "continue", "new", "explore")
OUTCOMES = ("played", "past_half", "liked", "dismissed")


def shown_card(item_id: int, reasons: Sequence[Reason], source: str) -> ShownCard:
    """A card by its first reason (the one the shelf words first): a pick "because you watched X" that also
    shares tags counts as "watched"."""
    return ShownCard(item_id, reasons[0].kind if reasons else source, source)


def variety_setting(diversity: float) -> float:
    """The variety a card was shown with, to one decimal (the slider moves in hundredths; 0.32 and 0.3 are the
    same choice)."""
    return round(min(1.0, max(0.0, diversity)), 1)


# -- recording ------------------------------------------------------------------------------------------------


def record_shown(
    store: LibraryStore,
    cards: Sequence[ShownCard],
    *,
    variety: float,
    surface: str,
    now: float | None = None,
    window_days: float = OUTCOME_WINDOW_DAYS,
) -> int:
    """Record the cards a shelf showed; returns how many were new impressions (not still open, see above)."""
    now = time.time() if now is None else now
    setting = variety_setting(variety)
    latest = store.latest_impressions([card.item_id for card in cards])
    acted = _last_action_times(store, [card.item_id for card in cards])
    new = [
        card
        for card in dict((card.item_id, card) for card in cards).values()  # one card per item
        if not _still_open(latest.get(card.item_id), card, setting, acted.get(card.item_id), now, window_days)
    ]
    store.add_impressions(new, variety=setting, surface=surface, shown_at=now)
    return len(new)


def _still_open(
    previous: ImpressionRecord | None,
    card: ShownCard,
    setting: float,
    acted_at: float | None,
    now: float,
    window_days: float,
) -> bool:
    if previous is None or previous.reason != card.reason or previous.variety != setting:
        return False
    if now - previous.shown_at > window_days * 86400.0:
        return False
    return acted_at is None or acted_at < previous.shown_at


def _last_action_times(store: LibraryStore, item_ids: Sequence[int]) -> dict[int, float]:
    """When the user last played or rated each of these items."""
    latest: dict[int, float] = {}
    for item_id in item_ids:
        plays = store.plays(item_id)
        if plays:
            latest[item_id] = plays[-1].started_at
    wanted = set(item_ids)
    for item_id, _value, at in store.feedback_records():
        if item_id in wanted:
            latest[item_id] = max(latest.get(item_id, 0.0), at)
    return latest


# -- outcomes -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    played: bool
    past_half: bool
    liked: bool
    dismissed: bool


@dataclass
class OutcomeCounts:
    """How many cards were shown and how many of them led to each outcome."""

    shown: int = 0
    played: int = 0
    past_half: int = 0
    liked: int = 0
    dismissed: int = 0

    def add(self, outcome: Outcome) -> None:
        self.shown += 1
        self.played += outcome.played
        self.past_half += outcome.past_half
        self.liked += outcome.liked
        self.dismissed += outcome.dismissed

    def share(self, outcome: str) -> float:
        """The share of shown cards with ``outcome`` (one of OUTCOMES); 0 when nothing was shown."""
        return getattr(self, outcome) / self.shown if self.shown else 0.0

    def to_json(self) -> dict:
        return {
            "shown": self.shown,
            **{name: getattr(self, name) for name in OUTCOMES},
            "shares": {name: round(self.share(name), 4) for name in OUTCOMES},
        }


@dataclass(frozen=True)
class ShelfStats:
    window_days: float
    total: OutcomeCounts
    by_reason: dict[str, OutcomeCounts] = field(default_factory=dict)  # in REASON_ORDER
    by_variety: dict[float, OutcomeCounts] = field(default_factory=dict)  # lowest setting first
    open: int = 0  # shown less than a window ago: their outcome may still come
    first_shown: float | None = None

    @property
    def is_empty(self) -> bool:
        return self.total.shown == 0

    def to_json(self) -> dict:
        return {
            "window_days": self.window_days,
            "shown": self.total.shown,
            "open": self.open,
            "first_shown": self.first_shown,
            "total": self.total.to_json(),
            "by_reason": [{"reason": kind, **counts.to_json()} for kind, counts in self.by_reason.items()],
            "by_variety": [
                {"variety": value, **counts.to_json()} for value, counts in self.by_variety.items()
            ],
        }


def outcome_of(
    impression: ImpressionRecord,
    plays: Sequence[PlayRecord],
    rating: tuple[int, float] | None,
    window_days: float = OUTCOME_WINDOW_DAYS,
) -> Outcome:
    """What the user did with the item after the card was shown and within the window. ``plays`` are the item's
    plays oldest first; ``rating`` its current (value, when)."""
    start, end = impression.shown_at, impression.shown_at + window_days * 86400.0
    times = [play.started_at for play in plays]
    after = plays[bisect.bisect_left(times, start) : bisect.bisect_right(times, end)]
    value = rating[0] if rating is not None and start <= rating[1] <= end else None
    return Outcome(
        played=bool(after),
        past_half=any(play.completion >= PAST_HALF for play in after),
        liked=value == LIKE,
        dismissed=value in DISMISSALS,
    )


def shelf_stats(
    store: LibraryStore,
    *,
    window_days: float = OUTCOME_WINDOW_DAYS,
    now: float | None = None,
    surface: str | None = None,
) -> ShelfStats:
    """The shares of shown cards by outcome, over every impression recorded (of one surface, when given)."""
    now = time.time() if now is None else now
    impressions = [i for i in store.impressions() if surface is None or i.surface == surface]
    plays_by_item: dict[int, list[PlayRecord]] = defaultdict(list)
    for play in store.plays():  # oldest first
        if play.item_id is not None:
            plays_by_item[play.item_id].append(play)
    ratings = {item_id: (value, at) for item_id, value, at in store.feedback_records()}
    return summarise(
        (
            (i, outcome_of(i, plays_by_item.get(i.item_id, ()), ratings.get(i.item_id), window_days))
            for i in impressions
        ),
        window_days=window_days,
        now=now,
    )


def summarise(
    outcomes: Iterable[tuple[ImpressionRecord, Outcome]], *, window_days: float, now: float
) -> ShelfStats:
    total = OutcomeCounts()
    by_reason: dict[str, OutcomeCounts] = defaultdict(OutcomeCounts)
    by_variety: dict[float, OutcomeCounts] = defaultdict(OutcomeCounts)
    still_open, first = 0, None
    for impression, outcome in outcomes:
        total.add(outcome)
        by_reason[impression.reason].add(outcome)
        by_variety[impression.variety].add(outcome)
        still_open += now - impression.shown_at < window_days * 86400.0
        first = impression.shown_at if first is None else min(first, impression.shown_at)
    rank = {kind: position for position, kind in enumerate(REASON_ORDER)}
    return ShelfStats(
        window_days,
        total,
        dict(sorted(by_reason.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))),
        dict(sorted(by_variety.items())),
        still_open,
        first,
    )

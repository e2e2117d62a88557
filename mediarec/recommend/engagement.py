"""How much each item the history touches counts, as of a time: made only for the items a caller reads.

An item's engagement before recency (RawEngagement) changes only with its plays or rating; its weight fades with
the time since the user last touched it (Engagement, as of `now`). For you used to make the Engagement of every
touched item on every call and sort them all, where it reads a few hundred (the profile's strongest 200, the tag
profile's 50, the aversions, who is excluded, what to resume): at 10,000 plays (6,385 items) ~10 ms a call, and up
to ~45 with the full garbage collections those allocations set off. Engagements answers the same questions from
columns of the raw engagements (EngagementColumns, which history_state keeps with them between calls) and makes
Engagement objects only for the items it returns: 0.6 ms, plus 1.6 to make the columns when the history changed.

Same results by construction, not by luck: every weight returned is the one RawEngagement.at computes (Python's
float arithmetic), and every order is that of a stable sort over the whole mapping. The columns' numpy weights
only choose which items are looked at: numpy's pow may differ from Python's in the last bit, so a selection keeps
every item within a relative WEIGHT_MARGIN of the cut (a far wider margin than that) and orders the exact
weights; a weight too small for its sign to be trusted (a fade near underflow) is made exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from mediarec.index.records import DISLIKE, LIKE, NOT_INTERESTED, PlayRecord

HALF_LIFE_DAYS = 30.0
RESUME_MIN_COMPLETION = 0.03
DAY = 86400.0
AVERSION_FLOOR = 0.3  # an explicit "no" fades, but never below this share of its weight
WEIGHT_MARGIN = 1e-9  # relative; numpy's and Python's pow agree to ~1e-16
TINY_WEIGHT = 1e-250  # below this a numpy weight's sign is not taken on trust


@dataclass(frozen=True)
class FeedbackEvent:
    item_id: int
    value: int  # LIKE, DISLIKE or NOT_INTERESTED
    at: float


class Engagement(NamedTuple):
    """One item's engagement as of a time. A named tuple, not a frozen dataclass: cheaper to make (~3x)."""

    item_id: int
    weight: float  # > 0 interest, < 0 aversion; already faded by recency
    last_at: float
    plays: int
    best_completion: float
    finished: bool
    feedback: int  # 0 when none
    resume_at: float | None  # where to continue, for a started and unfinished item

    @property
    def excluded(self) -> bool:
        """Not to be recommended again: finished, rated down, or skipped without ever being watched."""
        return self.finished or self.feedback < 0 or self.weight < 0


@dataclass(frozen=True)
class RawEngagement:
    """What an item's plays and rating say before recency fades it (Engagement.weight is base faded by `at`):
    it changes only when the item's plays or rating do, so a reader that keeps it (history_state.py) makes again
    only the changed items' after a play or a rating."""

    item_id: int
    base: float
    last_at: float
    plays: int
    best_completion: float
    finished: bool
    feedback: int
    resume_at: float | None

    def at(self, now: float, half_life_days: float = HALF_LIFE_DAYS) -> Engagement:
        fade = 0.5 ** (max(0.0, now - self.last_at) / DAY / half_life_days)
        if self.feedback < 0:
            fade = max(fade, AVERSION_FLOOR)
        return Engagement(
            self.item_id,
            self.base * fade,
            self.last_at,
            self.plays,
            self.best_completion,
            self.finished,
            self.feedback,
            self.resume_at,
        )


def raw_engagement(item_id: int, plays: Sequence[PlayRecord], rating: FeedbackEvent | None) -> RawEngagement:
    plays = sorted(plays, key=lambda play: play.started_at)
    base = 0.0
    watched = [play for play in plays if not play.skipped]
    finished_count = sum(play.finished for play in plays)
    best = max((play.completion for play in plays), default=0.0)
    if plays and not watched:
        base = -0.4  # only ever skipped in the first seconds
    elif watched:
        base = 0.3 + 0.7 * best + (0.3 * math.log2(finished_count) if finished_count > 1 else 0.0)
    value = rating.value if rating else 0
    if value == LIKE:
        base = max(base, 0.0) + 1.0
    elif value == DISLIKE:
        base = -1.0
    elif value == NOT_INTERESTED:
        base = -1.5
    last_at = max([play.started_at for play in plays] + ([rating.at] if rating else []))
    resume_at = None
    last = plays[-1] if plays else None
    if (
        last
        and not (last.finished or last.skipped)
        and last.completion >= RESUME_MIN_COMPLETION
        and value >= 0
    ):
        resume_at = last.start_position + last.seconds
    return RawEngagement(item_id, base, last_at, len(plays), best, finished_count > 0, value, resume_at)


@dataclass(frozen=True)
class EngagementColumns:
    """The raw engagements of a mapping as arrays, row i being its i-th item."""

    ids: np.ndarray  # int64
    base: np.ndarray  # float64
    last_at: np.ndarray  # float64
    feedback: np.ndarray  # int64
    finished: np.ndarray  # bool
    best_completion: np.ndarray  # float64
    resumable: np.ndarray  # bool: resume_at is set

    @classmethod
    def of(cls, raw: Mapping[int, RawEngagement]) -> EngagementColumns:
        rows = list(raw.values())
        count = len(rows)

        def column(values, dtype) -> np.ndarray:
            return np.fromiter(values, dtype=dtype, count=count)

        return cls(
            column((r.item_id for r in rows), np.int64),
            column((r.base for r in rows), np.float64),
            column((r.last_at for r in rows), np.float64),
            column((r.feedback for r in rows), np.int64),
            column((r.finished for r in rows), bool),
            column((r.best_completion for r in rows), np.float64),
            column((r.resume_at is not None for r in rows), bool),
        )


class Engagements(Mapping[int, Engagement]):
    """item id -> Engagement as of `now` for every item of `raw` (in its order), each made when first read."""

    def __init__(
        self,
        raw: Mapping[int, RawEngagement],
        now: float,
        half_life_days: float = HALF_LIFE_DAYS,
        columns: EngagementColumns | None = None,
    ):
        self.raw = raw
        self.now = now
        self.half_life_days = half_life_days
        self.columns = EngagementColumns.of(raw) if columns is None else columns
        self._made: dict[int, Engagement] = {}
        self._approximate: np.ndarray | None = None
        self._signs: np.ndarray | None = None

    def __getitem__(self, item_id: int) -> Engagement:
        made = self._made.get(item_id)
        if made is None:
            made = self._made[item_id] = self.raw[item_id].at(self.now, self.half_life_days)
        return made

    def __iter__(self) -> Iterator[int]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.raw

    # -- what For you asks of all of them -------------------------------------------------------------------------

    def strongest(self, count: int | None = None) -> list[Engagement]:
        """The positive ones, strongest first (ties in the mapping's order), the first `count`: what
        sorted((e for e in self.values() if e.weight > 0), key=lambda e: -e.weight)[:count] gives."""
        rows = np.flatnonzero(self.signs() > 0)
        if count is not None and len(rows) > count:
            approximate = self.approximate_weights()[rows]
            cut = np.partition(approximate, len(rows) - count)[len(rows) - count]
            rows = rows[approximate >= cut * (1.0 - WEIGHT_MARGIN)]  # a superset of the strongest `count`
        chosen = sorted(self._engagements(rows), key=lambda e: -e.weight)
        return chosen if count is None else chosen[:count]

    def turned_away(self) -> list[Engagement]:
        """The negative ones, the strongest aversion first (ties in the mapping's order)."""
        return sorted(self._engagements(np.flatnonzero(self.signs() < 0)), key=lambda e: e.weight)

    def turned_away_ids(self) -> list[int]:
        """The items of the negative ones, in the mapping's order."""
        return self.columns.ids[self.signs() < 0].tolist()

    def excluded_ids(self) -> set[int]:
        """The items whose Engagement.excluded holds (finished, rated down, or only ever skipped)."""
        return set(self.columns.ids[self._excluded()].tolist())

    def resumable(self, count: int) -> list[Engagement]:
        """The started and unfinished ones not excluded, the latest first (ties in the mapping's order)."""
        columns = self.columns
        rows = np.flatnonzero(columns.resumable & ~self._excluded())
        latest = rows[np.argsort(-columns.last_at[rows], kind="stable")][:count]
        return self._engagements(latest)

    def watched_well(self, min_completion: float) -> set[int]:
        """The positive ones liked, or watched to at least `min_completion` at best."""
        columns = self.columns
        good = (columns.feedback == LIKE) | (columns.best_completion >= min_completion)
        return set(columns.ids[(self.signs() > 0) & good].tolist())

    # -- weights --------------------------------------------------------------------------------------------------

    def approximate_weights(self) -> np.ndarray:
        """Every weight in numpy: equal to the exact ones but perhaps in the last bit."""
        if self._approximate is None:
            columns = self.columns
            age_days = np.maximum(0.0, self.now - columns.last_at) / DAY
            fade = np.power(0.5, age_days / self.half_life_days)
            fade = np.where(columns.feedback < 0, np.maximum(fade, AVERSION_FLOOR), fade)
            self._approximate = columns.base * fade
        return self._approximate

    def signs(self) -> np.ndarray:
        """The sign of every exact weight (-1, 0 or 1)."""
        if self._signs is None:
            approximate = self.approximate_weights()
            signs = np.sign(approximate)
            # Where an underflow may decide the sign (a fade near 0, a base of 0), the exact weight's.
            for row in np.flatnonzero(np.abs(approximate) < TINY_WEIGHT):
                signs[row] = np.sign(self[int(self.columns.ids[row])].weight)
            self._signs = signs
        return self._signs

    def _excluded(self) -> np.ndarray:
        columns = self.columns
        return columns.finished | (columns.feedback < 0) | (self.signs() < 0)

    def _engagements(self, rows: np.ndarray) -> list[Engagement]:
        return [self[item_id] for item_id in self.columns.ids[rows].tolist()]

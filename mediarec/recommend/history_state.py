"""The viewing history as For you reads it, kept between calls and brought up to date with what was added since.

Reading a long history back and scoring every item's engagement again on every call grows with the history: at
10,000 plays History.from_store took ~40 ms and engagements ~95 ms of a For-you call at 10^5 items. Plays are
only ever added (a deleted file's plays lose their item, and nothing else changes a row), so the reader keeps the
plays it read and each item's engagement before recency (engagement.RawEngagement), reads only the plays written
after the last one it has, and makes again only the engagements of the items those plays or a changed rating
touch. Anything else (a play removed, or left without its item) makes it read everything again. The
engagements in order and their columns (engagement.EngagementColumns, what For you reads every item's weight
from) are made again only when one of them changed: a call with nothing new reads the plays' mark and the ratings.

What it gives is what History.from_store and raw_engagements give (the same plays in the same order, the same
engagements in the same order), so For you and the gate's inputs are the same as from scratch
(tests/test_history_state.py). One kept history per open store, held weakly, like candidate_cache's entries.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from dataclasses import dataclass, field
from typing import NamedTuple

from mediarec.index.records import PlayRecord
from mediarec.index.store import LibraryStore
from mediarec.recommend.engagement import (
    EngagementColumns,
    FeedbackEvent,
    RawEngagement,
    raw_engagement,
)
from mediarec.recommend.profile import History


@dataclass
class _Kept:
    mark: tuple[int, int, int] = (0, 0, 0)  # LibraryStore.plays_mark() when last brought up to date
    order: list[tuple[float, int]] = field(default_factory=list)  # (start, play id) of each play, ascending
    plays: list[PlayRecord] = field(default_factory=list)  # in `order`
    by_item: dict[int, list[PlayRecord]] = field(default_factory=dict)  # each item's, by start
    first_play: dict[int, tuple[float, int]] = field(default_factory=dict)  # item -> its first play's key
    feedback: dict[int, FeedbackEvent] = field(default_factory=dict)
    raw: dict[int, RawEngagement] = field(default_factory=dict)
    stale: set[int] = field(default_factory=set)  # items with new plays: their engagement is made again
    answer: KeptHistory | None = None  # what the last call gave, while nothing changed


class KeptHistory(NamedTuple):
    history: History
    raw: dict[int, RawEngagement]  # raw_engagements(history), in its order
    columns: EngagementColumns  # of `raw`


_kept: weakref.WeakKeyDictionary[LibraryStore, _Kept] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def kept_history(store: LibraryStore) -> KeptHistory:
    """History.from_store(store) and raw_engagements of it, from what was read before plus what was added."""
    with _lock:
        mark = store.plays_mark()
        kept = _kept.get(store)
        if kept is None or not _add_plays(store, kept, mark):
            kept = _Kept()
            _add_plays(store, kept, mark)
            _kept[store] = kept
        # The items with new plays and those rated, re-rated or cleared.
        changed = kept.stale | _changed_feedback(store, kept)
        kept.stale = set()
        for item_id in changed:
            plays, rating = kept.by_item.get(item_id, []), kept.feedback.get(item_id)
            if plays or rating is not None:
                kept.raw[item_id] = raw_engagement(item_id, plays, rating)
            else:
                kept.raw.pop(item_id, None)
        if changed or kept.answer is None:
            history = History(tuple(kept.plays), tuple(kept.feedback.values()))
            raw = {item_id: kept.raw[item_id] for item_id in _engagement_order(kept)}
            kept.answer = KeptHistory(history, raw, EngagementColumns.of(raw))
        return kept.answer


def forget(store: LibraryStore) -> None:
    with _lock:
        _kept.pop(store, None)


def _add_plays(store: LibraryStore, kept: _Kept, mark: tuple[int, int, int]) -> bool:
    """Bring `kept` up to `mark` with the plays written after the last one it has; False when plays were removed
    or lost their item since (then only reading everything again gives the history)."""
    if mark == kept.mark:
        return True
    added = store.plays_after(kept.mark[1])
    count, _, with_item = mark
    if with_item != kept.mark[2] + len(added) or count < kept.mark[0] + len(added):
        return False
    for play_id, play in added:
        item_id = play.item_id
        assert item_id is not None  # plays_after reads existing items' plays only
        key = (play.started_at, play_id)
        at = bisect.bisect(kept.order, key)
        kept.order.insert(at, key)
        kept.plays.insert(at, play)
        item_plays = kept.by_item.setdefault(item_id, [])
        item_plays.insert(bisect.bisect([p.started_at for p in item_plays], play.started_at), play)
        kept.first_play[item_id] = min(kept.first_play.get(item_id, key), key)
        kept.stale.add(item_id)  # its engagement made again from its plays
    kept.mark = mark
    return True


def _changed_feedback(store: LibraryStore, kept: _Kept) -> set[int]:
    """The items whose rating is new, changed or cleared since the last call (the table is small: read whole)."""
    feedback = {
        event.item_id: event for event in (FeedbackEvent(*record) for record in store.feedback_records())
    }
    changed = {
        item_id
        for item_id in set(feedback) | set(kept.feedback)
        if feedback.get(item_id) != kept.feedback.get(item_id)
    }
    kept.feedback = feedback
    return changed


def _engagement_order(kept: _Kept) -> list[int]:
    """The items in the order raw_engagements(History.from_store(...)) gives them: the set of the played items
    (added in the order of their first play) joined with the set of the rated ones (in the order of rating)."""
    played = sorted(kept.first_play, key=kept.first_play.__getitem__)
    return list(set(played) | set(kept.feedback))

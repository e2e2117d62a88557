"""What For you reads from the whole library, kept between calls while the vectors stay as they were.

Two parts of a For-you call look at every item: the neighbours of each interest (a pass over the 10^5-row sketch of
the item space, ~8 ms an interest at 10^5 items on the shared 2 cores) and the random cohort that calibrates scores
(a sample of the space, ~7 ms). Neither depends on the history as a whole:
  * the cohort depends only on the vectors (the store's vector generation), its size and whether the scorer
    reads the items' features;
  * an interest's neighbours depend on its centroid, which is made of its members and each one's share of the
    interest's weight (interest_key). Recency fades every engaged item by the same factor between two calls, which
    leaves the shares, and so the centroid's direction, as they were.
So the desktop's next refresh with the same history (the variety slider, the shelf shown again) asks the library
once, and after a play or a rating only the interests it changed are looked up again (a play usually joins one
interest; the others keep their members and shares). New vectors make a new library key, and every entry goes.

One set of entries per open store (held weakly: a closed and dropped store takes its entries with it), at most
MAX_ENTRIES of them, the least recently used dropped first.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from mediarec.index.store import LibraryStore
from mediarec.recommend.profile import Interest

Value = TypeVar("Value")
MAX_ENTRIES = 64  # the cohort and the neighbours of the interests of a few recent histories
SHARE_DIGITS = 6  # an interest's member shares are compared to this many decimals (float rounding aside)


@dataclass(frozen=True)
class CandidateKey:
    space: str  # the item space's table
    vectors: tuple[int, int]  # LibraryStore.vector_generation()


def candidate_key(store: LibraryStore, space_table: str) -> CandidateKey:
    return CandidateKey(space_table, store.vector_generation())


def interest_key(interest: Interest) -> tuple:
    """What an interest's centroid is made of: its members, each with its share of the interest's weight."""
    total = sum(weight for _, weight in interest.members) or 1.0
    return tuple((item_id, round(weight / total, SHARE_DIGITS)) for item_id, weight in interest.members)


class CandidateCache:
    def __init__(self) -> None:
        self._entries: weakref.WeakKeyDictionary[
            LibraryStore, tuple[CandidateKey, OrderedDict[Hashable, Any]]
        ] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def remembered(
        self, store: LibraryStore, key: CandidateKey, name: Hashable, make: Callable[[], Value]
    ) -> Value:
        """The value `name` made under `key` for this store, made now (by `make`) if it is not kept. `name` says
        all the value depends on beside the vectors (sizes, the interest's key)."""
        found = self.kept(store, key, name)
        return found if found is not None else self.remember(store, key, name, make())

    def kept(self, store: LibraryStore, key: CandidateKey, name: Hashable) -> Any:
        """The value kept under `key` and `name`, or None."""
        with self._lock:
            entry = self._entries.get(store)
            if entry is not None and entry[0] == key and name in entry[1]:
                entry[1].move_to_end(name)
                return entry[1][name]
        return None

    def remember(self, store: LibraryStore, key: CandidateKey, name: Hashable, value: Value) -> Value:
        with self._lock:
            entry = self._entries.get(store)
            if entry is None or entry[0] != key:
                entry = (key, OrderedDict())
                self._entries[store] = entry
            entry[1][name] = value
            while len(entry[1]) > MAX_ENTRIES:
                entry[1].popitem(last=False)
        return value

    def forget(self, store: LibraryStore) -> None:
        with self._lock:
            self._entries.pop(store, None)


CANDIDATES = CandidateCache()

"""What For you reads from the whole library, kept between calls while the history and the vectors stay as they were.

Two parts of a For-you call look at every item: the neighbours of each interest (a pass over the 10^5-row sketch of
the item space, ~25 ms at 10^5 items on the shared 2 cores) and the random cohort that calibrates scores (a
sample of the space, ~5 ms). Both depend only on the vectors (the store's vector generation), on the history (the
interests are clusters of the engaged items) and on how the recommender was set up, not on the time of the call:
recency fades every engaged item by the same factor between two calls, which leaves the interests' directions
as they were. So the desktop's next refresh with the same history (the variety slider, the shelf shown again)
asks the library once. A play, a rating or new vectors make a new key, and the entry is made again.

One entry per open store (held weakly: a closed and dropped store takes its entry with it).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from mediarec.index.store import LibraryStore
from mediarec.recommend.profile import History

Value = TypeVar("Value")


@dataclass(frozen=True)
class CandidateKey:
    space: str  # the item space's table
    vectors: tuple[int, int]  # LibraryStore.vector_generation()
    plays: tuple  # the history itself (compared whole: two simulated users may share counts and times)
    feedback: tuple
    recipe: Hashable  # how the recommender scores: fusion variant, features, settings


def candidate_key(store: LibraryStore, space_table: str, history: History, recipe: Hashable) -> CandidateKey:
    return CandidateKey(space_table, store.vector_generation(), history.plays, history.feedback, recipe)


class CandidateCache:
    def __init__(self) -> None:
        self._entries: weakref.WeakKeyDictionary[LibraryStore, tuple[CandidateKey, dict[str, Any]]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def remembered(
        self, store: LibraryStore, key: CandidateKey, name: str, make: Callable[[], Value]
    ) -> Value:
        """The value `name` made under `key` for this store, made now (by `make`) if the key changed."""
        with self._lock:
            entry = self._entries.get(store)
            if entry is not None and entry[0] == key and name in entry[1]:
                return entry[1][name]
        value = make()
        with self._lock:
            entry = self._entries.get(store)
            if entry is None or entry[0] != key:
                entry = (key, {})
                self._entries[store] = entry
            entry[1][name] = value
        return value

    def forget(self, store: LibraryStore) -> None:
        with self._lock:
            self._entries.pop(store, None)


CANDIDATES = CandidateCache()

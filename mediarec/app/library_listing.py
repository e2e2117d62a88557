"""The library grid's rows as columns, with every sort order computed once, off the GUI thread.

A large library lists 10^5 files. Kept as 10^5 row objects, each sort cost the GUI thread a Python sort (60-250 ms)
and the objects stayed in the garbage collector's view: each full collection walked them all, a pause of 100-230 ms
on whichever thread started it, the GUI thread's included (benchmarks/bench_scale_grid.py). Here the rows are
columns, each order is a numpy sort that releases the GIL while it runs, and a card's LibraryRow is made only when a
view asks for it. A sort, kind or tag choice on the GUI thread then picks or masks an index array: about a
millisecond at 10^5 rows. The text columns are numpy arrays of objects, not lists: a list is a container the
collector walks element by element on every full collection (five lists of 10^5 strings added about 17 ms to each,
with the GIL held), a numpy array is not one it walks.

The first load of a large library comes in two stages (listing_in_stages): the first FIRST_PAGE_ROWS rows in the
grid's order straight from SQL (tens of milliseconds), then every row with every order (about a second at 10^5).

The orders are those of the Python sorts they replace, ties included (tests/test_library_listing.py):
  added     newest first, then the higher id            name      title (casefolded) A-Z, then the lower id
  duration  longest first, then title; else as given    played    last played first, then newest; else as given
  given     the order the rows came in (by id from the store)
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from mediarec.app.library import Library
from mediarec.app.shelf import LibraryRow, kind_from_name
from mediarec.index.items import ITEM_LISTING_ORDERS
from mediarec.index.records import display_title_of

SORT_KEYS = ("added", "name", "duration", "played", "given")
KINDS = ("", "video", "audio")  # "" shows both

# Rows per conversion of a list to a numpy array: each conversion holds the GIL, so the worker that builds the
# listing gives it back to the GUI thread between chunks (about 1 ms each).
CHUNK_ROWS = 8192
# The first stage of a first load: more cards than a large window shows at once.
FIRST_PAGE_ROWS = 300
# Titles are sorted by their first TITLE_KEY_CHARACTERS characters in numpy; the few groups of titles that share
# those and go on (or hold a NUL, which numpy strings drop at the end) are ordered exactly in Python afterwards.
TITLE_KEY_CHARACTERS = 64


@dataclass(frozen=True, eq=False)
class LibraryListing:
    """Every listed file as columns (row i of each is file i, in the order given), and each sort order as an
    array of row numbers. Never changed once built, so a worker can build it and the GUI thread read it.

    A first page (``first_page_of`` is a sort key) holds only the library's first rows in that order, and only
    that order: another order of it would not be the start of the library's, so it has none (no rows)."""

    ids: np.ndarray  # int64
    paths: np.ndarray  # the text columns are numpy arrays of str (or None) objects
    titles: np.ndarray
    kinds: np.ndarray
    durations: np.ndarray  # float64 seconds, 0 when unknown
    added_at: np.ndarray  # float64
    last_played: np.ndarray  # float64, 0 when never played
    thumbnails: np.ndarray
    artists: np.ndarray
    indexed: np.ndarray  # bool: False for a file waiting for indexing
    orders: dict[str, np.ndarray] = field(default_factory=dict)
    _kind_codes: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="<U1"))
    first_page_of: str | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def row(self, number: int) -> LibraryRow:
        return LibraryRow(
            id=int(self.ids[number]),
            path=self.paths[number],
            title=self.titles[number],
            kind=self.kinds[number],
            duration=float(self.durations[number]),
            added_at=float(self.added_at[number]),
            last_played=float(self.last_played[number]),
            thumbnail=self.thumbnails[number],
            artist=self.artists[number],
            indexed=bool(self.indexed[number]),
        )

    def order(self, key: str) -> np.ndarray:
        """Every row number, in the order of sort key ``key`` (none for another order of a first page)."""
        if key not in SORT_KEYS:
            raise ValueError(f"unknown sort key {key!r}; known: {', '.join(SORT_KEYS)}")
        return self.orders.get(key, np.empty(0, dtype=np.int64))

    def keep_places(self, previous_ids: np.ndarray, key: str) -> np.ndarray:
        """Every row number: the rows whose ids are in ``previous_ids`` in that order, then the others in the order
        of ``key`` (cards hold still while files are indexed, and new ones go last)."""
        order = self.order(key)
        if len(previous_ids) == 0 or len(self) == 0:
            return order
        sorter = np.argsort(previous_ids, kind="stable")
        spot = np.minimum(np.searchsorted(previous_ids, self.ids, sorter=sorter), len(previous_ids) - 1)
        known = previous_ids[sorter[spot]] == self.ids
        known_rows = np.flatnonzero(known)
        known_rows = known_rows[np.argsort(sorter[spot][known_rows], kind="stable")]
        return np.concatenate([known_rows, order[~known[order]]])

    def narrowed(self, order: np.ndarray, kind: str = "", tagged: np.ndarray | None = None) -> np.ndarray:
        """The row numbers of ``order`` whose file is of ``kind`` ("" for any) and, unless None, whose id is in
        ``tagged``."""
        shown = order
        if kind:
            shown = shown[self._kind_codes[shown] == kind]
        if tagged is not None:
            shown = shown[np.isin(self.ids[shown], tagged)]
        return shown

    def place_of(self, shown: np.ndarray, item_id: int) -> int | None:
        """Where item ``item_id`` is among the row numbers ``shown``, or None when it is not there."""
        places = np.flatnonzero(self.ids[shown] == item_id)
        return int(places[0]) if len(places) else None


def listing_in_stages(library: Library, sort_key: str) -> Generator[LibraryListing, None, LibraryListing]:
    """The first load of the grid in ``sort_key``'s order (run it on a worker): yields the first FIRST_PAGE_ROWS
    rows, where SQL orders them as that key does and the library has more, then returns every row."""
    if sort_key in ITEM_LISTING_ORDERS:
        rows = library.store.item_listing(sort_key, FIRST_PAGE_ROWS)
        if len(rows) < FIRST_PAGE_ROWS:  # that is every row: the whole listing, given by id as load_listing's
            return _listing_of(sorted(rows, key=lambda row: row[0]))
        first = _listing_of(rows)
        yield replace(first, orders={sort_key: first.orders["given"]}, first_page_of=sort_key)
    return load_listing(library)


def load_listing(library: Library) -> LibraryListing:
    """Every file of the library that can be played, indexed or waiting for indexing (run it on a worker)."""
    return _listing_of(library.store.item_listing())


def _listing_of(rows: list[tuple]) -> LibraryListing:
    """A listing of the store's item_listing rows."""
    paths = [row[1] for row in rows]
    return build_listing(
        ids=[row[0] for row in rows],
        paths=paths,
        # Only a file without a title of its own calls display_title_of (its import per call goes through
        # PySide6's import hook in the desktop: 10^5 calls held the GIL for about 0.2 s).
        titles=[row[2] or display_title_of(row[2], row[1]) for row in rows],
        kinds=[row[3] or kind_from_name(row[1]) for row in rows],
        durations=[row[4] or 0.0 for row in rows],
        added_at=[row[5] for row in rows],
        last_played=[row[9] or 0.0 for row in rows],
        thumbnails=[row[6] for row in rows],
        artists=[row[7] for row in rows],
        indexed=[row[8] == "indexed" for row in rows],
    )


def listing_from_rows(rows: Sequence[LibraryRow]) -> LibraryListing:
    return build_listing(
        ids=[row.id for row in rows],
        paths=[row.path for row in rows],
        titles=[row.title for row in rows],
        kinds=[row.kind for row in rows],
        durations=[row.duration for row in rows],
        added_at=[row.added_at for row in rows],
        last_played=[row.last_played for row in rows],
        thumbnails=[row.thumbnail for row in rows],
        artists=[row.artist for row in rows],
        indexed=[row.indexed for row in rows],
    )


def build_listing(
    *,
    ids: list[int],
    paths: list[str],
    titles: list[str],
    kinds: list[str],
    durations: list[float],
    added_at: list[float],
    last_played: list[float],
    thumbnails: list[str | None],
    artists: list[str | None],
    indexed: list[bool],
) -> LibraryListing:
    id_column = _numbers(ids, np.int64)
    duration_column = _numbers(durations, np.float64)
    added_column = _numbers(added_at, np.float64)
    played_column = _numbers(last_played, np.float64)
    title_group, within_group = title_sort_keys(titles)
    orders = {
        "given": np.arange(len(ids)),
        "added": np.lexsort((-id_column, -added_column)),
        "name": np.lexsort((id_column, within_group, title_group)),
        "duration": np.lexsort((within_group, title_group, -duration_column)),
        "played": np.lexsort((-added_column, -played_column)),
    }
    return LibraryListing(
        ids=id_column,
        paths=_objects(paths),
        titles=_objects(titles),
        kinds=_objects(kinds),
        durations=duration_column,
        added_at=added_column,
        last_played=played_column,
        thumbnails=_objects(thumbnails),
        artists=_objects(artists),
        indexed=_numbers(indexed, np.bool_),
        orders=orders,
        _kind_codes=_strings(kinds, max((len(kind) for kind in kinds), default=1)),
    )


def title_sort_keys(titles: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Two integer keys per title (a group, then a place in the group) that order the titles as
    ``sorted(titles, key=str.casefold)`` does, equal titles equal on both."""
    folded = [title.casefold() for title in titles]
    width = max(1, min(TITLE_KEY_CHARACTERS, max((len(title) for title in folded), default=1)))
    prefixes = _strings(folded, width)
    by_prefix = np.argsort(prefixes, kind="stable")  # a numpy sort of strings: the GIL is released meanwhile
    starts = np.ones(len(folded), dtype=bool)
    starts[1:] = prefixes[by_prefix[1:]] != prefixes[by_prefix[:-1]]
    group = np.empty(len(folded), dtype=np.int64)
    group[by_prefix] = np.cumsum(starts) - 1
    within = np.zeros(len(folded), dtype=np.int64)
    inexact = [number for number, title in enumerate(folded) if len(title) > width or "\0" in title]
    if inexact:
        bounds = np.append(np.flatnonzero(starts), len(folded))
        for number in np.unique(group[inexact]):
            members = by_prefix[bounds[number] : bounds[number + 1]]
            places = {title: place for place, title in enumerate(sorted({folded[m] for m in members}))}
            within[members] = [places[folded[m]] for m in members]
    return group, within


def _numbers(values: Sequence, dtype) -> np.ndarray:
    column = np.empty(len(values), dtype=dtype)
    for start in range(0, len(values), CHUNK_ROWS):
        column[start : start + CHUNK_ROWS] = values[start : start + CHUNK_ROWS]
    return column


def _objects(values: Sequence) -> np.ndarray:
    """``values`` as a numpy array of objects: the garbage collector does not walk it (it walks a list)."""
    return _numbers(values, object)


def _strings(values: Sequence[str], width: int) -> np.ndarray:
    """``values`` as a numpy array of fixed-width strings, each cut to ``width`` characters."""
    return _numbers(values, f"<U{max(1, width)}")

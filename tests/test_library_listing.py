"""The library grid's listing (app/library_listing.py): the same rows, in the same orders, as the Python sorts of
LibraryRow objects it replaced, from a real SQLite library. Headless: no Qt."""

from __future__ import annotations

import gc
import random
import time
from dataclasses import replace

import numpy as np
import pytest
from synthetic_items import build_synthetic_library

from mediarec.app import Library, shelf
from mediarec.app.library_listing import (
    FIRST_PAGE_ROWS,
    SORT_KEYS,
    listing_from_rows,
    listing_in_stages,
    load_listing,
)
from mediarec.app.shelf import LibraryRow
from mediarec.config import load_settings
from mediarec.index.items import ITEM_LISTING_ORDERS


def python_order(rows: list[LibraryRow], key: str) -> list[LibraryRow]:
    """The grid's sorts as they were (ui/library_model.sort_rows before the listing), the reference here."""
    if key == "given":
        return list(rows)
    if key == "name":
        return sorted(rows, key=lambda row: (row.title.casefold(), row.id))
    if key == "duration":
        return sorted(rows, key=lambda row: (-row.duration, row.title.casefold()))
    if key == "played":
        return sorted(rows, key=lambda row: (-row.last_played, -row.added_at))
    return sorted(rows, key=lambda row: (-row.added_at, -row.id))


def awkward_rows(count: int, seed: int = 0) -> list[LibraryRow]:
    """Rows full of ties: repeated titles in several cases, titles longer than the numpy key and sharing its
    length of prefix, NULs, Chinese and accented titles, equal durations, times added and times played."""
    chooser = random.Random(seed)
    long_prefix = "a" * 70
    titles = [
        "Clip",
        "clip",
        "CLIP",
        "Straße",
        "STRASSE",
        "海边的狗",
        "海边",
        "Émile",
        "emile",
        "a\0",
        "a",
        "a\0b",
        long_prefix,
        long_prefix + "b",
        long_prefix + "a",
        long_prefix.upper() + "c",
        "",
        "zebra",
    ]
    rows = []
    for number in range(count):
        rows.append(
            LibraryRow(
                id=chooser.randrange(1, 10 * count),
                path=f"/media/{number}.mp4",
                title=chooser.choice(titles) + (str(chooser.randrange(3)) if chooser.random() < 0.3 else ""),
                kind=chooser.choice(["video", "audio"]),
                duration=float(chooser.choice([0.0, 30.0, 61.5, 600.0])),
                added_at=float(chooser.choice([1000.0, 2000.0, 2000.5])),
                last_played=float(chooser.choice([0.0, 0.0, 5000.0, 7000.0])),
                thumbnail=None,
                artist=None,
                indexed=chooser.random() < 0.8,
            )
        )
    unique = {row.id: row for row in rows}  # item ids are unique in a library
    return list(unique.values())


@pytest.mark.parametrize("key", SORT_KEYS)
def test_every_order_is_the_python_sort_ties_included(key):
    rows = awkward_rows(3000)
    listing = listing_from_rows(rows)
    assert [listing.row(number) for number in listing.order(key)] == python_order(rows, key)


def test_kind_and_tag_filters_keep_the_order():
    rows = awkward_rows(2000, seed=1)
    listing = listing_from_rows(rows)
    tagged = {row.id for row in rows[::3]}
    for key in SORT_KEYS:
        shown = listing.narrowed(listing.order(key), "audio", np.array(sorted(tagged)))
        expected = [row for row in python_order(rows, key) if row.kind == "audio" and row.id in tagged]
        assert [listing.row(number) for number in shown] == expected
    everything = listing.narrowed(listing.order("name"))
    assert len(everything) == len(rows)
    assert listing.place_of(everything, rows[5].id) == python_order(rows, "name").index(rows[5])
    assert listing.place_of(everything, -1) is None


def test_while_held_known_rows_keep_their_places_and_new_ones_go_last_in_order():
    rows = awkward_rows(500, seed=2)
    before = listing_from_rows(rows)
    placed = before.ids[before.order("name")]
    retitled = [
        replace(row, title="000 first by name") if number % 7 == 0 else row for number, row in enumerate(rows)
    ]
    newcomers = [replace(row, id=10**6 + number, added_at=9999.0) for number, row in enumerate(rows[:40])]
    after = listing_from_rows([*retitled[10:], *newcomers])  # ten rows gone, forty new, some retitled
    ids = after.ids[after.keep_places(placed, "name")].tolist()
    kept = [item_id for item_id in placed.tolist() if item_id in {row.id for row in retitled[10:]}]
    assert ids == kept + [row.id for row in python_order(newcomers, "name")]


def test_empty_listing():
    listing = listing_from_rows([])
    assert len(listing) == 0
    for key in SORT_KEYS:
        assert len(listing.order(key)) == 0
        assert len(listing.keep_places(np.array([3, 4]), key)) == 0
    with pytest.raises(ValueError, match="unknown sort key"):
        listing.order("colour")


def test_the_listing_of_a_real_library_is_what_library_rows_lists(tmp_path, offline_env):
    synthetic = build_synthetic_library(tmp_path / "data" / "library.sqlite3", per_group=6)
    synthetic.store.close()
    library = Library(load_settings(data_dir=tmp_path / "data", environ=offline_env))
    try:
        store = library.store
        pending = store.add_item(str(tmp_path / "waiting_for_indexing.flac"), "fp-pending", 10, time.time())
        store.add_item(str(tmp_path / "caf\udce9.mp4"), "fp-bytes", 11, time.time())  # a name not valid UTF-8
        some = sorted(synthetic.groups)[:3]
        for number, item_id in enumerate(some):
            store.record_play(item_id, seconds=20.0, started_at=time.time() - 100 * number)
        store.record_play(some[0], seconds=5.0, started_at=time.time() - 10_000)  # an older viewing
        rows = shelf.library_rows(library)
        listing = load_listing(library)
        assert [listing.row(number) for number in range(len(listing))] == rows
        assert {row.id for row in rows} >= {pending, *some}
        for key in SORT_KEYS:
            assert [listing.row(number) for number in listing.order(key)] == python_order(rows, key)
        waiting = listing.row(listing.place_of(listing.order("given"), pending))
        assert (waiting.kind, waiting.indexed, waiting.title) == ("audio", False, "waiting for indexing")
    finally:
        library.close()


def _library_with_ties(tmp_path, offline_env, count: int) -> Library:
    """A real library of ``count`` files added at three times and played at two, so that the orders hang on
    their tie-breaks."""
    library = Library(load_settings(data_dir=tmp_path / "data", environ=offline_env))
    with library.store.transaction() as connection:
        connection.executemany(
            "INSERT INTO items(path, fingerprint, size, mtime, status, added_at, kind, title) "
            "VALUES (?, ?, 1, 0, ?, ?, 'video', ?)",
            [
                (
                    f"/media/{n}.mp4",
                    f"fp{n}",
                    "pending" if n % 5 == 0 else "indexed",
                    1000.0 * (n % 3),
                    f"t{n}",
                )
                for n in range(count)
            ],
        )
    for item_id in range(1, count, 7):
        library.store.record_play(item_id, seconds=10.0, started_at=5000.0 + 1000 * (item_id % 2))
    return library


def test_a_first_page_is_the_start_of_the_whole_listing_ties_included(tmp_path, offline_env):
    library = _library_with_ties(tmp_path, offline_env, FIRST_PAGE_ROWS * 2 + 11)
    try:
        whole = load_listing(library)
        assert not gc.is_tracked(whole.paths), "the text columns are outside the garbage collector's walk"
        for key in SORT_KEYS:
            stages = listing_in_stages(library, key)
            if key not in ITEM_LISTING_ORDERS:  # SQL cannot order titles as Python casefolds them
                with pytest.raises(StopIteration) as finished:
                    next(stages)
                assert finished.value.value.ids.tolist() == whole.ids.tolist()
                continue
            first = next(stages)
            with pytest.raises(StopIteration) as finished:
                next(stages)
            assert first.first_page_of == key and len(first) == FIRST_PAGE_ROWS
            start = whole.order(key)[:FIRST_PAGE_ROWS]
            assert [first.row(n) for n in first.order(key)] == [whole.row(n) for n in start], key
            assert all(len(first.order(other)) == 0 for other in SORT_KEYS if other != key)
            assert finished.value.value.ids.tolist() == whole.ids.tolist()
    finally:
        library.close()


def test_a_small_library_comes_whole_in_one_stage(tmp_path, offline_env):
    library = _library_with_ties(tmp_path, offline_env, 40)
    try:
        with pytest.raises(StopIteration) as finished:
            next(listing_in_stages(library, "added"))
        listing = finished.value.value
        whole = load_listing(library)
        assert listing.first_page_of is None
        for key in SORT_KEYS:
            assert listing.ids[listing.order(key)].tolist() == whole.ids[whole.order(key)].tolist()
    finally:
        library.close()

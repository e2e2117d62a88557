"""The library page's grid (offscreen Qt) on a real SQLite library: the listing is built on the worker pool and the
grid shows the rows in the orders the Python sorts gave, through sort and kind choices; a thumbnail that arrives
repaints the cards without laying the grid out again."""

from __future__ import annotations

import time

import pytest
from synthetic_items import build_synthetic_library
from test_library_listing import awkward_rows, python_order

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QSize  # noqa: E402
from PySide6.QtWidgets import QListView  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture
def page(qtbot, tmp_path, offline_env):
    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.ui.bridge import WorkerPools
    from mediarec.ui.library_page import LibraryPage
    from mediarec.ui.thumbnails import ThumbnailCache

    synthetic = build_synthetic_library(tmp_path / "data" / "library.sqlite3", per_group=5)
    synthetic.store.close()
    library = Library(load_settings(data_dir=tmp_path / "data", environ=offline_env))
    library.store.add_item(str(tmp_path / "a_song_waiting.flac"), "fp-waiting", 10, time.time())
    for item_id in sorted(synthetic.groups)[:4]:
        library.store.record_play(item_id, seconds=30.0)
    pools = WorkerPools()
    page = LibraryPage(library, pools, ThumbnailCache(pools.thumbnails, QSize(160, 90)))
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    yield page
    page.close()
    pools.close()
    library.close()


def _shown(model):
    from mediarec.ui.library_model import ROW_ROLE

    return [model.index(row).data(ROW_ROLE) for row in range(model.rowCount())]


def test_the_grid_shows_every_file_in_each_order_and_kind(qtbot, page):
    from mediarec.app import shelf
    from mediarec.app.library_listing import SORT_KEYS

    with qtbot.waitSignal(page.library_loaded, timeout=10000):
        page.reload_rows()
    rows = shelf.library_rows(page.library)  # the rows as the grid listed them before the listing
    assert page.model.total_count == len(rows) == 21
    for key in SORT_KEYS:
        page.set_sort_key(key)
        for kind in ("", "audio", "video"):
            page.set_kind(kind)
            expected = [row for row in python_order(rows, key) if not kind or row.kind == kind]
            assert _shown(page.model) == expected, (key, kind)
    page.set_kind("")
    waiting = next(row for row in rows if not row.indexed)
    page.select_item(waiting.id)
    assert page.current_item() == waiting.id
    with qtbot.waitSignal(page.library_loaded, timeout=10000):
        page.reload_rows()
    assert page.current_item() == waiting.id, "a reload keeps the current card"


def test_a_thumbnail_that_arrives_repaints_without_a_new_layout(qtbot, tmp_path):
    from dataclasses import replace

    from PIL import Image
    from PySide6.QtCore import QThreadPool

    from mediarec.ui.library_model import CardDelegate, LibraryModel, repaint_when_pictures_arrive
    from mediarec.ui.thumbnails import ThumbnailCache

    picture = tmp_path / "thumb.jpg"
    Image.new("RGB", (64, 36), (200, 40, 40)).save(picture)
    rows = [replace(row, thumbnail=str(picture)) for row in awkward_rows(2000)]
    thumbnails = ThumbnailCache(QThreadPool(), QSize(160, 90))
    model = LibraryModel(thumbnails)
    model.set_rows(rows)
    painted = []

    class CountingDelegate(CardDelegate):
        def paint(self, painter, option, index):
            painted.append(index.row())
            super().paint(painter, option, index)

    view = QListView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setItemDelegate(CountingDelegate(view))
    view.setFlow(QListView.Flow.LeftToRight)
    view.setWrapping(True)
    view.setUniformItemSizes(True)
    view.setLayoutMode(QListView.LayoutMode.Batched)
    view.setBatchSize(500)
    repaint_when_pictures_arrive(view, thumbnails)
    view.resize(900, 600)
    view.show()
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and thumbnails.get(str(picture)) is not None, timeout=10000)
    qtbot.wait(200)  # the batched layout of every card ends
    full_height = bar.maximum()
    ranges, changes = [], []
    bar.rangeChanged.connect(lambda _low, high: ranges.append(high))
    model.dataChanged.connect(lambda *_: changes.append(1))
    painted.clear()
    thumbnails.loaded.emit(str(picture))  # as a decoded picture does
    qtbot.waitUntil(lambda: len(painted) > 0, timeout=5000)
    qtbot.wait(200)
    assert ranges == [] and bar.maximum() == full_height, "the grid was laid out again"
    assert changes == []


def test_a_first_load_shows_its_first_cards_before_the_rest_is_read(
    qtbot, tmp_path, offline_env, monkeypatch
):
    """A library of 10^4 files: the first page of cards is on screen while the whole listing is still being
    read (held here until the test lets it go), and the rest then comes in after those cards, which keep the
    user's choice of card."""
    import threading

    from PySide6.QtCore import QPoint
    from test_library_listing import _library_with_ties

    from mediarec.app import library_listing
    from mediarec.ui.bridge import WorkerPools
    from mediarec.ui.library_model import ITEM_ID_ROLE
    from mediarec.ui.library_page import LibraryPage
    from mediarec.ui.thumbnails import ThumbnailCache

    library = _library_with_ties(tmp_path, offline_env, 10_000)
    whole = library_listing.load_listing(library)
    newest_first = whole.ids[whole.order("added")].tolist()
    release = threading.Event()
    reading = library_listing.load_listing

    def held_load_listing(library):
        assert release.wait(30), "the test never let the whole listing go"
        return reading(library)

    monkeypatch.setattr(library_listing, "load_listing", held_load_listing)
    pools = WorkerPools()
    page = LibraryPage(library, pools, ThumbnailCache(pools.thumbnails, QSize(160, 90)))
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    try:
        with qtbot.waitSignal(page.first_rows_shown, timeout=10000) as first:
            page.reload_rows()
        assert first.args == [library_listing.FIRST_PAGE_ROWS] and page.model.showing_first_page
        assert page.stack.currentWidget() is page.grid
        top_left = page.grid.indexAt(QPoint(20, 20))
        assert top_left.isValid() and top_left.data(ITEM_ID_ROLE) == newest_first[0]
        page.select_item(newest_first[5])
        resets, inserted = [], []
        page.model.modelReset.connect(lambda: resets.append(1))
        page.model.rowsInserted.connect(lambda _parent, start, end: inserted.append((start, end)))
        with qtbot.waitSignal(page.library_loaded, timeout=10000):
            release.set()
        assert [
            page.model.index(row).data(ITEM_ID_ROLE) for row in range(page.model.rowCount())
        ] == newest_first
        assert resets == [] and inserted == [(library_listing.FIRST_PAGE_ROWS, len(newest_first) - 1)]
        assert page.current_item() == newest_first[5], "the card the user chose stays chosen"
    finally:
        release.set()
        page.close()
        pools.close()
        library.close()

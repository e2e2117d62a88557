"""'How are recommendations doing?' (offscreen Qt): the library page records the For-you cards it shows, and the
dialog opened from the shelf shows the shares that followed, in English and in Chinese. On a library written
through the real store (no indexing: seconds, not minutes)."""

from __future__ import annotations

import pytest
from synthetic_items import build_synthetic_library

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

pytestmark = pytest.mark.gui


@pytest.fixture()
def library(tmp_path, offline_env):
    from mediarec.app.library import Library
    from mediarec.config import load_settings

    data_dir = tmp_path / "data"
    build_synthetic_library(data_dir / "library.sqlite3", per_group=3).store.close()
    library = Library(load_settings(data_dir=data_dir, environ=offline_env))
    yield library
    library.close()


@pytest.fixture()
def page(qtbot, library):
    from PySide6.QtCore import QSize

    from mediarec.ui.bridge import WorkerPools
    from mediarec.ui.library_page import LibraryPage
    from mediarec.ui.thumbnails import ThumbnailCache

    pools = WorkerPools()
    page = LibraryPage(library, pools, ThumbnailCache(pools.thumbnails, QSize(320, 180)))
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    with qtbot.waitSignal(page.for_you_loaded, timeout=10000):
        page.reload()
    assert pools.wait()
    yield page
    assert pools.wait()


def _cells(table, row: int) -> list[str]:
    return [table.item(row, column).text() for column in range(table.columnCount())]


def test_the_shelf_records_its_cards_and_the_dialog_shows_how_they_fared(qtbot, page, library):
    from mediarec.ui.shelf_stats_view import ShelfStatsDialog

    cards = page.for_you.model.cards()
    assert cards and page.for_you.isVisible()
    shown = library.store.impressions()
    assert [i.item_id for i in shown] == [card.row.id for card in cards]
    assert {i.surface for i in shown} == {"desktop"} and {i.variety for i in shown} == {0.3}
    library.watch(cards[0].row.path, 60.0)
    library.rate(cards[1].row.path, "not-interested")

    page.for_you.stats_button.click()
    dialog = page.findChild(ShelfStatsDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "How are recommendations doing?"
    qtbot.waitUntil(lambda: dialog.by_reason.isVisible(), timeout=10000)
    assert dialog.summary.text().startswith(f"{len(cards)} picks shown since ")
    table = dialog.by_reason
    assert table.verticalHeaderItem(0).text() == "All picks"
    played = f"{1 / len(cards):.0%}"
    assert _cells(table, 0) == [str(len(cards)), played, played, "0%", played]
    assert table.item(0, 1).toolTip() == f"1 of {len(cards)}"
    assert {table.verticalHeaderItem(row).text() for row in range(1, table.rowCount())} <= {
        "New in your library",
        "Something different",
    }  # no history when the cards were shown: cold start
    assert dialog.by_variety.verticalHeaderItem(0).text() == "Variety 0.3"
    dialog.close()


def test_an_empty_record_says_so_and_the_dialog_speaks_chinese(qtbot, qapp):
    from PySide6.QtCore import QLocale

    from mediarec.recommend.shelf_stats import OutcomeCounts, ShelfStats
    from mediarec.ui.i18n import install_translators, remove_translators
    from mediarec.ui.shelf_stats_view import ShelfStatsDialog

    translators = install_translators(qapp, "zh_CN")
    try:
        assert translators, "mediarec_zh_CN.qm did not load"
        dialog = ShelfStatsDialog()
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "推荐效果如何？"
        dialog.set_stats(ShelfStats(7.0, OutcomeCounts()))
        assert dialog.summary.text().startswith("还没有展示过推荐") and not dialog.by_reason.isVisibleTo(
            dialog
        )
        counts = OutcomeCounts(shown=4, played=2, past_half=1, liked=1, dismissed=0)
        dialog.set_stats(
            ShelfStats(7.0, counts, {"watched": counts}, {0.5: counts}, open=0, first_shown=1.7e9)
        )
        headers = [
            dialog.by_reason.horizontalHeaderItem(c).text() for c in range(dialog.by_reason.columnCount())
        ]
        assert headers == ["展示", "播放", "过半", "喜欢", "不感兴趣"]
        assert dialog.by_reason.verticalHeaderItem(1).text() == "因为你看过……"
        assert dialog.by_variety.verticalHeaderItem(0).text() == "多样性 0.5"
        assert _cells(dialog.by_reason, 0) == ["4", "50%", "25%", "25%", "0%"]
    finally:
        remove_translators(qapp, translators)
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))

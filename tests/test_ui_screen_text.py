"""The desktop lists what a video showed on screen beside its transcript: the details panel's "On screen" rows
(a click plays from the line), and the list the player keeps on the line showing (offscreen, real SQLite)."""

from __future__ import annotations

import pytest
from ui_helpers import fresh_settings

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from mediarec.index.records import ItemIndexResult, ScreenTextLine, TranscriptLine  # noqa: E402

pytestmark = pytest.mark.gui

LINES = [
    ScreenTextLine(12.0, 16.0, "海边的小狗在奔跑", (0.06, 0.15, 0.47, 0.26)),
    ScreenTextLine(3.0, 7.0, "Quarterly revenue grew", (0.06, 0.17, 0.6, 0.26)),
]


@pytest.fixture()
def library(tmp_path, offline_env):
    from mediarec.app import Library

    library = Library(fresh_settings(tmp_path, offline_env))
    item_id = library.store.add_item(str(tmp_path / "slides.mp4"), "fp-slides", 1000, 0.0)
    result = ItemIndexResult(
        metadata={"kind": "video", "duration": 18.0, "title": "Slides"},
        transcript=[TranscriptLine(1.0, 2.5, "Welcome to the results.")],
        screen_text=LINES,
    )
    library.store.write_index_result(item_id, result)
    yield library, item_id
    library.close()


def test_the_details_panel_lists_the_lines_shown_and_a_click_plays_from_one(qtbot, library):
    from PySide6.QtCore import QSize

    from mediarec.ui.bridge import WorkerPools
    from mediarec.ui.details_panel import DetailsPanel
    from mediarec.ui.thumbnails import ThumbnailCache

    library, item_id = library
    pools = WorkerPools()
    panel = DetailsPanel(library, pools, ThumbnailCache(pools.thumbnails, QSize(320, 180)))
    qtbot.addWidget(panel)
    panel.show()
    panel.show_item(item_id)
    qtbot.waitUntil(lambda: panel.details is not None, timeout=10000)
    rows = [panel.screen_text.view.item(row).text() for row in range(panel.screen_text.view.count())]
    assert rows == ["0:03   Quarterly revenue grew", "0:12   海边的小狗在奔跑"]  # in time order
    assert panel.screen_text.isVisible() and panel.screen_text.title.text() == "On screen"
    assert panel.transcript_view.count() == 1  # beside the transcript
    with qtbot.waitSignal(panel.play_requested, timeout=2000) as played:
        panel.screen_text.view.itemClicked.emit(panel.screen_text.view.item(1))
    assert played.args[0].id == item_id and played.args[1] == 12.0
    assert pools.wait()


def test_the_list_follows_playback_and_is_hidden_without_text(qtbot):
    from mediarec.ui.screen_text_list import ScreenTextList

    panel = ScreenTextList()
    qtbot.addWidget(panel)
    panel.set_lines(LINES)
    assert panel.has_lines and not panel.isHidden()
    panel.follow(1.0)
    assert panel.view.currentRow() == -1  # nothing shown yet
    panel.follow(13.0)
    assert panel.view.currentRow() == 1
    panel.follow(4.0)
    assert panel.view.currentRow() == 0
    panel.set_lines([])
    assert not panel.has_lines and panel.isHidden()


@pytest.fixture()
def silent_slides(tmp_path, offline_env):
    """A video that showed text but said nothing: no transcript, only on-screen lines."""
    from mediarec.app import Library

    library = Library(fresh_settings(tmp_path, offline_env))
    item_id = library.store.add_item(str(tmp_path / "silent.mp4"), "fp-silent", 1000, 0.0)
    result = ItemIndexResult(metadata={"kind": "video", "duration": 18.0}, screen_text=LINES)
    library.store.write_index_result(item_id, result)
    yield library, item_id
    library.close()


@pytest.mark.parametrize("fixture", ["library", "silent_slides"])
def test_the_player_lists_the_lines_beside_the_picture_and_follows_playback(qtbot, request, fixture):
    from ui_helpers import ManualClock

    from mediarec.player.null_backend import NullPlayer
    from mediarec.ui.bridge import WorkerPools
    from mediarec.ui.player_view import OpenRequest, PlayerView

    library, item_id = request.getfixturevalue(fixture)
    item = library.store.item(item_id)
    pools = WorkerPools()
    player = PlayerView(library, pools, NullPlayer(ManualClock()))
    qtbot.addWidget(player)
    player.resize(1000, 600)
    player.show()
    player.open(OpenRequest(item.id, item.path, item.display_title, "video", 18.0))
    panel = player.screen_text_panel
    qtbot.waitUntil(lambda: panel.has_lines, timeout=10000)
    assert player.layout_mode == "screen+list" and panel.isVisible()
    assert panel.view.count() == 2
    # Beside the transcript when there is one; alone (no empty transcript) when the video said nothing.
    assert player.transcript_panel.view.isVisible() == (fixture == "library")
    player.seek(13.0)
    player.poll()
    assert panel.view.currentRow() == 1
    player.finish_viewing()
    assert pools.wait()

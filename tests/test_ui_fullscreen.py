"""Full screen in the player (offscreen Qt): the controls and the pointer hide while the mouse and the keys rest,
and come back on a move or a key press, as in VLC and mpv; Esc leaves full screen with everything shown."""

from __future__ import annotations

import pytest
from ui_helpers import ManualClock, close_window, indexed_sample_library, make_window

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, QObject, QPoint, Qt  # noqa: E402
from PySide6.QtGui import QCursor, QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from mediarec.player.null_backend import NullPlayer  # noqa: E402

pytestmark = pytest.mark.gui

HIDE_DELAY_MS = 150  # the app waits 2.5 s; the tests need not


@pytest.fixture(scope="module")
def sample(tmp_path_factory, offline_env):
    return indexed_sample_library(tmp_path_factory, offline_env)


@pytest.fixture
def window(qtbot, sample):
    window = make_window(qtbot, sample, NullPlayer(ManualClock()), start=False)
    yield window
    close_window(window)
    assert QGuiApplication.overrideCursor() is None, "the pointer was left hidden"


@pytest.fixture
def player(qtbot, window, sample):
    """The player on a video, in full screen, with the pointer resting in the middle of the video."""
    from mediarec.ui.player_view import OpenRequest

    item = sample.library.store.item(sample.item_id("shapes_sequence.mp4"))
    window.open_player(OpenRequest(item.id, item.path, item.display_title, "video", item.duration))
    player = window.player
    player.idle_hider.delay_ms = HIDE_DELAY_MS
    player.setFocus()
    qtbot.waitUntil(player.hasFocus)
    qtbot.keyClick(player, Qt.Key.Key_F)
    assert player.is_fullscreen and window.isFullScreen()
    assert _controls_shown(player), "the controls show when full screen starts"
    QCursor.setPos(_middle_of_video(player))
    return player


def _middle_of_video(player) -> QPoint:
    return player.surface.mapToGlobal(player.surface.rect().center())


def _controls_shown(player) -> bool:
    shown = player.controls_bar.isVisible() and player.timeline.isVisible() and player.play_button.isVisible()
    return shown and QGuiApplication.overrideCursor() is None


def _wait_until_hidden(qtbot, player) -> None:
    qtbot.waitUntil(lambda: not player.controls_bar.isVisible(), timeout=3000)
    assert not player.timeline.isVisible() and not player.play_button.isVisible()
    assert not player.transcript_panel.isVisible()
    cursor = QGuiApplication.overrideCursor()
    assert cursor is not None and cursor.shape() == Qt.CursorShape.BlankCursor, "the pointer still shows"


def test_controls_and_pointer_hide_at_rest_and_come_back_on_a_mouse_move(qtbot, window, player):
    _wait_until_hidden(qtbot, player)
    assert player.is_fullscreen and window.isFullScreen()
    # The video takes the whole screen once the controls are gone (the layout follows on a later event-loop pass,
    # which a loaded machine may not have reached when the controls report hidden).
    qtbot.waitUntil(lambda: player.surface.height() >= window.height() - 2, timeout=1000)
    qtbot.mouseMove(player.surface, player.surface.rect().center() + QPoint(40, 20))
    assert _controls_shown(player)
    # The delay counts again from the move.
    _wait_until_hidden(qtbot, player)


def test_a_key_press_brings_the_controls_back(qtbot, player):
    _wait_until_hidden(qtbot, player)
    qtbot.keyClick(player, Qt.Key.Key_Shift)
    assert _controls_shown(player)
    _wait_until_hidden(qtbot, player)
    # A key that a shortcut takes (Space plays and pauses) wakes them too.
    qtbot.keyClick(player, Qt.Key.Key_Space)
    assert _controls_shown(player)


class _SwallowPointerMotion(QObject):
    """What libVLC's window does to the app: pointer motion over the video never reaches Qt."""

    def eventFilter(self, watched, event) -> bool:
        return event.type() == QEvent.Type.MouseMove


def test_a_pointer_move_that_never_reaches_qt_still_brings_the_controls_back(qtbot, player):
    _wait_until_hidden(qtbot, player)
    swallow = _SwallowPointerMotion()
    QApplication.instance().installEventFilter(swallow)  # filtered before the player's own filter
    try:
        QCursor.setPos(_middle_of_video(player) + QPoint(30, 30))
        qtbot.waitUntil(lambda: _controls_shown(player), timeout=2000)  # seen by the pointer poll
    finally:
        QApplication.instance().removeEventFilter(swallow)


def test_controls_stay_while_the_pointer_is_over_them(qtbot, player):
    bar = player.controls_bar
    QCursor.setPos(bar.mapToGlobal(bar.rect().center()))
    qtbot.wait(HIDE_DELAY_MS * 4)
    assert _controls_shown(player)
    QCursor.setPos(_middle_of_video(player))
    _wait_until_hidden(qtbot, player)


def test_escape_leaves_full_screen_and_shows_everything(qtbot, window, player):
    assert player.fullscreen_button.toolTip() == "Leave full screen (Esc)"  # the button says how to leave
    _wait_until_hidden(qtbot, player)
    qtbot.keyClick(player, Qt.Key.Key_Escape)
    assert player.fullscreen_button.toolTip() == "Full screen (F)"
    assert not player.is_fullscreen and not window.isFullScreen()
    assert _controls_shown(player) and player.title.isVisible()
    # The transcript comes back when the file has one (this video has no speech: the picture keeps the room).
    assert player.transcript_panel.isVisible() == (player.transcript_panel.showing != "nothing")
    assert window.details.isVisible() and window.menuBar().isVisible()
    qtbot.wait(HIDE_DELAY_MS * 3)  # nothing hides outside full screen
    assert _controls_shown(player)
    assert window.pages.currentWidget() is player, "the first Esc only leaves full screen"


def test_leaving_full_screen_while_hidden_restores_the_pointer(qtbot, window, player):
    _wait_until_hidden(qtbot, player)
    player.toggle_fullscreen()  # as the window does when the player closes in full screen
    assert _controls_shown(player) and not window.isFullScreen()

"""Drive the real desktop app on an X server and save screenshots: the library grid, search results, the player
with its transcript (libVLC drawing into the window), the player in full screen with its controls shown and then
hidden at rest, the "For you" shelf after watching a clip to its end, the welcome and the settings dialogs. With
--shelf-only, just the shelf (for a screenshot in another interface language). With --views, in the interface
language: the player on an audio file with speech and on a video without speech, the Settings, and, on the product
profile without a network, the welcome after its download failed and the window with its files listed but not
indexed (each with a _LANGUAGE suffix).

Run by tests/test_ui_xvfb.py under Xvfb; it uses only the app's public widgets, as a user would:

    python tests/ui_screenshot_driver.py --data-dir DIR --out DIR [--language zh_CN] [--query TEXT]
        [--shelf-only | --views --scratch DIR]

Exit status 0 when every step worked; 1 with the reason on stderr otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

from PySide6.QtCore import QEvent, QEventLoop, QObject, QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QCursor, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

_errors: list[str] = []


def _record_error(kind, error, trace) -> None:
    _errors.append("".join(traceback.format_exception(kind, error, trace)))


def pause(milliseconds: int) -> None:
    """Run the event loop for a while. (QTest.qWait keeps the GIL while it sleeps, which starves the workers.)"""
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        pause(50)


def save(widget: QWidget, out: Path, name: str) -> Path:
    """Grab the screen area of ``widget``'s window: includes what libVLC drew into its native child window."""
    QApplication.processEvents()
    pause(150)
    window = widget.window()
    frame = window.frameGeometry()
    screen = window.screen()
    picture = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
    target = out / f"{name}.png"
    if not picture.save(str(target)):
        raise OSError(f"could not write {target}")
    return target


def _colour_at_centre(widget: QWidget) -> str:
    """The colour on screen in the middle of ``widget`` (libVLC's picture, for the player's video surface)."""
    centre = widget.mapToGlobal(widget.rect().center())
    picture = widget.screen().grabWindow(0, centre.x(), centre.y(), 1, 1)
    return picture.toImage().pixelColor(0, 0).name()


def search(window, query: str) -> None:
    shown = []
    window.search_panel.results_shown.connect(shown.append)
    started = time.monotonic()
    if query.isascii():
        QTest.keyClicks(window.search_box, query)
    else:  # QTest types ASCII only; an input method would insert the whole phrase like this
        window.search_box.insert(query)
    wait_until(lambda: shown, 240, f"results for {query!r}")
    window.search_panel.results_shown.disconnect(shown.append)
    print(f"search {query!r} took {time.monotonic() - started:.1f} s", file=sys.stderr)
    pause(500)


def full_screen(window, out: Path) -> dict:
    """Full screen on the paused player: the controls and the pointer hide at rest (screenshot), a pointer move over
    libVLC's picture brings them back, Esc leaves full screen."""
    player = window.player
    player.idle_hider.delay_ms = 600
    surface = player.surface
    QCursor.setPos(surface.mapToGlobal(surface.rect().center()))
    window.activateWindow()  # keys need an active window (under Xvfb no window manager activates it)
    wait_until(window.isActiveWindow, 5, "the window to be active")
    player.setFocus()
    QTest.keyClick(player, Qt.Key.Key_F)
    wait_until(lambda: player.is_fullscreen, 5, f"full screen (focus on {QApplication.focusWidget()})")
    wait_until(window.isFullScreen, 5, "the window to fill the screen")
    pause(300)
    save(window, out, "player_fullscreen_controls")
    wait_until(lambda: player.idle_hider.hidden, 5, "the controls to hide")
    facts = {
        "fullscreen_controls_hidden": not player.controls_bar.isVisible(),
        "fullscreen_pointer_blank": _pointer_is_blank(),
    }
    save(window, out, "player_fullscreen")
    moves = _MoveCounter()
    QApplication.instance().installEventFilter(moves)
    QCursor.setPos(
        surface.mapToGlobal(surface.rect().center()) + QPoint(60, 40)
    )  # the X server moves the pointer
    wait_until(lambda: player.controls_bar.isVisible(), 5, "the controls after a pointer move")
    QApplication.instance().removeEventFilter(moves)
    facts["fullscreen_move_shows_controls"] = not _pointer_is_blank()
    facts["fullscreen_move_events_reached_qt"] = moves.count  # 0: only the pointer poll saw the move
    QTest.keyClick(player, Qt.Key.Key_Escape)
    wait_until(lambda: not window.isFullScreen(), 5, "leaving full screen")
    facts["fullscreen_left_with_everything_shown"] = (
        player.controls_bar.isVisible() and player.title.isVisible() and not _pointer_is_blank()
    )
    return facts


class _MoveCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.MouseMove:
            self.count += 1
        return False


def _pointer_is_blank() -> bool:
    cursor = QGuiApplication.overrideCursor()
    return cursor is not None and cursor.shape() == Qt.CursorShape.BlankCursor


def leave_the_player(window) -> None:
    """Back to the library from the player, once the viewing is recorded and the shelf follows it."""
    recorded, refreshed = [], []
    window.player.play_recorded.connect(recorded.append)
    window.for_you_loaded.connect(refreshed.append)
    window.player.back_button.click()  # ends the viewing of the search result
    window.search_box.clear()
    wait_until(lambda: recorded and refreshed, 10, "the shelf after leaving the player")
    window.player.play_recorded.disconnect(recorded.append)
    window.for_you_loaded.disconnect(refreshed.append)


def watch_from_the_shelf(window) -> dict:
    """From the library, open "red circle" from the "For you" shelf (the first card when it is not there), watch it
    to the end, and come back to a shelf that follows the new viewing."""
    from mediarec.ui.for_you import REASON_ROLE

    recorded, refreshed = [], []
    window.player.play_recorded.connect(recorded.append)
    window.for_you_loaded.connect(refreshed.append)
    shelf = window.for_you
    cards = shelf.model.cards()
    row = next((row for row, card in enumerate(cards) if card.row.title == "red circle"), 0)
    index = shelf.card_index(row)
    shelf.view.scrollTo(index)
    QTest.mouseClick(
        shelf.view.viewport(), Qt.MouseButton.LeftButton, pos=shelf.view.visualRect(index).center()
    )
    wait_until(lambda: window.pages.currentWidget() is window.player, 5, "the player from the shelf")
    wait_until(lambda: recorded, 30, "the clip to play to its end")
    window.player.back_button.click()
    wait_until(lambda: refreshed, 10, "the shelf after the viewing")
    window.grid.clearSelection()
    pause(800)  # thumbnails
    model = shelf.model
    return {
        "opened_from_shelf": cards[row].row.title,
        "finished_from_shelf": bool(recorded[0].finished),
        "for_you": [
            [model.index(i).data(), model.index(i).data(REASON_ROLE)] for i in range(model.rowCount())
        ],
    }


def _play(window, backend, filename: str, data_dir: Path) -> None:
    """Open a sample file in the player as a card of the grid would, and wait until it plays, its transcript (if
    any) is shown and the page is arranged for it."""
    from mediarec.app.shelf import row_for_item
    from mediarec.ui.player_view import OpenRequest

    library = window.library
    item = library.store.item_by_path(str((data_dir / "Sample library" / filename).absolute()))
    if item is None:  # the tests' sample library lives beside the data dir
        item = next(entry for entry in library.store.items() if Path(entry.path).name == filename)
    window.open_player(OpenRequest.from_row(row_for_item(item)))
    wait_until(lambda: backend.state.value == "playing", 10, f"{filename} to play")
    wait_until(
        lambda: window.details.details is not None and window.details.details.item.id == item.id,
        20,
        "the details of the file",
    )
    pause(1500)  # the transcript and the chapters arrive
    backend.pause()
    window.player.poll()


def views(window, backend, args: argparse.Namespace, out: Path) -> dict:
    """The player on audio and on a video without speech, and the Settings, in the interface language."""
    from mediarec.ui.settings_dialog import SettingsDialog

    language = args.language
    facts: dict = {}
    _play(window, backend, "beach_weather.m4a", Path(args.data_dir))
    save(window, out, f"player_audio_{language}")
    facts["audio_layout"] = window.player.layout_mode
    facts["audio_details"] = _facts_of(window.details)
    _play(window, backend, "red_circle.mp4", Path(args.data_dir))
    save(window, out, f"player_video_no_speech_{language}")
    facts["video_layout"] = window.player.layout_mode
    window.player.back_button.click()
    from mediarec.app.setup import find_gpu

    dialog = SettingsDialog(window.settings, window.library.store.folders(), window, gpu=find_gpu())
    dialog.show()
    save(dialog, out, f"settings_{language}")
    facts["settings_placeholders"] = [field.placeholderText() for field in dialog.model_names.values()]
    facts["settings_devices"] = [dialog.device.itemText(row) for row in range(dialog.device.count())]
    dialog.close()
    return facts


def _facts_of(details) -> dict:
    from PySide6.QtWidgets import QFormLayout

    facts = details.facts
    return {
        facts.itemAt(row, QFormLayout.ItemRole.LabelRole).widget().text(): facts.itemAt(
            row, QFormLayout.ItemRole.FieldRole
        )
        .widget()
        .text()
        for row in range(facts.rowCount())
    }


def offline_views(language: str, scratch: Path, out: Path) -> dict:
    """The product profile where the hub cannot be reached: the welcome once its download failed, then the window
    on a new library of the sample clips, listed before any model is there, with the ways out over it."""
    from mediarec.app import Library, setup
    from mediarec.config import load_settings
    from mediarec.player.null_backend import NullPlayer
    from mediarec.ui.app_window import MainWindow
    from mediarec.ui.bridge import WorkerPools
    from mediarec.ui.welcome_dialog import WelcomeDialog

    environ = {
        **os.environ,
        "MEDIAREC_PROFILE": "default",
        "MEDIAREC_CACHE_DIR": str(scratch / "empty-cache"),
    }
    environ["MEDIAREC_CONFIG"] = str(scratch / "config.toml")
    settings = load_settings(data_dir=scratch / "data", environ=environ)
    facts: dict = {"profile": settings.profile}
    pools = WorkerPools()
    welcome = WelcomeDialog(settings, pools, [str(Path.home() / "Videos")])
    welcome.setGeometry(QRect(200, 60, 760, 600))
    welcome.show()
    wait_until(lambda: welcome.statuses, 20, "the model overview")
    welcome.download_button.click()
    wait_until(welcome.model_help.isVisible, 120, "the failed download")
    pause(300)
    save(welcome, out, f"welcome_offline_{language}")
    facts["welcome_message"] = welcome.model_help.message.text()
    welcome.close()
    pools.wait()

    library = Library(settings, models_in_helper=True)
    setup.make_sample_library(library)
    setup.mark_welcome_done(library)
    window = MainWindow(library, settings, player_backend=NullPlayer())
    window.setGeometry(QRect(0, 0, 1280, 800))
    window.show()
    failed = []
    window.indexing.models_failed.connect(failed.append)
    try:
        window.start(welcome=False)
        wait_until(lambda: failed and window.library_model.rowCount() > 0, 120, "the listed files")
        pause(1200)
        save(window, out, f"library_not_indexed_{language}")
        facts["listed"] = window.library_model.rowCount()
        facts["window_message"] = window.model_help.message.text()
    finally:
        window.shutdown()
        window.close()
        library.close()
    return facts


def run(args: argparse.Namespace) -> None:
    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.player.vlc_backend import VlcPlayer
    from mediarec.ui.app_window import MainWindow
    from mediarec.ui.i18n import install_translators
    from mediarec.ui.main import create_application
    from mediarec.ui.search_panel import IS_MOMENT_ROLE, START_ROLE
    from mediarec.ui.settings_dialog import SettingsDialog
    from mediarec.ui.welcome_dialog import WelcomeDialog

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    application = create_application([sys.argv[0]])
    install_translators(application, args.language)
    settings = load_settings(data_dir=args.data_dir)
    library = Library(settings, models_in_helper=True)  # as `mediarec gui` opens it
    # Video on the X server; no sound card under Xvfb.
    backend = VlcPlayer(audio_output="dummy")
    window = MainWindow(library, settings, player_backend=backend)
    window.setGeometry(QRect(0, 0, 1280, 800))
    window.show()
    try:
        loaded, shelf_loaded = [], []
        window.library_loaded.connect(loaded.append)
        window.for_you_loaded.connect(shelf_loaded.append)
        window.reload_library()
        wait_until(lambda: loaded and shelf_loaded, 10, "the library and its shelf")
        if args.views:
            facts = views(window, backend, args, out)
            facts.update(offline_views(args.language, Path(args.scratch), out))
            facts_file = out / f"facts_views_{args.language}.json"
            facts_file.write_text(json.dumps(facts, indent=2, ensure_ascii=False), encoding="utf-8")
            return
        if args.shelf_only:  # the shelf in the interface language, after a viewing it can explain
            facts = watch_from_the_shelf(window)
            save(window, out, f"for_you_{args.language}")
            facts_file = out / f"facts_{args.language}.json"
            facts_file.write_text(json.dumps(facts, indent=2, ensure_ascii=False), encoding="utf-8")
            return
        grid = window.grid
        grid.setCurrentIndex(window.library_model.index(0))
        wait_until(lambda: window.details.details is not None, 20, "the details of the first card")
        pause(800)  # thumbnails
        save(window, out, "library")

        facts: dict = {"library_rows": window.library_model.rowCount()}
        search(window, "a circle")  # several items, some with several moments
        save(window, out, "search_grouped")
        window.search_box.clear()
        search(window, args.query)
        save(window, out, "search")
        facts["search_results"] = window.search_panel.model.rowCount()

        view = window.search_panel.view
        model = window.search_panel.model
        first_moment = model.index(0, 0, model.index(0, 0))
        assert first_moment.data(IS_MOMENT_ROLE), "the first result has a moment under it"
        view.scrollTo(first_moment)
        QTest.mouseClick(
            view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(first_moment).center()
        )
        wait_until(lambda: window.pages.currentWidget() is window.player, 5, "the player")
        wait_until(
            lambda: backend.state.value == "playing" and backend.stream_time is not None, 10, "playback"
        )
        wait_until(lambda: window.player.current_transcript_row >= 0, 10, "the transcript line")
        pause(700)
        backend.pause()
        pause(300)
        window.player.poll()
        save(window, out, "player")
        facts["video_centre"] = _colour_at_centre(window.player.surface)
        facts["transcript_row"] = window.player.current_transcript_row
        # The line the hit landed on: the highlighted row should be the line holding the moment's start.
        # START_ROLE is where the player opens: the sentence's start less a short lead-in (rank.moments).
        opened_at = float(first_moment.data(START_ROLE))
        lines = window.player.transcript_panel.lines
        facts["moment_row"] = max(
            (row for row, line in enumerate(lines) if line.start <= opened_at + 0.6), default=-1
        )
        facts["player_title"] = window.player.title.text()

        facts.update(full_screen(window, out))
        leave_the_player(window)
        facts.update(watch_from_the_shelf(window))
        save(window, out, "for_you")

        welcome = WelcomeDialog(settings, window.pools, [str(Path.home() / "Videos")], window)
        welcome.show()
        wait_until(lambda: welcome.statuses, 20, "the model overview")
        save(welcome, out, "welcome")
        welcome.close()
        dialog = SettingsDialog(settings, library.store.folders(), window)
        dialog.show()
        save(dialog, out, "settings")
        dialog.close()
        (out / "facts.json").write_text(json.dumps(facts, indent=2), encoding="utf-8")
    finally:
        window.shutdown()
        window.close()
        library.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--language", default="en")
    parser.add_argument("--query", default="bake bread in the oven")
    parser.add_argument(
        "--shelf-only",
        action="store_true",
        help="only watch a clip from the For you shelf and save the shelf",
    )
    parser.add_argument(
        "--views", action="store_true", help="the player, Settings and the offline welcome only"
    )
    parser.add_argument("--scratch", help="with --views: a folder for the library on the product profile")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        print("no DISPLAY: run under an X server (Xvfb)", file=sys.stderr)
        return 1
    sys.excepthook = _record_error
    try:
        run(args)
    except Exception:
        traceback.print_exc()
        _errors.append("")
    if _errors:
        print("exceptions in Qt callbacks:\n" + "\n".join(_errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

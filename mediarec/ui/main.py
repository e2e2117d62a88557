"""Entry point of the desktop app: `mediarec gui`, or `mediarec` / `python -m mediarec` with no command."""

from __future__ import annotations

import logging
import signal
import sys
import traceback

# The core first: modules imported after PySide6 go through its import hook, which reads each one's source
# (about 0.3 s more at every start).
import mediarec.app  # noqa: F401

# isort: split
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from mediarec.config import Settings

_log = logging.getLogger("mediarec.ui")


def create_application(argv: list[str] | None = None) -> QApplication:
    application = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    application.setApplicationName("mediarec")
    application.setApplicationDisplayName("mediarec")
    application.setDesktopFileName("mediarec")
    return application


def run_app(settings: Settings) -> int:
    """Open the main window on the library of ``settings`` and run until it closes; returns the exit status."""
    from mediarec.app import Library
    from mediarec.index.sqlite_driver import StorageError
    from mediarec.ui.app_window import MainWindow
    from mediarec.ui.i18n import install_translators
    from mediarec.ui.player_backends import create_player_backend
    from mediarec.ui.qt_compat import UnusableQtError, require_usable_pyside

    try:
        require_usable_pyside()
    except UnusableQtError as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    application = create_application()
    install_translators(application, settings.language)
    try:
        library = Library(settings, models_in_helper=True)  # no model ever loads in the GUI's process
    except StorageError as error:
        QMessageBox.critical(None, "mediarec", str(error))
        return 1
    previous_hook = sys.excepthook
    sys.excepthook = _show_unexpected_error
    backend, notice = create_player_backend(settings)
    window = MainWindow(library, settings, player_backend=backend, player_notice=notice)
    _quit_on_signals(application, window)
    try:
        window.show()
        window.start()
        return application.exec()
    finally:
        window.shutdown()
        library.close()
        sys.excepthook = previous_hook


def _quit_on_signals(application: QApplication, window) -> None:
    """Ctrl-C in the terminal or a kill closes the window like the close button does (the viewing in progress is
    recorded, indexing stops after the current file)."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: window.close())
    # Python runs signal handlers only between bytecodes; a timer gives it the chance while Qt waits for events.
    heartbeat = QTimer(application)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(300)


_shown_errors: set[str] = set()


def _show_unexpected_error(kind, error, trace) -> None:
    """A bug reaching the event loop: log it and tell the user once, instead of dying or failing silently."""
    text = "".join(traceback.format_exception(kind, error, trace))
    _log.error("Unexpected error:\n%s", text)
    sys.stderr.write(text)
    summary = f"{kind.__name__}: {error}"
    if summary in _shown_errors or QApplication.instance() is None:
        return
    _shown_errors.add(summary)
    box = QMessageBox(QMessageBox.Icon.Warning, "mediarec", summary)
    box.setInformativeText(
        QApplication.translate(
            "ErrorReport",
            "Something went wrong. mediarec keeps running; the details below help a bug report.",
        )
    )
    box.setDetailedText(text)
    box.open()

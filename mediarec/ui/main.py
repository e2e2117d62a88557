"""Entry point of the desktop app: `mediarec gui`, or `mediarec` / `python -m mediarec` with no command."""

from __future__ import annotations

import gc
import logging
import signal
import sys
import traceback

# The core first: modules imported after PySide6 go through its import hook, which reads each one's source
# (about 0.3 s more at every start).
import mediarec.app  # noqa: F401

# isort: split
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

import mediarec
from mediarec.config import Settings

APP_ID = "org.mediarec.MediaRec"
APP_ICON = (
    Path(mediarec.__file__).resolve().parent.parent / "resources" / "icons" / "png" / "mediarec-256.png"
)

_log = logging.getLogger("mediarec.ui")


def create_application(argv: list[str] | None = None) -> QApplication:
    application = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    application.setApplicationName("mediarec")
    application.setApplicationDisplayName("mediarec")
    # The installed .desktop file's name (installers/linux/): Wayland compositors match the window to it.
    application.setDesktopFileName(APP_ID)
    application.setWindowIcon(QIcon(str(APP_ICON)))
    return application


def run_app(settings: Settings) -> int:
    """Open the main window on the library of ``settings`` and run until it closes; returns the exit status."""
    from mediarec.index.sqlite_driver import StorageError
    from mediarec.ui.qt_compat import UnusableQtError, require_usable_pyside

    try:
        require_usable_pyside()
    except UnusableQtError as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    application = create_application()
    session = AppSession(application)
    try:
        session.open(settings)
    except StorageError as error:
        QMessageBox.critical(None, "mediarec", str(error))
        return 1
    keep_startup_objects_out_of_collections()
    previous_hook = sys.excepthook
    sys.excepthook = _show_unexpected_error
    _quit_on_signals(application, session)
    try:
        session.window.start()
        return application.exec()
    finally:
        session.close()
        sys.excepthook = previous_hook


def keep_startup_objects_out_of_collections() -> None:
    """Take every object alive now (modules, classes, Qt wrappers, the window) out of the garbage collector's
    full collections. They walked some 5 x 10^4 such objects in about 35 ms, with the GIL held: a stall of the
    window whenever a worker's allocations started one (benchmarks/bench_scale_grid.py). These objects live as
    long as the app; one of them that becomes garbage is still freed by its reference count, only a cycle among
    them would stay (a window left behind by a change of language, say)."""
    gc.collect()  # what is garbage already is freed first
    gc.freeze()


class AppSession:
    """The main window, its library and the interface language; reopened in place when the user changes the
    language, device or models in Settings, so every change applies at once without per-widget retranslation."""

    def __init__(self, application: QApplication, player_backend_factory=None):
        from mediarec.ui.player_backends import create_player_backend

        self.application = application
        self.window = None
        self.library = None
        self._translators: list = []
        self._create_backend = player_backend_factory or create_player_backend

    def open(self, settings: Settings, geometry=None) -> None:
        from mediarec.app import Library
        from mediarec.ui.app_window import MainWindow
        from mediarec.ui.i18n import install_translators, remove_translators

        remove_translators(self.application, self._translators)
        self._translators = install_translators(self.application, settings.language)
        self.library = Library(settings, models_in_helper=True)  # no model ever loads in the GUI's process
        backend, notice = self._create_backend(settings)
        self.window = MainWindow(self.library, settings, player_backend=backend, player_notice=notice)
        self.window.reopen_requested.connect(self._reopen_later)
        if geometry is not None:
            self.window.restoreGeometry(geometry)
        self.window.show()

    def reopen(self, settings: Settings) -> None:
        """Close the window (the viewing in progress is recorded, indexing stops) and open it on ``settings``."""
        old_window, old_library = self.window, self.library
        geometry = old_window.saveGeometry()
        old_window.shutdown()  # before the new window starts indexing: one indexing job at a time
        self.open(settings, geometry)  # shown before the old one closes, so the application does not quit
        old_window.close()
        old_window.deleteLater()
        old_library.close()
        self.window.start(welcome=False)

    def close(self) -> None:
        if self.window is not None:
            self.window.shutdown()
        if self.library is not None:
            self.library.close()

    def _reopen_later(self, settings: Settings) -> None:
        # Not inside the old window's own signal: it is about to be deleted.
        QTimer.singleShot(0, lambda: self.reopen(settings))


def _quit_on_signals(application: QApplication, session: AppSession) -> None:
    """Ctrl-C in the terminal or a kill closes the window like the close button does (the viewing in progress is
    recorded, indexing stops)."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: session.window.close())
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

"""A check for a PySide6 release that cannot run mediarec, so the app says so instead of aborting at random.

PySide6 6.12.0 returns None (from every method without a result) and True (from Signal.emit) without owning a
reference to them. On Python 3.11 and older, where those objects are not immortal, each call takes one reference
away, and after a few hundred calls the interpreter aborts with "none_dealloc: deallocating None". Python 3.12+
is immune (None and True are immortal there). The check measures the behaviour instead of listing versions.
"""

from __future__ import annotations

import ctypes
import sys

import PySide6
from PySide6.QtCore import QTimer

PROBE_CALLS = 16


class UnusableQtError(RuntimeError):
    """The installed PySide6 would crash the app; the message says what to install."""


def calls_drop_references() -> bool:
    """True when a call to a Qt method without a result takes a reference from None (and gives it back after)."""
    timer = QTimer()
    before = sys.getrefcount(None)
    for _ in range(PROBE_CALLS):
        timer.setInterval(10)
    lost = before - sys.getrefcount(None)
    for _ in range(max(0, lost)):  # repair what the probe itself took
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(None))
    return lost >= PROBE_CALLS // 2


def require_usable_pyside() -> None:
    if calls_drop_references():
        version = getattr(PySide6, "__version__", "?")
        raise UnusableQtError(
            f"PySide6 {version} has a reference-counting bug that crashes mediarec on Python "
            f"{sys.version_info.major}.{sys.version_info.minor}. Install another release: "
            "pip install 'pyside6>=6.6,!=6.12.0' (or use Python 3.12 or newer)."
        )

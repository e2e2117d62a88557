"""Full-screen controls that get out of the way: widgets and the pointer hide while the mouse and the keyboard
rest, and come back on the next move or key, as in VLC and mpv."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QCursor, QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

# The controls and the pointer hide after this long without a mouse move or a key press.
CONTROLS_HIDE_MILLISECONDS = 2500
# How often to look where the pointer is: libVLC's own window inside the video surface may keep pointer motion from
# ever reaching Qt, so a moved pointer is noticed from its position too.
POINTER_POLL_MILLISECONDS = 200


class IdleHider(QObject):
    """Hides some widgets and the pointer once the mouse and the keyboard have rested for ``delay_ms``, and shows
    them again on the next mouse move, click, wheel turn or key press (full-screen controls, as in VLC and mpv).

    Input is seen through an application event filter while active; the pointer position is also polled, because
    the native window libVLC draws into can keep pointer motion from Qt. Nothing hides while the pointer is over one
    of the widgets or a popup (the chapter list) is open."""

    _ACTIVITY = frozenset(
        {
            QEvent.Type.MouseMove,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.Wheel,
            QEvent.Type.KeyPress,
            QEvent.Type.ShortcutOverride,  # the only trace of a key that a shortcut takes (Space, arrows)
        }
    )

    def __init__(
        self, widgets: Sequence[QWidget], parent: QObject, delay_ms: int = CONTROLS_HIDE_MILLISECONDS
    ):
        super().__init__(parent)
        self.delay_ms = delay_ms
        self._widgets = list(widgets)
        self._active = False
        self._hidden = False
        self._pointer = QPoint()
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._hide)
        self._poll = QTimer(self, interval=POINTER_POLL_MILLISECONDS)
        self._poll.timeout.connect(lambda: self._pointer_at(QCursor.pos()))

    @property
    def hidden(self) -> bool:
        """Whether the widgets and the pointer are hidden now."""
        return self._hidden

    def start(self) -> None:
        if self._active:
            return
        self._active = True
        self._pointer = QCursor.pos()
        QApplication.instance().installEventFilter(self)
        self._poll.start()
        self._timer.start(self.delay_ms)

    def stop(self) -> None:
        if not self._active:
            return
        self._active = False
        QApplication.instance().removeEventFilter(self)
        self._poll.stop()
        self._timer.stop()
        self._show()

    def wake(self) -> None:
        """Show everything and count the delay again from now."""
        if self._active:
            self._show()
            self._timer.start(self.delay_ms)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in self._ACTIVITY:
            if kind == QEvent.Type.MouseMove:
                self._pointer_at(event.globalPosition().toPoint())
            else:
                self.wake()
        return False

    def _pointer_at(self, position: QPoint) -> None:
        # Only a real move counts: widgets appearing under a still pointer send synthetic moves.
        if position != self._pointer:
            self._pointer = position
            self.wake()

    def _hide(self) -> None:
        if not self._active:
            return
        if QApplication.activePopupWidget() is not None or self._pointer_over_widgets():
            self._timer.start(self.delay_ms)
            return
        for widget in self._widgets:
            widget.hide()
        if not self._hidden:
            QGuiApplication.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
            self._hidden = True

    def _show(self) -> None:
        if not self._hidden:
            return
        self._hidden = False
        QGuiApplication.restoreOverrideCursor()
        for widget in self._widgets:
            widget.show()

    def _pointer_over_widgets(self) -> bool:
        pointer = QCursor.pos()
        return any(
            widget.isVisible() and widget.rect().contains(widget.mapFromGlobal(pointer))
            for widget in self._widgets
        )

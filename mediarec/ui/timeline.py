"""The player's timeline: played part, a handle, chapters as breaks in the groove, scene boundaries as ticks and
search hits as markers. Hovering shows the time and the chapter there."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from mediarec.ui.formatting import clock

HIT_COLOUR = QColor(255, 152, 0)
SCENE_COLOUR = QColor(140, 140, 150)
CHAPTER_COLOUR = QColor(0, 137, 123)
CHAPTER_GAP = 3.0  # pixels cut out of the groove at a chapter start
SAME_TIME_SECONDS = 0.15  # a scene cut this close to a chapter start is that chapter start


class Timeline(QWidget):
    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._duration = 0.0
        self._position = 0.0
        self._hits: list[tuple[float, float]] = []
        self._scenes: list[float] = []
        self._chapters: list[tuple[float, str]] = []  # (start, title), first at 0
        self._dragging = False
        self.setMouseTracking(True)
        self.setMinimumHeight(36)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(self.tr("Timeline"))

    def sizeHint(self) -> QSize:
        return QSize(400, 36)

    # -- content -----------------------------------------------------------------------------------------------

    def set_duration(self, seconds: float | None) -> None:
        self._duration = max(0.0, seconds or 0.0)
        self.update()

    def set_position(self, seconds: float) -> None:
        if not self._dragging:
            self._position = max(0.0, seconds)
            self.update()

    def set_hits(self, hits: Sequence[tuple[float, float]]) -> None:
        self._hits = list(hits)
        self.update()

    def set_scenes(self, boundaries: Sequence[float]) -> None:
        """Scene (shot) starts; the first, at 0, draws no tick."""
        self._scenes = [start for start in boundaries if start > 0.05]
        self.update()

    def set_chapters(self, chapters: Sequence[tuple[float, str]]) -> None:
        """Chapter (start, title) pairs in time order; each start after 0 breaks the groove."""
        self._chapters = sorted(chapters)
        self.update()

    @property
    def chapter_marks(self) -> list[float]:
        """Where the timeline draws a chapter boundary (every chapter start but the first)."""
        return [start for start, _ in self._chapters if start > 0.05]

    def chapter_at(self, seconds: float) -> str | None:
        title = None
        for start, name in self._chapters:
            if start > seconds:
                break
            title = name
        return title

    @property
    def hits(self) -> list[tuple[float, float]]:
        return list(self._hits)

    @property
    def scenes(self) -> list[float]:
        return list(self._scenes)

    # -- geometry ----------------------------------------------------------------------------------------------

    def _groove(self) -> QRectF:
        # The groove sits low; the band above it is the lane of the search hits.
        return QRectF(8, self.height() - 13, max(1, self.width() - 16), 6)

    def _x_for(self, seconds: float) -> float:
        groove = self._groove()
        if self._duration <= 0:
            return groove.left()
        return groove.left() + groove.width() * min(1.0, max(0.0, seconds / self._duration))

    def time_at(self, x: float) -> float:
        groove = self._groove()
        fraction = min(1.0, max(0.0, (x - groove.left()) / groove.width()))
        return fraction * self._duration

    # -- painting and mouse ------------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        groove = self._groove()
        palette = self.palette()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.Mid))
        painter.drawRoundedRect(groove, 3, 3)
        played = QRectF(groove)
        played.setRight(self._x_for(self._position))
        painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
        painter.drawRoundedRect(played, 3, 3)
        marks = self.chapter_marks
        painter.setPen(SCENE_COLOUR)
        for start in self._scenes:
            if any(abs(start - mark) < SAME_TIME_SECONDS for mark in marks):
                continue  # drawn as the chapter start
            x = self._x_for(start)
            painter.drawLine(QPointF(x, groove.top() - 4), QPointF(x, groove.bottom() + 4))
        self._paint_chapters(painter, groove, marks)
        painter.setPen(Qt.PenStyle.NoPen)
        for start, end in self._hits:
            self._paint_hit(painter, groove, start, end)
        painter.setBrush(palette.color(QPalette.ColorRole.Light))
        painter.setPen(palette.color(QPalette.ColorRole.Dark))
        painter.drawEllipse(QPointF(self._x_for(self._position), groove.center().y()), 7, 7)

    def _paint_chapters(self, painter: QPainter, groove: QRectF, marks: list[float]) -> None:
        """A chapter start: a break in the groove (the widget's background shows through) and a tick under it."""
        painter.setPen(Qt.PenStyle.NoPen)
        for start in marks:
            x = self._x_for(start)
            painter.setBrush(self.palette().color(QPalette.ColorRole.Window))
            painter.drawRect(QRectF(x - CHAPTER_GAP / 2, groove.top() - 1, CHAPTER_GAP, groove.height() + 2))
            painter.setBrush(CHAPTER_COLOUR)
            painter.drawRect(QRectF(x - 1, groove.bottom() + 2, 2, 4))

    def _paint_hit(self, painter: QPainter, groove: QRectF, start: float, end: float) -> None:
        """A hit: its span as a band above the groove, and a triangle pointing at where it starts."""
        left, right = self._x_for(start), self._x_for(end)
        lane_top = groove.top() - 9
        colour = QColor(HIT_COLOUR)
        colour.setAlpha(110)
        painter.setBrush(colour)
        painter.drawRoundedRect(QRectF(left, lane_top, max(3.0, right - left), 4), 2, 2)
        marker = QPainterPath()
        marker.moveTo(left - 5, lane_top - 8)
        marker.lineTo(left + 5, lane_top - 8)
        marker.lineTo(left, lane_top + 3)
        marker.closeSubpath()
        painter.setBrush(HIT_COLOUR)
        painter.drawPath(marker)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._duration > 0:
            self._dragging = True
            self._position = self.time_at(event.position().x())
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._duration <= 0:
            return
        seconds = self.time_at(event.position().x())
        QToolTip.showText(event.globalPosition().toPoint(), self.hover_text(seconds), self)
        if self._dragging:
            self._position = seconds
            self.update()

    def hover_text(self, seconds: float) -> str:
        """The tooltip at ``seconds``: the time, and the chapter's title when the video has chapters."""
        title = self.chapter_at(seconds) if len(self._chapters) > 1 else None
        return f"{clock(seconds)} · {title}" if title else clock(seconds)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self._dragging = False
            self.seek_requested.emit(self.time_at(event.position().x()))

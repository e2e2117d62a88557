"""Icons drawn in code or taken from the style, so that no icon depends on an emoji font being installed."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPixmap, QTransform
from PySide6.QtWidgets import QApplication, QStyle


def standard(icon: QStyle.StandardPixmap) -> QIcon:
    return QApplication.style().standardIcon(icon)


def thumb(up: bool, colour: QColor | None = None) -> QIcon:
    """A thumbs-up (or, turned over, thumbs-down) hand: a cuff, a palm with four fingers, and the thumb."""
    size = 64
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if not up:
        painter.setTransform(QTransform().translate(size, size).rotate(180))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour or QColor(90, 90, 100))
    painter.drawRoundedRect(QRectF(6, 28, 11, 30), 3, 3)  # cuff
    hand = QPainterPath()
    hand.addRoundedRect(QRectF(20, 28, 34, 30), 6, 6)  # palm and folded fingers
    hand.addRoundedRect(QRectF(22, 6, 12, 30), 6, 6)  # thumb
    painter.drawPath(hand.simplified())
    painter.setPen(QColor(255, 255, 255, 200))
    for y in (36, 43, 50):  # the gaps between the folded fingers
        painter.drawLine(38, y, 54, y)
    painter.end()
    return QIcon(pixmap)


def fullscreen(leave: bool = False) -> QIcon:
    """Four corner brackets, pointing out (enter full screen) or in (``leave`` it)."""
    size = 64
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = painter.pen()
    pen.setWidth(6)
    pen.setColor(QColor(70, 70, 80))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    low, high, arm = 10, 54, 16
    for x, y, dx, dy in ((low, low, 1, 1), (high, low, -1, 1), (low, high, 1, -1), (high, high, -1, -1)):
        if leave:  # the bracket's corner moves inwards and its arms point back out to the edges
            x, y, dx, dy = x + dx * arm, y + dy * arm, -dx, -dy
        painter.drawLine(x, y, x + dx * arm, y)
        painter.drawLine(x, y, x, y + dy * arm)
    painter.end()
    return QIcon(pixmap)

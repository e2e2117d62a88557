"""The text a video showed on screen (the read channel), one line per row with when it appeared; a click asks to
play from there, and while playing the line on screen is kept selected. Used by the details panel and the player,
beside the transcript. Hidden when the file showed no text."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from mediarec.index.records import ScreenTextLine
from mediarec.ui.formatting import clock


class ScreenTextList(QWidget):
    seek_requested = Signal(float)  # the start of the clicked line, in seconds

    def __init__(self, parent: QWidget | None = None, *, max_height: int | None = None):
        super().__init__(parent)
        self._lines: list[ScreenTextLine] = []
        self._starts: list[float] = []
        self.title = QLabel(self.tr("On screen"), self)
        self.title.setStyleSheet("font-weight: bold; padding: 2px 4px;")
        self.view = QListWidget(self)
        self.view.setWordWrap(True)
        self.view.setAccessibleName(self.tr("On screen"))
        if max_height is not None:
            self.view.setMaximumHeight(max_height)
        self.view.itemClicked.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        self.setVisible(False)

    @property
    def lines(self) -> list[ScreenTextLine]:
        return list(self._lines)

    @property
    def has_lines(self) -> bool:
        return bool(self._lines)

    def set_lines(self, lines: Sequence[ScreenTextLine]) -> None:
        self._lines = sorted(lines, key=lambda line: (line.start, line.box[1]))
        self._starts = [line.start for line in self._lines]
        self.view.clear()
        for line in self._lines:
            row = QListWidgetItem(f"{clock(line.start)}   {line.text}")
            row.setData(Qt.ItemDataRole.UserRole, line.start)
            row.setToolTip(
                self.tr("Shown %1 to %2").replace("%1", clock(line.start)).replace("%2", clock(line.end))
            )
            self.view.addItem(row)
        self.setVisible(self.has_lines)

    def follow(self, position: float) -> None:
        """Select the latest line that appeared by ``position`` (only when it changed, so the user may scroll)."""
        if not self._starts:
            return
        row = bisect.bisect_right(self._starts, position + 0.05) - 1
        if row >= 0 and row != self.view.currentRow():
            self.view.setCurrentRow(row)
            self.view.scrollToItem(self.view.item(row), QListWidget.ScrollHint.PositionAtCenter)

    def _clicked(self, row: QListWidgetItem) -> None:
        start = row.data(Qt.ItemDataRole.UserRole)
        if start is not None:
            self.seek_requested.emit(float(start))

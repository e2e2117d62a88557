"""The player's transcript: one line per spoken segment with its time, the line being spoken kept selected and in
view, and a click on a line asking to play from there."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from mediarec.index.records import TranscriptLine
from mediarec.ui.formatting import clock


class TranscriptList(QWidget):
    seek_requested = Signal(float)  # the start of the clicked line, in seconds

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._lines: list[TranscriptLine] = []
        self._starts: list[float] = []  # of the lines, for a bisect on every poll of the player
        self.title = QLabel(self.tr("Transcript"), self)
        self.title.setStyleSheet("font-weight: bold; padding: 2px 4px;")
        self.view = QListWidget(self)
        self.view.setWordWrap(True)
        self.view.setAlternatingRowColors(True)
        self.view.itemClicked.connect(self._clicked)
        self.view.setAccessibleName(self.tr("Transcript"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)

    @property
    def lines(self) -> list[TranscriptLine]:
        return list(self._lines)

    @property
    def current_row(self) -> int:
        return self.view.currentRow()

    def set_lines(self, lines: Sequence[TranscriptLine]) -> None:
        self._lines = list(lines)
        self._starts = [line.start for line in self._lines]
        self.view.clear()
        for line in self._lines:
            item = QListWidgetItem(f"{clock(line.start)}   {line.text.strip()}")
            item.setData(Qt.ItemDataRole.UserRole, line.start)
            self.view.addItem(item)
        if not self._lines:
            placeholder = QListWidgetItem(self.tr("No speech in this file."))
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.view.addItem(placeholder)

    def follow(self, position: float) -> None:
        """Select the line spoken at `position` and scroll it to the middle (only when it changed, so the user can
        scroll the list between lines)."""
        if not self._lines:
            return
        line = bisect.bisect_right(self._starts, position) - 1
        if line >= 0 and line != self.view.currentRow():
            self.view.setCurrentRow(line)
            self.view.scrollToItem(self.view.item(line), QListWidget.ScrollHint.PositionAtCenter)

    def _clicked(self, item: QListWidgetItem) -> None:
        start = item.data(Qt.ItemDataRole.UserRole)
        if start is not None:
            self.seek_requested.emit(float(start))

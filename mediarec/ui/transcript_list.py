"""The player's transcript: one line per spoken segment with its time, the line being spoken kept selected and in
view, and a click on a line asking to play from there. A file without speech but with chapters lists its chapters
the same way; a file with neither has nothing here (the player then hides the panel: no empty panes)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from mediarec.index.records import TranscriptLine
from mediarec.rank.moments import LEAD_IN_SECONDS
from mediarec.ui.formatting import clock


class TranscriptList(QWidget):
    seek_requested = Signal(float)  # the start of the clicked line, in seconds

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._lines: list[TranscriptLine] = []
        self._starts: list[float] = []  # of the rows, for a bisect on every poll of the player
        self._showing = "nothing"  # "transcript", "chapters" or "nothing"
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

    @property
    def showing(self) -> str:
        """What the panel lists: "transcript", "chapters" or "nothing"."""
        return self._showing

    def set_lines(self, lines: Sequence[TranscriptLine]) -> None:
        self._lines = list(lines)
        self._fill([(line.start, line.text.strip()) for line in self._lines])
        self._showing = "transcript" if self._lines else "nothing"
        self.title.setText(self.tr("Transcript"))

    def show_chapters(self, chapters: Sequence[tuple[float, str]]) -> None:
        """List the chapters (start, title) of a file without a transcript; a transcript, when there is one, stays."""
        if self._lines or not chapters:
            return
        self._fill(list(chapters))
        self._showing = "chapters"
        self.title.setText(self.tr("Chapters"))

    def _fill(self, rows: Sequence[tuple[float, str]]) -> None:
        self._starts = [start for start, _ in rows]
        self.view.clear()
        for start, text in rows:
            item = QListWidgetItem(f"{clock(start)}   {text}")
            item.setData(Qt.ItemDataRole.UserRole, start)
            self.view.addItem(item)

    def follow(self, position: float) -> None:
        """Select the line spoken (or the chapter playing) at `position` and scroll it to the middle (only when it
        changed, so the user can scroll the list between lines)."""
        if not self._starts:
            return
        # A line about to start within the player's lead-in counts as spoken: opened on a search hit, the player
        # starts just before its sentence, and that sentence is the one to show.
        line = bisect.bisect_right(self._starts, position + LEAD_IN_SECONDS + 0.05) - 1
        if line >= 0 and line != self.view.currentRow():
            self.view.setCurrentRow(line)
            self.view.scrollToItem(self.view.item(line), QListWidget.ScrollHint.PositionAtCenter)

    def _clicked(self, item: QListWidgetItem) -> None:
        start = item.data(Qt.ItemDataRole.UserRole)
        if start is not None:
            self.seek_requested.emit(float(start))

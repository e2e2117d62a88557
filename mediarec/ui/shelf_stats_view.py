""" "How are recommendations doing?": the For-you shelf's own figures (recommend/shelf_stats.py) in a small dialog,
opened from the shelf. Of the picks shown, the share played, played past half, liked and dismissed afterwards, by
kind of reason and by the variety setting in force when they were shown."""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mediarec.app import shelf
from mediarec.errors import MediarecError
from mediarec.recommend.shelf_stats import OUTCOMES, OutcomeCounts, ShelfStats
from mediarec.ui.bridge import WorkerPools, report_unexpected, run_task


def reason_name(kind: str) -> str:
    """A kind of reason as the shelf's cards word it, without the item or tags it names."""
    names = {
        "watched": QCoreApplication.translate("ShelfStats", "Because you watched …"),
        "liked": QCoreApplication.translate("ShelfStats", "Because you liked …"),
        "tags": QCoreApplication.translate("ShelfStats", "You like: (tags)"),
        "continue": QCoreApplication.translate("ShelfStats", "Continue watching"),
        "new": QCoreApplication.translate("ShelfStats", "New in your library"),
        "explore": QCoreApplication.translate("ShelfStats", "Something different"),
    }
    return names.get(kind, kind)


def column_names() -> list[str]:
    return [
        QCoreApplication.translate("ShelfStats", "Shown"),
        QCoreApplication.translate("ShelfStats", "Played"),
        QCoreApplication.translate("ShelfStats", "Past half"),
        QCoreApplication.translate("ShelfStats", "Liked"),
        QCoreApplication.translate("ShelfStats", "Dismissed"),
    ]


class ShelfStatsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("shelfStatsDialog")
        self.setWindowTitle(self.tr("How are recommendations doing?"))
        self.summary = QLabel(self.tr("Loading…"), self)
        self.summary.setWordWrap(True)
        self.by_reason = _table(self)
        self.variety_heading = QLabel(
            self.tr("By variety (0 = closest to your taste, 1 = most varied)"), self
        )
        self.by_variety = _table(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.by_reason)
        layout.addWidget(self.variety_heading)
        layout.addWidget(self.by_variety)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(640, 420)
        self._show_tables(False)

    def set_stats(self, stats: ShelfStats) -> None:
        if stats.is_empty:
            self.summary.setText(
                self.tr(
                    "No recommendations shown yet. What the For you shelf shows is recorded, and these figures "
                    "follow what you then play, like and dismiss."
                )
            )
            self._show_tables(False)
            return
        self.summary.setText(self._summary(stats))
        rows = [(self.tr("All picks"), stats.total)]
        rows += [(reason_name(kind), counts) for kind, counts in stats.by_reason.items()]
        _fill(self.by_reason, rows)
        _fill(
            self.by_variety,
            [
                (self.tr("Variety %1").replace("%1", f"{value:.1f}"), c)
                for value, c in stats.by_variety.items()
            ],
        )
        self._show_tables(True)

    def set_error(self, message: str) -> None:
        self.summary.setText(self.tr("The figures could not be read: %1").replace("%1", message))
        self._show_tables(False)

    def _summary(self, stats: ShelfStats) -> str:
        since = time.strftime("%Y-%m-%d", time.localtime(stats.first_shown or 0.0))
        days = f"{stats.window_days:g}"
        text = (
            self.tr(
                "%1 picks shown since %2. Each counts what you did with the file within %3 days after it was shown."
            )
            .replace("%1", str(stats.total.shown))
            .replace("%2", since)
            .replace("%3", days)
        )
        if stats.open:
            text += " " + self.tr(
                "%1 of them were shown less than %2 days ago and may still be played."
            ).replace("%1", str(stats.open)).replace("%2", days)
        return text

    def _show_tables(self, visible: bool) -> None:
        for widget in (self.by_reason, self.variety_heading, self.by_variety):
            widget.setVisible(visible)


def _table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, 1 + len(OUTCOMES), parent)
    table.setHorizontalHeaderLabels(column_names())
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # figures to read, nothing to pick
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # As tall as its rows (a handful), so the dialog has no empty grid below them.
    table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, OutcomeCounts]]) -> None:
    table.setRowCount(len(rows))
    table.setVerticalHeaderLabels([label for label, _ in rows])
    for row, (_, counts) in enumerate(rows):
        cells = [str(counts.shown)] + [f"{counts.share(name):.0%}" for name in OUTCOMES]
        tips = [""] + [
            QCoreApplication.translate("ShelfStats", "%1 of %2")
            .replace("%1", str(getattr(counts, name)))
            .replace("%2", str(counts.shown))
            for name in OUTCOMES
        ]
        for column, (text, tip) in enumerate(zip(cells, tips, strict=True)):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(tip)
            table.setItem(row, column, item)


def open_shelf_stats(parent: QWidget, library, pools: WorkerPools) -> ShelfStatsDialog:
    """Show the dialog at once ("Loading…") and fill it when the figures are read, off the GUI thread."""
    dialog = ShelfStatsDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def failed(error: BaseException) -> None:
        if not isinstance(error, MediarecError):
            report_unexpected(error)
        dialog.set_error(str(error))

    run_task(
        pools.search,
        shelf.recommendation_stats,
        library,
        on_result=dialog.set_stats,
        on_error=failed,
        owner=dialog,
    )
    dialog.open()  # window-modal: a second click on the link cannot open a second copy
    return dialog


def record_shelf_shown(library, pools: WorkerPools, cards, diversity: float) -> None:
    """Record the cards the shelf now shows (on the writes pool). A library that cannot be written just now (busy,
    disk full) loses this record only: the shelf itself never waits for it or fails because of it."""

    def failed(error: BaseException) -> None:
        if not isinstance(error, MediarecError):
            report_unexpected(error)

    run_task(pools.writes, shelf.record_cards_shown, library, list(cards), diversity, on_error=failed)

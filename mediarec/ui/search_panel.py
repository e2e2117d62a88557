"""Search as you type: results grouped by item, each with its matching moments (time, why it matched, snippet)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QObject, QRect, QRectF, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFont,
    QPainter,
    QPalette,
    QStandardItem,
    QStandardItemModel,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from mediarec.errors import MediarecError
from mediarec.rank.hits import Moment, SearchHit
from mediarec.ui.bridge import TaskHandle, run_task
from mediarec.ui.formatting import kind_label, modality_label, time_range
from mediarec.ui.library_model import paint_picture
from mediarec.ui.model_help import ModelHelp
from mediarec.ui.thumbnails import ThumbnailCache

ITEM_ID_ROLE = Qt.ItemDataRole.UserRole + 1
START_ROLE = Qt.ItemDataRole.UserRole + 2
PATH_ROLE = Qt.ItemDataRole.UserRole + 3
PRIMARY_ROLE = Qt.ItemDataRole.UserRole + 4
SECONDARY_ROLE = Qt.ItemDataRole.UserRole + 5
THUMBNAIL_ROLE = Qt.ItemDataRole.UserRole + 6
KIND_ROLE = Qt.ItemDataRole.UserRole + 7
IS_MOMENT_ROLE = Qt.ItemDataRole.UserRole + 8
MODALITY_ROLE = Qt.ItemDataRole.UserRole + 9

# A snippet's matched words come marked "[like this]" (rank/moments.py); a row shows them in bold. A mark the
# eliding cut before its end runs to the end of the text.
_MARKED = re.compile(r"\[([^\[\]]+)(?:\]|$)")

DEBOUNCE_MILLISECONDS = 250
RESULT_LIMIT = 30


class SearchResultsModel(QStandardItemModel):
    """Top-level rows are items; their children are the item's matching moments, best first."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.hits: list[SearchHit] = []

    def set_hits(self, hits: Sequence[SearchHit]) -> None:
        self.clear()
        self.hits = list(hits)
        for hit in self.hits:
            self.appendRow(self._item_row(hit))

    def _item_row(self, hit: SearchHit) -> QStandardItem:
        item = hit.item
        row = QStandardItem(item.display_title)
        count = len(hit.moments)
        best = hit.best
        summary = (
            self.tr("%1 · best match at %2, %3")
            .replace("%1", kind_label(item.kind))
            .replace("%2", time_range(best.start, best.end))
            .replace("%3", modality_label(best.modality))
        )
        if count > 1:
            summary += " · " + self.tr("%1 moments").replace("%1", str(count))
        _set_roles(row, item.id, item.path, best.play_from, item.kind, False)
        row.setData(item.display_title, PRIMARY_ROLE)
        row.setData(summary, SECONDARY_ROLE)
        row.setData(best.thumbnail or item.thumbnail, THUMBNAIL_ROLE)
        row.setData(best.modality, MODALITY_ROLE)
        row.setToolTip(item.path)
        for moment in hit.moments:
            row.appendRow(self._moment_row(hit, moment))
        return row

    def _moment_row(self, hit: SearchHit, moment: Moment) -> QStandardItem:
        row = QStandardItem(time_range(moment.start, moment.end))
        _set_roles(row, hit.item.id, hit.item.path, moment.play_from, hit.item.kind, True)
        row.setData(
            f"{time_range(moment.start, moment.end)} · {modality_label(moment.modality)}", PRIMARY_ROLE
        )
        snippet = (moment.snippet or "").strip()
        row.setData(f"“{snippet}”" if snippet and moment.modality != "text" else "", SECONDARY_ROLE)
        row.setData(moment.thumbnail or hit.item.thumbnail, THUMBNAIL_ROLE)
        row.setData(moment.modality, MODALITY_ROLE)
        row.setToolTip(self.tr("Play from %1").replace("%1", time_range(moment.start, moment.end)))
        return row


def _set_roles(row: QStandardItem, item_id: int, path: str, start: float, kind: str | None, is_moment: bool):
    row.setEditable(False)
    row.setData(item_id, ITEM_ID_ROLE)
    row.setData(path, PATH_ROLE)
    row.setData(float(start), START_ROLE)
    row.setData(kind or "video", KIND_ROLE)
    row.setData(is_moment, IS_MOMENT_ROLE)


class ResultDelegate(QStyledItemDelegate):
    """An item row: thumbnail, bold title, summary. A moment row: smaller thumbnail, time and why, snippet."""

    def __init__(self, thumbnails: ThumbnailCache, parent: QObject | None = None):
        super().__init__(parent)
        self._thumbnails = thumbnails

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(300, 58 if index.data(IS_MOMENT_ROLE) else 72)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        painter.save()
        is_moment = bool(index.data(IS_MOMENT_ROLE))
        palette = option.palette
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight).lighter(170))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            colour = palette.color(QPalette.ColorRole.Highlight)
            colour.setAlpha(30)
            painter.fillRect(option.rect, colour)
        height = 42 if is_moment else 56
        picture = QRect(
            option.rect.left() + 4, option.rect.top() + (option.rect.height() - height) // 2, 0, height
        )
        picture.setWidth(height * 16 // 9)
        pixmap = self._thumbnails.get(index.data(THUMBNAIL_ROLE))
        paint_picture(painter, picture, pixmap, index.data(KIND_ROLE) or "video")
        text = QRect(picture.right() + 10, option.rect.top() + 4, 0, option.rect.height() - 8)
        text.setRight(option.rect.right() - 6)
        primary_font = QFont(option.font)
        primary_font.setBold(True)
        if not is_moment:
            primary_font.setPointSizeF(primary_font.pointSizeF() * 1.08)
        painter.setFont(primary_font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        metrics = painter.fontMetrics()
        primary = metrics.elidedText(
            index.data(PRIMARY_ROLE) or "", Qt.TextElideMode.ElideRight, text.width()
        )
        secondary = index.data(SECONDARY_ROLE) or ""
        # A line on its own sits in the middle of the row, beside its picture.
        vertical = Qt.AlignmentFlag.AlignTop if secondary else Qt.AlignmentFlag.AlignVCenter
        painter.drawText(text, Qt.AlignmentFlag.AlignLeft | vertical, primary)
        secondary_area = text.adjusted(0, metrics.height() + 2, 0, 0)
        painter.setFont(option.font)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
        lines_fit = max(1, secondary_area.height() // max(1, painter.fontMetrics().lineSpacing()))
        shown = _elide_lines(painter, secondary, secondary_area.width(), lines_fit)
        if is_moment and _MARKED.search(shown):
            _draw_marked(painter, secondary_area, shown, painter.pen().color())
        else:
            painter.drawText(secondary_area, flags, shown)
        painter.restore()


def marked_html(text: str) -> str:
    """A snippet as rich text: HTML-escaped, its "[marked]" words in bold."""
    return _MARKED.sub(lambda match: f"<b>{match.group(1)}</b>", html.escape(text, quote=False))


def _draw_marked(painter: QPainter, area: QRect, text: str, colour) -> None:
    """Word-wrapped text with its marked words in bold, in the painter's font, clipped to ``area``."""
    document = QTextDocument()
    document.setDocumentMargin(0)
    document.setDefaultFont(painter.font())
    document.setTextWidth(area.width())
    document.setHtml(marked_html(text))
    context = QAbstractTextDocumentLayout.PaintContext()
    context.palette.setColor(QPalette.ColorRole.Text, colour)  # through the palette, so its alpha counts too
    context.clip = QRectF(0, 0, area.width(), area.height())
    painter.save()
    painter.translate(area.topLeft())
    painter.setClipRect(context.clip)
    document.documentLayout().draw(painter, context)
    painter.restore()


def _elide_lines(painter: QPainter, text: str, width: int, lines: int) -> str:
    """Word-wrapped text cut to ``lines`` lines, with an ellipsis when it goes on."""
    metrics = painter.fontMetrics()
    if metrics.boundingRect(QRect(0, 0, width, 10000), Qt.TextFlag.TextWordWrap, text).height() <= (
        lines * metrics.lineSpacing()
    ):
        return text
    return metrics.elidedText(
        text, Qt.TextElideMode.ElideRight, width * lines - metrics.averageCharWidth() * 4
    )


class SearchPanel(QWidget):
    """The results page. ``set_query`` is called on every keystroke; the search runs once typing pauses."""

    moment_activated = Signal(int, str, float)  # item id, path, start seconds
    item_selected = Signal(int)
    results_shown = Signal(int)  # how many items matched

    def __init__(self, library, pool: QThreadPool, thumbnails: ThumbnailCache, parent: QWidget | None = None):
        super().__init__(parent)
        self._library = library
        self._pool = pool
        self._query = ""
        self._kind = ""
        self._generation = 0
        self._searched_once = False
        self._handle: TaskHandle | None = None
        self.model = SearchResultsModel(self)
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MILLISECONDS)
        self._debounce.timeout.connect(self._run_search)

        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setContentsMargins(8, 6, 8, 6)
        self.status.setObjectName("searchStatus")
        self.status.linkActivated.connect(self._show_weak)
        self.view = QTreeView(self)
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        self.view.setItemDelegate(ResultDelegate(thumbnails, self.view))
        self.view.setMouseTracking(True)
        self.view.setIndentation(28)
        self.view.setUniformRowHeights(False)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.clicked.connect(self._clicked)
        self.view.activated.connect(self._activated)
        self.view.setAccessibleName(self.tr("Search results"))
        # The arrow keys move through the results like clicks do (the details panel follows).
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        thumbnails.loaded.connect(lambda _path: self.view.viewport().update())
        # When a model is missing: what happened and the ways out (the window acts on the buttons).
        self.model_help = ModelHelp(self)
        # Before the window's own handler: the best result is selected when the window asks which one is.
        self.results_shown.connect(self._select_best)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.model_help)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)

    # -- querying ----------------------------------------------------------------------------------------------

    def set_query(self, text: str) -> None:
        self._query = text.strip()
        if self._query:
            self._debounce.start()
        else:
            self._debounce.stop()
            self._generation += 1  # a search still running for older text is ignored when it returns
            self.model.set_hits([])
            self.status.clear()

    def set_kind(self, kind: str) -> None:
        self._kind = kind
        if self._query:
            self._run_search()

    @property
    def query(self) -> str:
        return self._query

    def _run_search(self) -> None:
        self._generation += 1
        generation, query = self._generation, self._query
        if self._searched_once:
            self.status.setText(self.tr("Searching for “%1”…").replace("%1", query))
        else:
            self.status.setText(
                self.tr("Searching… the first search loads the models, which takes a few seconds.")
            )
        self._handle = run_task(
            self._pool,
            _search_indexed,
            self._library,
            query,
            RESULT_LIMIT,
            on_result=lambda hits: self._show(generation, query, hits),
            on_error=lambda error: self._failed(generation, error),
            owner=self,
        )

    def _show(self, generation: int, query: str, hits: list[SearchHit], weak: bool = False) -> None:
        if generation != self._generation:
            return
        self._searched_once = True
        if self._kind:
            hits = [hit for hit in hits if (hit.item.kind or "video") == self._kind]
        self.model.set_hits(hits)
        self.view.expandAll()
        if hits:
            self.status.setText(
                self.tr("Results for “%1”: click a moment to play it there.").replace("%1", query)
            )
        elif weak:
            self.status.setText(self.tr("Nothing matches “%1”, not even weakly.").replace("%1", query))
        else:
            # Nothing reached the match threshold; the link shows what came close (rank/search.py).
            self.status.setText(
                self.tr("No matches for “%1”.").replace("%1", html.escape(query))
                + ' <a href="weak">'
                + self.tr("Show weak matches")  # outside an f-string, so lupdate finds it
                + "</a>"
            )
        self.results_shown.emit(len(hits))

    def _show_weak(self, _link: str = "") -> None:
        """The "Show weak matches" link: the same query again, down to the weak threshold."""
        self._generation += 1
        generation, query = self._generation, self._query
        self._handle = run_task(
            self._pool,
            self._library.search,
            query,
            RESULT_LIMIT,
            include_weak=True,
            on_result=lambda hits: self._show(generation, query, hits, weak=True),
            on_error=lambda error: self._failed(generation, error),
            owner=self,
        )

    def _failed(self, generation: int, error: BaseException) -> None:
        from mediarec.models.base import ModelError

        if generation != self._generation:
            return
        # Among them HelperProcessError: the model helper crashed twice in a row; its message says how.
        if not isinstance(error, MediarecError):
            raise error
        self.model.set_hits([])
        if isinstance(error, NothingIndexed):
            self.status.setText(
                self.tr(
                    "Nothing is indexed yet, so there is nothing to search in. Your files are in the library and "
                    "play; search finds them once they are indexed."
                )
            )
        elif isinstance(error, ModelError):
            self.status.setText(self.tr("Search needs its models."))
            self.model_help.show_problem(
                str(error), offline_possible=self._library.settings.profile != "offline"
            )
        else:
            self.status.setText(self.tr("Search is not available: %1").replace("%1", str(error)))
        self.results_shown.emit(0)

    def search_again(self) -> None:
        """The "Try again" of the model help: the same query once more."""
        self.model_help.hide()
        if self._query:
            self._run_search()

    # -- opening results ---------------------------------------------------------------------------------------

    def selected_item(self) -> int | None:
        """The item of the selected result (or of its selected moment); None when nothing matched."""
        index = self.view.currentIndex()
        if not index.isValid() or not self.model.hits:
            return None
        return int(index.data(ITEM_ID_ROLE))

    def _select_best(self, count: int) -> None:
        if count:
            self.model_help.hide()  # a search that answers has its models
            self.view.setCurrentIndex(self.model.index(0, 0))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and current.data(ITEM_ID_ROLE) is not None:
            self.item_selected.emit(int(current.data(ITEM_ID_ROLE)))

    def _clicked(self, index: QModelIndex) -> None:
        self.item_selected.emit(int(index.data(ITEM_ID_ROLE)))
        if index.data(IS_MOMENT_ROLE):
            self._open(index)

    def _activated(self, index: QModelIndex) -> None:
        if not index.data(IS_MOMENT_ROLE):
            self._open(index)

    def _open(self, index: QModelIndex) -> None:
        self.moment_activated.emit(
            int(index.data(ITEM_ID_ROLE)),
            str(index.data(PATH_ROLE)),
            float(index.data(START_ROLE)),
        )

    def moment_index(self, item_row: int, moment_row: int) -> QModelIndex:
        return self.model.index(moment_row, 0, self.model.index(item_row, 0))


class NothingIndexed(MediarecError):
    """The library has files, none indexed yet (their models are still missing, say): nothing to search."""


def _search_indexed(library, query: str, limit: int) -> list[SearchHit]:
    if library.store.count_items() == 0:
        raise NothingIndexed("nothing is indexed yet")
    return library.search(query, limit)

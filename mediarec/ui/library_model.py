"""The library grid: a list model of cards (sorted and filtered in Python, which stays fast for 10^5 rows) and
the delegate that paints each card with its lazily loaded thumbnail, and a "not indexed yet" badge on a file that
is listed but waits for indexing.

While files are being indexed the cards keep their places (``hold_order``): the grid reloads every second or two
then, and a card that jumped ahead of the one under the pointer would make the user click the wrong file. New
cards go after the others, and the sort order applies again once indexing is over."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from mediarec.app.shelf import LibraryRow
from mediarec.ui.formatting import clock, kind_label
from mediarec.ui.thumbnails import ThumbnailCache

ITEM_ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2

SORT_KEYS = ("added", "name", "duration", "played", "given")  # "given": the order the rows came in
KINDS = ("", "video", "audio")  # "" shows both


def sort_rows(rows: Iterable[LibraryRow], key: str) -> list[LibraryRow]:
    if key == "given":
        return list(rows)
    if key == "name":
        return sorted(rows, key=lambda row: (row.title.casefold(), row.id))
    if key == "duration":
        return sorted(rows, key=lambda row: (-row.duration, row.title.casefold()))
    if key == "played":
        # Recently played first; never played after them, newest first.
        return sorted(rows, key=lambda row: (-row.last_played, -row.added_at))
    return sorted(rows, key=lambda row: (-row.added_at, -row.id))


class LibraryModel(QAbstractListModel):
    def __init__(self, thumbnails: ThumbnailCache, parent: QObject | None = None, sort_key: str = "added"):
        super().__init__(parent)
        self._thumbnails = thumbnails
        self._all: list[LibraryRow] = []
        self._visible: list[LibraryRow] = []
        self._sorted: dict[str, list[LibraryRow]] = {}  # sort key -> every row in that order, until new rows
        self._sort_key = sort_key
        self._kind = ""
        self._tagged: set[int] | None = None
        self._hold_order = False
        self._rank: dict[int, int] = {}  # item id -> its place in the last order of every row
        thumbnails.loaded.connect(self._thumbnail_loaded)

    # -- what is shown -----------------------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[LibraryRow]) -> None:
        self._all = list(rows)
        self._sorted = {}
        self._refresh(resort=not self._hold_order)

    def hold_order(self, hold: bool) -> None:
        """Keep the cards where they are while ``hold`` (indexing): new rows go last; sorted again after."""
        if hold == self._hold_order:
            return
        self._hold_order = hold
        if not hold:
            self._refresh()

    def set_sort_key(self, key: str) -> None:
        if key not in SORT_KEYS:
            raise ValueError(f"unknown sort key {key!r}")
        self._sort_key = key
        self._refresh()

    def set_kind(self, kind: str) -> None:
        self._kind = kind
        self._refresh()

    def set_tagged_items(self, item_ids: set[int] | None) -> None:
        """Show only these items (a tag filter); None shows all."""
        self._tagged = item_ids
        self._refresh()

    @property
    def total_count(self) -> int:
        return len(self._all)

    def index_of_item(self, item_id: int) -> QModelIndex:
        for row, entry in enumerate(self._visible):
            if entry.id == item_id:
                return self.index(row)
        return QModelIndex()

    def _refresh(self, resort: bool = True) -> None:
        """Filter and order the rows; ``resort=False`` keeps the known rows in their last order (new ones last).
        A choice of the user (sort, kind, tag) always sorts."""
        if resort or not self._rank:
            # Each order is sorted once per set of rows: a kind or tag filter, or going back to an order seen
            # before, costs no sort of 10^5 rows on the GUI thread.
            if self._sort_key not in self._sorted:
                self._sorted[self._sort_key] = sort_rows(self._all, self._sort_key)
            ordered = self._sorted[self._sort_key]
        else:
            rank = self._rank
            known = sorted((row for row in self._all if row.id in rank), key=lambda row: rank[row.id])
            ordered = known + sort_rows([row for row in self._all if row.id not in rank], self._sort_key)
        self._rank = {row.id: place for place, row in enumerate(ordered)}
        rows: Iterable[LibraryRow] = ordered
        if self._kind:
            rows = [row for row in rows if row.kind == self._kind]
        if self._tagged is not None:
            rows = [row for row in rows if row.id in self._tagged]
        self.beginResetModel()
        self._visible = list(rows)
        self.endResetModel()

    # -- Qt model API ------------------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._visible):
            return None
        row = self._visible[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.title
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnails.get(row.thumbnail)
        if role == Qt.ItemDataRole.ToolTipRole:
            if not row.indexed:
                return (
                    row.path
                    + "\n"
                    + QCoreApplication.translate(
                        "LibraryModel",
                        "Not indexed yet: it plays; search and “more like this” find it once it is.",
                    )
                )
            return row.path
        if role == ITEM_ID_ROLE:
            return row.id
        if role == ROW_ROLE:
            return row
        return None

    def _thumbnail_loaded(self, _path: str) -> None:
        # One signal over every row: a view answers a span with one repaint of what it shows (coalesced with the
        # other pictures that arrive before it paints), so no map from picture to rows has to be rebuilt on
        # every sort or filter (~0.2 s with 10^5 rows, on the GUI thread).
        if self._visible:
            self.dataChanged.emit(
                self.index(0), self.index(len(self._visible) - 1), [Qt.ItemDataRole.DecorationRole]
            )


CARD_SIZE = QSize(200, 168)
PICTURE_HEIGHT = 112


class CardDelegate(QStyledItemDelegate):
    """A card: the picture (letterboxed, or a placeholder for audio), the title, then kind and duration."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return CARD_SIZE

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        row: LibraryRow | None = index.data(ROW_ROLE)
        if row is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = option.rect.adjusted(6, 6, -6, -6)
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected or hovered:
            colour = palette.color(QPalette.ColorRole.Highlight)
            colour.setAlpha(60 if selected else 25)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(option.rect.adjusted(2, 2, -2, -2), 6, 6)
        picture = QRect(card.left(), card.top(), card.width(), PICTURE_HEIGHT)
        paint_picture(painter, picture, index.data(Qt.ItemDataRole.DecorationRole), row.kind)
        _paint_duration_badge(painter, picture, row.duration)
        if not row.indexed:
            paint_pending_badge(painter, picture)
        text = QRect(
            card.left() + 2, picture.bottom() + 6, card.width() - 4, card.bottom() - picture.bottom() - 6
        )
        title_font = QFont(option.font)
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        title = painter.fontMetrics().elidedText(row.title, Qt.TextElideMode.ElideRight, text.width())
        painter.drawText(text, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, title)
        painter.setFont(option.font)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        subtitle = painter.fontMetrics().elidedText(_subtitle(row), Qt.TextElideMode.ElideRight, text.width())
        painter.drawText(text, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, subtitle)
        painter.restore()


COMPACT_ROW_HEIGHT = 56


class CompactDelegate(QStyledItemDelegate):
    """A one-line card for narrow lists ("More like this"): picture, title, kind and length."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(200, COMPACT_ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        row: LibraryRow | None = index.data(ROW_ROLE)
        if row is None:
            return
        painter.save()
        palette = option.palette
        if option.state & (QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_MouseOver):
            colour = palette.color(QPalette.ColorRole.Highlight)
            colour.setAlpha(60 if option.state & QStyle.StateFlag.State_Selected else 25)
            painter.fillRect(option.rect, colour)
        picture = QRect(option.rect.left() + 2, option.rect.top() + 4, 85, 48)
        paint_picture(painter, picture, index.data(Qt.ItemDataRole.DecorationRole), row.kind)
        text = QRect(
            picture.right() + 8, picture.top(), option.rect.right() - picture.right() - 10, picture.height()
        )
        title_font = QFont(option.font)
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        title = painter.fontMetrics().elidedText(row.title, Qt.TextElideMode.ElideRight, text.width())
        painter.drawText(text, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, title)
        below = text.adjusted(0, painter.fontMetrics().lineSpacing() + 3, 0, 0)
        painter.setFont(option.font)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        subtitle = f"{kind_label(row.kind)} · {clock(row.duration)}"
        painter.drawText(below, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, subtitle)
        painter.restore()


def _subtitle(row: LibraryRow) -> str:
    kind = kind_label(row.kind)
    return f"{kind} · {row.artist}" if row.artist else kind


def paint_picture(painter: QPainter, area: QRect, pixmap: QPixmap | None, kind: str) -> None:
    """A thumbnail letterboxed on a dark background, or a drawn placeholder while it loads (or for audio)."""
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(32, 34, 40) if kind != "audio" else QColor(48, 42, 70))
    painter.drawRoundedRect(area, 4, 4)
    if isinstance(pixmap, QPixmap) and not pixmap.isNull():
        scaled = pixmap.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, scaled.width(), scaled.height())
        target.moveCenter(area.center())
        painter.drawPixmap(target, pixmap)
    else:
        glyph_font = QFont(painter.font())
        glyph_font.setPixelSize(max(12, area.height() // 3))
        painter.setFont(glyph_font)
        painter.setPen(QColor(200, 200, 215, 160))
        painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "♪" if kind == "audio" else "▶")
    painter.restore()


def pending_badge_text() -> str:
    return QCoreApplication.translate("LibraryModel", "not indexed yet")


def paint_pending_badge(painter: QPainter, picture: QRect) -> None:
    """ "not indexed yet" in the picture's top left corner, for a file that is listed but waits for indexing."""
    painter.save()
    text = pending_badge_text()
    font = QFont(painter.font())
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
    painter.setFont(font)
    metrics = painter.fontMetrics()
    width = min(picture.width() - 10, metrics.horizontalAdvance(text) + 12)
    badge = QRect(picture.left() + 5, picture.top() + 5, width, metrics.height() + 4)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(240, 170, 40, 225))
    painter.drawRoundedRect(badge, 3, 3)
    painter.setPen(QColor(40, 28, 0))
    painter.drawText(
        badge, Qt.AlignmentFlag.AlignCenter, metrics.elidedText(text, Qt.TextElideMode.ElideRight, width - 8)
    )
    painter.restore()


def _paint_duration_badge(painter: QPainter, picture: QRect, seconds: float) -> None:
    if seconds <= 0:
        return
    painter.save()
    text = clock(seconds)
    font = QFont(painter.font())
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
    painter.setFont(font)
    metrics = painter.fontMetrics()
    badge = QRect(0, 0, metrics.horizontalAdvance(text) + 10, metrics.height() + 2)
    badge.moveBottomRight(picture.bottomRight() - QPoint(5, 5))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 170))
    painter.drawRoundedRect(badge, 3, 3)
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()

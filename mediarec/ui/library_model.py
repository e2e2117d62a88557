"""The library grid: a list model of cards over the library's listing (app/library_listing.py: columns with each
sort order computed on a worker, so a sort or filter here only picks an index array), and the delegate that paints
each card with its lazily loaded thumbnail, and a "not indexed yet" badge on a file that is listed but waits for
indexing.

While files are being indexed the cards keep their places (``hold_order``): the grid reloads every second or two
then, and a card that jumped ahead of the one under the pointer would make the user click the wrong file. New
cards go after the others, and the sort order applies again once indexing is over."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shiboken6
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
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from mediarec.app.library_listing import SORT_KEYS, LibraryListing, listing_from_rows
from mediarec.app.shelf import LibraryRow
from mediarec.ui.formatting import clock, kind_label
from mediarec.ui.thumbnails import ThumbnailCache

ITEM_ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2


class LibraryModel(QAbstractListModel):
    def __init__(self, thumbnails: ThumbnailCache, parent: QObject | None = None, sort_key: str = "added"):
        super().__init__(parent)
        self._thumbnails = thumbnails
        self._listing = listing_from_rows([])
        self._shown = np.empty(0, dtype=np.int64)  # the listing's row numbers, in the grid's order
        self._shown_ids = np.empty(0, dtype=np.int64)  # the item of each row shown
        self._sort_key = sort_key
        self._kind = ""
        self._tagged: np.ndarray | None = None  # sorted item ids
        self._hold_order = False
        self._placed_ids: np.ndarray | None = None  # each row's item id in the last order (kept when held)

    # -- what is shown -----------------------------------------------------------------------------------------

    def set_rows(self, rows: LibraryListing | Sequence[LibraryRow]) -> None:
        """Show these rows: a listing built on a worker (app.library_listing.load_listing, or a first page of
        listing_in_stages), or a few rows."""
        listing = rows if isinstance(rows, LibraryListing) else listing_from_rows(rows)
        self._refresh(resort=not self._hold_order, listing=listing)

    @property
    def sort_key(self) -> str:
        return self._sort_key

    @property
    def showing_first_page(self) -> bool:
        """Whether the rows are only a first page (the rest of the library is on its way)."""
        return self._listing.first_page_of is not None

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
        self._tagged = None if item_ids is None else np.sort(np.fromiter(item_ids, np.int64, len(item_ids)))
        self._refresh()

    @property
    def total_count(self) -> int:
        return len(self._listing)

    def index_of_item(self, item_id: int) -> QModelIndex:
        place = self._listing.place_of(self._shown, item_id)
        return QModelIndex() if place is None else self.index(place)

    def _refresh(self, resort: bool = True, listing: LibraryListing | None = None) -> None:
        """Filter and order the rows (of ``listing`` when given, which replaces the one shown); ``resort=False``
        keeps the known rows in their last order (new ones last). A choice of the user (sort, kind, tag) always
        sorts."""
        listing = self._listing if listing is None else listing
        if resort or self._placed_ids is None:
            ordered = listing.order(self._sort_key)
        else:
            ordered = listing.keep_places(self._placed_ids, self._sort_key)
        self._placed_ids = listing.ids[ordered]
        shown = listing.narrowed(ordered, self._kind, self._tagged)
        shown_ids = listing.ids[shown]
        old_ids = self._shown_ids
        if 0 < len(old_ids) < len(shown_ids) and np.array_equal(shown_ids[: len(old_ids)], old_ids):
            # Only new cards after those shown (the rest of a first page, or files indexed while the cards hold
            # still): an insert keeps the user's selection, hover and scroll, which a reset would drop. The view
            # lays out and repaints what it shows after an insert, so a card shown whose file changed (indexed
            # meanwhile) is painted anew too.
            self.beginInsertRows(QModelIndex(), len(old_ids), len(shown_ids) - 1)
            self._listing, self._shown, self._shown_ids = listing, shown, shown_ids
            self.endInsertRows()
            return
        self.beginResetModel()
        self._listing, self._shown, self._shown_ids = listing, shown, shown_ids
        self.endResetModel()

    # -- Qt model API ------------------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._shown):
            return None
        number = int(self._shown[index.row()])
        listing = self._listing
        if role == Qt.ItemDataRole.DisplayRole:
            return listing.titles[number]
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnails.get(listing.thumbnails[number])
        if role == Qt.ItemDataRole.ToolTipRole:
            if not listing.indexed[number]:
                return (
                    listing.paths[number]
                    + "\n"
                    + QCoreApplication.translate(
                        "LibraryModel",
                        "Not indexed yet: it plays; search and “more like this” find it once it is.",
                    )
                )
            return listing.paths[number]
        if role == ITEM_ID_ROLE:
            return int(listing.ids[number])
        if role == ROW_ROLE:
            return listing.row(number)  # made when asked: 10^5 kept row objects slowed the garbage collector
        return None


def repaint_when_pictures_arrive(view: QAbstractItemView, thumbnails: ThumbnailCache) -> None:
    """Repaint what ``view`` shows when a thumbnail is decoded (a paint asked for it; coalesced with the others that
    arrive before the next paint). Not a dataChanged from the model: QListView (Qt 6.11) lays out every card again
    on any dataChanged, a second or more of batched layout at 10^5 cards for each picture that arrived."""
    viewport = view.viewport()

    def repaint(_path: str) -> None:
        if shiboken6.isValid(viewport):  # the view may be gone before the cache
            viewport.update()

    thumbnails.loaded.connect(repaint)


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

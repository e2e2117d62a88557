"""The "For you" shelf above the library grid: a strip of cards from the recommender, each saying why it is there
("because you watched X", "you like: ...", "continue watching"), and a variety control.

The recommender's reasons are structured (kind, named item, tags), so the shelf words them in the app's language
instead of showing the English text the command line prints.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSlider,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from mediarec.app.shelf import ForYouCard
from mediarec.recommend.explain import Explainer
from mediarec.ui.formatting import clock, tag_label
from mediarec.ui.library_model import ITEM_ID_ROLE, ROW_ROLE, paint_picture
from mediarec.ui.thumbnails import ThumbnailCache

CARD_ROLE = Qt.ItemDataRole.UserRole + 10
REASON_ROLE = Qt.ItemDataRole.UserRole + 11

SHELF_CARD_SIZE = QSize(232, 184)  # the smallest card: picture, title and the reason's lines (card_size)
SHELF_PICTURE_HEIGHT = 118
REASON_LINES = 3  # a card is tall enough for this many lines of reason in the view's font
DEFAULT_VARIETY = 30  # percent; the recommender's default diversity of 0.3
VARIETY_DEBOUNCE_MILLISECONDS = 400
REASON_COLOUR = QColor(0, 137, 123)  # teal: reads as "why", apart from the grey kind/length line
RESUME_COLOUR = QColor(229, 57, 53)


def reason_text(card: ForYouCard, now: float | None = None) -> str:
    """Why ``card`` is recommended, in the interface language (each reason on its own, joined by "; ")."""
    return QCoreApplication.translate("ForYou", "; ").join(
        _one_reason(card, reason, now) for reason in card.reasons
    )


def _one_reason(card: ForYouCard, reason, now: float | None) -> str:
    kind = reason.kind
    if kind == "watched":
        return QCoreApplication.translate("ForYou", "because you watched %1").replace(
            "%1", card.title_of(reason.item_id)
        )
    if kind == "liked":
        return QCoreApplication.translate("ForYou", "because you liked %1").replace(
            "%1", card.title_of(reason.item_id)
        )
    if kind == "tags":
        return QCoreApplication.translate("ForYou", "you like: %1").replace(
            "%1", QCoreApplication.translate("ForYou", ", ").join(tag_label(tag) for tag in reason.tags)
        )
    if kind == "continue":
        position = clock(card.resume_at or 0.0)
        if card.row.duration:
            text = QCoreApplication.translate("ForYou", "continue watching: you stopped at %1 of %2")
            return text.replace("%1", position).replace("%2", clock(card.row.duration))
        return QCoreApplication.translate("ForYou", "continue watching: you stopped at %1").replace(
            "%1", position
        )
    if kind == "new":
        days = int(max(0.0, ((time.time() if now is None else now) - card.row.added_at) / 86400.0))
        if days < 1:
            return QCoreApplication.translate("ForYou", "new in your library (added today)")
        if days == 1:
            return QCoreApplication.translate("ForYou", "new in your library (added yesterday)")
        return QCoreApplication.translate("ForYou", "new in your library (added %1 days ago)").replace(
            "%1", str(days)
        )
    if kind == "explore":
        if reason.text == Explainer.explore(cold=True).text:  # no history yet: "a different corner"
            return QCoreApplication.translate("ForYou", "a different corner of your library")
        return QCoreApplication.translate("ForYou", "something different from what you usually watch")
    return reason.text  # a reason kind this version does not know: the recommender's own words


class ForYouModel(QAbstractListModel):
    def __init__(self, thumbnails: ThumbnailCache, parent: QObject | None = None):
        super().__init__(parent)
        self._thumbnails = thumbnails
        self._all: list[ForYouCard] = []
        self._visible: list[ForYouCard] = []
        self._reasons: list[str] = []
        self._kind = ""
        thumbnails.loaded.connect(self._thumbnail_loaded)

    def set_cards(self, cards: Sequence[ForYouCard]) -> None:
        self._all = list(cards)
        self._refresh()

    def set_kind(self, kind: str) -> None:
        self._kind = kind
        self._refresh()

    def cards(self) -> list[ForYouCard]:
        return list(self._visible)

    def _refresh(self) -> None:
        self.beginResetModel()
        self._visible = [card for card in self._all if not self._kind or card.row.kind == self._kind]
        self._reasons = [reason_text(card) for card in self._visible]  # worded once, not on every paint
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._visible):
            return None
        card = self._visible[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return card.row.title
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnails.get(card.row.thumbnail)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{card.row.title}\n{self._reasons[index.row()]}"
        if role == REASON_ROLE:
            return self._reasons[index.row()]
        if role == CARD_ROLE:
            return card
        if role == ROW_ROLE:
            return card.row
        if role == ITEM_ID_ROLE:
            return card.row.id
        return None

    def _thumbnail_loaded(self, path: str) -> None:
        for row, card in enumerate(self._visible):
            if card.row.thumbnail == path:
                self.dataChanged.emit(self.index(row), self.index(row), [Qt.ItemDataRole.DecorationRole])


class ForYouDelegate(QStyledItemDelegate):
    """A shelf card: picture (with how far a "continue watching" item got), title, and the reason in colour."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return card_size(option.font)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        card: ForYouCard | None = index.data(CARD_ROLE)
        if card is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = option.palette
        if option.state & (QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_MouseOver):
            colour = palette.color(QPalette.ColorRole.Highlight)
            colour.setAlpha(60 if option.state & QStyle.StateFlag.State_Selected else 25)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(option.rect.adjusted(2, 2, -2, -2), 6, 6)
        picture, title_box, _ = _card_boxes(option)
        paint_picture(painter, picture, index.data(Qt.ItemDataRole.DecorationRole), card.row.kind)
        if card.resume_at is not None and card.row.duration > 0:
            _paint_resume_bar(painter, picture, card.resume_at / card.row.duration)
        painter.setFont(_title_font(option.font))
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        title = painter.fontMetrics().elidedText(
            card.row.title, Qt.TextElideMode.ElideRight, title_box.width()
        )
        painter.drawText(title_box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        font = reason_font(option.font)
        painter.setFont(font)
        painter.setPen(REASON_COLOUR)
        line_height = QFontMetrics(font).lineSpacing()
        box, lines = self.reason_lines(option, index.data(REASON_ROLE) or "")
        for number, line in enumerate(lines):
            line_box = QRect(box.left(), box.top() + number * line_height, box.width(), line_height)
            painter.drawText(line_box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, line)
        painter.restore()

    def reason_lines(self, option: QStyleOptionViewItem, text: str) -> tuple[QRect, list[str]]:
        """Where a card drawn in ``option.rect`` puts the reason, and its lines there."""
        _, _, box = _card_boxes(option)
        font = reason_font(option.font)
        return box, wrapped_lines(text, font, box.width(), box.height() // QFontMetrics(font).lineSpacing())


def card_size(font: QFont) -> QSize:
    """A card with room for its picture, the title and REASON_LINES lines of reason in ``font`` (a fixed height
    cut reasons to one line under fonts taller than the developer's: "new in your library (added t…")."""
    title = QFontMetrics(_title_font(font)).lineSpacing()
    reason = QFontMetrics(reason_font(font)).lineSpacing()
    height = 6 + SHELF_PICTURE_HEIGHT + 6 + title + 3 + REASON_LINES * reason + 2 + 6
    return QSize(SHELF_CARD_SIZE.width(), max(SHELF_CARD_SIZE.height(), height))


def _card_boxes(option: QStyleOptionViewItem) -> tuple[QRect, QRect, QRect]:
    """The picture, the title line and the reason area of a card."""
    area = option.rect.adjusted(8, 6, -8, -6)
    picture = QRect(area.left(), area.top(), area.width(), SHELF_PICTURE_HEIGHT)
    title_height = QFontMetrics(_title_font(option.font)).lineSpacing()
    title = QRect(area.left() + 2, picture.bottom() + 6, area.width() - 4, title_height)
    reason = QRect(title.left(), title.bottom() + 3, title.width(), area.bottom() - title.bottom() - 3)
    return picture, title, reason


def _title_font(base: QFont) -> QFont:
    font = QFont(base)
    font.setBold(True)
    return font


def reason_font(base: QFont) -> QFont:
    """The reason's font on a card whose view uses ``base``."""
    font = QFont(base)
    font.setPointSizeF(max(7.0, base.pointSizeF() * 0.92))
    return font


def wrapped_lines(text: str, font: QFont, width: int, max_lines: int) -> list[str]:
    """``text`` in at most ``max_lines`` lines of ``width`` pixels: broken where the language allows (between words,
    and between any two characters of Chinese, which has no spaces), or inside a word too long for a line. When the
    text needs more lines, the last one ends in an ellipsis. (Qt's drawText would cut a line in half instead.)"""
    if not text or width <= 0:
        return []
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    spans: list[tuple[int, int]] = []  # (start, length) in UTF-16 code units, as Qt counts
    layout.beginLayout()
    while len(spans) < max(1, max_lines):
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    utf16 = text.encode("utf-16-le")

    def piece(start: int, end: int) -> str:
        return utf16[2 * start : 2 * end].decode("utf-16-le")

    lines = [piece(start, start + length).rstrip() for start, length in spans]
    last_start, last_length = spans[-1]
    if last_start + last_length < len(utf16) // 2:  # more text than lines
        rest = piece(last_start, len(utf16) // 2)
        lines[-1] = QFontMetrics(font).elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return lines


def _paint_resume_bar(painter: QPainter, picture: QRect, fraction: float) -> None:
    bar = QRect(picture.left(), picture.bottom() - 3, picture.width(), 4)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 90))
    painter.drawRect(bar)
    bar.setWidth(max(2, int(picture.width() * min(1.0, max(0.0, fraction)))))
    painter.setBrush(RESUME_COLOUR)
    painter.drawRect(bar)


class ForYouShelf(QFrame):
    """Header ("For you", what the picks are based on, variety) over a horizontal strip of cards."""

    card_activated = Signal(object)  # ForYouCard
    variety_changed = Signal(float)  # the recommender's diversity, 0..1 (debounced while the slider moves)
    stats_requested = Signal()  # "How are recommendations doing?" (ui/shelf_stats_view.py)

    def __init__(self, thumbnails: ThumbnailCache, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("forYouShelf")
        self.heading = QLabel(self.tr("For you"), self)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.heading.setFont(font)
        self.subtitle = QLabel(self)
        self.subtitle.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.variety = QSlider(Qt.Orientation.Horizontal, self)
        self.variety.setRange(0, 100)
        self.variety.setValue(DEFAULT_VARIETY)
        self.variety.setFixedWidth(110)
        self.variety.setToolTip(self.tr("Left: closest to what you watch. Right: more varied picks."))
        self.variety.setAccessibleName(self.tr("Variety"))
        variety_label = QLabel(self.tr("Variety"), self)
        variety_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.stats_button = QPushButton(self.tr("How are recommendations doing?"), self)
        self.stats_button.setFlat(True)  # a link in the header, not a second call to action beside the cards
        self.stats_button.setCursor(Qt.CursorShape.PointingHandCursor)
        link = self.stats_button.palette()
        link.setColor(QPalette.ColorRole.ButtonText, link.color(QPalette.ColorRole.Link))  # reads as a link
        self.stats_button.setPalette(link)
        self.stats_button.clicked.connect(self.stats_requested)
        header = QHBoxLayout()
        header.setContentsMargins(10, 6, 10, 0)
        header.addWidget(self.heading)
        header.addSpacing(10)
        header.addWidget(self.subtitle, 1)
        header.addWidget(self.stats_button)
        header.addSpacing(6)
        header.addWidget(variety_label)
        header.addWidget(self.variety)

        self.model = ForYouModel(thumbnails, self)
        self.view = QListView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegate(ForYouDelegate(self.view))
        self.view.setFlow(QListView.Flow.LeftToRight)
        self.view.setWrapping(False)
        self.view.setUniformItemSizes(True)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.horizontalScrollBar().setSingleStep(40)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        # On the window's background, so the strip reads as a header of the library page, not a second grid.
        # (The palette, not a style sheet: a style sheet would also restyle the scroll bar, badly.)
        palette = self.view.palette()
        palette.setColor(QPalette.ColorRole.Base, palette.color(QPalette.ColorRole.Window))
        self.view.setPalette(palette)
        self.view.setMouseTracking(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAccessibleName(self.tr("For you"))
        scrollbar = self.view.horizontalScrollBar().sizeHint().height()
        self.view.setFixedHeight(card_size(self.view.font()).height() + scrollbar + 4)
        self.view.activated.connect(self._clicked)  # Enter on a card (and a click, where the style says so)
        single_click = self.view.style().styleHint(QStyle.StyleHint.SH_ItemView_ActivateItemOnSingleClick)
        if not single_click:  # a shelf card opens on one click, like a link
            self.view.clicked.connect(self._clicked)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.view)

        self._variety_timer = QTimer(self, singleShot=True, interval=VARIETY_DEBOUNCE_MILLISECONDS)
        self._variety_timer.timeout.connect(lambda: self.variety_changed.emit(self.diversity))
        self.variety.valueChanged.connect(lambda _value: self._variety_timer.start())

    @property
    def diversity(self) -> float:
        return self.variety.value() / 100.0

    def set_cards(self, cards: Sequence[ForYouCard]) -> None:
        self.model.set_cards(cards)
        cold = all(card.source in ("new", "explore") for card in cards)
        self.subtitle.setText(
            self.tr("New and varied picks: watch something and these follow your taste")
            if cold
            else self.tr("Picked from what you watch and like")
        )
        self.view.horizontalScrollBar().setValue(0)

    def set_kind(self, kind: str) -> None:
        self.model.set_kind(kind)

    def card_index(self, row: int) -> QModelIndex:
        return self.model.index(row)

    def _clicked(self, index: QModelIndex) -> None:
        card = index.data(CARD_ROLE)
        if card is not None:
            self.card_activated.emit(card)

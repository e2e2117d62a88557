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
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QSlider,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from mediarec.recommend.explain import Explainer
from mediarec.services import ForYouCard
from mediarec.ui.formatting import clock
from mediarec.ui.library_model import ITEM_ID_ROLE, ROW_ROLE, paint_picture
from mediarec.ui.thumbnails import ThumbnailCache

CARD_ROLE = Qt.ItemDataRole.UserRole + 10
REASON_ROLE = Qt.ItemDataRole.UserRole + 11

SHELF_CARD_SIZE = QSize(232, 184)  # picture, title and two lines of reason, no more
SHELF_PICTURE_HEIGHT = 118
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
            "%1", QCoreApplication.translate("ForYou", ", ").join(reason.tags)
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

    def card_at(self, row: int) -> ForYouCard:
        return self._visible[row]

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
        return SHELF_CARD_SIZE

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
        area = option.rect.adjusted(8, 6, -8, -6)
        picture = QRect(area.left(), area.top(), area.width(), SHELF_PICTURE_HEIGHT)
        paint_picture(painter, picture, index.data(Qt.ItemDataRole.DecorationRole), card.row.kind)
        if card.resume_at is not None and card.row.duration > 0:
            _paint_resume_bar(painter, picture, card.resume_at / card.row.duration)
        title_font = QFont(option.font)
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        line = painter.fontMetrics().lineSpacing()
        title_box = QRect(area.left() + 2, picture.bottom() + 6, area.width() - 4, line)
        title = painter.fontMetrics().elidedText(
            card.row.title, Qt.TextElideMode.ElideRight, title_box.width()
        )
        painter.drawText(title_box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        reason_font = QFont(option.font)
        reason_font.setPointSizeF(max(7.0, option.font.pointSizeF() * 0.92))
        painter.setFont(reason_font)
        painter.setPen(REASON_COLOUR)
        reason_box = QRect(
            title_box.left(),
            title_box.bottom() + 3,
            title_box.width(),
            area.bottom() - title_box.bottom() - 3,
        )
        painter.drawText(reason_box, _two_lines(painter, index.data(REASON_ROLE) or "", reason_box))
        painter.restore()


def _two_lines(painter: QPainter, text: str, box: QRect) -> str:
    """Word-wrapped into the box's lines, the last one elided (Qt's drawText would cut a line in half)."""
    metrics = painter.fontMetrics()
    lines_available = max(1, box.height() // metrics.lineSpacing())
    words, lines = text.split(" "), []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if current and metrics.horizontalAdvance(candidate) > box.width():
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    if len(lines) > lines_available:
        rest = " ".join(lines[lines_available - 1 :])
        lines = lines[: lines_available - 1] + [rest]
    lines[-1] = metrics.elidedText(lines[-1], Qt.TextElideMode.ElideRight, box.width())
    return "\n".join(lines)


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
        header = QHBoxLayout()
        header.setContentsMargins(10, 6, 10, 0)
        header.addWidget(self.heading)
        header.addSpacing(10)
        header.addWidget(self.subtitle, 1)
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
        self.view.setFixedHeight(SHELF_CARD_SIZE.height() + scrollbar + 4)
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

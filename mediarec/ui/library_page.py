"""The library page: the "For you" shelf over the grid of every file, and what the grid shows when it has nothing
(an empty library, a library still indexing, or filters that match nothing). It loads rows, tags and
recommendations on the worker pools and says when each arrived; the window places it and its tag filter."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mediarec.app import shelf
from mediarec.app.library_listing import LibraryListing, listing_in_stages, load_listing
from mediarec.app.shelf import LibraryRow
from mediarec.errors import MediarecError
from mediarec.ui.bridge import TaskHandle, WorkerPools, report_unexpected, run_task
from mediarec.ui.for_you import ForYouShelf
from mediarec.ui.formatting import tag_label
from mediarec.ui.library_model import (
    ITEM_ID_ROLE,
    ROW_ROLE,
    CardDelegate,
    LibraryModel,
    repaint_when_pictures_arrive,
)
from mediarec.ui.player_view import OpenRequest
from mediarec.ui.shelf_stats_view import open_shelf_stats, record_shelf_shown
from mediarec.ui.thumbnails import ThumbnailCache

# While indexing, new cards appear in batches at most this often rather than on every indexed file.
LIBRARY_RELOAD_MILLISECONDS = 1500
FOR_YOU_LIMIT = 12


class EmptyLibrary(QWidget):
    """What the grid shows when it has nothing to show, with the actions that fix that."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel(self)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setFixedWidth(520)  # short lines read better than one across the whole window
        self.add_button = QPushButton(self.tr("Add a folder…"), self)
        self.sample_button = QPushButton(self.tr("Make a sample library"), self)
        self.sample_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.sample_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addSpacing(6)
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addWidget(self.message)
        centred.addStretch(1)
        layout.addLayout(centred)
        layout.addSpacing(16)
        layout.addLayout(buttons)
        layout.addStretch(2)

    def show_state(self, *, library_empty: bool, indexing: bool) -> None:
        if not library_empty:
            self.title.setText(self.tr("Nothing to show"))
            self.message.setText(self.tr("No file matches these filters."))
        elif indexing:
            self.title.setText(self.tr("Indexing your files…"))
            self.message.setText(self.tr("Each file appears here as soon as it is ready."))
        else:
            self.title.setText(self.tr("Your library is empty"))
            self.message.setText(
                self.tr(
                    "Add a folder with videos or music, or make a small sample library to see search and "
                    "“more like this” at work within a minute."
                )
            )
        self.add_button.setVisible(library_empty and not indexing)
        self.sample_button.setVisible(library_empty and not indexing)


class LibraryPage(QWidget):
    first_rows_shown = Signal(int)  # a first load shows its first page of cards (how many), the rest to come
    library_loaded = Signal(int)  # how many items the library holds
    for_you_loaded = Signal(int)  # how many recommendations the shelf got
    item_selected = Signal(int)  # the current card changed (item id)
    play_requested = Signal(object)  # OpenRequest: a card was activated

    def __init__(
        self, library, pools: WorkerPools, thumbnails: ThumbnailCache, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.library = library
        self.pools = pools
        self._loaded_once = False  # until the first rows arrive, an empty model is not an empty library
        self._indexing = False
        self._for_you_task: TaskHandle | None = None
        self._reload_timer = QTimer(self, singleShot=True, interval=LIBRARY_RELOAD_MILLISECONDS)
        self._reload_timer.timeout.connect(self.reload_rows)

        self.model = LibraryModel(thumbnails, self)
        self.grid = QListView(self)
        self.grid.setModel(self.model)
        self.grid.setItemDelegate(CardDelegate(self.grid))
        repaint_when_pictures_arrive(self.grid, thumbnails)
        # A wrapping list rather than IconMode: IconMode keeps every card in a spatial tree that it rebuilds on each
        # reset (1-2 s with 10^5 cards: sorting or filtering froze the window); a list of uniform cards is laid out
        # by arithmetic (benchmarks/bench_scale_grid.py).
        self.grid.setViewMode(QListView.ViewMode.ListMode)
        self.grid.setFlow(QListView.Flow.LeftToRight)
        self.grid.setWrapping(True)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(True)  # no per-item size queries: smooth with thousands of cards
        self.grid.setLayoutMode(QListView.LayoutMode.Batched)
        self.grid.setBatchSize(500)
        self.grid.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.grid.verticalScrollBar().setSingleStep(24)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setMouseTracking(True)
        self.grid.setSpacing(4)
        self.grid.setAccessibleName(self.tr("Library"))
        self.empty = EmptyLibrary(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.grid)
        self.stack.addWidget(self.empty)
        self.for_you = ForYouShelf(thumbnails, self)
        self.for_you.hide()  # until it has something to show
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.for_you)
        layout.addWidget(self.stack, 1)
        # The tag filter narrows this page's grid; the window shows it in its toolbar beside the other filters.
        self.tag_filter = QComboBox(self)
        self.tag_filter.addItem(self.tr("All tags"), "")
        self.tag_filter.setToolTip(self.tr("Show only files with this tag"))
        self.tag_filter.setMinimumContentsLength(10)
        self.tag_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)

        self.for_you.card_activated.connect(
            lambda card: self.play_requested.emit(OpenRequest.from_row(card.row, card.resume_at or 0.0))
        )
        self.for_you.variety_changed.connect(self._variety_changed)
        self.for_you.stats_requested.connect(lambda: open_shelf_stats(self, self.library, self.pools))
        self.tag_filter.currentIndexChanged.connect(self._tag_changed)
        self.grid.selectionModel().currentChanged.connect(self._grid_current_changed)
        self.grid.activated.connect(self._grid_activated)
        self.model.modelReset.connect(self.update_state)
        self.model.rowsInserted.connect(self.update_state)

    # -- loading -----------------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Reload the grid, the tag filter and the "For you" shelf (with the variety the user last chose)."""
        self.reload_rows()
        run_task(
            self.pools.search,
            shelf.for_you_variety,
            self.library,
            on_result=self._variety_loaded,
            owner=self,
        )

    def reload_rows(self) -> None:
        # The listing and its sort orders are built on the pool: the GUI thread only swaps them in. The first
        # load shows a first page of cards while the rest is read (about a second at 10^5 files); a later one
        # changes cards already shown, so it waits for every row.
        if self._loaded_once or self.model.rowCount():
            run_task(self.pools.search, load_listing, self.library, on_result=self._rows_loaded, owner=self)
        else:
            run_task(
                self.pools.search,
                listing_in_stages,
                self.library,
                self.model.sort_key,
                on_progress=self._first_page_loaded,
                on_result=self._rows_loaded,
                owner=self,
            )
        run_task(self.pools.search, shelf.tag_choices, self.library, on_result=self._tags_loaded, owner=self)

    def schedule_reload(self) -> None:
        if not self._reload_timer.isActive():
            self._reload_timer.start()

    def _first_page_loaded(self, rows: LibraryListing) -> None:
        if self._loaded_once or self.model.rowCount():
            return  # a full listing came first (a reload asked meanwhile)
        self.model.set_rows(rows)
        self.first_rows_shown.emit(self.model.rowCount())

    def _rows_loaded(self, rows: LibraryListing) -> None:
        current = self.grid.currentIndex().data(ITEM_ID_ROLE)
        self._loaded_once = True
        self.model.set_rows(rows)
        if current is not None:
            index = self.model.index_of_item(current)
            if index.isValid():
                self.grid.setCurrentIndex(index)
        self.library_loaded.emit(len(rows))

    def _tags_loaded(self, tags: list[tuple[str, int]]) -> None:
        chosen = self.tag_filter.currentData()
        self.tag_filter.blockSignals(True)  # refilling the list is not a new choice
        self.tag_filter.clear()
        self.tag_filter.addItem(self.tr("All tags"), "")
        for name, count in tags:
            self.tag_filter.addItem(f"{tag_label(name)} ({count})", name)  # Chinese names in Chinese
        index = self.tag_filter.findData(chosen)
        self.tag_filter.setCurrentIndex(max(0, index))
        self.tag_filter.blockSignals(False)

    def set_indexing(self, indexing: bool) -> None:
        """Whether files are being indexed (an empty library then says its files are on their way). Meanwhile the
        cards keep their places as the grid reloads (LibraryModel.hold_order)."""
        self._indexing = indexing
        self.model.hold_order(indexing)
        self.update_state()

    def update_state(self) -> None:
        self._update_shelf_visibility()
        if self.model.rowCount():
            self.stack.setCurrentWidget(self.grid)
            return
        self.empty.show_state(library_empty=self.model.total_count == 0, indexing=self._indexing)
        if self._loaded_once:
            self.stack.setCurrentWidget(self.empty)

    # -- filters and selection ---------------------------------------------------------------------------------

    def set_sort_key(self, key: str) -> None:
        self.model.set_sort_key(key)

    def set_kind(self, kind: str) -> None:
        self.model.set_kind(kind)
        self.for_you.set_kind(kind)
        self._update_shelf_visibility()
        self._record_shelf_shown()  # the kind filter brings other cards into view

    def _tag_changed(self) -> None:
        name = self.tag_filter.currentData()
        if not name:
            self.model.set_tagged_items(None)
            return
        run_task(
            self.pools.search,
            shelf.items_with_tag,
            self.library,
            name,
            on_result=lambda ids: (
                # Only if the user has not picked another tag while the items were looked up.
                self.model.set_tagged_items(ids) if self.tag_filter.currentData() == name else None
            ),
            owner=self,
        )

    def current_item(self) -> int | None:
        """The item of the grid's current card, if any."""
        item_id = self.grid.currentIndex().data(ITEM_ID_ROLE)
        return int(item_id) if item_id is not None else None

    def select_item(self, item_id: int) -> None:
        """Make the item's card current and scroll to it, when the grid shows it."""
        index = self.model.index_of_item(item_id)
        if index.isValid():
            self.grid.setCurrentIndex(index)
            self.grid.scrollTo(index)

    def _grid_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item_id = current.data(ITEM_ID_ROLE)
        if item_id is not None:
            self.item_selected.emit(int(item_id))

    def _grid_activated(self, index: QModelIndex) -> None:
        row: LibraryRow | None = index.data(ROW_ROLE)
        if row is not None:
            self.play_requested.emit(OpenRequest.from_row(row))

    # -- "For you" ---------------------------------------------------------------------------------------------

    def _variety_changed(self, diversity: float) -> None:
        run_task(self.pools.writes, shelf.save_for_you_variety, self.library, diversity, owner=self)
        self.refresh_for_you()

    def _variety_loaded(self, diversity: float) -> None:
        self.for_you.variety.blockSignals(True)  # restoring the saved value is not a new choice
        self.for_you.variety.setValue(round(diversity * 100))
        self.for_you.variety.blockSignals(False)
        self.refresh_for_you()

    def refresh_for_you(self) -> None:
        """Ask the recommender again (off the GUI thread); a newer ask drops the answer of an older one."""
        if self._for_you_task is not None:
            self._for_you_task.cancel()
        self._for_you_task = run_task(
            self.pools.search,
            shelf.for_you,
            self.library,
            FOR_YOU_LIMIT,
            self.for_you.diversity,
            on_result=self._for_you_received,
            on_error=self._for_you_failed,
            owner=self,
        )

    def _for_you_received(self, cards: list[shelf.ForYouCard]) -> None:
        self.for_you.set_cards(cards)
        self._update_shelf_visibility()
        self._record_shelf_shown()
        self.for_you_loaded.emit(len(cards))

    def _record_shelf_shown(self) -> None:
        if self.for_you.isVisibleTo(self):  # what the shelf shows, for "How are recommendations doing?"
            record_shelf_shown(self.library, self.pools, self.for_you.model.cards(), self.for_you.diversity)

    def _for_you_failed(self, error: BaseException) -> None:
        if not isinstance(error, MediarecError):
            report_unexpected(error)
            return
        self.for_you.set_cards([])  # e.g. items indexed with two different models: nothing to compare yet
        self._update_shelf_visibility()
        self.for_you_loaded.emit(0)

    def _update_shelf_visibility(self) -> None:
        self.for_you.setVisible(self.for_you.model.rowCount() > 0 and self.model.total_count > 0)

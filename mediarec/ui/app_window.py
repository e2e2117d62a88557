"""The main window: toolbar with search and filters, the library page ("For you" shelf over the grid) / search
results / player pages, the details panel, and the indexing status. It wires the parts together and keeps every slow call on a worker pool."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from mediarec import __version__
from mediarec.app import LibraryError, setup, shelf
from mediarec.app.shelf import LibraryRow
from mediarec.config import Settings
from mediarec.index.records import ItemRecord
from mediarec.pipeline.indexer import IndexSummary
from mediarec.player.base import PlayerBackend
from mediarec.ui.bridge import TaskHandle, WorkerPools, report_unexpected, run_task
from mediarec.ui.details_panel import DetailsPanel
from mediarec.ui.for_you import ForYouShelf
from mediarec.ui.formatting import tag_label
from mediarec.ui.indexing import FolderWatcher, IndexingController, IndexingStatus
from mediarec.ui.library_model import ITEM_ID_ROLE, ROW_ROLE, CardDelegate, LibraryModel
from mediarec.ui.player_view import OpenRequest, PlayerView
from mediarec.ui.search_panel import SearchPanel
from mediarec.ui.thumbnails import ThumbnailCache

THUMBNAIL_SIZE = QSize(320, 180)
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


class MainWindow(QMainWindow):
    library_loaded = Signal(int)  # how many items the library holds
    for_you_loaded = Signal(int)  # how many recommendations the shelf got
    reopen_requested = Signal(object)  # Settings: the language, device or models changed (ui/main.py reopens)

    def __init__(
        self,
        library,
        settings: Settings,
        *,
        pools: WorkerPools | None = None,
        player_backend: PlayerBackend | None = None,
        player_notice: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.library = library
        self.settings = settings
        self.pools = pools or WorkerPools()
        self._loaded_once = False
        self._shut_down = False
        self._for_you_task: TaskHandle | None = None
        self.setWindowTitle("mediarec")
        self.resize(1200, 760)
        self.thumbnails = ThumbnailCache(self.pools.thumbnails, THUMBNAIL_SIZE, parent=self)
        self.indexing = IndexingController(library, self.pools, self)
        self.watcher = FolderWatcher(self.pools, self)
        self.watcher.rescan_requested.connect(self.indexing.start)

        self._build_library_page()
        self.search_panel = SearchPanel(library, self.pools.search, self.thumbnails, self)
        self.player = PlayerView(library, self.pools, player_backend, player_notice, self)
        self.details = DetailsPanel(library, self.pools, self.thumbnails, self)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.library_page)
        self.pages.addWidget(self.search_panel)
        self.pages.addWidget(self.player)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.pages)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setSizes([860, 340])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self._build_toolbar()
        self._build_menus()
        self._build_status_bar()
        self._connect()
        self._page_before_player: QWidget = self.library_page
        self._reload_timer = QTimer(self, singleShot=True, interval=LIBRARY_RELOAD_MILLISECONDS)
        self._reload_timer.timeout.connect(self._reload_grid)
        self._player_notice = player_notice

    # -- building ----------------------------------------------------------------------------------------------

    def _build_library_page(self) -> None:
        self.library_model = LibraryModel(self.thumbnails, self)
        self.grid = QListView(self)
        self.grid.setModel(self.library_model)
        self.grid.setItemDelegate(CardDelegate(self.grid))
        self.grid.setViewMode(QListView.ViewMode.IconMode)
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
        self.library_stack = QStackedWidget(self)
        self.library_stack.addWidget(self.grid)
        self.library_stack.addWidget(self.empty)
        self.for_you = ForYouShelf(self.thumbnails, self)
        self.for_you.hide()  # until it has something to show
        self.library_page = QWidget(self)
        page_layout = QVBoxLayout(self.library_page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.setSpacing(0)
        page_layout.addWidget(self.for_you)
        page_layout.addWidget(self.library_stack, 1)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar(self.tr("Search and filters"), self)
        toolbar.setMovable(False)
        toolbar.setObjectName("mainToolbar")
        self.addToolBar(toolbar)
        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText(self.tr("Search what is seen, said or heard…"))
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumWidth(320)
        self.search_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.search_box.setAccessibleName(self.tr("Search"))
        toolbar.addWidget(self.search_box)
        toolbar.addSeparator()
        self.sort_combo = QComboBox(self)
        for label, key in (
            (self.tr("Recently added"), "added"),
            (self.tr("Name"), "name"),
            (self.tr("Length"), "duration"),
            (self.tr("Recently played"), "played"),
        ):
            self.sort_combo.addItem(label, key)
        self.sort_combo.setToolTip(self.tr("Sort the library"))
        self.kind_combo = QComboBox(self)
        for label, kind in (
            (self.tr("Video and audio"), ""),
            (self.tr("Video"), "video"),
            (self.tr("Audio"), "audio"),
        ):
            self.kind_combo.addItem(label, kind)
        self.kind_combo.setToolTip(self.tr("Show only one kind of file"))
        self.tag_combo = QComboBox(self)
        self.tag_combo.addItem(self.tr("All tags"), "")
        self.tag_combo.setToolTip(self.tr("Show only files with this tag"))
        self.tag_combo.setMinimumContentsLength(10)
        self.tag_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        for label, combo in (
            (self.tr("Sort:"), self.sort_combo),
            (self.tr("Show:"), self.kind_combo),
            (self.tr("Tag:"), self.tag_combo),
        ):
            caption = QLabel(label, self)
            caption.setContentsMargins(8, 0, 4, 0)
            toolbar.addWidget(caption)
            toolbar.addWidget(combo)
        toolbar.addSeparator()
        self.rescan_action = QAction(self.tr("Rescan"), self)
        self.rescan_action.setToolTip(self.tr("Look for new and changed files in the watched folders"))
        self.settings_action = QAction(self.tr("Settings"), self)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        toolbar.addAction(self.rescan_action)
        toolbar.addAction(self.settings_action)

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu(self.tr("&Library"))
        self.add_folder_action = menu.addAction(self.tr("Add a folder…"))
        self.sample_action = menu.addAction(self.tr("Make a sample library"))
        menu.addAction(self.rescan_action)
        menu.addSeparator()
        menu.addAction(self.settings_action)
        menu.addSeparator()
        quit_action = menu.addAction(self.tr("Quit"))
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        find_action = QAction(self)
        find_action.setShortcut(QKeySequence.StandardKey.Find)
        find_action.triggered.connect(self.focus_search)
        self.addAction(find_action)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        help_menu.addAction(self.tr("About mediarec")).triggered.connect(self._about)

    def _build_status_bar(self) -> None:
        self.indexing_status = IndexingStatus(self.indexing, self)
        self.statusBar().addPermanentWidget(self.indexing_status)
        self.count_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.count_label)

    def _connect(self) -> None:
        self.search_box.textChanged.connect(self._search_text_changed)
        self.search_box.returnPressed.connect(self._search_return)
        self.sort_combo.currentIndexChanged.connect(
            lambda: self.library_model.set_sort_key(self.sort_combo.currentData())
        )
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.for_you.card_activated.connect(self._for_you_activated)
        self.for_you.variety_changed.connect(self._variety_changed)
        self.player.feedback_changed.connect(lambda _item, _value: self.refresh_for_you())
        self.tag_combo.currentIndexChanged.connect(self._tag_changed)
        self.grid.selectionModel().currentChanged.connect(self._grid_current_changed)
        self.grid.activated.connect(self._grid_activated)
        self.library_model.modelReset.connect(self._update_library_page)
        self.search_panel.item_selected.connect(self.details.show_item)
        self.search_panel.results_shown.connect(self._results_shown)
        self.search_panel.moment_activated.connect(self._open_moment)
        self.details.play_requested.connect(self._play_details)
        self.details.item_selected.connect(self.select_item)
        self.player.back_requested.connect(self._leave_player)
        self.player.fullscreen_requested.connect(self._set_fullscreen)
        self.player.play_recorded.connect(self._play_recorded)
        self.player.opened.connect(self.details.show_item)
        self.indexing.progress.connect(self._indexing_progress)
        self.indexing.finished.connect(self._indexing_finished)
        self.indexing.failed.connect(self._indexing_failed)
        self.indexing.state_changed.connect(lambda _state: self._update_library_page())
        self.rescan_action.triggered.connect(self.rescan)
        self.settings_action.triggered.connect(self.open_settings)
        self.add_folder_action.triggered.connect(self.choose_folder)
        self.sample_action.triggered.connect(self.make_sample_library)
        self.empty.add_button.clicked.connect(self.choose_folder)
        self.empty.sample_button.clicked.connect(self.make_sample_library)

    # -- start and stop ----------------------------------------------------------------------------------------

    def start(self, *, welcome: bool = True) -> None:
        """Show the library, then (off the GUI thread) decide between the welcome and a rescan of the folders."""
        self.reload_library()
        if self._player_notice and self.player.backend is not None:
            self.statusBar().showMessage(self._player_notice, 20000)
        run_task(
            self.pools.search,
            lambda: (setup.is_first_run(self.library), setup.watched_folders(self.library)),
            on_result=lambda answer: self._after_start(*answer, welcome=welcome),
            owner=self,
        )

    def _after_start(self, first_run: bool, folders: list[str], *, welcome: bool) -> None:
        if first_run and welcome:
            self.show_welcome()
            return
        self.watcher.watch(folders)
        # Load the search vectors and models now, so the first query does not wait seconds for them.
        run_task(self.pools.search, setup.warm_up_search, self.library, owner=self)
        self.indexing.start(folders)  # picks up what changed while the app was closed

    def shutdown(self) -> None:
        if self._shut_down:
            return
        self._shut_down = True
        self.player.shutdown()
        self.indexing.shutdown()
        self.pools.wait()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    # -- library grid ------------------------------------------------------------------------------------------

    def reload_library(self) -> None:
        """Reload the grid, the tag filter and the "For you" shelf (with the variety the user last chose)."""
        self._reload_grid()
        run_task(
            self.pools.search,
            shelf.for_you_variety,
            self.library,
            on_result=self._variety_loaded,
            owner=self,
        )

    def _reload_grid(self) -> None:
        run_task(
            self.pools.search, shelf.library_rows, self.library, on_result=self._rows_loaded, owner=self
        )
        run_task(
            self.pools.search, shelf.tag_choices, self.library, on_result=self._tags_loaded, owner=self
        )

    def _schedule_reload(self) -> None:
        if not self._reload_timer.isActive():
            self._reload_timer.start()

    def _rows_loaded(self, rows: list[LibraryRow]) -> None:
        current = self.grid.currentIndex().data(ITEM_ID_ROLE)
        self._loaded_once = True
        self.library_model.set_rows(rows)
        if current is not None:
            index = self.library_model.index_of_item(current)
            if index.isValid():
                self.grid.setCurrentIndex(index)
        count = len(rows)
        self.count_label.setText(
            self.tr("1 file") if count == 1 else self.tr("%1 files").replace("%1", str(count))
        )
        self.library_loaded.emit(len(rows))

    def _tags_loaded(self, tags: list[tuple[str, int]]) -> None:
        chosen = self.tag_combo.currentData()
        self.tag_combo.blockSignals(True)
        self.tag_combo.clear()
        self.tag_combo.addItem(self.tr("All tags"), "")
        for name, count in tags:
            self.tag_combo.addItem(f"{tag_label(name)} ({count})", name)  # Chinese names in Chinese
        index = self.tag_combo.findData(chosen)
        self.tag_combo.setCurrentIndex(max(0, index))
        self.tag_combo.blockSignals(False)

    def _update_library_page(self) -> None:
        self._update_shelf_visibility()
        if self.library_model.rowCount():
            self.library_stack.setCurrentWidget(self.grid)
            return
        self.empty.show_state(
            library_empty=self.library_model.total_count == 0, indexing=self.indexing.state != "idle"
        )
        if self._loaded_once:
            self.library_stack.setCurrentWidget(self.empty)

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
        self.for_you_loaded.emit(len(cards))

    def _for_you_failed(self, error: BaseException) -> None:
        if not isinstance(error, LibraryError):
            report_unexpected(error)
            return
        self.for_you.set_cards([])  # e.g. items indexed with two different models: nothing to compare yet
        self._update_shelf_visibility()
        self.for_you_loaded.emit(0)

    def _update_shelf_visibility(self) -> None:
        self.for_you.setVisible(self.for_you.model.rowCount() > 0 and self.library_model.total_count > 0)

    def _for_you_activated(self, card: shelf.ForYouCard) -> None:
        self.open_player(_request_from_row(card.row, card.resume_at or 0.0))

    def _kind_changed(self) -> None:
        kind = self.kind_combo.currentData()
        self.library_model.set_kind(kind)
        self.for_you.set_kind(kind)
        self._update_shelf_visibility()
        self.search_panel.set_kind(kind)

    def _tag_changed(self) -> None:
        name = self.tag_combo.currentData()
        if not name:
            self.library_model.set_tagged_items(None)
            return
        run_task(
            self.pools.search,
            shelf.items_with_tag,
            self.library,
            name,
            on_result=lambda ids: (
                self.library_model.set_tagged_items(ids) if self.tag_combo.currentData() == name else None
            ),
            owner=self,
        )

    def _grid_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item_id = current.data(ITEM_ID_ROLE)
        if item_id is not None:
            self.details.show_item(int(item_id))

    def _grid_activated(self, index: QModelIndex) -> None:
        row: LibraryRow | None = index.data(ROW_ROLE)
        if row is not None:
            self.open_player(_request_from_row(row, 0.0))

    def select_item(self, item_id: int) -> None:
        """Show an item's details (and select its card when the library page is showing)."""
        index = self.library_model.index_of_item(item_id)
        if index.isValid():
            self.grid.setCurrentIndex(index)
            self.grid.scrollTo(index)
        self.details.show_item(item_id)

    # -- search ------------------------------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def _search_text_changed(self, text: str) -> None:
        self.search_panel.set_query(text)
        if self.pages.currentWidget() is self.player:
            return
        self.pages.setCurrentWidget(self.search_panel if text.strip() else self.library_page)

    def _search_return(self) -> None:
        if self.pages.currentWidget() is self.player and self.search_box.text().strip():
            self._leave_player()
            self.pages.setCurrentWidget(self.search_panel)

    def _results_shown(self, count: int) -> None:
        # The details panel follows the best result, so "more like this" is one glance away.
        hits = self.search_panel.model.hits
        if count and self.pages.currentWidget() is self.search_panel:
            self.details.show_item(hits[0].item.id)

    def _open_moment(self, item_id: int, path: str, start: float) -> None:
        hit = next((hit for hit in self.search_panel.model.hits if hit.item.id == item_id), None)
        if hit is None:
            return
        item = hit.item
        self.open_player(
            OpenRequest(
                item_id=item.id,
                path=item.path,
                title=item.display_title,
                kind=item.kind or "video",
                duration=item.duration,
                start=start,
                hits=tuple((moment.start, max(moment.end, moment.start)) for moment in hit.moments),
                thumbnail=item.thumbnail,
            )
        )

    # -- player ------------------------------------------------------------------------------------------------

    def open_player(self, request: OpenRequest) -> None:
        if self.pages.currentWidget() is not self.player:
            self._page_before_player = self.pages.currentWidget()
        self.pages.setCurrentWidget(self.player)
        self.player.open(request)

    def _play_details(self, item: ItemRecord, start: float) -> None:
        self.open_player(_request_from_row(shelf.row_for_item(item), start))

    def _play_recorded(self, play) -> None:
        self._schedule_reload()  # "recently played" order and play counts change
        self.refresh_for_you()  # the history changed, and with it what the shelf suggests
        if play.item_id == self.details.item_id:
            self.details.show_item(play.item_id)

    def _leave_player(self) -> None:
        if self.player.is_fullscreen:
            self.player.toggle_fullscreen()
        target = self._page_before_player
        if target is self.search_panel and not self.search_box.text().strip():
            target = self.library_page
        self.pages.setCurrentWidget(target)

    def _set_fullscreen(self, fullscreen: bool) -> None:
        for widget in (self.menuBar(), self.statusBar(), self.details, *self.findChildren(QToolBar)):
            widget.setVisible(not fullscreen)
        if fullscreen:
            self._was_maximized = self.isMaximized()
            self.showFullScreen()
        elif getattr(self, "_was_maximized", False):
            self.showMaximized()
        else:
            self.showNormal()

    # -- indexing ----------------------------------------------------------------------------------------------

    def rescan(self) -> None:
        run_task(
            self.pools.search,
            setup.watched_folders,
            self.library,
            on_result=self._rescan_folders,
            owner=self,
        )

    def _rescan_folders(self, folders: list[str]) -> None:
        if not folders:
            self.statusBar().showMessage(self.tr("No folders are watched yet: add one first."), 8000)
            return
        self.watcher.watch(folders)
        self.indexing.start(folders)

    def _indexing_progress(self, progress) -> None:
        if progress.stage == "indexing" and progress.done:
            self._schedule_reload()  # new cards appear while the job goes on

    def _indexing_finished(self, summary: IndexSummary) -> None:
        self.reload_library()
        indexed, failed = len(summary.indexed), len(summary.failed)
        if summary.cancelled:
            text = self.tr("Indexing stopped. Indexed before stopping: %1.").replace("%1", str(indexed))
        elif failed:
            text = self.tr("Indexing done. Indexed: %1; could not be read: %2 (see the tooltip).")
            text = text.replace("%1", str(indexed)).replace("%2", str(failed))
        else:
            text = self.tr("Library up to date. Newly indexed: %1.").replace("%1", str(indexed))
        self.statusBar().showMessage(text, 15000)
        self.statusBar().setToolTip(
            "\n".join(f"{Path(path).name}: {error}" for path, error in summary.failed)
        )

    def _indexing_failed(self, message: str) -> None:
        self.statusBar().showMessage(self.tr("Indexing stopped: %1").replace("%1", message), 30000)

    # -- folders, samples, settings, welcome -------------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a folder to watch"))
        if folder:
            self.add_folders([folder])

    def add_folders(self, folders: Sequence[str]) -> None:
        run_task(
            self.pools.writes,
            self.library.add_folders,
            list(folders),
            on_result=self._folders_added,
            owner=self,
        )

    def _folders_added(self, added: list[str]) -> None:
        if added:
            self.rescan()

    def make_sample_library(self) -> None:
        self.statusBar().showMessage(self.tr("Making the sample library…"))
        self.sample_action.setEnabled(False)
        self.empty.sample_button.setEnabled(False)
        run_task(
            self.pools.indexing,
            setup.make_sample_library,
            self.library,
            on_result=self._sample_made,
            on_error=self._sample_failed,
            owner=self,
        )

    def _sample_made(self, folder: Path) -> None:
        self.sample_action.setEnabled(True)
        self.empty.sample_button.setEnabled(True)
        self.statusBar().showMessage(
            self.tr("Sample library made in %1; indexing it now.").replace("%1", str(folder)), 10000
        )
        self.rescan()

    def _sample_failed(self, error: BaseException) -> None:
        from mediarec.media.errors import MediaError

        self.sample_action.setEnabled(True)
        self.empty.sample_button.setEnabled(True)
        if not isinstance(error, (MediaError, OSError)):
            raise error
        QMessageBox.warning(self, self.tr("No sample library"), str(error))

    def open_settings(self) -> None:

        run_task(
            self.pools.search,
            setup.watched_folders,
            self.library,
            on_result=self._show_settings,
            owner=self,
        )

    def _show_settings(self, folders: list[str]) -> None:
        from mediarec.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, folders, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.apply_settings(dialog.folders(), dialog.preferences()))
        self.settings_dialog = dialog
        dialog.open()

    def apply_settings(self, folders: list[str], preferences: setup.AppPreferences) -> None:
        settings = self.settings

        def save() -> tuple[list[str], Settings]:
            new_settings = setup.save_preferences(settings, preferences)
            return setup.set_watched_folders(self.library, folders), new_settings

        run_task(
            self.pools.writes,
            save,
            on_result=self._settings_saved,
            on_error=self._settings_failed,
            owner=self,
        )

    def _settings_saved(self, saved: tuple[list[str], Settings]) -> None:
        _new_folders, new_settings = saved
        if setup.needs_reopen(self.settings, new_settings):
            self.reopen_requested.emit(new_settings)  # the new window rescans and reloads
            return
        self.statusBar().showMessage(self.tr("Settings saved."), 5000)
        self.rescan()
        self.reload_library()

    def _settings_failed(self, error: BaseException) -> None:
        from mediarec.models.base import ModelError

        if not isinstance(error, (ModelError, OSError)):
            raise error
        QMessageBox.warning(self, self.tr("Settings not saved"), str(error))

    def show_welcome(self) -> None:
        from mediarec.ui.welcome_dialog import WelcomeDialog

        dialog = WelcomeDialog(
            self.settings, self.pools, [str(folder) for folder in setup.default_media_folders()], self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda result: self._welcome_done(dialog, result))
        self.welcome_dialog = dialog
        dialog.open()

    def _welcome_done(self, dialog, result: int) -> None:
        folders = dialog.folders() if result else []
        sample = dialog.sample_requested
        run_task(self.pools.writes, setup.mark_welcome_done, self.library, owner=self)
        if folders:
            self.add_folders(folders)
        if sample:
            self.make_sample_library()
        self._update_library_page()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About mediarec"),
            self.tr(
                "mediarec %1\nAn offline media library that finds the moment you are looking for."
            ).replace("%1", __version__),
        )


def _request_from_row(row: LibraryRow, start: float) -> OpenRequest:
    return OpenRequest(
        item_id=row.id,
        path=row.path,
        title=row.title,
        kind=row.kind,
        duration=row.duration or None,
        start=start,
        thumbnail=row.thumbnail,
    )

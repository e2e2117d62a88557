"""The main window, the shell around the pages: the toolbar with search and filters, the menus, the worker pools,
the status bar with the indexing status. The pages are the library (ui/library_page.py), the search results and the
player, with the details panel beside them; the window switches between them and keeps every slow call on a worker
pool. Folders, the sample library, settings (and reopening when they need it) and the welcome are its setup actions
(ui/setup_actions.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from mediarec import __version__
from mediarec.app import setup, shelf
from mediarec.config import Settings
from mediarec.index.records import ItemRecord
from mediarec.pipeline.indexer import IndexSummary
from mediarec.player.base import PlayerBackend
from mediarec.ui.bridge import WorkerPools, run_task
from mediarec.ui.details_panel import DetailsPanel
from mediarec.ui.indexing import FolderWatcher, IndexingController, IndexingStatus
from mediarec.ui.library_page import LibraryPage
from mediarec.ui.model_help import ModelHelp
from mediarec.ui.player_view import OpenRequest, PlayerView
from mediarec.ui.search_panel import SearchPanel
from mediarec.ui.search_toolbar import SearchToolbar
from mediarec.ui.setup_actions import SetupActions
from mediarec.ui.thumbnails import ThumbnailCache

THUMBNAIL_SIZE = QSize(320, 180)


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
        self._shut_down = False
        self.setWindowTitle("mediarec")
        self.resize(1200, 760)
        self.thumbnails = ThumbnailCache(self.pools.thumbnails, THUMBNAIL_SIZE, parent=self)
        self.indexing = IndexingController(library, self.pools, self)
        self.watcher = FolderWatcher(self.pools, self)
        self.watcher.rescan_requested.connect(self.indexing.start)

        self.library_page = LibraryPage(library, self.pools, self.thumbnails, self)
        # The page's parts under the names the tests and benchmarks know from when they lived on the window.
        self.library_model = self.library_page.model
        self.grid = self.library_page.grid
        self.library_stack = self.library_page.stack
        self.for_you = self.library_page.for_you
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
        # Over the pages when indexing stopped for want of a model: what happened and the ways out.
        self.model_help = ModelHelp(self)
        central = QWidget(self)
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(4)
        central_layout.addWidget(self.model_help)
        central_layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        # Folders, the sample library, settings, the welcome and the ways out of a missing model (ui/setup_actions.py).
        self.setup_actions = SetupActions(self)
        self._build_toolbar()
        self._build_menus()
        self._build_status_bar()
        self._connect()
        self._page_before_player: QWidget = self.library_page
        self._player_notice = player_notice

    # -- building ----------------------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        toolbar = SearchToolbar(self.library_page.tag_filter, self)
        self.addToolBar(toolbar)
        self.search_box = toolbar.search_box
        self.sort_combo = toolbar.sort_combo
        self.kind_combo = toolbar.kind_combo
        self.tag_combo = toolbar.tag_combo
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
            lambda: self.library_page.set_sort_key(self.sort_combo.currentData())
        )
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.library_page.library_loaded.connect(self._library_loaded)
        self.library_page.for_you_loaded.connect(self.for_you_loaded)
        self.library_page.item_selected.connect(lambda item_id: self._looked_at(self.library_page, item_id))
        self.library_page.play_requested.connect(self.open_player)
        self.player.feedback_changed.connect(lambda _item, _value: self.library_page.refresh_for_you())
        self.search_panel.item_selected.connect(lambda item_id: self._looked_at(self.search_panel, item_id))
        self.search_panel.results_shown.connect(self._results_shown)
        self.search_panel.moment_activated.connect(self._open_moment)
        self.details.play_requested.connect(self._play_details)
        self.details.item_selected.connect(self.select_item)
        self.player.back_requested.connect(self._leave_player)
        self.player.fullscreen_requested.connect(self._set_fullscreen)
        self.player.play_recorded.connect(self._play_recorded)
        self.player.opened.connect(self.details.show_item)
        self.indexing.progress.connect(self._indexing_progress)
        self.indexing.listed.connect(lambda _count: self.library_page.reload_rows())
        self.indexing.finished.connect(self._indexing_finished)
        self.indexing.failed.connect(self._indexing_failed)
        self.indexing.models_failed.connect(self._models_failed)
        self.pages.currentChanged.connect(lambda _index: self._follow_page())
        for help_bar in (self.model_help, self.search_panel.model_help):
            help_bar.offline_requested.connect(self.setup_actions.use_offline_models)
            help_bar.folder_requested.connect(self.setup_actions.choose_model_folders)
        self.model_help.retry_requested.connect(self._retry_indexing)
        self.search_panel.model_help.retry_requested.connect(self.search_panel.search_again)
        self.indexing.state_changed.connect(lambda state: self.library_page.set_indexing(state != "idle"))
        self.rescan_action.triggered.connect(self.rescan)
        self.settings_action.triggered.connect(self.setup_actions.open_settings)
        self.add_folder_action.triggered.connect(self.setup_actions.choose_folder)
        self.sample_action.triggered.connect(self.setup_actions.make_sample_library)
        self.library_page.empty.add_button.clicked.connect(self.setup_actions.choose_folder)
        self.library_page.empty.sample_button.clicked.connect(self.setup_actions.make_sample_library)

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
            self.setup_actions.show_welcome()
            return
        self.watcher.watch(folders)
        # Load the search vectors and models now, so the first query does not wait seconds for them (even while
        # nothing is indexed yet: with folders to index, the first search is near).
        run_task(self.pools.search, setup.warm_up_search, self.library, empty_too=bool(folders), owner=self)
        self.indexing.start(folders)  # picks up what changed while the app was closed

    def shutdown(self) -> None:
        if self._shut_down:
            return
        self._shut_down = True
        self.player.shutdown()
        self.indexing.shutdown()
        self.pools.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    # -- library page ------------------------------------------------------------------------------------------

    def reload_library(self) -> None:
        """Reload the grid, the tag filter and the "For you" shelf."""
        self.library_page.reload()

    def _library_loaded(self, count: int) -> None:
        self.count_label.setText(
            self.tr("1 file") if count == 1 else self.tr("%1 files").replace("%1", str(count))
        )
        self.library_loaded.emit(count)

    def _kind_changed(self) -> None:
        kind = self.kind_combo.currentData()
        self.library_page.set_kind(kind)
        self.search_panel.set_kind(kind)

    def select_item(self, item_id: int) -> None:
        """Show an item's details (and select its card when the library page is showing)."""
        self.library_page.select_item(item_id)
        self.details.show_item(item_id)

    # -- search ------------------------------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def _search_text_changed(self, text: str) -> None:
        self.search_panel.set_query(text)
        if self.pages.currentWidget() is self.player:
            if not text.strip():
                return  # clearing the box while watching leaves the player alone
            # Typing while watching: the results come over the player, which pauses (the viewing is recorded);
            # "Back" from the results returns to where the user was before the player.
            self.player.leave()
        self.pages.setCurrentWidget(self.search_panel if text.strip() else self.library_page)

    def _search_return(self) -> None:
        if self.pages.currentWidget() is self.player and self.search_box.text().strip():
            self.player.leave()
            self.pages.setCurrentWidget(self.search_panel)

    def _results_shown(self, count: int) -> None:
        # The details panel follows the selected result: the best one when the results arrive, nothing when
        # nothing matched (never a file left from a query typed on the way).
        if self.pages.currentWidget() is self.search_panel:
            self.details.show_item(self.search_panel.selected_item())

    def _looked_at(self, page: QWidget, item_id: int) -> None:
        """A page's current item changed: the details follow it when that page is the one showing (a grid reload
        behind the player, say, restores the grid's current card without the user looking at it)."""
        if self.pages.currentWidget() is page:
            self.details.show_item(item_id)

    def _follow_page(self) -> None:
        """The details panel shows the item of the page the user is looking at: the playing file, the selected
        result (none when nothing matched), or the grid's current card."""
        page = self.pages.currentWidget()
        if page is self.player:
            current = self.player.current
            self.details.show_item(current.item_id if current is not None else None)
        elif page is self.search_panel:
            self.details.show_item(self.search_panel.selected_item())
        else:
            self.details.show_item(self.library_page.current_item())

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
                hits=tuple(moment.timeline_span for moment in hit.moments),
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
        self.open_player(OpenRequest.from_row(shelf.row_for_item(item), start))

    def _play_recorded(self, play) -> None:
        self.library_page.schedule_reload()  # "recently played" order and play counts change
        self.library_page.refresh_for_you()  # the history changed, and with it what the shelf suggests
        if play.item_id == self.details.item_id:
            self.details.show_item(play.item_id, refresh=True)

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
            self._model_help_shown = self.model_help.isVisible()
            self.model_help.hide()
        elif getattr(self, "_model_help_shown", False):
            self.model_help.show()
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
        if progress.stage == "indexing":
            self.model_help.hide()  # the models are here: indexing runs
            self.library_page.schedule_reload()  # new cards appear, and listed ones fill in, as the job goes on

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

    def _models_failed(self, message: str) -> None:
        """Indexing stopped before it began for want of a model: the files stay listed (and play), and the bar
        over the pages says so with the ways out."""
        self.library_page.reload_rows()
        self.model_help.show_problem(message, offline_possible=self.settings.profile != "offline")
        self.statusBar().showMessage(self.tr("Indexing waits for the models."), 15000)

    def _retry_indexing(self) -> None:
        self.model_help.hide()
        self.rescan()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About mediarec"),
            self.tr(
                "mediarec %1\nAn offline media library that finds the moment you are looking for."
            ).replace("%1", __version__),
        )

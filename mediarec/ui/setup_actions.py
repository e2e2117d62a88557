"""What the main window does to set the library up: add folders, make the sample library, the settings dialog and
saving what changed in it, the welcome, and the ways out when a model is missing (the offline models, model
folders). Each dialog opens over the window; the saving runs on a worker pool, and when the models, device or
language change the window asks to be reopened (MainWindow.reopen_requested)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from mediarec.app import setup
from mediarec.config import Settings
from mediarec.ui.bridge import run_task


class SetupActions(QObject):
    """The window's setup actions (its Library menu, the empty library's buttons, the model help bars); the
    dialogs it opens are kept as ``settings_dialog`` and ``welcome_dialog``."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.library = window.library
        self.pools = window.pools

    @property
    def settings(self) -> Settings:
        return self.window.settings

    # -- models: the ways out when one is missing --------------------------------------------------------------

    def use_offline_models(self) -> None:
        """Switch to the offline models (saved in Settings, as if chosen there) and reopen the window on them."""
        run_task(
            self.pools.writes,
            setup.use_offline_models,
            self.settings,
            on_result=self.window.reopen_requested.emit,
            on_error=self._settings_failed,
            owner=self,
        )

    def choose_model_folders(self) -> None:
        """Ask, for each model that is missing, for the folder that holds it; then save and reopen."""
        from mediarec.models.availability import model_overview

        run_task(
            self.pools.search,
            model_overview,
            self.settings,
            on_result=self._ask_model_folders,
            on_error=self._settings_failed,
            owner=self,
        )

    def _ask_model_folders(self, statuses) -> None:
        from mediarec.ui.welcome_dialog import ask_model_folders

        folders = ask_model_folders(self.window, statuses)
        if not folders:
            return
        run_task(
            self.pools.writes,
            setup.use_model_folders,
            self.settings,
            folders,
            on_result=self.window.reopen_requested.emit,
            on_error=self._settings_failed,
            owner=self,
        )

    # -- folders, samples, settings, welcome -------------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, self.tr("Choose a folder to watch"))
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
            self.window.rescan()

    def make_sample_library(self) -> None:
        self.window.statusBar().showMessage(self.tr("Making the sample library…"))
        self.window.sample_action.setEnabled(False)
        self.window.library_page.empty.sample_button.setEnabled(False)
        run_task(
            self.pools.indexing,
            setup.make_sample_library,
            self.library,
            on_result=self._sample_made,
            on_error=self._sample_failed,
            owner=self,
        )

    def _sample_made(self, folder: Path) -> None:
        self.window.sample_action.setEnabled(True)
        self.window.library_page.empty.sample_button.setEnabled(True)
        self.window.statusBar().showMessage(
            self.tr("Sample library made in %1; indexing it now.").replace("%1", str(folder)), 10000
        )
        self.window.rescan()

    def _sample_failed(self, error: BaseException) -> None:
        from mediarec.media.errors import MediaError

        self.window.sample_action.setEnabled(True)
        self.window.library_page.empty.sample_button.setEnabled(True)
        if not isinstance(error, (MediaError, OSError)):
            raise error
        QMessageBox.warning(self.window, self.tr("No sample library"), str(error))

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

        dialog = SettingsDialog(self.settings, folders, self.window, gpu=setup.known_gpu())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if setup.known_gpu() is None:  # asked once, in a child process (seconds): offered when it answers
            run_task(self.pools.search, setup.find_gpu, on_result=dialog.offer_gpu, owner=dialog)
        dialog.accepted.connect(
            lambda: self.apply_settings(dialog.folders(), dialog.preferences(), dialog.opened_with)
        )
        self.settings_dialog = dialog
        dialog.open()

    def apply_settings(
        self,
        folders: list[str],
        preferences: setup.AppPreferences,
        opened_with: setup.AppPreferences | None = None,
    ) -> None:
        """Save what the user changed (only that: see setup.save_preferences) and the watched folders."""
        settings = self.settings

        def save() -> tuple[list[str], Settings]:
            new_settings = setup.save_preferences(settings, preferences, opened_with)
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
            self.window.reopen_requested.emit(new_settings)  # the new window rescans and reloads
            return
        self.window.statusBar().showMessage(self.tr("Settings saved."), 5000)
        self.window.rescan()
        self.window.reload_library()

    def _settings_failed(self, error: BaseException) -> None:
        from mediarec.models.base import ModelError
        from mediarec.ui.welcome_dialog import folder_problem_text

        if not isinstance(error, (ModelError, OSError)):
            raise error
        box = QMessageBox(
            QMessageBox.Icon.Warning, self.tr("Settings not saved"), str(error), parent=self.window
        )
        if isinstance(error, setup.FolderWithoutModel):
            box.setText(folder_problem_text(error))
            box.setDetailedText(str(error))
        box.open()

    def show_welcome(self) -> None:
        from mediarec.ui.welcome_dialog import WelcomeDialog

        dialog = WelcomeDialog(
            self.settings, self.pools, [str(folder) for folder in setup.default_media_folders()], self.window
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda result: self._welcome_done(dialog, result))
        self.welcome_dialog = dialog
        dialog.open()

    def _welcome_done(self, dialog, result: int) -> None:
        folders = dialog.folders() if result else []
        sample = dialog.sample_requested
        change = dialog.model_change  # the offline models or model folders, chosen in the welcome
        if change is not None:
            self._set_up_and_reopen(folders, sample, change)
            return
        run_task(self.pools.writes, setup.mark_welcome_done, self.library, owner=self)
        # The query helper starts now, while the folders are scanned or the sample library is made: the first
        # search would otherwise wait for it and its models (many seconds).
        run_task(self.pools.search, setup.warm_up_search, self.library, empty_too=True, owner=self)
        if folders:
            self.add_folders(folders)
        if sample:
            self.make_sample_library()
        self.window.library_page.update_state()

    def _set_up_and_reopen(self, folders: list[str], sample: bool, change) -> None:
        """The welcome chose other models: set the library up as asked, save the models, reopen on them (the new
        window indexes the folders and the sample library with them)."""
        library, settings = self.library, self.settings

        def set_up() -> Settings:
            new_settings = change(settings)  # first: a choice that does not work stops here, nothing done
            setup.mark_welcome_done(library)
            library.add_folders(folders)
            if sample:
                setup.make_sample_library(library)
            return new_settings

        self.window.statusBar().showMessage(self.tr("Setting the library up…"))
        run_task(
            self.pools.writes,
            set_up,
            on_result=self.window.reopen_requested.emit,
            on_error=self._settings_failed,
            owner=self,
        )

"""First run: which folders to watch, which models will be used (downloaded with progress, or already here), and
a one-click sample library for someone who has no media at hand.

When the models are not here (the first use downloads them) the welcome offers the ways out at once, and again
with the reason when a download fails: the offline models, a folder with the model, or trying again. A choice of
other models takes effect when the welcome closes (the window saves it and reopens on it: ``model_change``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mediarec.app import setup
from mediarec.app.indexing_process import DownloadProgress, IndexJobProcess
from mediarec.config import Settings
from mediarec.models.availability import ModelStatus, model_overview
from mediarec.ui.bridge import WorkerPools, run_task
from mediarec.ui.formatting import megabytes, model_label, role_label
from mediarec.ui.model_help import ModelHelp
from mediarec.ui.settings_dialog import FolderList


class WelcomeDialog(QDialog):
    """Accepted with the folders to watch; ``sample_requested`` says the user asked for the sample library."""

    def __init__(
        self,
        settings: Settings,
        pools: WorkerPools,
        default_folders: Sequence[str],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._opened_with = settings
        self._settings = settings  # with the models chosen here, if any
        self._pools = pools
        self.sample_requested = False
        self.statuses: list[ModelStatus] = []
        # What the window does with the settings when the welcome closes: None keeps them; else a function from
        # the window's settings to the saved ones (setup.use_offline_models, or model folders).
        self.model_change: Callable[[Settings], Settings] | None = None
        self.setWindowTitle(self.tr("Welcome to mediarec"))
        self.setMinimumWidth(720)

        intro = QLabel(
            self.tr(
                "mediarec looks through your videos and music on this computer, so you can find a moment by what "
                "is seen, said or heard in it. Nothing leaves your computer."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.folder_list = FolderList(default_folders, self)
        folders_hint = QLabel(self)
        folders_hint.setWordWrap(True)
        if default_folders:
            folders_hint.setText(self.tr("Folders to watch (new files in them are added by themselves):"))
        else:
            folders_hint.setText(
                self.tr("No Videos or Music folder was found. Add a folder, or try the sample library below.")
            )

        self.models_view = QTreeWidget(self)
        self.models_view.setHeaderLabels([self.tr("Used for"), self.tr("Model"), self.tr("Status")])
        self.models_view.setRootIsDecorated(False)
        self.models_view.setMinimumHeight(110)
        self.models_view.setMaximumHeight(116)
        self.models_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.models_view.setWordWrap(True)
        self.models_view.header().setStretchLastSection(True)
        self.download_button = QPushButton(self.tr("Download now"), self)
        self.download_button.setVisible(False)
        self.download_button.clicked.connect(self._download)
        self.offline_button = QPushButton(self.tr("Use the offline models"), self)
        self.offline_button.setToolTip(
            self.tr(
                "Smaller models installed with mediarec: nothing to download. Settings keeps this choice."
            )
        )
        self.offline_button.setVisible(False)
        self.offline_button.clicked.connect(self.use_offline_models)
        self.download_bar = QProgressBar(self)
        self.download_bar.setVisible(False)
        self.models_note = QLabel(self.tr("Checking the models…"), self)
        self.models_note.setWordWrap(True)
        # A failed download: what happened and the ways out.
        self.model_help = ModelHelp(self)
        self.model_help.offline_requested.connect(self.use_offline_models)
        self.model_help.folder_requested.connect(self.choose_model_folders)
        self.model_help.retry_requested.connect(self._download)
        download_row = QHBoxLayout()
        download_row.addWidget(self.download_bar, 1)
        download_row.addWidget(self.download_button)
        download_row.addWidget(self.offline_button)

        self.sample_button = QPushButton(self.tr("Make a sample library"), self)
        self.sample_button.setToolTip(
            self.tr("A few short clips with pictures and speech, made on this computer in a few seconds")
        )
        self.sample_button.clicked.connect(self._sample)
        sample_row = QHBoxLayout()
        sample_label = QLabel(self.tr("No media at hand? Try mediarec on a small sample library:"), self)
        sample_label.setWordWrap(True)
        sample_row.addWidget(sample_label, 1)
        sample_row.addWidget(self.sample_button)

        buttons = QDialogButtonBox(self)
        self.start_button = buttons.addButton(self.tr("Start"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("Not now"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addWidget(folders_hint)
        layout.addWidget(self.folder_list)
        layout.addSpacing(6)
        layout.addWidget(QLabel(self.tr("Models that will be used:"), self))
        layout.addWidget(self.models_view)
        layout.addWidget(self.models_note)
        layout.addWidget(self.model_help)
        layout.addLayout(download_row)
        layout.addSpacing(6)
        layout.addLayout(sample_row)
        layout.addWidget(buttons)
        run_task(
            pools.search,
            model_overview,
            settings,
            on_result=self._show_models,
            on_error=self._models_failed,
            owner=self,
        )

    # -- models ------------------------------------------------------------------------------------------------

    def _show_models(self, statuses: list[ModelStatus]) -> None:
        self.statuses = statuses
        self.models_view.clear()
        missing_mb = 0
        for status in statuses:
            row = QTreeWidgetItem(
                [role_label(status.role), model_label(status.backend, status.name), self._status_text(status)]
            )
            self.models_view.addTopLevelItem(row)
            if not status.ready:
                missing_mb += status.download_mb
        for column in range(2):
            self.models_view.resizeColumnToContents(column)
        missing = [status for status in statuses if not status.ready]
        self.download_button.setVisible(bool(missing))
        self.offline_button.setVisible(bool(missing) and self._settings.profile != "offline")
        self.model_help.hide()
        if not missing:
            self.models_note.setText(self.tr("All models are on this computer; nothing needs downloading."))
            return
        size = megabytes(missing_mb) if missing_mb else self.tr("unknown size")
        self.models_note.setText(
            self.tr(
                "Some models download on first use (%1 in all). Without them mediarec still lists and plays your "
                "files; finding what is seen, said or heard in them needs them. No internet here? Use the "
                "offline models, which come with mediarec."
            ).replace("%1", size)
        )

    def _status_text(self, status: ModelStatus) -> str:
        if status.ready:
            if status.source == "package":
                return self.tr("Ready (installed)")
            if status.source == "local":
                return self.tr("Ready (from a folder)")
            return self.tr("Downloaded")
        if status.source == "hub":
            if status.download_mb:
                return self.tr("Downloads %1 on first use").replace("%1", megabytes(status.download_mb))
            return self.tr("Downloads on first use")
        return self.tr("Missing")

    def _models_failed(self, error: BaseException) -> None:
        from mediarec.models.base import ModelError

        if not isinstance(error, ModelError):
            raise error
        self.models_note.setText(self.tr("The models chosen in Settings do not work together."))
        self.model_help.show_problem(str(error), offline_possible=self._settings.profile != "offline")

    def _download(self) -> None:
        self.model_help.hide()
        self.download_button.setEnabled(False)
        self.download_bar.setVisible(True)
        self.download_bar.setRange(0, 0)
        self.models_note.setText(self.tr("Downloading…"))
        # In the indexing helper process: loading each model to check it must not hold this process's GIL.
        run_task(
            self._pools.indexing,
            IndexJobProcess(self._settings).run,
            [],
            on_progress=self._download_progress,
            on_result=self._downloaded,
            on_error=self._download_failed,
            owner=self,
        )

    def _download_progress(self, update: DownloadProgress) -> None:
        description, done, total = update.description, update.done, update.total
        if total:
            self.download_bar.setRange(0, 1000)
            self.download_bar.setValue(int(1000 * done / total))
            self.download_bar.setFormat(f"{done / 1e6:.0f} / {total / 1e6:.0f} MB")
        if description:
            self.models_note.setText(self.tr("Downloading %1…").replace("%1", description))

    def _downloaded(self, _summary) -> None:
        self.download_bar.setVisible(False)
        run_task(self._pools.search, model_overview, self._settings, on_result=self._show_models, owner=self)

    def _download_failed(self, error: BaseException) -> None:
        from mediarec.models.base import ModelError
        from mediarec.models.helper_process import HelperProcessError

        if not isinstance(error, (ModelError, HelperProcessError, OSError)):
            raise error
        self.download_bar.setVisible(False)
        self.download_button.setEnabled(True)
        self.download_button.setVisible(False)  # "Try again" says it now, beside the other ways out
        self.offline_button.setVisible(False)
        self.models_note.setText(self.tr("The download did not work."))
        self.model_help.show_problem(str(error), offline_possible=self._settings.profile != "offline")

    # -- other models: the ways out ----------------------------------------------------------------------------

    def use_offline_models(self) -> None:
        """The offline models from now on (saved and applied when the welcome closes); they are all here."""
        self.model_change = setup.use_offline_models
        self._settings = self._opened_with.with_updates(profile="offline")
        self._refresh_models()

    def choose_model_folders(self) -> None:
        folders = ask_model_folders(self, self.statuses)
        if not folders:
            return
        try:
            self._settings = setup.with_model_folders(self._settings, folders)
        except setup.FolderWithoutModel as error:
            self.models_note.setText(folder_problem_text(error))
            return
        previous = self.model_change

        def change(settings: Settings) -> Settings:
            return setup.use_model_folders(previous(settings) if previous else settings, folders)

        self.model_change = change
        self._refresh_models()

    def _refresh_models(self) -> None:
        self.model_help.hide()
        self.models_note.setText(self.tr("Checking the models…"))
        run_task(
            self._pools.search,
            model_overview,
            self._settings,
            on_result=self._show_models,
            on_error=self._models_failed,
            owner=self,
        )

    # -- choices -----------------------------------------------------------------------------------------------

    def folders(self) -> list[str]:
        return self.folder_list.folders()

    def _sample(self) -> None:
        self.sample_requested = True
        self.accept()


def ask_model_folders(parent: QWidget, statuses: Sequence[ModelStatus]) -> dict[str, str]:
    """Ask for the folder of each model that is not here (role -> folder); empty when the user cancels."""
    folders: dict[str, str] = {}
    for status in statuses:
        if status.ready:
            continue
        title = QCoreApplication.translate(
            "WelcomeDialog", "Choose the folder with the model for: %1"
        ).replace("%1", role_label(status.role))
        folder = QFileDialog.getExistingDirectory(parent, title)
        if not folder:
            return {}
        folders[status.role] = folder
    return folders


def folder_problem_text(error: setup.FolderWithoutModel) -> str:
    return (
        QCoreApplication.translate("WelcomeDialog", "The folder %1 does not hold a model for: %2.")
        .replace("%1", Path(error.folder).name)
        .replace("%2", role_label(error.role))
    )

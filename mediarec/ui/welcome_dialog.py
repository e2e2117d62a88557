"""First run: which folders to watch, which models will be used (downloaded with progress, or already here), and
a one-click sample library for someone who has no media at hand."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mediarec.app.indexing_process import DownloadProgress, IndexJobProcess
from mediarec.config import Settings
from mediarec.models.availability import ModelStatus, model_overview
from mediarec.ui.bridge import WorkerPools, run_task
from mediarec.ui.formatting import megabytes, role_label
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
        self._settings = settings
        self._pools = pools
        self.sample_requested = False
        self.statuses: list[ModelStatus] = []
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
        self.download_bar = QProgressBar(self)
        self.download_bar.setVisible(False)
        self.models_note = QLabel(self.tr("Checking the models…"), self)
        self.models_note.setWordWrap(True)
        download_row = QHBoxLayout()
        download_row.addWidget(self.download_bar, 1)
        download_row.addWidget(self.download_button)

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
                [role_label(status.role), _short_name(status.name), self._status_text(status)]
            )
            row.setToolTip(1, status.name)
            row.setToolTip(2, status.detail)
            self.models_view.addTopLevelItem(row)
            if not status.ready:
                missing_mb += status.download_mb
        for column in range(2):
            self.models_view.resizeColumnToContents(column)
        missing = [status for status in statuses if not status.ready]
        self.download_button.setVisible(bool(missing))
        if not missing:
            self.models_note.setText(self.tr("All models are on this computer; nothing needs downloading."))
            return
        size = megabytes(missing_mb) if missing_mb else self.tr("unknown size")
        self.models_note.setText(
            self.tr(
                "Some models download on first use (%1 in all). Without them mediarec still lists and plays your "
                "files and finds words in titles and tags; searching by what is seen, said or heard needs them. "
                "Offline? Choose the offline models in Settings."
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
        self.models_note.setText(self.tr("The model settings have a problem: %1").replace("%1", str(error)))

    def _download(self) -> None:
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
        self.download_bar.setVisible(False)
        self.download_button.setEnabled(True)
        self.models_note.setText(
            self.tr(
                "The download did not work: %1\nWithout these models mediarec still lists and plays your files and "
                "finds words in titles and tags."
            ).replace("%1", str(error))
        )

    # -- choices -----------------------------------------------------------------------------------------------

    def folders(self) -> list[str]:
        return self.folder_list.folders()

    def _sample(self) -> None:
        self.sample_requested = True
        self.accept()


def _short_name(name: str) -> str:
    """A hub name as is; a package by its name; a folder by its last part (full name in the tooltip)."""
    from pathlib import Path

    if name.startswith("package:"):
        return name.removeprefix("package:")
    if Path(name).is_absolute():
        return Path(name).name
    return name

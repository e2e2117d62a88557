"""Background indexing for the window: one job at a time on the indexing pool, pausable and cancellable, plus the
folder watcher that asks for a rescan when files appear, and the status-bar widget that shows the progress."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from mediarec.app.indexing_process import DownloadProgress, IndexJobProcess
from mediarec.app.setup import list_files_while_models_are_missing, subfolders
from mediarec.models.helper_process import HelperProcessError
from mediarec.pipeline.indexer import IndexProgress, IndexSummary
from mediarec.ui.bridge import WorkerPools, run_task

RESCAN_DELAY_MILLISECONDS = 3000


class IndexingController(QObject):
    """Runs an indexing job in a helper process (IndexJobProcess) and relays its progress to the GUI thread.

    The job's models never load in this process, so their imports and set-up cannot hold the GIL while the event
    loop waits (benchmarks/bench_ui_latency.py measures this). A thread of the indexing pool reads the helper's
    progress; pause, resume and cancel are sent to it as commands.

    States: "idle", "running", "paused", "stopping". A request that arrives while a job runs is remembered and
    runs after it, so new files are never lost and two jobs never write at once.
    """

    progress = Signal(object)  # IndexProgress
    downloading = Signal(object)  # DownloadProgress
    listed = Signal(
        int
    )  # files found before the models' download: they show (and play) before they are indexed
    finished = Signal(object)  # IndexSummary
    failed = Signal(str)  # the job stopped (storage, media, the helper crashed): the message says why
    models_failed = Signal(str)  # the job stopped for want of a model (ModelError's English message)
    state_changed = Signal(str)

    def __init__(self, library, pools: WorkerPools, parent: QObject | None = None):
        super().__init__(parent)
        self._library = library
        self._pools = pools
        self._state = "idle"
        self._job_process: IndexJobProcess | None = None
        self._shutting_down = False
        self._queued: list[str] = []
        self.last_progress: IndexProgress | None = None
        self.last_summary: IndexSummary | None = None

    @property
    def state(self) -> str:
        return self._state

    def start(self, folders: Sequence[str | Path]) -> None:
        roots = [str(folder) for folder in folders]
        if not roots:
            return
        if self._state != "idle":
            self._queued.extend(root for root in roots if root not in self._queued)
            return
        self._job_process = IndexJobProcess(self._library.settings)
        self._set_state("running")
        run_task(
            self._pools.indexing,
            _list_then_index,
            self._library,
            self._job_process,
            roots,
            on_progress=self._progressed,
            on_result=self._finished,
            on_error=self._failed,
            owner=self,
        )

    def pause(self) -> None:
        if self._state == "running":
            self._job_process.pause()
            self._set_state("paused")

    def resume(self) -> None:
        if self._state == "paused":
            self._job_process.resume()
            self._set_state("running")

    def cancel(self) -> None:
        if self._state in ("running", "paused"):
            self._queued.clear()
            self._job_process.cancel()
            self._set_state("stopping")

    def shutdown(self) -> None:
        """Stop now and let nothing else start. Killing the helper is safe: everything indexed so far stays (one
        transaction per file) and the file it was working on is indexed next time."""
        self._queued.clear()
        self._shutting_down = True
        if self._job_process is not None:
            self._job_process.kill()

    def _progressed(self, progress: IndexProgress | DownloadProgress | _Listed) -> None:
        if isinstance(progress, _Listed):
            self.listed.emit(progress.count)
            return
        if isinstance(progress, DownloadProgress):
            self.downloading.emit(progress)
            return
        self.last_progress = progress
        self.progress.emit(progress)

    def _finished(self, summary: IndexSummary) -> None:
        self.last_summary = summary
        self._set_state("idle")
        self.finished.emit(summary)
        self._start_queued()

    def _failed(self, error: BaseException) -> None:
        from mediarec.index.sqlite_driver import StorageError
        from mediarec.media.errors import MediaError
        from mediarec.models.base import ModelError

        self._set_state("idle")
        if self._shutting_down:
            return  # the helper was stopped on purpose
        # HelperProcessError: the helper crashed (its message has its last lines); the window goes on.
        if not isinstance(error, (ModelError, StorageError, MediaError, OSError, HelperProcessError)):
            raise error
        if isinstance(error, ModelError):
            self.models_failed.emit(str(error))  # the window offers the ways out (ui/model_help.py)
        else:
            self.failed.emit(str(error))
        self._start_queued()

    def _start_queued(self) -> None:
        queued, self._queued = self._queued, []
        if queued and not self._shutting_down:
            self.start(queued)

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)


class _Listed:
    """Progress of the listing before the job: how many files are listed."""

    def __init__(self, count: int):
        self.count = count


def _list_then_index(library, job: IndexJobProcess, roots: list[str]):
    """The job on the indexing pool: when a model is still missing, list the files first (in this process: the
    job's helper downloads before it scans, which can take minutes or fail offline), then run the job."""
    listed = list_files_while_models_are_missing(library, roots)
    if listed is not None:
        yield _Listed(listed)
    return (yield from job.run(roots))


class FolderWatcher(QObject):
    """Watches the library's folders (and the folders inside them) and asks for a rescan a moment after a change,
    so a copy of many files leads to one rescan, not hundreds."""

    rescan_requested = Signal(list)
    watched = Signal(int)  # how many folders are watched now

    def __init__(
        self, pools: WorkerPools, parent: QObject | None = None, delay_ms: int = RESCAN_DELAY_MILLISECONDS
    ):
        super().__init__(parent)
        self._pools = pools
        self._roots: list[str] = []
        self._changed: set[str] = set()
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._directory_changed)
        self._timer = QTimer(self, singleShot=True, interval=delay_ms)
        self._timer.timeout.connect(self._emit_rescan)

    def set_delay(self, milliseconds: int) -> None:
        self._timer.setInterval(milliseconds)

    def watch(self, roots: Sequence[str]) -> None:
        self._roots = [str(root) for root in roots]
        # Walking a big tree takes a while: do it on a worker and watch what it found.
        run_task(self._pools.search, subfolders, self._roots, on_result=self._set_directories, owner=self)

    def _set_directories(self, directories: list[str]) -> None:
        current = self._watcher.directories()
        if current:
            self._watcher.removePaths(current)
        if directories:
            self._watcher.addPaths(directories)
        self.watched.emit(len(self._watcher.directories()))

    @property
    def directories(self) -> list[str]:
        return self._watcher.directories()

    def _directory_changed(self, directory: str) -> None:
        root = next(
            (root for root in self._roots if directory == root or directory.startswith(root + "/")), None
        )
        if root is not None:
            self._changed.add(root)
            self._timer.start()

    def _emit_rescan(self) -> None:
        changed, self._changed = sorted(self._changed), set()
        if changed:
            self.rescan_requested.emit(changed)
            self.watch(self._roots)  # new subfolders are watched too


class IndexingStatus(QWidget):
    """Status-bar widget: what is being indexed, files done of total, with pause/resume and cancel."""

    def __init__(self, controller: IndexingController, parent: QWidget | None = None):
        super().__init__(parent)
        self._controller = controller
        self.label = QLabel(self)
        self.label.setMinimumWidth(260)
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(True)
        self.pause_button = QToolButton(self)
        self.pause_button.clicked.connect(self._pause_or_resume)
        self.cancel_button = QToolButton(self)
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Stop indexing; what is done so far is kept"))
        self.cancel_button.clicked.connect(controller.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.pause_button)
        layout.addWidget(self.cancel_button)
        controller.progress.connect(self._show_progress)
        controller.downloading.connect(self._show_download)
        controller.state_changed.connect(self._show_state)
        self._show_state(controller.state)

    def _pause_or_resume(self) -> None:
        if self._controller.state == "paused":
            self._controller.resume()
        else:
            self._controller.pause()

    def _show_state(self, state: str) -> None:
        self.setVisible(state != "idle")
        self.pause_button.setText(self.tr("Resume") if state == "paused" else self.tr("Pause"))
        self.pause_button.setEnabled(state in ("running", "paused"))
        self.cancel_button.setEnabled(state in ("running", "paused"))
        if state == "paused":
            self.label.setText(self.tr("Indexing paused (after the current file)"))
        elif state == "stopping":
            self.label.setText(self.tr("Stopping after the current file…"))

    def _show_download(self, download: DownloadProgress) -> None:
        if download.total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * download.done / download.total))
            self.bar.setFormat(f"{download.done / 1e6:.0f} / {download.total / 1e6:.0f} MB")
        else:
            self.bar.setRange(0, 0)
        self.label.setText(self.tr("Downloading the models: %1").replace("%1", download.description))

    def _show_progress(self, progress: IndexProgress) -> None:
        if progress.stage == "scanning":
            self.bar.setRange(0, 0)  # busy: the total is not known yet
            self.label.setText(self.tr("Looking for new and changed files…"))
            return
        self.bar.setRange(0, max(1, progress.total))
        self.bar.setValue(progress.done)
        self.bar.setFormat(f"{progress.done} / {progress.total}")
        if self._controller.state != "running":
            return
        name = Path(progress.current).name if progress.current else ""
        text = self.tr("Indexing %1 of %2: %3").replace("%1", str(min(progress.done + 1, progress.total)))
        text = text.replace("%2", str(progress.total)).replace("%3", name)
        self.label.setText(self.label.fontMetrics().elidedText(text, Qt.TextElideMode.ElideMiddle, 420))
        self.label.setToolTip(progress.current or "")

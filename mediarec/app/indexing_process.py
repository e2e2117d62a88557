"""An indexing job in a helper process, for the desktop app (see mediarec/models/helper_process.py for why a process).

The parent runs ``IndexJobProcess(settings).run(roots)``: a generator of the same IndexProgress values as
``Indexer.run`` (plus DownloadProgress while models download first), returning the IndexSummary. ``pause()``,
``resume()`` and ``cancel()`` may be called from another thread while it runs. The child (``python -m
mediarec.app.indexing_process``) opens the same library file, downloads missing models, indexes, and stops at the
next file boundary when cancelled or when its parent goes away. With no roots it only downloads the models.

Messages from the child: {"type": "download" | "progress" | "summary" | "error", ...}; to the child, after the first
message (settings, roots): {"command": "pause" | "resume" | "cancel"}.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Generator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from mediarec.app.cpu_priority import BACKGROUND_INDEXING_NICE, lower_this_process_to
from mediarec.config import Settings, settings_to_json
from mediarec.errors import MediarecError
from mediarec.index.sqlite_driver import StorageError
from mediarec.media.errors import MediaError
from mediarec.models.base import ModelError
from mediarec.models.helper_process import ChildChannel, HelperProcess, connect_to_parent
from mediarec.pipeline.indexer import IndexProgress, IndexSummary
from mediarec.scan.sync import ScanReport

MODULE = "mediarec.app.indexing_process"
DOWNLOAD_REPORT_INTERVAL_SECONDS = 0.2
# Errors that carry a message for the user, the specific kinds first (the parent re-raises the first that matches
# by name); any other MediarecError (a config problem, a busy library) travels as itself. Anything else is a bug
# and ends the child with its traceback.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (ModelError, StorageError, MediaError, MediarecError, OSError)


@dataclass(frozen=True)
class DownloadProgress:
    """A model download before indexing: what is downloading, bytes done, bytes in all (None: not known yet)."""

    description: str
    done: int
    total: int | None


# -- the parent's side ---------------------------------------------------------------------------------------


class IndexJobProcess:
    """One indexing job in a child process."""

    def __init__(self, settings: Settings, *, download_models: bool = True):
        self.settings = settings
        self.download_models = download_models
        self._helper = HelperProcess(MODULE, "indexing helper")
        self._lock = threading.Lock()  # commands come from the GUI thread while the job thread reads
        # The last pause/resume and a cancel, kept for a child that has not started yet (the job lists the files
        # first): a Pause clicked meanwhile must hold the job once it starts, not be lost.
        self._paused = False
        self._cancelled = False

    @property
    def pid(self) -> int | None:
        return self._helper.pid

    def run(self, roots: Sequence[str]) -> Generator[IndexProgress | DownloadProgress, None, IndexSummary]:
        hello = {
            "settings": settings_to_json(self.settings),
            "roots": [str(root) for root in roots],
            "download": self.download_models,
        }
        with self._lock:
            self._helper.start(hello)
            if self._paused:
                self._helper.send({"command": "pause"})
            if self._cancelled:
                self._helper.send({"command": "cancel"})
        try:
            while True:
                message = self._helper.receive()
                kind = message.pop("type")
                if kind == "progress":
                    yield IndexProgress(**message)
                elif kind == "download":
                    yield DownloadProgress(**message)
                elif kind == "summary":
                    return summary_from_json(message["summary"])
                elif kind == "error":
                    raise _error_class(message["kind"])(message["message"])
        finally:
            with self._lock:
                self._helper.close()

    def pause(self) -> None:
        self._command("pause", paused=True)

    def resume(self) -> None:
        self._command("resume", paused=False)

    def cancel(self) -> None:
        """Stop after the file being indexed (everything indexed so far stays)."""
        self._command("cancel", cancelled=True)

    def kill(self) -> None:
        """Stop now. Safe for the library (one transaction per file); the file in progress is indexed next time."""
        self._helper.kill()

    def _command(self, command: str, *, paused: bool | None = None, cancelled: bool = False) -> None:
        with self._lock:
            if paused is not None:
                self._paused = paused
            self._cancelled = self._cancelled or cancelled
            if self._helper.running:
                with contextlib.suppress(RuntimeError):  # it ended meanwhile; run() reports how
                    self._helper.send({"command": command})


def _error_class(name: str) -> type[Exception]:
    return {error.__name__: error for error in EXPECTED_ERRORS}.get(name, RuntimeError)


def summary_to_json(summary: IndexSummary) -> dict[str, Any]:
    # Not asdict(summary): it cannot rebuild the stage_seconds defaultdict.
    return {
        "scan": asdict(summary.scan),
        "indexed": summary.indexed,
        "failed": summary.failed,
        "up_to_date": summary.up_to_date,
        "cancelled": summary.cancelled,
        "media_seconds": summary.media_seconds,
        "wall_seconds": summary.wall_seconds,
        "stage_seconds": dict(summary.stage_seconds),
        "encoded_files": summary.encoded_files,
    }


def summary_from_json(values: dict[str, Any]) -> IndexSummary:
    scan = {name: _rows(rows) for name, rows in values["scan"].items()}
    summary = IndexSummary(
        scan=ScanReport(**scan),
        indexed=list(values["indexed"]),
        failed=_rows(values["failed"]),
        up_to_date=values["up_to_date"],
        cancelled=values["cancelled"],
        media_seconds=values["media_seconds"],
        wall_seconds=values["wall_seconds"],
        encoded_files=values["encoded_files"],
    )
    summary.stage_seconds.update(values["stage_seconds"])
    return summary


def _rows(rows: list) -> list:
    # JSON turns the (path, reason) tuples into lists; the dataclasses promise tuples.
    return [tuple(row) if isinstance(row, list) else row for row in rows]


# -- the child's side ----------------------------------------------------------------------------------------


def main() -> int:
    # Before any thread starts, so the models' thread pools inherit it: the desktop's indexing runs in the
    # background and yields the cores to the window and its workers (see cpu_priority).
    lower_this_process_to(BACKGROUND_INDEXING_NICE)
    parent = connect_to_parent()  # keeps the hubs offline unless the settings need a first-use download
    if parent is None:
        return 0
    channel, hello = parent.channel, parent.hello
    stop, running = threading.Event(), threading.Event()
    running.set()
    threading.Thread(target=_follow_commands, args=(channel, stop, running), daemon=True).start()
    try:
        summary = _index(parent.settings, hello["roots"], hello.get("download", True), stop, running, channel)
    except EXPECTED_ERRORS as error:
        kind = next(expected for expected in EXPECTED_ERRORS if isinstance(error, expected))
        channel.send({"type": "error", "kind": kind.__name__, "message": str(error)})
        return 0
    channel.send({"type": "summary", "summary": summary_to_json(summary)})
    return 0


def _index(settings, roots, download, stop, running, channel: ChildChannel) -> IndexSummary:
    from mediarec.app import Library

    library = Library(settings)
    try:
        if download:
            _download_missing_models(settings, channel)
        if not roots:  # a download-only job (the welcome dialog's "Download models")
            return IndexSummary()
        indexer = library.indexer(stop_event=stop, pause_event=running)
        for progress in indexer.run(roots):
            channel.send({"type": "progress", **asdict(progress)})
        return indexer.summary
    finally:
        library.close()


def _download_missing_models(settings: Settings, channel: ChildChannel) -> None:
    # Models that are not here yet are fetched first, with progress, so that a failed download stops the job with
    # one clear message instead of marking every file as failed.
    from mediarec.models.availability import download_models, model_overview

    if all(status.ready for status in model_overview(settings)):
        return
    last_report = [0.0]

    def report(description: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last_report[0] >= DOWNLOAD_REPORT_INTERVAL_SECONDS or (total is not None and done >= total):
            last_report[0] = now
            channel.send({"type": "download", "description": description, "done": done, "total": total})

    download_models(settings, report)


def _follow_commands(channel: ChildChannel, stop: threading.Event, running: threading.Event) -> None:
    while True:
        message = channel.receive()
        command = None if message is None else message.get("command")
        if command == "pause":
            running.clear()
        elif command == "resume":
            running.set()
        elif command == "cancel" or message is None:  # no parent any more: finish the file and stop
            stop.set()
            running.set()
        if message is None:
            return


if __name__ == "__main__":
    raise SystemExit(main())

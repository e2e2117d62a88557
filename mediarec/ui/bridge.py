"""The one bridge from worker threads to the GUI thread, and the thread pools it runs on.

A task is a plain function run by a QRunnable on a pool. Its result, its exception, or (for a generator function)
each value it yields is posted back to the GUI thread as an event and handed to a callback there. Widgets never
touch a worker thread's objects and workers never touch widgets (the pattern of picard's picard/util/thread.py).
"""

from __future__ import annotations

import inspect
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRunnable, QThread, QThreadPool

from mediarec.app.cpu_priority import settle_worker_thread

_CALL_EVENT = QEvent.Type(QEvent.registerEventType())


class _CallEvent(QEvent):
    def __init__(self, callback: Callable[[], None]):
        super().__init__(_CALL_EVENT)
        self.callback = callback


class _Dispatcher(QObject):
    """Lives in the GUI thread and runs the callbacks that workers post to it."""

    def event(self, event: QEvent) -> bool:
        if event.type() == _CALL_EVENT:
            event.callback()
            return True
        return super().event(event)


_dispatcher: _Dispatcher | None = None


def _gui_dispatcher() -> _Dispatcher:
    global _dispatcher
    if _dispatcher is None or not shiboken6.isValid(_dispatcher):
        application = QCoreApplication.instance()
        if application is None or QThread.currentThread() is not application.thread():
            raise RuntimeError("Start tasks from the GUI thread, after the QApplication exists.")
        _dispatcher = _Dispatcher()
    return _dispatcher


def report_unexpected(error: BaseException) -> None:
    """The default error callback: an exception nobody expected goes to sys.excepthook (which fails a test)."""
    sys.excepthook(type(error), error, error.__traceback__)


@dataclass
class TaskHandle:
    """Lets the caller drop a task's late callbacks (the widget moved on); the work itself runs to its end."""

    owner: QObject | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self.cancelled.set()

    @property
    def wanted(self) -> bool:
        return not self.cancelled.is_set() and (self.owner is None or shiboken6.isValid(self.owner))


class _Task(QRunnable):
    def __init__(self, function, args, kwargs, on_result, on_error, on_progress, handle: TaskHandle):
        super().__init__()
        self.setAutoDelete(True)
        self._function = function
        self._args = args
        self._kwargs = kwargs
        self._on_result = on_result
        self._on_error = on_error
        self._on_progress = on_progress
        self._handle = handle
        self._dispatcher = _gui_dispatcher()

    def run(self) -> None:
        settle_worker_thread()  # below the event loop, so a busy worker never makes the window stall
        try:
            if self._kwargs.pop("report", None) is _REPORT:
                self._kwargs["report"] = lambda value: self._post(self._on_progress, value)
            result = self._function(*self._args, **self._kwargs)
            if inspect.isgenerator(result):
                result = self._drain(result)
        except BaseException as error:  # every failure goes back to the GUI thread, none dies silently here
            self._post(self._on_error, error)
        else:
            self._post(self._on_result, result)

    def _drain(self, generator) -> Any:
        while True:
            try:
                value = next(generator)
            except StopIteration as stop:
                return stop.value
            self._post(self._on_progress, value)

    def _post(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        if callback is None:
            return
        handle = self._handle

        def deliver() -> None:
            if handle.wanted:
                callback(value)

        if shiboken6.isValid(self._dispatcher):
            QCoreApplication.postEvent(self._dispatcher, _CallEvent(deliver))


_REPORT = object()


def run_task(
    pool: QThreadPool,
    function: Callable[..., Any],
    *args: Any,
    on_result: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = report_unexpected,
    on_progress: Callable[[Any], None] | None = None,
    owner: QObject | None = None,
    pass_report: bool = False,
    **kwargs: Any,
) -> TaskHandle:
    """Run ``function(*args, **kwargs)`` on ``pool``; callbacks run on the GUI thread.

    Progress reaches ``on_progress`` either as the values a generator function yields, or, with
    ``pass_report=True``, through a ``report`` keyword argument the function calls (for APIs that take a callback).
    The return value goes to ``on_result``, an exception to ``on_error``. Callbacks are dropped once ``owner``
    (a QObject) is deleted or the handle is cancelled.
    """
    if pass_report:
        kwargs["report"] = _REPORT
    handle = TaskHandle(owner)
    if pool.property(_CLOSED):  # the window is shutting down: no new work on a library about to close
        handle.cancel()
        return handle
    pool.start(_Task(function, args, kwargs, on_result, on_error, on_progress, handle))
    return handle


_CLOSED = "mediarec_closed"  # a pool's dynamic property, set by WorkerPools.close


class WorkerPools:
    """Separate pools, so that no kind of work waits behind another."""

    def __init__(self) -> None:
        # One thread: one indexing job at a time (it owns the models' heavy batches and the write lock).
        self.indexing = _pool("indexing", 1)
        # Searches, "more like this" and detail loads: never queued behind indexing, two so a slow first search
        # (models loading) does not hold up the details panel.
        self.search = _pool("search", 2)
        # JPEG decoding for the grid; cheap and many.
        self.thumbnails = _pool("thumbnails", 2)
        # Small writes (history, likes, tags, folders), one at a time so they never race each other.
        self.writes = _pool("writes", 1)

    def all(self) -> list[QThreadPool]:
        return [self.indexing, self.search, self.thumbnails, self.writes]

    def wait(self, milliseconds: int = 30000) -> bool:
        return all(pool.waitForDone(milliseconds) for pool in self.all())

    def close(self, milliseconds: int = 30000) -> bool:
        """Refuse new tasks, then wait for those running: a signal delivered during shutdown (an indexing job's
        last progress, a shelf refresh) would otherwise start work on a library about to be closed."""
        for pool in self.all():
            pool.setProperty(_CLOSED, True)
        return self.wait(milliseconds)


def _pool(name: str, threads: int) -> QThreadPool:
    pool = QThreadPool()
    pool.setObjectName(name)
    pool.setMaxThreadCount(threads)
    # Threads live as long as the app: the library keeps one SQLite connection per thread, and a pool that
    # retired idle threads would leave their connections open and make new ones.
    pool.setExpiryTimeout(-1)
    return pool

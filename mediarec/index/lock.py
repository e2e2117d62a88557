"""One indexing job per library: an advisory lock on a file beside the database, with the holder's pid inside.

The indexing job (the command line's ``index`` and the desktop's indexing child) holds `IndexerLock` while it
runs; a second one gets IndexerBusy ("another index run is in progress (pid N)"), or waits when asked to. Nothing
else takes this lock: searching, showing, watching and rating go on while an index runs (SQLite's own locking keeps
their writes apart). The lock is the operating system's (flock on Linux and macOS, msvcrt.locking on Windows), held
by an open file: it goes when the process ends however it ends, a SIGKILL included, so a crashed indexer never
leaves a stale lock to clean up. The file itself stays (deleting a lock file races with the next taker); the pid
in it means something only while it is locked.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import time
from pathlib import Path
from types import TracebackType

from mediarec.index.sqlite_driver import StorageError, read_only_error

LOCK_SUFFIX = ".index-lock"
# Windows locks are mandatory: the byte locked lies past the pid, so the next taker can still read who holds it.
_WINDOWS_LOCK_OFFSET = 4096
_WAIT_POLL_SECONDS = 0.2


class IndexerBusy(StorageError):
    """Another indexing job holds the library's indexer lock."""


def lock_path(database_path: str | Path) -> Path:
    database = Path(database_path)
    return database.with_name(database.name + LOCK_SUFFIX)


class IndexerLock:
    """``with IndexerLock(database_path):`` holds the library's indexer lock for the block.

    ``wait=False`` (the default) raises IndexerBusy at once when another process holds it; ``wait=True`` blocks
    until it is free, and a number waits that many seconds at most before raising IndexerBusy.
    """

    def __init__(self, database_path: str | Path, *, wait: bool | float = False) -> None:
        self.database_path = Path(database_path)
        self.path = lock_path(database_path)
        self.wait = wait
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> IndexerLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()

    def acquire(self) -> None:
        if self._fd is not None:
            raise RuntimeError("IndexerLock is not re-entrant")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise read_only_error(self.database_path, "index") from error
            raise StorageError(
                f"Cannot make the index lock {self.path}: {error.strerror or 'the system refused'}"
            ) from error
        try:
            if not self._take(fd):
                raise IndexerBusy(self._busy_message(fd))
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        except BaseException:
            os.close(fd)  # closing the file also lets go of the lock, if it was taken
            raise
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # no pid: nobody holds it
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def _take(self, fd: int) -> bool:
        if self.wait is True:
            _lock(fd, blocking=True)
            return True
        deadline = time.monotonic() + (float(self.wait) if self.wait else 0.0)
        while True:
            if _lock(fd, blocking=False):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(_WAIT_POLL_SECONDS)

    def _busy_message(self, fd: int) -> str:
        pid = _read_pid(fd)
        holder = f" (pid {pid})" if pid is not None else ""
        return (
            f"another index run is in progress{holder} for the library at {self.database_path}; "
            "wait for it to finish or stop it, then try again"
        )


def _read_pid(fd: int) -> int | None:
    # The holder writes its pid just after taking the lock; a moment's wait covers the gap between the two.
    for _ in range(10):
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 32).decode("ascii", "replace").strip()
        if text.isdigit():
            return int(text)
        time.sleep(0.05)
    return None


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int, *, blocking: bool) -> bool:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                return True
            except OSError:
                if not blocking:
                    return False
                time.sleep(_WAIT_POLL_SECONDS)

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int, *, blocking: bool) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

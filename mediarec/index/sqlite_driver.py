"""Open SQLite connections that have sqlite-vec loaded.

Many Python builds (pyenv, the macOS system Python) compile sqlite3 without extension loading, so the stdlib module
cannot load sqlite-vec there. sqlean.py is a drop-in sqlite3 with its own recent SQLite that always can; we prefer it
and fall back to the stdlib module only when it really supports loading extensions.
"""

from __future__ import annotations

import importlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from mediarec.errors import MediarecError


class StorageError(MediarecError):
    """The library database cannot be opened or written; the message says why and what to do."""


class LibraryReadOnly(StorageError):
    """The library can be read but not written (a read-only file, folder or disk)."""


class LibraryDiskFull(StorageError):
    """The disk that holds the library is full or failing; nothing of the failed write was kept."""


class IncompatibleLibrary(StorageError):
    """The file at the library path is not a library this mediarec may open: newer, foreign or unrecognised."""


# SQLite's primary result codes (the low byte of an extended code) that a user can do something about.
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26

# Python 3.10's sqlite3 has no sqlite_errorcode; its messages are SQLite's own fixed texts.
_CODES_BY_MESSAGE = (
    ("database or disk is full", SQLITE_FULL),
    ("disk i/o error", SQLITE_IOERR),
    ("readonly database", SQLITE_READONLY),
    ("database is locked", SQLITE_BUSY),
    ("database table is locked", SQLITE_LOCKED),
    ("disk image is malformed", SQLITE_CORRUPT),
    ("file is not a database", SQLITE_NOTADB),
    ("unable to open database file", SQLITE_CANTOPEN),
)


@dataclass(frozen=True)
class SqliteDriver:
    name: str
    module: ModuleType

    @property
    def sqlite_version(self) -> str:
        return self.module.sqlite_version


def _can_load_extensions(module: ModuleType) -> bool:
    try:
        connection = module.connect(":memory:")
    except Exception:
        return False
    try:
        return hasattr(connection, "enable_load_extension")
    finally:
        connection.close()


def find_driver() -> SqliteDriver:
    """The first sqlite3-compatible module here that can load sqlite-vec."""
    for name in ("sqlean", "sqlite3"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if _can_load_extensions(module):
            return SqliteDriver(name, module)
    raise StorageError(
        "This Python's sqlite3 cannot load extensions, so sqlite-vec cannot be used. "
        "Install the drop-in: pip install sqlean.py"
    )


def load_vector_extension(connection) -> str:
    """Load sqlite-vec into `connection` and return its version."""
    import sqlite_vec

    connection.enable_load_extension(True)
    try:
        sqlite_vec.load(connection)
    finally:
        connection.enable_load_extension(False)
    return connection.execute("select vec_version()").fetchone()[0]


def error_code(error: BaseException) -> int | None:
    """SQLite's primary result code of a driver error, or None when it is not one SQLite gave."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(error).lower()
    return next((code for fragment, code in _CODES_BY_MESSAGE if fragment in text), None)


def free_space(folder: Path) -> str:
    """How much room is left on the disk of `folder`, for a message ("1.2 MB free")."""
    try:
        free = float(shutil.disk_usage(folder).free)
    except OSError:
        return "free space unknown"
    if free < 1000:
        return f"{int(free)} bytes free"
    for unit in ("KB", "MB", "GB"):
        free /= 1000
        if free < 1000:
            return f"{free:.1f} {unit} free"
    return f"{free / 1000:.1f} TB free"


def storage_failure(error: BaseException, database: Path, doing: str) -> StorageError | None:
    """The user's side of a driver error met while `doing` something to the library at `database` (e.g. "save
    to"), or None when the error is not about the disk or the file (then it is a bug and stays as it is). The
    message is one line and does not repeat SQLite's text."""
    code = error_code(error)
    folder = database.parent
    if code == SQLITE_FULL:
        return LibraryDiskFull(
            f"Could not {doing} the library at {database}: the disk is full ({free_space(folder)} in {folder}). "
            "Free some space and try again; nothing of this change was kept."
        )
    if code == SQLITE_IOERR:
        return LibraryDiskFull(
            f"Could not {doing} the library at {database}: the disk reported an input/output error "
            f"({free_space(folder)} in {folder}). Check the disk and that it has room, then try again."
        )
    if code == SQLITE_READONLY:
        return read_only_error(database, doing)
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return StorageError(
            f"Could not {doing} the library at {database}: another program has kept it locked for too long. "
            "Try again when it is done."
        )
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return StorageError(
            f"Could not {doing} the library at {database}: the file is damaged or is not a SQLite database. "
            f"Move it aside (or restore a backup beside it, {database.name}.bak-schema-N) and index again."
        )
    if code == SQLITE_CANTOPEN:
        return StorageError(
            f"Could not {doing} the library at {database}: the file or its folder {folder} cannot be opened. "
            "Check that they exist and that you may read them."
        )
    return None


def read_only_error(database: Path, doing: str = "save to") -> LibraryReadOnly:
    return LibraryReadOnly(
        f"The library at {database} is read-only (its file, folder or disk cannot be written), so mediarec could "
        f"not {doing} it. Searching and showing still work; to change it, make the file and its folder writable."
    )

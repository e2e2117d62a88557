"""Open SQLite connections that have sqlite-vec loaded.

Many Python builds (pyenv, the macOS system Python) compile sqlite3 without extension loading, so the stdlib module
cannot load sqlite-vec there. sqlean.py is a drop-in sqlite3 with its own recent SQLite that always can; we prefer it
and fall back to the stdlib module only when it really supports loading extensions.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from mediarec.errors import MediarecError


class StorageError(MediarecError):
    """The library database cannot be opened or written; the message says why and what to do."""


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

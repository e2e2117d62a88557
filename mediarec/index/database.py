"""The library database as plumbing: connections, transactions, the meta table. No table of the library's own.

One SQLite file in WAL mode. A connection per thread (sqlite connections must not cross threads); writes go through
`transaction()`, which takes the write lock up front (BEGIN IMMEDIATE) so two writers never deadlock half-way.
The subjects of the library (items, vectors, tags, history, the per-file writer) are mixins over this class in
their own modules; `store.LibraryStore` assembles them.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mediarec.index.migrations import migrate, schema_version
from mediarec.index.sqlite_driver import StorageError, find_driver, load_vector_extension

# A connection of whichever sqlite3-compatible module find_driver picked (sqlean or the stdlib): both have the
# DB-API surface used here, and neither has a common base class to name.
Connection = Any


def bump_counter(connection: Connection, key: str) -> None:
    """Add one to an integer kept in meta, inside the caller's transaction (so it counts only what commits)."""
    connection.execute(
        "INSERT INTO meta(key, value) VALUES (?, '1') "
        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        (key,),
    )


class Database:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.driver = find_driver()
        self._local = threading.local()
        self._all_connections: list[Connection] = []
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(f"Cannot create the library folder {self.path.parent}: {error}") from error
        migrate(self.connection())

    # -- connections -------------------------------------------------------------------------------------------

    def connection(self) -> Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._open()
            self._local.connection = connection
            with self._lock:
                self._all_connections.append(connection)
        return connection

    def _open(self) -> Connection:
        sqlite = self.driver.module
        try:
            connection = sqlite.connect(
                str(self.path), timeout=30.0, isolation_level=None, check_same_thread=False
            )
            self.vec_version = load_vector_extension(connection)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA busy_timeout=30000")
        except sqlite.DatabaseError as error:
            raise StorageError(f"Cannot open the library database {self.path}: {error}") from error
        return connection

    def close(self) -> None:
        with self._lock:
            for connection in self._all_connections:
                # Closing from another thread can fail; the connection is going away either way.
                with contextlib.suppress(Exception):
                    connection.close()
            self._all_connections.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        connection = self.connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        else:
            try:
                connection.execute("COMMIT")
            except self.driver.module.OperationalError as error:
                connection.execute("ROLLBACK")
                raise StorageError(f"Could not save to {self.path}: {error}") from error

    def query(self, sql: str, parameters: Sequence = ()) -> list:
        return self.connection().execute(sql, parameters).fetchall()

    # -- facts for `doctor` ------------------------------------------------------------------------------------

    def describe(self) -> dict:
        connection = self.connection()
        return {
            "path": str(self.path),
            "driver": self.driver.name,
            "sqlite_version": self.driver.sqlite_version,
            "sqlite_vec_version": connection.execute("select vec_version()").fetchone()[0],
            "schema_version": schema_version(connection),
            "journal_mode": connection.execute("PRAGMA journal_mode").fetchone()[0],
            "integrity": connection.execute("PRAGMA quick_check").fetchone()[0],
        }

    def integrity_check(self) -> str:
        return self.connection().execute("PRAGMA integrity_check").fetchone()[0]

    # -- settings and counters kept with the library -----------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else default

    def meta_with_prefix(self, prefix: str) -> dict[str, str]:
        """Every meta value whose key starts with ``prefix``, by the rest of the key."""
        rows = self.query("SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?", (len(prefix), prefix))
        return {key[len(prefix) :]: value for key, value in rows}

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as connection:
            connection.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def counters(self, *keys: str) -> dict[str, int]:
        """The counters `bump_counter` keeps, read in one query; a counter never bumped is 0."""
        placeholders = ",".join("?" * len(keys))
        rows = dict(self.query(f"SELECT key, value FROM meta WHERE key IN ({placeholders})", keys))
        return {key: int(rows.get(key, 0)) for key in keys}

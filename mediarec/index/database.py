"""The library database as plumbing: connections, transactions, the meta table. No table of the library's own.

One SQLite file in WAL mode. A connection per thread (sqlite connections must not cross threads); writes go through
`transaction()`, which takes the write lock up front (BEGIN IMMEDIATE) so two writers never deadlock half-way.
The subjects of the library (items, vectors, tags, history, the per-file writer) are mixins over this class in
their own modules; `store.LibraryStore` assembles them.

Opening a library looks at the file first, read-only (migrations.plan_migrations): a newer mediarec's library,
another program's database or unrecognised tables are refused before anything is written, and an existing library
is copied to `<name>.bak-schema-N` (SQLite's backup API, so what is still in the WAL is in the copy) before any
migration touches it. A library whose file, folder or disk cannot be written is opened read-only: reading works,
a write raises LibraryReadOnly. A full or failing disk, a lock held too long or a damaged file become a
StorageError that says so (sqlite_driver.storage_failure); any other driver error is a bug and stays as it is.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from mediarec.index import migrations
from mediarec.index.sqlite_driver import (
    SQLITE_BUSY,
    SQLITE_CANTOPEN,
    SQLITE_READONLY,
    LibraryDiskFull,
    LibraryReadOnly,
    StorageError,
    error_code,
    find_driver,
    free_space,
    load_vector_extension,
    read_only_error,
    storage_failure,
)

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


def backup_path(database: Path, version: int) -> Path:
    """Where the copy of a library at schema `version` is kept before it is migrated."""
    return database.with_name(f"{database.name}.bak-schema-{version}")


def _writable(database: Path, exists: bool) -> bool:
    # WAL makes two files beside the database (-wal, -shm), so the folder must be writable too.
    if not os.access(database.parent, os.W_OK):
        return False
    return not exists or os.access(database, os.W_OK)


WAL_SWITCH_PATIENCE_S = 30.0


def _enter_wal(connection: Connection, sqlite: Any) -> None:
    """Put the library in WAL mode, waiting for other openers as long as the busy timeout would.

    The switch needs the file to itself, and SQLite answers "database is locked" at once, without its busy handler,
    when waiting could deadlock (this connection holds a read lock another one's write waits on): a dozen processes
    creating one library together met that (tests/test_schema_safety.py). WAL is recorded in the file, so once one
    opener has switched, the rest only read the mode."""
    deadline = time.monotonic() + WAL_SWITCH_PATIENCE_S
    pause = 0.01
    while True:
        try:
            if str(connection.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite.OperationalError as error:
            if error_code(error) != SQLITE_BUSY or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


class Database:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.driver = find_driver()
        self._local = threading.local()
        self._all_connections: list[Connection] = []
        self._lock = threading.Lock()
        self.read_only = False
        self._prepare()

    # -- opening: check the file, back it up, migrate --------------------------------------------------------

    def _prepare(self) -> None:
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(
                f"Cannot create the library folder {folder}: {error.strerror or 'the system refused'}"
            ) from error
        try:
            exists = self.path.exists()
        except OSError as error:  # e.g. a folder on the way that we may not enter
            raise StorageError(
                f"Cannot reach the library at {self.path}: {error.strerror or 'the system refused'}"
            ) from error
        if exists and self.path.is_dir():
            raise StorageError(
                f"The library path {self.path} is a folder, not a database file; choose another."
            )
        self.read_only = not _writable(self.path, exists)
        if not exists and self.read_only:
            raise read_only_error(self.path, "create")
        plan = self._plan() if exists else migrations.SchemaPlan(0, list(migrations.MIGRATIONS), empty=True)
        if not plan.writes:
            return
        doing = "create" if plan.empty else "upgrade"
        if self.read_only:
            raise read_only_error(self.path, doing)
        if not plan.empty:
            self._backup(plan.version)
        try:
            migrations.apply_plan(self.connection(), plan)
        except self.driver.module.Error as error:
            self._raise_failure(error, doing)

    def _plan(self) -> migrations.SchemaPlan:
        """What opening will do to the schema, seen through a read-only connection (refusals write nothing)."""
        connection = self._connect(read_only=True, vectors=False)
        try:
            return migrations.plan_migrations(connection, self.path, self.driver.module)
        except self.driver.module.Error as error:
            self._raise_failure(error, "open")
        finally:
            connection.close()

    def _backup(self, version: int) -> Path:
        """Copy the library, WAL content included, beside itself before a migration changes it."""
        target = backup_path(self.path, version)
        # One partial copy per process: two processes opening an old library at once both back it up, and with
        # one shared name the first's rename took the second's copy while SQLite still wrote it ("disk I/O
        # error", tests/test_schema_safety.py). Each copy is whole, so the last rename wins harmlessly.
        partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
        sqlite = self.driver.module
        source = destination = None
        try:
            source = self._connect(read_only=True, vectors=False)
            partial.unlink(missing_ok=True)
            destination = sqlite.connect(str(partial))
            source.backup(destination)
            destination.close()
            destination = None
            os.replace(partial, target)
        except (sqlite.Error, OSError) as error:
            if destination is not None:
                destination.close()
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            if isinstance(error, OSError):
                if error.errno == errno.ENOSPC:
                    raise LibraryDiskFull(
                        f"Could not back up the library at {self.path} before upgrading it: the disk is full "
                        f"({free_space(self.path.parent)} in {self.path.parent}). Nothing was changed."
                    ) from error
                raise StorageError(
                    f"Could not back up the library at {self.path} to {target} before upgrading it "
                    f"({error.strerror or 'the system refused'}). Nothing was changed."
                ) from error
            self._raise_failure(error, "back up")
        finally:
            if source is not None:
                source.close()
        return target

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
        if not self.read_only:
            try:
                return self._connect(read_only=False)
            except LibraryReadOnly:  # the permissions said writable, the disk says otherwise
                self.read_only = True
        return self._connect(read_only=True)

    def _connect(self, *, read_only: bool, vectors: bool = True) -> Connection:
        """A connection to the library; `vectors=False` leaves sqlite-vec out (enough to read the schema)."""
        sqlite = self.driver.module
        connection = None
        try:
            if read_only:
                connection = self._connect_read_only()
            else:
                connection = sqlite.connect(
                    str(self.path), timeout=30.0, isolation_level=None, check_same_thread=False
                )
            if vectors:
                self.vec_version = load_vector_extension(connection)
            if read_only:
                connection.execute("PRAGMA query_only=ON")
            else:
                _enter_wal(connection, sqlite)
                connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA busy_timeout=30000")
        except sqlite.Error as error:
            if connection is not None:
                connection.close()
            self._raise_failure(error, "open")
        return connection

    def _connect_read_only(self) -> Connection:
        sqlite = self.driver.module
        uri = self.path.absolute().as_uri() + "?mode=ro"
        connection = sqlite.connect(
            uri, uri=True, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute(
                "SELECT count(*) FROM sqlite_master"
            ).fetchone()  # SQLite opens the file lazily
            return connection
        except sqlite.OperationalError as error:
            connection.close()
            if error_code(error) not in (SQLITE_READONLY, SQLITE_CANTOPEN):
                raise
        # A WAL library in a folder we cannot write: SQLite cannot make the -shm file its readers share. With no
        # WAL content left, the main file is the whole library; it is opened as immutable, which nobody here can
        # change anyway (no -wal can be made beside it).
        wal = Path(f"{self.path}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StorageError(
                f"The library at {self.path} cannot be read here: its folder is read-only and it has changes not "
                f"yet merged into it ({wal.name}). Open it once where it can be written, then try again."
            )
        connection = sqlite.connect(
            uri + "&immutable=1", uri=True, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite.Error:
            connection.close()
            raise
        return connection

    def _raise_failure(self, error: Exception, doing: str) -> NoReturn:
        """Raise the StorageError for a driver error met while `doing` something to the library, or the error
        itself when it is a bug rather than the disk's or the file's doing."""
        failure = storage_failure(error, self.path, doing)
        if failure is None:
            raise error
        raise failure from error

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
        if self.read_only:
            raise read_only_error(self.path)
        sqlite = self.driver.module
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite.Error as error:
            self._raise_failure(error, "save to")
        try:
            yield connection
            connection.execute("COMMIT")
        except BaseException as error:
            # SQLite has already rolled back after some errors (a full disk, an I/O error): only roll back what
            # is still open, so the first error is the one that reaches the user.
            if connection.in_transaction:
                with contextlib.suppress(sqlite.Error):
                    connection.execute("ROLLBACK")
            if isinstance(error, sqlite.Error):
                self._raise_failure(error, "save to")
            raise

    def query(self, sql: str, parameters: Sequence = ()) -> list:
        try:
            return self.connection().execute(sql, parameters).fetchall()
        except self.driver.module.Error as error:
            self._raise_failure(error, "read")

    # -- facts for `doctor` ------------------------------------------------------------------------------------

    def describe(self) -> dict:
        connection = self.connection()
        return {
            "path": str(self.path),
            "driver": self.driver.name,
            "sqlite_version": self.driver.sqlite_version,
            "sqlite_vec_version": connection.execute("select vec_version()").fetchone()[0],
            "schema_version": migrations.schema_version(connection),
            "journal_mode": connection.execute("PRAGMA journal_mode").fetchone()[0],
            "integrity": connection.execute("PRAGMA quick_check").fetchone()[0],
            "read_only": self.read_only,
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

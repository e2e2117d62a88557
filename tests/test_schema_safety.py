"""What opening a library file may do to it: real SQLite files, written by this code, by "a newer mediarec" (a
migration record this code does not know) or by another program.

A newer library and another program's database are refused with one line and not written at all; tables whose
migration record was lost are repaired only when they are exactly a known schema; every existing library is copied
beside itself (WAL content included) before a migration touches it; and the fixture of every released schema
(tests/fixtures, see make_schema_fixtures.py) migrates forward with its history, tags and ratings.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli

from mediarec.index import migrations
from mediarec.index.database import backup_path
from mediarec.index.migrations import MIGRATIONS
from mediarec.index.records import ItemIndexResult, NewSegment, TagRecord
from mediarec.index.sqlite_driver import IncompatibleLibrary, StorageError
from mediarec.index.store import LibraryStore

FIXTURES = Path(__file__).parent / "fixtures"
# A migration only the tests know, standing for the next one mediarec will ship.
NEXT_MIGRATION = ("9999_test_item_note", "ALTER TABLE items ADD COLUMN test_note TEXT;")


def _fixture_script():
    spec = importlib.util.spec_from_file_location(
        "make_schema_fixtures", FIXTURES / "make_schema_fixtures.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fixtures = _fixture_script()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _schema(path: Path) -> list[tuple]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    finally:
        connection.close()


def _library(path: Path) -> LibraryStore:
    store = LibraryStore(path)
    item_id = store.add_item("/media/a.mp4", "fp-a", 10, 1.0)
    store.set_tags([TagRecord(item_id, "grandma", "user", 1.0)])
    store.set_feedback(item_id, 1)
    return store


def _next_migration(monkeypatch) -> None:
    monkeypatch.setattr(migrations, "MIGRATIONS", [*MIGRATIONS, NEXT_MIGRATION])


# -- the fixtures of released schemas ---------------------------------------------------------------------------


def test_there_is_a_small_fixture_for_every_schema_and_it_records_exactly_its_migrations():
    for version in range(1, len(MIGRATIONS) + 1):
        path = fixtures.fixture_path(version)
        assert path.exists(), f"no fixture for schema {version}: run tests/fixtures/make_schema_fixtures.py"
        assert path.stat().st_size < 64_000
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        names = [row[0] for row in connection.execute("SELECT name FROM schema_migrations ORDER BY rowid")]
        connection.close()
        assert names == [name for name, _ in MIGRATIONS[:version]]


@pytest.mark.parametrize("version", range(1, len(MIGRATIONS) + 1))
def test_every_released_schema_migrates_forward_keeping_history_tags_and_ratings(
    version, tmp_path, monkeypatch
):
    # Today's migrations plus the next one, so that every fixture, the newest too, really is migrated.
    _next_migration(monkeypatch)
    database = tmp_path / "library.sqlite3"
    shutil.copy(fixtures.fixture_path(version), database)
    store = LibraryStore(database)
    try:
        assert store.describe()["schema_version"] == len(MIGRATIONS) + 1
        assert store.query("SELECT count(test_note) FROM items") == [(0,)]  # the next migration ran
        assert {item.id: item.path for item in store.items()} == {row[0]: row[1] for row in fixtures.ITEMS}
        plays = store.plays()
        assert [(p.item_id, p.started_at, p.seconds, p.finished) for p in plays] == [
            (row[0], row[1], row[3], bool(row[5])) for row in fixtures.PLAYS
        ]
        for item_id, name, source, score in fixtures.TAGS:
            assert TagRecord(item_id, name, source, score, None, None) in store.tags(item_id)
            assert [hit[0] for hit in store.text_search(name)] == [item_id]
        assert store.feedback() == fixtures.RATINGS
        assert store.integrity_check() == "ok"
        # Each item's indexed text sits in its own rowid range (0005), so removing a tag removes its words.
        for item_id, item_rowid in store.query("SELECT item_id, rowid FROM text_fts"):
            assert item_rowid >> 20 == item_id
        for item_id, name, source, _ in fixtures.TAGS:
            store.remove_tag(item_id, name, source)
            assert store.text_search(name) == []
        # And the library is usable as ever: a new play lands beside the old ones.
        store.record_play(fixtures.ITEMS[0][0], seconds=5.0)
        assert len(store.plays()) == len(fixtures.PLAYS) + 1
    finally:
        store.close()
    backup = backup_path(database, version)
    assert backup.exists()
    assert [row[0] for row in _connect_ro(backup).execute("SELECT name FROM schema_migrations")] == [
        name for name, _ in MIGRATIONS[:version]
    ]


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_the_fixture_script_rebuilds_the_committed_schema(tmp_path):
    # The committed fixtures and the script agree: same objects, same rows (timestamps of the records aside).
    for version in range(1, len(MIGRATIONS) + 1):
        rebuilt = tmp_path / f"schema-{version}.sqlite3"
        fixtures.build(version, rebuilt)
        assert _schema(rebuilt) == _schema(fixtures.fixture_path(version))


# -- backups before a migration ---------------------------------------------------------------------------------


def test_a_migration_is_preceded_by_a_backup_that_includes_the_wal(tmp_path, monkeypatch):
    database = tmp_path / "library.sqlite3"
    writer = _library(database)
    writer.connection().execute("PRAGMA wal_autocheckpoint=0")  # what follows stays in the -wal file only
    late = writer.add_item("/media/late.mp4", "fp-late", 10, 1.0)
    writer.record_play(late, seconds=3.0)
    assert Path(f"{database}-wal").stat().st_size > 0
    main_file_alone = sqlite3.connect(f"file:{database}?mode=ro&immutable=1", uri=True)  # reads no WAL
    tables = [
        row[0] for row in main_file_alone.execute("SELECT name FROM sqlite_master WHERE name = 'items'")
    ]
    assert tables == [] or main_file_alone.execute("SELECT count(*) FROM items").fetchone() == (0,)
    main_file_alone.close()

    _next_migration(monkeypatch)
    upgraded = LibraryStore(database)  # while the writer still holds its connection
    backup = backup_path(database, len(MIGRATIONS))
    copy = _connect_ro(backup)
    assert sorted(row[0] for row in copy.execute("SELECT path FROM items")) == [
        "/media/a.mp4",
        "/media/late.mp4",
    ]
    assert copy.execute("SELECT count(*) FROM plays").fetchone() == (1,)
    assert "test_note" not in [
        row[1] for row in copy.execute("PRAGMA table_info(items)")
    ]  # before the migration
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()
    assert "test_note" in [row[1] for row in upgraded.query("PRAGMA table_info(items)")]
    upgraded.close()
    writer.close()
    assert not list(tmp_path.glob("*.partial"))


def test_opening_an_up_to_date_library_makes_no_backup(tmp_path):
    database = tmp_path / "library.sqlite3"
    _library(database).close()
    LibraryStore(database).close()
    assert sorted(path.name for path in tmp_path.iterdir() if ".bak-" in path.name) == []


# -- refusals: nothing is written -------------------------------------------------------------------------------


def _written_by_a_newer_mediarec(database: Path) -> None:
    _library(database).close()
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE future_things (id INTEGER PRIMARY KEY)")
    connection.execute("INSERT INTO schema_migrations(name, applied_at) VALUES ('0002_future_things', 2.0)")
    connection.commit()
    connection.close()


def test_a_library_written_by_a_newer_mediarec_is_refused_and_not_written(tmp_path):
    database = tmp_path / "library.sqlite3"
    _written_by_a_newer_mediarec(database)
    before, schema = _digest(database), _schema(database)
    with pytest.raises(IncompatibleLibrary) as refused:
        LibraryStore(database)
    message = str(refused.value)
    assert message.startswith(
        f"The library at {database} was written by a newer mediarec (schema {len(MIGRATIONS) + 1}); "
    )
    assert f"this one knows up to {len(MIGRATIONS)}; upgrade mediarec" in message
    assert "\n" not in message
    assert _digest(database) == before and _schema(database) == schema
    assert not list(tmp_path.glob("*.bak-*"))


def test_the_command_line_says_a_newer_library_needs_a_newer_mediarec_in_one_line(
    offline_env, tmp_path, capsys
):
    data = tmp_path / "data"
    data.mkdir()
    _written_by_a_newer_mediarec(data / "library.sqlite3")
    before = _digest(data / "library.sqlite3")
    code, out, err = run_cli(["--data-dir", str(data), "show", "/media/a.mp4"], offline_env, capsys)
    assert code == 1 and out == ""
    assert re.fullmatch(
        rf"error: The library at .* was written by a newer mediarec \(schema {len(MIGRATIONS) + 1}\); [^\n]*\n",
        err,
    )
    assert _digest(data / "library.sqlite3") == before


def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path):
    database = tmp_path / "library.sqlite3"
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
    connection.execute("INSERT INTO contacts VALUES ('Ada', '123')")
    connection.commit()
    connection.close()
    before = _digest(database)
    with pytest.raises(IncompatibleLibrary, match=r"is not a mediarec library: .*\(tables: contacts\)"):
        LibraryStore(database)
    assert _digest(database) == before
    assert [row[1] for row in _schema(database)] == ["contacts"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["library.sqlite3"]  # no -wal, no backup


def test_a_file_that_is_not_a_database_gets_one_clear_line(tmp_path):
    database = tmp_path / "library.sqlite3"
    database.write_bytes(b"these are not the pages you are looking for\n" * 200)
    before = _digest(database)
    with pytest.raises(StorageError) as refused:
        LibraryStore(database)
    assert str(refused.value).startswith(
        f"Could not open the library at {database}: the file is damaged or is not"
    )
    assert _digest(database) == before


@pytest.mark.parametrize("how", ["record table dropped", "records deleted"])
def test_a_lost_migration_record_is_repaired_when_the_tables_are_exactly_a_known_schema(how, tmp_path):
    # Before: "table meta already exists" and a traceback. The tables are compared with what the migrations
    # make; when they are the same, the migrations are recorded again (after a backup), nothing else changes.
    database = tmp_path / "library.sqlite3"
    store = _library(database)
    indexed = store.add_item("/media/b.mp4", "fp-b", 10, 1.0)
    # Indexing makes a vector table at run time (no migration makes it): it must not get in the way.
    store.write_index_result(
        indexed,
        ItemIndexResult(
            metadata={"kind": "video"},
            segments=[NewSegment("frame", 0.0, 1.0, np.ones(4, np.float32))],
            encoded_by={"frame": ("clip", 4)},
        ),
    )
    space = store.space("frame", "clip")
    store.close()
    connection = sqlite3.connect(database)
    connection.execute(
        "DROP TABLE schema_migrations" if how == "record table dropped" else "DELETE FROM schema_migrations"
    )
    connection.commit()
    connection.close()
    reopened = LibraryStore(database)
    try:
        assert reopened.describe()["schema_version"] == len(MIGRATIONS)
        assert [item.path for item in reopened.items(statuses=("pending",))] == ["/media/a.mp4"]
        assert reopened.feedback() == {1: 1}
        assert reopened.space("frame", "clip") == space
        assert reopened.space_size(space) == 1
    finally:
        reopened.close()
    assert backup_path(database, len(MIGRATIONS)).exists()


def test_mediarec_tables_without_a_record_that_match_no_schema_are_refused(tmp_path):
    database = tmp_path / "library.sqlite3"
    _library(database).close()
    connection = sqlite3.connect(database)
    connection.execute("DROP TABLE schema_migrations")
    connection.execute("ALTER TABLE items ADD COLUMN someone_elses TEXT")
    connection.commit()
    connection.close()
    before = _digest(database)
    with pytest.raises(IncompatibleLibrary, match="has mediarec's tables but no record of its schema"):
        LibraryStore(database)
    assert _digest(database) == before
    assert not list(tmp_path.glob("*.bak-*"))


def test_processes_opening_a_new_library_at_once_migrate_it_once(tmp_path):
    # The migration's record is inserted first in its transaction: the second opener's insert fails on the
    # first's record and is skipped instead of running "CREATE TABLE meta" again. An opener that finds the
    # library half-made backs it up first; each backs up into its own partial copy (with one shared name, 12
    # openers failed 12 times in 20 rounds with "disk I/O error" and "locked for too long").
    import subprocess
    import sys

    code = (
        "import sys; from mediarec.index.store import LibraryStore; "
        "s = LibraryStore(sys.argv[1]); print(s.describe()['schema_version']); s.close()"
    )
    repo = Path(__file__).resolve().parent.parent
    for round_ in range(6):
        database = tmp_path / str(round_) / "library.sqlite3"
        database.parent.mkdir()
        children = [
            subprocess.Popen(
                [sys.executable, "-c", code, str(database)],
                cwd=repo,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(12)
        ]
        results = [child.communicate(timeout=120) for child in children]
        failures = [err for child, (_, err) in zip(children, results, strict=True) if child.returncode]
        assert not failures, failures[0]
        assert [out.strip() for out, _ in results] == [str(len(MIGRATIONS))] * 12
        assert not list(database.parent.glob("*.partial"))
        store = LibraryStore(database)
        assert len(store.query("SELECT name FROM schema_migrations")) == len(MIGRATIONS)
        store.close()


def test_opening_waits_for_another_writer_while_it_switches_the_library_to_wal(tmp_path):
    # Switching to WAL needs the file alone, and SQLite refuses at once (busy timeout or not) while another
    # process holds the write lock of a rollback-journal file: this is how one of 12 processes creating a
    # library together failed with "locked for too long" in CI. The opener now waits for the writer instead.
    # The writer is another process: two SQLite copies in one process (stdlib, sqlean) do not see each other's
    # locks.
    import subprocess
    import sys

    database = tmp_path / "library.sqlite3"
    _library(database).close()
    hold = (
        "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
        "c.execute('PRAGMA journal_mode=DELETE'); c.execute('BEGIN IMMEDIATE'); "
        "c.execute(\"INSERT INTO meta(key, value) VALUES ('held', 'by another program')\"); "
        "print('held', flush=True); time.sleep(0.5); c.execute('COMMIT')"
    )
    writer = subprocess.Popen([sys.executable, "-c", hold, str(database)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "held"
        store = LibraryStore(database)  # a current library is only read here; its first query opens it
        held = [tuple(row) for row in store.query("SELECT value FROM meta WHERE key = 'held'")]
        assert held == [("by another program",)]  # seen only once the writer committed: it was waited for
        assert tuple(store.query("PRAGMA journal_mode")[0]) == ("wal",)
        store.close()
    finally:
        assert writer.wait(timeout=30) == 0


class _CommitsBetweenReads:
    """A read-only connection to the library that lets another process's commit land right after its first read,
    as a second opener of a new library may see it."""

    def __init__(self, connection, commit_elsewhere) -> None:
        self.connection = connection
        self.commit_elsewhere = commit_elsewhere

    def execute(self, sql, *parameters):
        cursor = self.connection.execute(sql, *parameters)
        if self.commit_elsewhere is not None and sql.strip().upper() != "BEGIN":
            commit, self.commit_elsewhere = self.commit_elsewhere, None
            commit()
        return cursor


def test_a_library_created_while_it_is_planned_is_read_from_one_snapshot(tmp_path):
    # Read apart, the planner found no migration record and then the first migration's tables (committed in
    # between by the opener that created the file), took them for a library made before records, and its
    # "unrecorded" record collided with the creator's (UNIQUE constraint failed: schema_migrations.name).
    database = tmp_path / "library.sqlite3"
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")  # as every opener sets it

    def first_opener_creates_it():
        migrations.apply_plan(writer, migrations.SchemaPlan(0, MIGRATIONS[:1], empty=True))

    reader = sqlite3.connect(f"{database.absolute().as_uri()}?mode=ro", uri=True, isolation_level=None)
    plan = migrations.plan_migrations(
        _CommitsBetweenReads(reader, first_opener_creates_it), database, sqlite3
    )
    reader.close()
    assert plan.unrecorded == []  # what it saw was consistent: nothing yet
    assert migrations.apply_plan(writer, plan) == [
        name for name, _ in MIGRATIONS[1:]
    ]  # 0001 skipped, not rerun
    assert migrations.applied_migrations(writer) == {name for name, _ in MIGRATIONS}
    writer.close()

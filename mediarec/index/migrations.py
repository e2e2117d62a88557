"""Named schema migrations, applied in order, each in its own transaction, and what a library file may be opened as.

Add a migration by appending to MIGRATIONS; never edit one that has shipped, and add its fixture (run
tests/fixtures/make_schema_fixtures.py). User data (folders, history, feedback, user tags) lives in tables that no
migration or model change drops. The schema version of a library is the number of migrations recorded in it.

Before anything is written, `plan_migrations` looks at the file (read-only) and refuses what must not be touched:
a library written by a newer mediarec (a migration name this code does not know), another program's database, or
tables that look like mediarec's without a record of which migrations made them and match no schema we know. A
library whose record was lost but whose tables are exactly those of a known schema is repaired by recording those
migrations again: nothing is created or dropped, and the caller has taken a backup first.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mediarec.index.sqlite_driver import IncompatibleLibrary

Migration = tuple[str, str]

# Tables made at run time, not by a migration: one sqlite-vec table (and its shadow tables) per vector space.
RUNTIME_TABLE_PREFIX = "vec_"
MIGRATIONS_TABLE = "schema_migrations"
# Tables every mediarec schema has had; a file with them is taken for a library, not for another program's file.
_MEDIAREC_TABLES = frozenset({"meta", "items"})

INITIAL_SCHEMA = """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        CREATE TABLE folders (
            path TEXT PRIMARY KEY,
            added_at REAL NOT NULL
        );

        -- One row per media file. Rows are never deleted when a file disappears: they are marked 'missing' so
        -- that history, ratings and user tags survive and come back if the file does.
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            fingerprint TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime REAL NOT NULL,
            kind TEXT,
            duration REAL,
            width INTEGER,
            height INTEGER,
            video_codec TEXT,
            audio_codec TEXT,
            title TEXT,
            artist TEXT,
            album TEXT,
            date TEXT,
            genre TEXT,
            metadata_json TEXT,
            language TEXT,
            thumbnail TEXT,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'indexed', 'error', 'missing')),
            error TEXT,
            added_at REAL NOT NULL,
            indexed_at REAL,
            missing_since REAL
        );
        CREATE INDEX items_fingerprint ON items(fingerprint);
        CREATE INDEX items_status ON items(status);

        -- Moments of an item that carry a vector: keyframes, speech chunks, audio windows.
        CREATE TABLE segments (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            modality TEXT NOT NULL CHECK (modality IN ('frame', 'speech', 'audio')),
            start REAL NOT NULL,
            end REAL NOT NULL,
            text TEXT,
            thumbnail TEXT,
            shot_index INTEGER
        );
        CREATE INDEX segments_item ON segments(item_id, modality);

        CREATE TABLE shots (
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            shot_index INTEGER NOT NULL,
            start REAL NOT NULL,
            end REAL NOT NULL,
            PRIMARY KEY (item_id, shot_index)
        );

        CREATE TABLE transcript_segments (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            start REAL NOT NULL,
            end REAL NOT NULL,
            text TEXT NOT NULL
        );
        CREATE INDEX transcript_item ON transcript_segments(item_id, start);

        -- A vector space = (modality, model). Each has its own vec0 table, so every vector records the model
        -- that made it and a model change adds a space instead of overwriting vectors.
        CREATE TABLE vector_spaces (
            id INTEGER PRIMARY KEY,
            modality TEXT NOT NULL,
            model_id TEXT NOT NULL,
            dim INTEGER NOT NULL,
            table_name TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL,
            UNIQUE (modality, model_id)
        );

        -- Which items a space has seen (also when the item yielded no vector, e.g. no speech), so that a
        -- re-index knows there is nothing left to do.
        CREATE TABLE item_encodings (
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            space_id INTEGER NOT NULL REFERENCES vector_spaces(id) ON DELETE CASCADE,
            vectors INTEGER NOT NULL,
            encoded_at REAL NOT NULL,
            PRIMARY KEY (item_id, space_id)
        );

        CREATE TABLE tags (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('visual', 'audio', 'speech', 'metadata', 'user', 'suggested')),
            score REAL NOT NULL DEFAULT 1.0,
            start REAL,
            end REAL,
            created_at REAL NOT NULL,
            UNIQUE (item_id, name, source)
        );
        CREATE INDEX tags_name ON tags(name);

        -- History and feedback keep the fingerprint too, so they can be re-linked if an item row is ever rebuilt.
        CREATE TABLE plays (
            id INTEGER PRIMARY KEY,
            item_id INTEGER REFERENCES items(id) ON DELETE SET NULL,
            fingerprint TEXT,
            started_at REAL NOT NULL,
            start_position REAL NOT NULL DEFAULT 0,
            seconds REAL NOT NULL,
            completion REAL NOT NULL,
            finished INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX plays_item ON plays(item_id, started_at);

        CREATE TABLE feedback (
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            fingerprint TEXT,
            value INTEGER NOT NULL,
            at REAL NOT NULL,
            PRIMARY KEY (item_id)
        );

        -- Exact-word search over titles, tags and transcripts. CJK text is indexed one character per token
        -- (see fts.py), which unicode61 alone would treat as one long word.
        CREATE VIRTUAL TABLE text_fts USING fts5(
            body, item_id UNINDEXED, segment_id UNINDEXED, field UNINDEXED,
            tokenize = 'unicode61 remove_diacritics 2'
        );
"""

# What the "For you" shelf showed, so recommend/shelf_stats.py can tell how its picks fared (played, past half,
# liked, dismissed afterwards). The outcomes are not stored: they are read from plays and feedback.
SHELF_IMPRESSIONS = """
        CREATE TABLE shelf_impressions (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            fingerprint TEXT,
            shown_at REAL NOT NULL,
            reason TEXT NOT NULL,   -- the kind of the card's first reason: watched, liked, tags, new, explore, ...
            source TEXT NOT NULL,   -- the recommender's source: continue, interest, new, explore
            variety REAL NOT NULL,  -- the shelf's diversity when the card was shown, 0..1
            surface TEXT NOT NULL   -- desktop or cli
        );
        CREATE INDEX shelf_impressions_item ON shelf_impressions(item_id, shown_at);
"""

# Word times of each transcript line, as JSON [[start, end, "word"], ...] (NULL for lines indexed before), so
# that a search hit lands on the words or the sentence that matched (rank/moments.py).
TRANSCRIPT_WORDS = """
        ALTER TABLE transcript_segments ADD COLUMN words_json TEXT;
"""

# On-screen text: segments may be "read" (a line read on screen, with its text vector), which the first schema's
# CHECK refuses; SQLite cannot change a CHECK, so the table is rebuilt with the same rows and ids (the vector
# tables and the text index refer to segment ids). screen_text_segments holds the lines with their boxes, as
# transcript_segments holds what was said.
SCREEN_TEXT = """
        CREATE TABLE segments_with_read (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            modality TEXT NOT NULL CHECK (modality IN ('frame', 'speech', 'audio', 'read')),
            start REAL NOT NULL,
            end REAL NOT NULL,
            text TEXT,
            thumbnail TEXT,
            shot_index INTEGER
        );
        INSERT INTO segments_with_read(id, item_id, modality, start, end, text, thumbnail, shot_index)
            SELECT id, item_id, modality, start, end, text, thumbnail, shot_index FROM segments;
        DROP TABLE segments;
        ALTER TABLE segments_with_read RENAME TO segments;
        CREATE INDEX segments_item ON segments(item_id, modality);

        CREATE TABLE screen_text_segments (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            start REAL NOT NULL,
            end REAL NOT NULL,
            text TEXT NOT NULL,
            box_json TEXT NOT NULL  -- [left, top, right, bottom] as fractions of the picture
        );
        CREATE INDEX screen_text_item ON screen_text_segments(item_id, start);
"""

# The text index's rows of one item get rowids in [item_id << 20, (item_id + 1) << 20) (index.tags), so that
# forgetting an item's text is a rowid range, which FTS5 seeks, instead of a match on its UNINDEXED item_id column,
# which reads every row (re-indexing grew quadratic with the library: ~30 ms a file at 300k rows). The rows are
# renumbered in place; the schema's objects do not change.
TEXT_INDEX_BY_ITEM = """
        CREATE TEMP TABLE text_fts_by_item AS
            SELECT (item_id << 20) + row_number() OVER (PARTITION BY item_id ORDER BY rowid) - 1 AS new_rowid,
                   body, item_id, segment_id, field
            FROM text_fts;
        DELETE FROM text_fts;
        INSERT INTO text_fts(rowid, body, item_id, segment_id, field)
            SELECT new_rowid, body, item_id, segment_id, field FROM text_fts_by_item;
        DROP TABLE text_fts_by_item;
"""

# Indexes for the For-you shelf at 10^5 items (benchmarks/bench_scale.py): the newest indexed items are read by
# walking (status, added_at, id) backwards instead of sorting every item (~70 ms), and a tag's count of items is read
# from (name, item_id, score) alone, without a table row per tag (tag_counts: ~70 ms for a dozen common tags).
# Only added: tags_name stays (the benchmark's baseline runs the old query on it).
SHELF_INDEXES = """
        CREATE INDEX items_status_added ON items(status, added_at, id);
        CREATE INDEX tags_name_item ON tags(name, item_id, score);
"""

MIGRATIONS: list[Migration] = [
    ("0001_initial_schema", INITIAL_SCHEMA),
    ("0002_shelf_impressions", SHELF_IMPRESSIONS),
    ("0003_transcript_words", TRANSCRIPT_WORDS),
    ("0004_screen_text", SCREEN_TEXT),
    ("0005_text_index_by_item", TEXT_INDEX_BY_ITEM),
    ("0006_shelf_indexes", SHELF_INDEXES),
]


@dataclass(frozen=True)
class SchemaPlan:
    """What opening a library will do to its schema."""

    version: int  # migrations the file has now (recorded, or recognised without a record)
    pending: list[Migration] = field(default_factory=list)  # to apply, in order
    unrecorded: list[str] = field(default_factory=list)  # recognised without a record: to record, not to run
    empty: bool = False  # a new file (nothing in it yet): no backup is needed

    @property
    def writes(self) -> bool:
        return bool(self.pending or self.unrecorded)


def _has_table(connection, name: str) -> bool:
    row = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def applied_migrations(connection) -> set[str]:
    """Names of the migrations recorded in the file (empty when none ever was); reads only."""
    if not _has_table(connection, MIGRATIONS_TABLE):
        return set()
    return {row[0] for row in connection.execute(f"SELECT name FROM {MIGRATIONS_TABLE}")}


def _schema_objects(connection) -> set[tuple[str, str, str]]:
    """(type, name, SQL with whitespace folded) of every object a migration made: not SQLite's own, not the
    migration record, not the vector tables made at run time."""
    rows = connection.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return {
        (kind, name, " ".join((sql or "").split()))
        for kind, name, sql in rows
        if name != MIGRATIONS_TABLE and not name.startswith(RUNTIME_TABLE_PREFIX)
    }


def reference_objects(module, migrations: Sequence[Migration]) -> set[tuple[str, str, str]]:
    """The schema objects that applying `migrations` to an empty database makes (in memory, with `module`, the
    sqlite3-compatible driver)."""
    connection = module.connect(":memory:")
    try:
        for _, sql in migrations:
            connection.executescript(sql)
        return _schema_objects(connection)
    finally:
        connection.close()


def plan_migrations(
    connection, database: Path, module, migrations: Sequence[Migration] | None = None
) -> SchemaPlan:
    """Look at the library behind `connection` (nothing is written) and say what opening it will do; raise
    IncompatibleLibrary for a file that must be left alone."""
    # One read transaction, so the records and the tables are read from one snapshot. Read apart, a process
    # creating the library could commit its first migration (tables and record together) in between: no record
    # yet, then its tables, taken for a library made before records, whose "unrecorded" record then collided.
    connection.execute("BEGIN")
    try:
        return _plan(connection, database, module, MIGRATIONS if migrations is None else migrations)
    finally:
        connection.execute("ROLLBACK")  # nothing was written


def _plan(connection, database: Path, module, migrations: Sequence[Migration]) -> SchemaPlan:
    known = [name for name, _ in migrations]
    recorded = applied_migrations(connection)
    unknown = recorded - set(known)
    if unknown:
        raise IncompatibleLibrary(
            f"The library at {database} was written by a newer mediarec (schema {len(recorded)}); this one knows up "
            f"to {len(known)}; upgrade mediarec. Nothing was changed."
        )
    if recorded:
        return SchemaPlan(len(recorded), [m for m in migrations if m[0] not in recorded])
    objects = _schema_objects(connection)
    if not objects:
        everything = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        return SchemaPlan(0, list(migrations), empty=everything == 0)
    # Tables but no record: recognised only when they are exactly those of a known schema.
    for count in range(len(migrations), 0, -1):
        if objects == reference_objects(module, migrations[:count]):
            return SchemaPlan(count, list(migrations[count:]), unrecorded=known[:count])
    tables = sorted(name for kind, name, _ in objects if kind == "table")
    if set(tables) >= _MEDIAREC_TABLES:
        raise IncompatibleLibrary(
            f"The library at {database} has mediarec's tables but no record of its schema, and they match no "
            "schema this mediarec knows, so it was left as it is. Restore a backup beside it "
            f"({database.name}.bak-schema-N), or move it aside and index again."
        )
    shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
    raise IncompatibleLibrary(
        f"The file at {database} is not a mediarec library: it is another program's SQLite database (tables: "
        f"{shown}). mediarec did not change it; choose another data folder (--data-dir) or move that file away."
    )


def _record_sql(name: str) -> str:
    # Names are ours (MIGRATIONS), never user input; the record goes in the migration's own script.
    return f"INSERT INTO {MIGRATIONS_TABLE}(name, applied_at) VALUES ('{name}', {time.time()!r});"


_CREATE_RECORD = f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (name TEXT PRIMARY KEY, applied_at REAL);"


def apply_plan(connection, plan: SchemaPlan) -> list[str]:
    """Record the recognised migrations, then apply the pending ones, each in one transaction with its record.
    Returns the names applied. A migration another process applied meanwhile is skipped, not run twice."""
    if plan.unrecorded:
        records = "\n".join(_record_sql(name) for name in plan.unrecorded)
        try:
            _run_script(connection, f"{_CREATE_RECORD}\n{records}")
        except Exception:
            if not all(_recorded_meanwhile(connection, name) for name in plan.unrecorded):
                raise
    applied = []
    for name, sql in plan.pending:
        # The record first: if another process has applied this migration since the plan was made, its record
        # makes this insert fail before any DDL runs.
        try:
            _run_script(connection, f"{_CREATE_RECORD}\n{_record_sql(name)}\n{sql}")
        except Exception:
            if _recorded_meanwhile(connection, name):
                continue
            raise
        applied.append(name)
    return applied


def _recorded_meanwhile(connection, name: str) -> bool:
    try:
        return name in applied_migrations(connection)
    except Exception:  # the connection is failing too: the first error is the one to report
        return False


def _run_script(connection, script: str) -> None:
    # One script so the DDL and its record commit together (executescript would otherwise commit on entry).
    try:
        connection.executescript(f"BEGIN IMMEDIATE;\n{script}\nCOMMIT;")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def migrate(connection, migrations: Sequence[Migration] | None = None) -> list[str]:
    """Bring the database behind `connection` to `migrations` (all of MIGRATIONS by default) without the checks
    and the backup of opening a library (database.Database does those): for new files and tests."""
    migrations = MIGRATIONS if migrations is None else migrations
    recorded = applied_migrations(connection)
    return apply_plan(connection, SchemaPlan(len(recorded), [m for m in migrations if m[0] not in recorded]))


def schema_version(connection) -> int:
    return len(applied_migrations(connection))

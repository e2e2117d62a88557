"""Named schema migrations, applied in order, each in its own transaction.

Add a migration by appending to MIGRATIONS; never edit one that has shipped. User data (folders, history, feedback,
user tags) lives in tables that no migration or model change drops.
"""

from __future__ import annotations

import time

Migration = tuple[str, str]

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

MIGRATIONS: list[Migration] = [
    ("0001_initial_schema", INITIAL_SCHEMA),
]


def applied_migrations(connection) -> set[str]:
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at REAL)"
    )
    return {row[0] for row in connection.execute("SELECT name FROM schema_migrations")}


def migrate(connection) -> list[str]:
    """Apply pending migrations; returns the names applied. Each runs in one transaction."""
    done = applied_migrations(connection)
    applied = []
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        # One script so the DDL and its record commit together (executescript would otherwise commit on entry).
        record = f"INSERT INTO schema_migrations(name, applied_at) VALUES ('{name}', {time.time()!r});"
        try:
            connection.executescript(f"BEGIN IMMEDIATE;\n{sql}\n{record}\nCOMMIT;")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


def schema_version(connection) -> int:
    return len(applied_migrations(connection))

"""The per-file writer: what one indexing of a file leaves in the library, and what goes when the file changes,
vanishes or fails. Each method is one transaction, so a file is never half-written (see test_end_to_end's kill).

"Derived" data is everything computed from the file's content (segments, vectors, shots, transcript, the analysis'
tags, indexed text); user data (history, feedback, the user's tags and applied suggestions) survives it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from mediarec.index.database import Connection, bump_counter
from mediarec.index.records import METADATA_COLUMNS, ItemIndexResult, ItemMetadata, VectorSpace, words_json
from mediarec.index.tags import TagsMixin
from mediarec.index.vectors import ITEM_SPACE_MODALITY, VECTOR_WRITES, VectorsMixin

# The metadata words an item is found by in text search (beside its tags and speech).
_TITLE_FIELDS = ("title", "artist", "album", "file_stem")
_DERIVED_TABLES = ("segments", "shots", "transcript_segments", "screen_text_segments", "item_encodings")
# The metadata key of a failed item that holds what it failed under (see mark_error).
FAILED_UNDER = "failed_under"


class WriterMixin(VectorsMixin, TagsMixin):
    def write_index_result(self, item_id: int, result: ItemIndexResult) -> None:
        """Replace everything derived about one item in a single transaction: all of it or none of it lands."""
        with self.transaction() as connection:
            self._delete_derived(connection, item_id)
            for (name,) in connection.execute(  # the kept tags stay findable by their words
                "SELECT DISTINCT name FROM tags WHERE item_id = ?", (item_id,)
            ).fetchall():
                self._index_tag_text(connection, item_id, name)
            now = time.time()
            self._write_segments(connection, item_id, result, now)
            if result.item_vector is not None and result.item_vector_model is not None:
                model_id, dim = result.item_vector_model
                item_space = self._ensure_space(connection, ITEM_SPACE_MODALITY, model_id, dim)
                self._insert_vector(connection, item_space, item_id, result.item_vector, item_id)
                connection.execute(
                    "INSERT INTO item_encodings(item_id, space_id, vectors, encoded_at) VALUES (?, ?, 1, ?)",
                    (item_id, item_space.id, now),
                )
            connection.executemany(
                "INSERT INTO shots(item_id, shot_index, start, end) VALUES (?, ?, ?, ?)",
                [(item_id, index, start, end) for index, (start, end) in enumerate(result.shots)],
            )
            connection.executemany(
                "INSERT INTO transcript_segments(item_id, start, end, text, words_json) VALUES (?, ?, ?, ?, ?)",
                [
                    (item_id, line.start, line.end, line.text, words_json(line.words))
                    for line in result.transcript
                ],
            )
            connection.executemany(
                "INSERT INTO screen_text_segments(item_id, start, end, text, box_json) VALUES (?, ?, ?, ?, ?)",
                [
                    (item_id, line.start, line.end, line.text, json.dumps(line.box))
                    for line in result.screen_text
                ],
            )
            for tag in result.tags:  # tags made before the item id was known carry a placeholder id
                self._upsert_tag(connection, replace(tag, item_id=item_id))
            self._write_item_row(connection, item_id, result, now)

    def _write_segments(
        self, connection: Connection, item_id: int, result: ItemIndexResult, now: float
    ) -> None:
        """The segments with their vectors and speech text, and one item_encodings row per encoder that ran
        (also when it made no segment, so the item is not re-encoded for nothing)."""
        spaces: dict[str, VectorSpace] = {
            modality: self._ensure_space(connection, modality, model_id, dim)
            for modality, (model_id, dim) in result.encoded_by.items()
        }
        counts = dict.fromkeys(spaces, 0)
        for segment in result.segments:
            cursor = connection.execute(
                "INSERT INTO segments(item_id, modality, start, end, text, thumbnail, shot_index) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    item_id,
                    segment.modality,
                    segment.start,
                    segment.end,
                    segment.text,
                    segment.thumbnail,
                    segment.shot_index,
                ),
            )
            if segment.vector is not None:
                self._insert_vector(
                    connection, spaces[segment.modality], cursor.lastrowid, segment.vector, item_id
                )
                counts[segment.modality] += 1
            # Words said or shown are found at their moment.
            if segment.modality in ("speech", "read") and segment.text:
                self._index_text(connection, item_id, segment.text, segment.modality, cursor.lastrowid)
        bump_counter(connection, VECTOR_WRITES)
        for modality, space in spaces.items():
            connection.execute(
                "INSERT INTO item_encodings(item_id, space_id, vectors, encoded_at) VALUES (?, ?, ?, ?)",
                (item_id, space.id, counts[modality], now),
            )

    def _write_item_row(
        self, connection: Connection, item_id: int, result: ItemIndexResult, now: float
    ) -> None:
        metadata = result.metadata
        assignments = ", ".join(f"{column} = ?" for column in METADATA_COLUMNS)
        connection.execute(
            f"UPDATE items SET status = 'indexed', error = NULL, indexed_at = ?, {assignments}, "
            "metadata_json = ?, language = ?, thumbnail = ? WHERE id = ?",
            (
                now,
                *(metadata.get(column) for column in METADATA_COLUMNS),
                _metadata_json(metadata),
                result.language,
                result.thumbnail,
                item_id,
            ),
        )
        title_text = " ".join(str(value) for value in (metadata.get(key) for key in _TITLE_FIELDS) if value)
        if title_text:
            self._index_text(connection, item_id, title_text, "title", None)

    def _delete_derived(self, connection: Connection, item_id: int) -> None:
        self._delete_item_vectors(connection, item_id)  # first: it reads the segment ids deleted below
        for table in _DERIVED_TABLES:
            connection.execute(f"DELETE FROM {table} WHERE item_id = ?", (item_id,))
        self._delete_analysis_text(connection, item_id)

    # -- when the file changes, vanishes or fails --------------------------------------------------------------

    def mark_changed(self, item_id: int, fingerprint: str, size: int, mtime: float) -> None:
        """The file's content changed: derived data goes, user data (history, user tags) stays."""
        with self.transaction() as connection:
            self._delete_derived(connection, item_id)
            connection.execute(
                "UPDATE items SET fingerprint = ?, size = ?, mtime = ?, status = 'pending', error = NULL, "
                "missing_since = NULL WHERE id = ?",
                (fingerprint, size, mtime, item_id),
            )

    def mark_missing(self, item_ids: Sequence[int]) -> None:
        with self.transaction() as connection:
            for item_id in item_ids:
                self._delete_derived(connection, item_id)
                connection.execute(
                    "UPDATE items SET status = 'missing', missing_since = ? WHERE id = ?",
                    (time.time(), item_id),
                )

    def mark_error(
        self,
        item_id: int,
        message: str,
        metadata: ItemMetadata | None = None,
        *,
        failed_under: Mapping[str, str] | None = None,
    ) -> None:
        """The file cannot be indexed: `message` says why in user words. `failed_under` (the models and decoder it
        failed with) goes in its metadata as FAILED_UNDER, so that a change of either tries it again."""
        recorded = metadata.to_json() if metadata is not None else {}
        if failed_under is not None:
            recorded[FAILED_UNDER] = dict(failed_under)
        with self.transaction() as connection:
            self._delete_derived(connection, item_id)
            connection.execute(
                "UPDATE items SET status = 'error', error = ?, indexed_at = ?, metadata_json = ? WHERE id = ?",
                (message, time.time(), _metadata_json(recorded), item_id),
            )


def _metadata_json(metadata: Mapping[str, Any]) -> str:
    # default=str: a value json cannot write is stored as its text instead of failing the whole item.
    return json.dumps(metadata, default=str)

"""The evaluation manifest: labelled media and queries, one JSON object per line.

Blank lines are skipped. Every line has a ``"kind"``: ``"item"`` or ``"query"``. Paths are relative to the
manifest's folder (or absolute). Unknown keys are kept (``extra``) so other evaluations can read them.

Item (a media file with what is known about it)::

    {"kind": "item", "path": "speech/en/0007.wav", "group": "speech-en/voicemail", "type": "speech",
     "labels": ["speech", "english", "voicemail"], "transcript": "Please enter your password.",
     "language": "en", "source": "asterisk-core-sounds-en-wav 1.6.1", "licence": "CC-BY-SA-3.0"}

    path        required; the file to index
    group       optional; the one label group that "more like this" precision and the simulated users use
                (items of the same group count as alike)
    labels      optional; free-form labels (tags evaluation, reports)
    transcript  optional; exactly what is said, for word error rate (WER)
    language    optional; ISO 639-1 code of the speech, for WER per language
    tags        optional; expected tag names (read by mediarec.evaluation.tags)
    type        optional; what the item is: "speech", "music", "instrument", "effect" or "video" (any word
                works). "More like this" precision is also reported per type, and items of the non-speech types
                (music, instrument, effect, video) without a transcript are checked for transcripts and
                spoken-language tags that speech-to-text made up

Query (a text search and the items that answer it)::

    {"kind": "query", "type": "cross-lingual", "text": "海边的狗", "language": "zh",
     "relevant": ["talks/beach/0002.mp4"], "relevant_groups": ["talk/beach"]}

    type             required; reported separately: "visual", "speech", "audio", "cross-lingual" (any word works)
    text             required; the query as a user types it
    relevant         paths of the items that answer it (as written in their item lines)
    relevant_groups  groups whose every item answers it (added to `relevant`)
    language         optional; the language of the query text
    negative         optional; true for a query about something the set does not hold, whose right answer is
                     no match: it lists no relevant items and is reported apart (share answered with nothing,
                     top score), never in the recall figures

    {"kind": "query", "type": "negative", "negative": true, "text": "古典音乐会", "language": "zh"}

A query needs at least one relevant item, unless it is negative (then it must have none). Errors name the line and
what is wrong.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediarec.errors import MediarecError

ITEM_KEYS = {"kind", "path", "group", "labels", "transcript", "language", "tags", "type"}
QUERY_KEYS = {"kind", "type", "text", "relevant", "relevant_groups", "language", "negative"}
QUERY_TYPES = ("visual", "speech", "audio", "cross-lingual")


class ManifestError(MediarecError):
    """The manifest cannot be read; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class ManifestItem:
    path: Path  # absolute
    written_path: str  # as written in the manifest (the key queries use)
    group: str | None = None
    labels: tuple[str, ...] = ()
    transcript: str | None = None
    language: str | None = None
    tags: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    type: str | None = None  # "speech", "music", "instrument", "effect", "video", ...


@dataclass(frozen=True)
class ManifestQuery:
    type: str
    text: str
    relevant: tuple[Path, ...]  # absolute paths; empty for a negative query
    language: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    negative: bool = False  # about something the set does not hold: the right answer is no match


@dataclass(frozen=True)
class Manifest:
    path: Path
    items: tuple[ManifestItem, ...]
    queries: tuple[ManifestQuery, ...]

    def groups(self) -> dict[str, list[ManifestItem]]:
        members: dict[str, list[ManifestItem]] = defaultdict(list)
        for item in self.items:
            if item.group:
                members[item.group].append(item)
        return dict(members)


def load_manifest(path: str | Path) -> Manifest:
    manifest_path = Path(path).expanduser().absolute()
    try:
        lines = manifest_path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ManifestError(f"Cannot read the manifest {manifest_path}: {error.strerror or error}") from error
    root = manifest_path.parent
    items: list[ManifestItem] = []
    raw_queries: list[tuple[int, dict]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = _parse(manifest_path, number, line)
        if record["kind"] == "item":
            items.append(_item(manifest_path, number, record, root))
        else:
            raw_queries.append((number, record))
    if not items:
        raise ManifestError(f'{manifest_path} lists no items (lines with "kind": "item").')
    by_written = {item.written_path: item.path for item in items}
    by_group: dict[str, list[Path]] = defaultdict(list)
    for item in items:
        if item.group:
            by_group[item.group].append(item.path)
    queries = tuple(_query(manifest_path, n, record, by_written, by_group) for n, record in raw_queries)
    return Manifest(manifest_path, tuple(items), queries)


def _parse(manifest_path: Path, number: int, line: str) -> dict:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise ManifestError(f"{manifest_path} line {number}: not JSON ({error.msg}).") from None
    if not isinstance(record, dict) or record.get("kind") not in ("item", "query"):
        raise ManifestError(f'{manifest_path} line {number}: needs "kind": "item" or "kind": "query".')
    return record


def _item(manifest_path: Path, number: int, record: dict, root: Path) -> ManifestItem:
    written = record.get("path")
    if not isinstance(written, str) or not written:
        raise ManifestError(f'{manifest_path} line {number}: an item needs a "path".')
    absolute = Path(written).expanduser()
    absolute = absolute if absolute.is_absolute() else root / absolute
    if not absolute.is_file():
        raise ManifestError(f"{manifest_path} line {number}: {absolute} does not exist.")
    return ManifestItem(
        path=absolute,
        written_path=written,
        group=record.get("group"),
        labels=tuple(_strings(manifest_path, number, record, "labels")),
        transcript=record.get("transcript"),
        language=record.get("language"),
        tags=tuple(_strings(manifest_path, number, record, "tags")),
        extra={key: value for key, value in record.items() if key not in ITEM_KEYS},
        type=_optional_string(manifest_path, number, record, "type"),
    )


def _query(manifest_path: Path, number: int, record: dict, by_written, by_group) -> ManifestQuery:
    text, query_type = record.get("text"), record.get("type")
    if not isinstance(text, str) or not text.strip() or not isinstance(query_type, str):
        raise ManifestError(f'{manifest_path} line {number}: a query needs "type" and "text".')
    relevant: list[Path] = []
    for written in _strings(manifest_path, number, record, "relevant"):
        if written not in by_written:
            raise ManifestError(
                f"{manifest_path} line {number}: relevant item {written!r} is not an item line."
            )
        relevant.append(by_written[written])
    for group in _strings(manifest_path, number, record, "relevant_groups"):
        if group not in by_group:
            raise ManifestError(f"{manifest_path} line {number}: no item has the group {group!r}.")
        relevant += by_group[group]
    negative = record.get("negative", False)
    if not isinstance(negative, bool):
        raise ManifestError(f'{manifest_path} line {number}: "negative" must be true or false.')
    if negative and relevant:
        raise ManifestError(
            f"{manifest_path} line {number}: the negative query {text!r} lists relevant items "
            "(a negative query's right answer is no match)."
        )
    if not relevant and not negative:
        raise ManifestError(
            f"{manifest_path} line {number}: the query {text!r} has no relevant item "
            '(mark a query whose right answer is no match with "negative": true).'
        )
    return ManifestQuery(
        type=query_type,
        text=text,
        relevant=tuple(dict.fromkeys(relevant)),
        language=record.get("language"),
        extra={key: value for key, value in record.items() if key not in QUERY_KEYS},
        negative=negative,
    )


def _optional_string(manifest_path: Path, number: int, record: dict, key: str) -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise ManifestError(f'{manifest_path} line {number}: "{key}" must be a string.')
    return value


def _strings(manifest_path: Path, number: int, record: dict, key: str) -> list[str]:
    value = record.get(key, [])
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        raise ManifestError(f'{manifest_path} line {number}: "{key}" must be a list of strings.')
    return value

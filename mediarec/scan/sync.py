"""Bring the database in line with the folders: new, moved, changed and vanished files."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mediarec.index.records import ItemRecord
from mediarec.index.store import LibraryStore
from mediarec.index.writer import FAILED_UNDER
from mediarec.scan.files import FoundFile, fingerprint, iter_media_files
from mediarec.scan.paths import error_reason

_LIVE_STATUSES = ("pending", "indexed", "error")  # a file that vanishes from these becomes 'missing'
_ALL_STATUSES = (*_LIVE_STATUSES, "missing")


@dataclass
class ScanReport:
    added: list[str] = field(default_factory=list)
    moved: list[tuple[str, str]] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    # (path, reason) of what was skipped because it could not be read: a folder or file without permission, a
    # broken link, a root that is gone. Paths are the file system's own names (scan/paths.py, display_path).
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return len(self.added) + len(self.moved) + len(self.changed) + len(self.unchanged)


def reconcile(store: LibraryStore, roots: Iterable[str | Path]) -> ScanReport:
    """Compare what is on disk under `roots` with the library and bring the library in line.

    The library's items under the roots are read once, in one query per root, and each file found is compared
    with them by (size, mtime): a re-scan of 10^5 unchanged files then costs their stat() calls and no query per
    file (benchmarks/bench_scale.py). Only files that are new or differ are read for their fingerprint."""
    root_list = [str(Path(root).expanduser().absolute()) for root in roots]
    report = ScanReport()
    known = _items_under(store, root_list)
    found_paths = set()
    for found in iter_media_files(root_list, report.unreadable):
        found_paths.add(found.path)
        try:
            _reconcile_file(store, found, known, report)
        except OSError as error:  # unreadable file: say so, keep going
            report.unreadable.append((found.path, error_reason(error)))
    _mark_vanished(store, known, found_paths, report)
    return report


def _items_under(store: LibraryStore, roots: list[str]) -> dict[str, ItemRecord]:
    """Every item (any status) under the roots, by path."""
    known: dict[str, ItemRecord] = {}
    for root in roots:
        known.update((item.path, item) for item in store.items(statuses=_ALL_STATUSES, under=root))
    return known


def requeue_stale_failures(
    store: LibraryStore, roots: Iterable[str], signature: Callable[[], Mapping[str, str]]
) -> list[str]:
    """Make pending again the failed files under `roots` that failed under another signature than `signature()`
    (the models and the decoder of this run, asked only when there is a failed file): a new model or decoder may
    read them. A file that failed for good under this signature stays failed until it changes. Returns the paths."""
    requeued: list[str] = []
    current: dict[str, str] | None = None
    for root in roots:
        for item in store.items(statuses=("error",), under=root):
            if current is None:
                current = dict(signature())
            if item.metadata.get(FAILED_UNDER) != current:
                store.mark_changed(item.id, item.fingerprint, item.size, item.mtime)
                requeued.append(item.path)
    return requeued


def needing_indexing(
    store: LibraryStore, items: Sequence[ItemRecord], current_models: Callable[[], Mapping[str, str]]
) -> list[ItemRecord]:
    """Of `items`, those to index: the pending ones, and the indexed ones with vectors of a modality whose current
    model (`current_models()`: modality -> model id, asked only when there is an indexed item) made none of them (a
    model changed). Errors are retried when the file changes, not here. One query per batch of items
    (store.items_missing_models) instead of two per item: 0.35 s instead of 2.2 s at 10^5 up-to-date items
    (benchmarks/bench_scale.py, 2 shared cores)."""
    indexed = [item.id for item in items if item.status == "indexed"]
    outdated = store.items_missing_models(indexed, current_models()) if indexed else set()
    return [item for item in items if item.status == "pending" or item.id in outdated]


def _reconcile_file(
    store: LibraryStore, found: FoundFile, known: dict[str, ItemRecord], report: ScanReport
) -> None:
    """One file found against the items known by path; `known` follows the moves made (a moved item leaves its
    old path), so it answers as the store would now."""
    item = known.get(found.path)
    if (
        item is not None
        and item.status != "missing"
        and item.size == found.size
        and item.mtime == found.mtime
    ):
        report.unchanged.append(found.path)
        return
    content = fingerprint(found.path, found.size)
    if item is not None:
        if content == item.fingerprint:
            store.move_item(item.id, found.path, found.size, found.mtime)  # touched or back from missing
            report.unchanged.append(found.path)
        else:
            store.mark_changed(item.id, content, found.size, found.mtime)
            report.changed.append(found.path)
        known.pop(found.path)  # its record is stale now, and the path is not looked up again
        return
    moved_from = _vanished_twin(store, content)
    if moved_from is not None:
        store.move_item(moved_from.id, found.path, found.size, found.mtime)
        known.pop(moved_from.path, None)
        report.moved.append((moved_from.path, found.path))
    else:
        store.add_item(found.path, content, found.size, found.mtime)
        report.added.append(found.path)


def _vanished_twin(store: LibraryStore, content: str):
    """An item with the same content whose file is gone: the file was renamed or moved."""
    for candidate in store.items_by_fingerprint(content):
        if candidate.status == "missing" or _gone(candidate.path):
            return candidate
    return None


def _gone(path: str) -> bool:
    """The file is not there any more. One that cannot be looked at (its folder lost its permissions, a drive
    that answers with an error) is not taken for gone: marking it missing would be a guess."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except (OSError, ValueError):
        return False
    return False


def _mark_vanished(
    store: LibraryStore, known: dict[str, ItemRecord], found_paths: set[str], report: ScanReport
) -> None:
    vanished = [
        item
        for path, item in known.items()
        if item.status in _LIVE_STATUSES and path not in found_paths and _gone(path)
    ]
    if vanished:
        store.mark_missing([item.id for item in vanished])
        report.missing.extend(item.path for item in vanished)

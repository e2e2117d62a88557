"""Find media files under the user's folders and tell what changed since the last index."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from mediarec.scan.paths import error_reason

VIDEO_EXTENSIONS = frozenset({".mp4", ".mkv", ".webm", ".mov", ".avi", ".m4v", ".ts"})
AUDIO_EXTENSIONS = frozenset({".mp3", ".flac", ".ogg", ".opus", ".m4a", ".wav", ".aac"})
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS | AUDIO_EXTENSIONS

# Fingerprint = size + three 64 KiB samples (start, middle, end). Reading whole files would make a rescan of a
# terabyte library take hours; the samples plus the exact size tell renamed files apart from edited ones.
_SAMPLE_BYTES = 64 * 1024


@dataclass(frozen=True)
class FoundFile:
    path: str
    size: int
    mtime: float


def is_media_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in MEDIA_EXTENSIONS


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


Unreadable = list[tuple[str, str]]  # (path, reason): what the scan could not look into, and why


def iter_media_files(
    roots: Iterable[str | Path], unreadable: Unreadable | None = None
) -> Iterator[FoundFile]:
    """Media files under `roots` (files or folders), skipping hidden entries and symlink loops.

    What cannot be read (a folder or a media file without permission, a broken link to a media file, a root that
    is gone) is skipped and, when `unreadable` is given, appended to it with its reason. The walk keeps an explicit
    stack, so a tree thousands of folders deep is no deeper for Python than a flat one.
    """
    problems: Unreadable = [] if unreadable is None else unreadable
    seen_dirs: set[tuple[int, int]] = set()
    for root in roots:
        root_path = Path(root).expanduser().absolute()
        if root_path.is_file():
            if is_media_path(root_path):
                try:
                    info = root_path.stat()
                except OSError as error:
                    problems.append((str(root_path), error_reason(error)))
                    continue
                yield FoundFile(str(root_path), info.st_size, info.st_mtime)
            continue
        yield from _walk(str(root_path), seen_dirs, problems)


def _walk(root: str, seen_dirs: set[tuple[int, int]], problems: Unreadable) -> Iterator[FoundFile]:
    # Depth first, each folder's entries by name (the order of a recursive walk), with a stack of the entries
    # still to visit per open folder instead of Python frames.
    pending: list[Iterator[os.DirEntry[str]]] = []
    entries = _entries(root, seen_dirs, problems)
    if entries is not None:
        pending.append(entries)
    while pending:
        entry = next(pending[-1], None)
        if entry is None:
            pending.pop()
            continue
        if _is_hidden(entry.name):
            continue
        media = is_media_path(entry.name)
        try:
            if entry.is_dir(follow_symlinks=True):
                below = _entries(entry.path, seen_dirs, problems)
                if below is not None:
                    pending.append(below)
            elif entry.is_file(follow_symlinks=True):
                if media:
                    info = entry.stat(follow_symlinks=True)
                    yield FoundFile(entry.path, info.st_size, info.st_mtime)
            elif media and entry.is_symlink():
                problems.append((entry.path, "broken link"))
        except OSError as error:  # a link loop, or an entry that cannot even be looked at
            if media:
                problems.append((entry.path, error_reason(error)))


def _entries(
    folder: str, seen_dirs: set[tuple[int, int]], problems: Unreadable
) -> Iterator[os.DirEntry[str]] | None:
    """The folder's entries by name, or None when it was seen before (a symlink loop) or cannot be read."""
    try:
        info = os.stat(folder)
        identity = (info.st_dev, info.st_ino)
        if identity in seen_dirs:  # a symlink loop, or the same folder reached twice
            return None
        seen_dirs.add(identity)
        with os.scandir(folder) as listing:  # read at once and closed: a deep walk holds no open folders
            return iter(sorted(listing, key=lambda entry: entry.name))
    except OSError as error:
        problems.append((folder, error_reason(error)))
        return None


def fingerprint(path: str | Path, size: int | None = None) -> str:
    """A content fingerprint that survives renames and moves."""
    file_size = os.path.getsize(path) if size is None else size
    digest = hashlib.blake2b(digest_size=16)
    digest.update(str(file_size).encode())
    with open(path, "rb") as handle:
        for offset in _sample_offsets(file_size):
            handle.seek(offset)
            digest.update(handle.read(_SAMPLE_BYTES))
    return digest.hexdigest()


def _sample_offsets(size: int) -> list[int]:
    if size <= 3 * _SAMPLE_BYTES:
        return [0] if size <= _SAMPLE_BYTES else list(range(0, size, _SAMPLE_BYTES))
    return [0, size // 2 - _SAMPLE_BYTES // 2, size - _SAMPLE_BYTES]

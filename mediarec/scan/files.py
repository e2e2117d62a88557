"""Find media files under the user's folders and tell what changed since the last index."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

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


def iter_media_files(roots: Iterable[str | Path]) -> Iterator[FoundFile]:
    """Media files under `roots` (files or folders), skipping hidden entries and symlink loops."""
    seen_dirs: set[tuple[int, int]] = set()
    for root in roots:
        root_path = Path(root).expanduser()
        if root_path.is_file():
            if is_media_path(root_path):
                yield _found(root_path)
            continue
        yield from _walk(root_path, seen_dirs)


def _walk(folder: Path, seen_dirs: set[tuple[int, int]]) -> Iterator[FoundFile]:
    try:
        info = folder.stat()
    except OSError:
        return
    identity = (info.st_dev, info.st_ino)
    if identity in seen_dirs:  # a symlink loop, or the same folder reached twice
        return
    seen_dirs.add(identity)
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if _is_hidden(entry.name):
            continue
        try:
            if entry.is_dir(follow_symlinks=True):
                yield from _walk(Path(entry.path), seen_dirs)
            elif entry.is_file(follow_symlinks=True) and is_media_path(entry.name):
                yield _found(Path(entry.path))
        except OSError:
            continue


def _found(path: Path) -> FoundFile:
    info = path.stat()
    return FoundFile(str(path.absolute()), info.st_size, info.st_mtime)


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

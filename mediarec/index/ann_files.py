"""The ANN sidecar's files and what guards them: where they live, the header that names them, sampled digests,
durable writes, the per-space build lock, and loading usearch (see ann_sidecar.py for the design)."""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mediarec.index.records import VectorSpace

FORMAT_VERSION = 1
FOLDER_SUFFIX = ".ann"
_DIGEST_BLOCK = 4096
_DIGEST_EDGE = 65_536
_DIGEST_SAMPLES = 32


_index_class: Any = None
_import_tried = False


def usearch_index_class() -> Any:
    """usearch's Index class, imported on first use (a library below the ANN threshold never loads it, so the
    desktop's window process stays free of native model-side libraries), or None without usearch.

    onnxruntime is loaded first: importing onnxruntime 1.32 after usearch 2.26 kills the process (SIGSEGV while
    onnxruntime loads; the other order works), and the audio model imports onnxruntime later in the same process.
    """
    global _index_class, _import_tried
    if not _import_tried:
        _import_tried = True
        with contextlib.suppress(ImportError):
            importlib.import_module("onnxruntime")
        try:
            _index_class = importlib.import_module("usearch.index").Index
        except ImportError:  # a platform without usearch wheels: every space is searched exactly
            _index_class = None
    return _index_class


def available() -> bool:
    """Whether usearch is installed (if not, every space is searched exactly). Looks, does not import: a space
    below the ANN threshold never loads usearch, nor onnxruntime before it."""
    return importlib.util.find_spec("usearch") is not None


def sidecar_folder(database: str | Path) -> Path:
    database = Path(database)
    return database.with_name(database.name + FOLDER_SUFFIX)


@dataclass(frozen=True)
class Header:
    space_id: int
    table_name: str
    model_id: str
    dim: int
    dtype: str
    connectivity: int
    writes: int  # the store's vector generation this sidecar covers
    deletions: int
    max_rowid: int  # every row of the space up to this rowid (at that generation) is in the graph
    count: int  # rows in the graph
    built_count: int  # rows when it was last built from scratch
    removed_since_build: int  # rows removed by incremental updates since then
    index_file: str
    index_bytes: int
    index_digest: str
    keys_file: str
    keys_bytes: int
    keys_digest: str
    format: int = FORMAT_VERSION
    created_at: float = 0.0

    @classmethod
    def read(cls, path: Path) -> Header:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise ValueError(f"not a format {FORMAT_VERSION} sidecar header")
        return cls(**data)

    def matches(self, space: VectorSpace) -> bool:
        return (self.space_id, self.table_name, self.model_id, self.dim) == (
            space.id,
            space.table_name,
            space.model_id,
            space.dim,
        )


def header_path(folder: Path, space: VectorSpace) -> Path:
    return folder / f"{space.id}.json"


def check_files(header: Header, space: VectorSpace, folder: Path) -> str | None:
    if not header.matches(space):
        return "it copies another space"
    for name, size, digest in (
        (header.index_file, header.index_bytes, header.index_digest),
        (header.keys_file, header.keys_bytes, header.keys_digest),
    ):
        path = folder / name
        if Path(name).name != name or not name.startswith(f"{space.id}-"):
            return f"it names an odd file {name!r}"
        try:
            actual = path.stat().st_size
        except OSError:
            return f"{name} is missing"
        if actual != size:
            return f"{name} has {actual} bytes instead of {size}"
        if file_digest(path) != digest:
            return f"{name} differs from what was written"
    return None


def remove_strays(space: VectorSpace, folder: Path, keep: set[str]) -> None:
    """Delete this space's files that the header does not name: earlier sidecars, a killed build's leftovers
    (call with the build lock held). A file another process still has mapped may refuse (Windows): left for later."""
    with contextlib.suppress(OSError):
        for path in folder.iterdir():
            if path.name.startswith(f"{space.id}-") and path.name not in keep:
                with contextlib.suppress(OSError):
                    path.unlink()
        with contextlib.suppress(OSError):
            (folder / f"{space.id}.json.tmp").unlink()


def file_digest(path: Path) -> str:
    """blake2b of the size, the first and last 64 kB and 32 blocks spread evenly between (hashing a whole 1 GB
    graph would cost seconds at every start; truncation and overwrites are what this is for)."""
    size = path.stat().st_size
    digest = hashlib.blake2b(str(size).encode(), digest_size=16)
    spans = [(0, _DIGEST_EDGE), (max(0, size - _DIGEST_EDGE), _DIGEST_EDGE)]
    between = np.linspace(0, max(0, size - _DIGEST_BLOCK), _DIGEST_SAMPLES)
    spans += [(int(offset), _DIGEST_BLOCK) for offset in between]
    with open(path, "rb") as handle:
        for offset, length in spans:
            handle.seek(offset)
            digest.update(handle.read(length))
    return digest.hexdigest()


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def fsync_folder(folder: Path) -> None:
    if sys.platform == "win32":  # no directory handles to sync; NTFS journals the rename
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class BuildLock:
    """The operating system's advisory lock on ``<space_id>.lock`` in the sidecar folder, taken without waiting:
    one process builds a space's sidecar at a time (it goes with the process however it ends)."""

    def __init__(self, folder: Path, space: VectorSpace):
        self.path = folder / f"{space.id}.lock"
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            if sys.platform == "win32":
                import msvcrt

                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        os.close(fd)  # closing drops a flock

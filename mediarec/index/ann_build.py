"""Writing an ANN sidecar: a new one built from a space's rows, or an opened one brought up to date (its deleted
rows removed, its tail added) and saved as a new one. The files are written under new names, synced and renamed,
the header last, so the header always names complete files (see ann_sidecar.py)."""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mediarec.index.ann_files import (
    Header,
    file_digest,
    fsync_file,
    fsync_folder,
    header_path,
    remove_strays,
    usearch_index_class,
)
from mediarec.index.records import VectorSpace

if TYPE_CHECKING:
    from mediarec.index.ann_sidecar import AnnState

DTYPE = "f16"
CONNECTIVITY = 16  # M, links a node keeps: 1.17 kB a 512-d float16 vector with its links (bench_ann, 10^6)
EXPANSION_ADD = 128
_ADD_BATCH = 65_536


def default_build_threads() -> int:
    """One core fewer than the machine has (at least one): a background build leaves the interface a core."""
    return max(1, (os.cpu_count() or 2) - 1)


def build(
    space: VectorSpace,
    folder: Path,
    rowids: np.ndarray,
    item_ids: np.ndarray,
    vectors: np.ndarray,
    generation: tuple[int, int],
    *,
    threads: int | None = None,
) -> Header:
    """A new sidecar from the space's rows as read at (or after) `generation`; returns its header, written last."""
    index_class = usearch_index_class()
    if index_class is None:
        raise RuntimeError("usearch is not installed")
    order = np.argsort(rowids, kind="stable")
    keys = np.asarray(rowids, np.int64)[order]
    if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):
        raise ValueError("duplicate rowids")
    index = index_class(
        ndim=space.dim, metric="cos", dtype=DTYPE, connectivity=CONNECTIVITY, expansion_add=EXPANSION_ADD
    )
    for start in range(0, len(keys), _ADD_BATCH):
        batch = order[start : start + _ADD_BATCH]
        index.add(
            keys[start : start + _ADD_BATCH].astype(np.uint64),
            np.ascontiguousarray(vectors[batch], np.float32),
            threads=threads or default_build_threads(),
        )
    max_rowid = int(keys[-1]) if len(keys) else 0
    owners = np.asarray(item_ids, np.int64)[order]
    return _write(space, folder, index, keys, owners, generation, max_rowid, len(keys), 0)


def update(state: AnnState, space: VectorSpace, *, threads: int | None = None) -> Header:
    """`state`'s sidecar with its deleted rows removed and its tail added, written as a new one."""
    index_class = usearch_index_class()
    assert index_class is not None
    header = state.header
    index = index_class.restore(str(state.folder / header.index_file), view=False)
    if index is None:
        raise RuntimeError("the graph does not load")
    if len(state.removed):
        index.remove(state.removed.astype(np.uint64))
    if len(state.tail_rowids):
        threads = threads or default_build_threads()
        index.add(state.tail_rowids.astype(np.uint64), state.tail_vectors, threads=threads)
    keep = ~np.isin(state.keys, state.removed)
    keys = np.concatenate([state.keys[keep], state.tail_rowids])
    item_ids = np.concatenate([state.item_ids[keep], state.tail_item_ids])
    order = np.argsort(keys, kind="stable")
    return _write(
        space,
        state.folder,
        index,
        keys[order],
        item_ids[order],
        state.generation,
        state.tail_max,
        header.built_count,
        header.removed_since_build + len(state.removed),
    )


def _write(
    space: VectorSpace,
    folder: Path,
    index,
    keys: np.ndarray,
    item_ids: np.ndarray,
    generation: tuple[int, int],
    max_rowid: int,
    built_count: int,
    removed_since_build: int,
) -> Header:
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(6)
    index_name, keys_name = f"{space.id}-{token}.usearch", f"{space.id}-{token}.keys.npy"
    temporary = folder / f"{index_name}.tmp"
    index.save(str(temporary))
    fsync_file(temporary)
    os.replace(temporary, folder / index_name)
    temporary = folder / f"{keys_name}.tmp"
    with open(temporary, "wb") as handle:
        np.save(handle, np.stack([keys, item_ids], axis=1).astype(np.int64), allow_pickle=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, folder / keys_name)
    header = Header(
        space_id=space.id,
        table_name=space.table_name,
        model_id=space.model_id,
        dim=space.dim,
        dtype=DTYPE,
        connectivity=CONNECTIVITY,
        writes=int(generation[0]),
        deletions=int(generation[1]),
        max_rowid=int(max_rowid),
        count=len(keys),
        built_count=int(built_count),
        removed_since_build=int(removed_since_build),
        index_file=index_name,
        index_bytes=(folder / index_name).stat().st_size,
        index_digest=file_digest(folder / index_name),
        keys_file=keys_name,
        keys_bytes=(folder / keys_name).stat().st_size,
        keys_digest=file_digest(folder / keys_name),
        created_at=time.time(),
    )
    path = header_path(folder, space)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(asdict(header), handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    fsync_folder(folder)
    remove_strays(space, folder, keep={index_name, keys_name})
    return header

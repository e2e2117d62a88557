"""Reading a few hundred vectors by id out of a large space: `rowid IN (...)` against the store's chunk reader.

What "more like this", For you and the query-bank calibration (rank.calibration.BankStatistics) do on every call:
fetch the vectors of a few hundred items or segments. sqlite-vec answers `WHERE rowid IN (...)` on a vec0 table by
scanning every row, so the time grows with the library; the store's item_vectors reads them through sqlite-vec's
rowid table and the chunks that hold them (index.vectors.vector_rows). Both run here on the same database.

    .venv/bin/python benchmarks/bench_vector_reads.py [--rows 100000] [--wanted 200] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from mediarec.index.store import LibraryStore

DIM = 512


def build(store: LibraryStore, rows: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    with store.transaction() as connection:
        space = store._ensure_space(connection, "item", "bench", DIM)
    for first in range(0, rows, 5000):
        vectors = rng.standard_normal((min(5000, rows - first), DIM)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        with store.transaction() as connection:
            for offset, vector in enumerate(vectors):
                store._insert_vector(connection, space, first + offset + 1, vector, first + offset + 1)
    return space


def read_with_in_list(store: LibraryStore, space, ids: list[int]) -> int:
    """The baseline: what item_vectors did before (one IN list per 500 ids)."""
    count = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        count += len(
            store.query(
                f"SELECT rowid, embedding FROM {space.table_name} WHERE rowid IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    return count


def timed(read, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        read()
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--wanted", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = LibraryStore(Path(folder) / "library.sqlite3")
        started = time.perf_counter()
        space = build(store, args.rows)
        build_seconds = time.perf_counter() - started
        rng = np.random.default_rng(1)
        ids = sorted(int(i) for i in rng.choice(np.arange(1, args.rows + 1), size=args.wanted, replace=False))
        baseline = timed(lambda: read_with_in_list(store, space, ids), args.repeats)
        chunked = timed(lambda: store.item_vectors(space, ids), args.repeats)
        found, vectors = store.item_vectors(space, ids)
        assert found == ids and read_with_in_list(store, space, ids) == len(ids)
        store.close()
    print(
        json.dumps(
            {
                "rows": args.rows,
                "wanted": args.wanted,
                "dim": DIM,
                "build_seconds": round(build_seconds, 1),
                "rowid_in_list_ms": round(1000 * baseline, 2),
                "item_vectors_ms": round(1000 * chunked, 2),
                "speedup": round(baseline / chunked, 1),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            }
        )
    )


if __name__ == "__main__":
    main()

"""Search latency at 10k and 100k items on synthetic vectors in a real library database.

Writes N items, each with a few frame vectors and a speech vector (random but clustered, so KNN has structure),
through the real store, then times the real SearchEngine with a fixed query embedding per modality (the text
encoders are not part of this figure; see bench_indexing.py for model speed).

    .venv/bin/python benchmarks/bench_search.py [--items 10000 100000] [--queries 50]
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from mediarec.index.records import ItemIndexResult, NewSegment
from mediarec.index.store import LibraryStore
from mediarec.rank.search import QueryChannel, SearchEngine

FRAME_DIM, SPEECH_DIM = 512, 512
FRAMES_PER_ITEM = 3


def _unit(rng, centres, count, dim):
    picks = centres[rng.integers(0, len(centres), size=count)]
    vectors = picks + 0.35 * rng.standard_normal((count, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def build(store: LibraryStore, items: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    frame_centres = rng.standard_normal((64, FRAME_DIM)).astype(np.float32)
    speech_centres = rng.standard_normal((64, SPEECH_DIM)).astype(np.float32)
    batch = 500
    for first in range(0, items, batch):
        count = min(batch, items - first)
        frames = _unit(rng, frame_centres, count * FRAMES_PER_ITEM, FRAME_DIM)
        speech = _unit(rng, speech_centres, count, SPEECH_DIM)
        with store.transaction() as connection:
            for offset in range(count):
                number = first + offset
                connection.execute(
                    "INSERT INTO items(path, fingerprint, size, mtime, status, added_at, kind, duration) "
                    "VALUES (?, ?, 1, 1, 'indexed', 0, 'video', 60)",
                    (f"/bench/{number}.mp4", f"fp{number}"),
                )
        ids = [row[0] for row in store.query("SELECT id FROM items WHERE id > ? ORDER BY id", (first,))][
            :count
        ]
        for offset, item_id in enumerate(ids):
            segments = [
                NewSegment("frame", 10.0 * k, 10.0 * (k + 1), frames[offset * FRAMES_PER_ITEM + k])
                for k in range(FRAMES_PER_ITEM)
            ]
            segments.append(NewSegment("speech", 0.0, 20.0, speech[offset], text=f"words of item {item_id}"))
            store.write_index_result(
                item_id,
                ItemIndexResult(
                    metadata={"kind": "video", "duration": 60.0},
                    segments=segments,
                    encoded_by={"frame": ("bench-clip", FRAME_DIM), "speech": ("bench-text", SPEECH_DIM)},
                ),
            )


def measure(store: LibraryStore, queries: int, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    frame_space = store.space("frame", "bench-clip")
    speech_space = store.space("speech", "bench-text")

    def embed(dim):
        def encode(texts):
            vectors = rng.standard_normal((len(texts), dim)).astype(np.float32)
            return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

        return encode

    channels = [
        QueryChannel("frame", frame_space, embed(FRAME_DIM)),
        QueryChannel("speech", speech_space, embed(SPEECH_DIM)),
    ]
    engine = SearchEngine(store, lambda: channels)
    started = time.perf_counter()
    engine.search("the first search loads the vectors into memory", limit=10)
    cold_ms = (time.perf_counter() - started) * 1000
    timings = []
    for index in range(queries):
        started = time.perf_counter()
        engine.search(f"query number {index}", limit=10)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "cold_ms": cold_ms,
        "p50_ms": float(np.percentile(timings, 50)),
        "p95_ms": float(np.percentile(timings, 95)),
        "frame_vectors": store.space_size(frame_space),
        "speech_vectors": store.space_size(speech_space),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    for items in args.items:
        with tempfile.TemporaryDirectory() as folder:
            store = LibraryStore(Path(folder) / "bench.sqlite3")
            started = time.perf_counter()
            build(store, items)
            build_seconds = time.perf_counter() - started
            figures = measure(store, args.queries)
            store.close()
        print(
            f"{items:>7} items ({figures['frame_vectors']} frame + {figures['speech_vectors']} speech vectors): "
            f"search p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, "
            f"first search (loads vectors) {figures['cold_ms']:.0f} ms "
            f"(built in {build_seconds:.0f} s)"
        )


if __name__ == "__main__":
    main()

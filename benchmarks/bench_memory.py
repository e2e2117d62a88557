"""Peak memory of `mediarec --profile offline index` on a short and a long generated audio file.

Prints one JSON object: for each file length, the peak RSS (ru_maxrss of the index child process, from wait4) of
this checkout (block decoding) and of the whole-track decoder it replaced (a git worktree of the commit before
iter_audio_blocks, or --old-ref), and the long/short ratio of each.

The files are 8 kHz mono 16-bit WAVs of one-second tone bursts every 30 s and silence (sparse in content, dense on
disk), written with numpy block by block; the speech gate keeps whisper off them, so the audio model and decoding
dominate. A mixed library (a 10-minute narration, 2 minutes of 720p slides, a 1-minute narrated shapes clip) has every
offline model work (whisper, OCR, image labels, CLIP), indexed by both checkouts too. Each checkout first indexes
a 2-second file into a library of its own, so that one-time work (assembling whisper base, ONNX exports in a
child process) is done before the measured runs. ``--per-model`` instead loads each offline model alone in a fresh
process and prints its resident memory once imported, loaded and after one typical call. Usage:

    .venv/bin/python benchmarks/bench_memory.py [--short-minutes 10] [--long-minutes 600] [--old-long-minutes 120] \
        [--old-ref REF] [--no-mixed] [--per-model]
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RATE = 8000
# onnxruntime imported first: importing it after usearch crashes the process (SIGSEGV; see commit 90e3021).
_CHILD = (
    "import onnxruntime, sys; from mediarec.cli.main import main; "
    "sys.exit(main(['--profile', 'offline', 'index', sys.argv[1]]))"
)


def write_sparse_wav(path: Path, seconds: int) -> Path:
    """A WAV of a 440 Hz one-second burst every 30 seconds, silence between; written a minute at a time."""
    with path.open("wb") as handle:
        data_bytes = seconds * RATE * 2
        handle.write(b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE")
        handle.write(b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16))
        handle.write(b"data" + struct.pack("<I", data_bytes))
        for minute in range(0, seconds, 60):
            time_s = minute + np.arange(min(60, seconds - minute) * RATE) / RATE
            wave = 0.5 * np.sin(2 * np.pi * 440.0 * time_s) * ((time_s % 30.0) < 1.0)
            handle.write((wave * 32000).astype("<i2").tobytes())
    return path


def peak_rss_mib(code_root: Path, media: Path, work: Path) -> dict:
    """Index `media` (alone in its folder) with the checkout at code_root into a fresh library; peak RSS of the child."""
    env = dict(os.environ)
    env.update(
        MEDIAREC_PROFILE="offline",
        MEDIAREC_DATA_DIR=str(work / "data"),
        MEDIAREC_CONFIG=str(work / "config.toml"),
        PYTHONPATH=str(code_root),
    )
    env.setdefault("MEDIAREC_CACHE_DIR", str(work.parent / "cache"))
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(media.parent)],
        cwd=code_root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read().decode(errors="replace") if child.stderr else ""
    result: dict = {
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "seconds": round(time.monotonic() - started, 1),
    }
    if child.returncode != 0:
        result["error"] = f"exit {child.returncode}: {stderr[-300:]}"
    return result


SENTENCES = (
    "Today we look at how rivers shape the valleys they run through over thousands of years.",
    "The recipe needs flour, water, salt and a little patience while the dough rises.",
    "Our team scored twice in the second half and won the match in front of a happy crowd.",
    "Remember to back up your photos before you update the operating system on your laptop.",
)


def write_mixed_library(folder: Path) -> Path:
    """Narration (10 min), slides with text (2 min, 1280x720), a narrated shapes clip (1 min)."""
    from PIL import Image, ImageDraw

    from mediarec.media.samples import (
        ShapeShot,
        silence,
        synthesize_speech,
        write_audio,
        write_pictures_video,
        write_shapes_video,
    )

    folder.mkdir(parents=True)
    parts = [part for k in range(12) for part in (synthesize_speech(SENTENCES[k % 4]), silence(0.6))]
    speech = np.concatenate(parts)
    write_audio(folder / "talk_10min.m4a", np.resize(speech, 600 * 16000).astype(np.float32))
    slides = []
    for index in range(24):
        picture = Image.new("RGB", (1280, 720), (20 + 5 * index, 30, 70))
        draw = ImageDraw.Draw(picture)
        for top in range(60, 660, 90):
            draw.text(
                (60, top), f"Slide {index}: rivers shape valleys {top}", fill=(255, 255, 255), font_size=44
            )
        slides.append((np.asarray(picture), 5.0))
    write_pictures_video(folder / "slides_2min.mp4", slides, width=1280, height=720, fps=2)
    shots = [
        ShapeShot(shape, colour, 20.0)
        for shape, colour in (("circle", "red"), ("square", "blue"), ("triangle", "green"))
    ]
    write_shapes_video(folder / "clip_1min.mp4", shots, size=320, fps=25, audio=np.resize(speech, 60 * 16000))
    return folder


def warm_up(code_root: Path, temp_dir: Path, name: str) -> dict:
    """Index a 2-second file with this checkout into a library of its own and the model cache the measured runs
    use (peak_rss_mib's, beside the work folders), so that they find it ready: the ONNX export children, which
    import torch, would otherwise count in the first run's peak (wait4 reports the largest of a process and its
    children)."""
    folder = temp_dir / f"{name}_warm_media"
    folder.mkdir()
    write_sparse_wav(folder / "two_seconds.wav", 2)
    (temp_dir / f"{name}_warm").mkdir()
    return peak_rss_mib(code_root, folder / "two_seconds.wav", temp_dir / f"{name}_warm")


_PER_MODEL = """
import json, sys, time
import numpy as np

def resident():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return {name: int(fields[name].split()[0]) // 1024 for name in ("VmRSS", "VmHWM")}

role = sys.argv[1]
from mediarec.models.model_set import ModelSet
models = ModelSet("offline")
encoder = models.get(role)
report = {"imported": resident()}
encoder.load()
report["loaded"] = resident()
rng = np.random.default_rng(0)
pictures = [rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8) for _ in range(16)]
if role == "transcriber":
    from mediarec.media.samples import synthesize_speech
    speech = synthesize_speech("Today we look at how rivers shape the valleys they run through over thousands of years.")
    encoder.transcribe(np.resize(np.concatenate([speech, np.zeros(8000, np.float32)]), 120 * 16000))
    report["call"] = "transcribe 120 s of speech"
elif role == "audio":
    encoder.embed_and_tag((0.1 * rng.standard_normal(600 * 16000)).astype(np.float32))
    report["call"] = "embed_and_tag one 600 s block"
elif role == "text":
    encoder.encode_passages(["the quick brown fox jumps over the lazy dog " * 6] * 64)
    report["call"] = "64 passages"
elif role == "image_text":
    encoder.encode_images(pictures)
    report["call"] = "16 pictures 1280x720"
elif role == "image_labels":
    encoder.classify(pictures)
    report["call"] = "16 pictures 1280x720"
elif role == "ocr":
    from PIL import Image, ImageDraw
    picture = Image.new("RGB", (1280, 720), (20, 20, 60))
    for top in range(40, 700, 60):
        ImageDraw.Draw(picture).text((40, top), f"Line {top} of some slide text", fill=(255, 255, 255), font_size=40)
    encoder.read(np.asarray(picture))
    report["call"] = "read one 1280x720 slide"
report["after_call"] = resident()
report["torch_imported"] = "torch" in sys.modules
print(json.dumps(report))
"""
ROLES = ("image_text", "image_labels", "transcriber", "text", "audio", "ocr")


def per_model() -> dict:
    """Each offline model alone in a fresh process (this checkout, the model cache of the environment)."""
    table = {}
    for role in ROLES:
        run = subprocess.run(
            [sys.executable, "-c", _PER_MODEL, role], cwd=ROOT, capture_output=True, text=True
        )
        table[role] = (
            json.loads(run.stdout.splitlines()[-1]) if run.returncode == 0 else {"error": run.stderr[-300:]}
        )
    return table


def old_ref() -> str:
    """The commit before the one that added iter_audio_blocks (HEAD while it is not committed)."""
    added = subprocess.run(
        ["git", "log", "-1", "--format=%H", "-S", "def iter_audio_blocks", "--", "mediarec/media/audio.py"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    return f"{added}^" if added else "HEAD"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short-minutes", type=int, default=10)
    parser.add_argument("--long-minutes", type=int, default=600)
    parser.add_argument(
        "--old-long-minutes", type=int, default=120, help="the whole-track path holds it all: keep small"
    )
    parser.add_argument(
        "--old-ref", default=None, help="commit of the whole-track decoder (default: found by git)"
    )
    parser.add_argument("--no-old", action="store_true")
    parser.add_argument("--no-mixed", action="store_true", help="only the sparse short and long files")
    parser.add_argument("--per-model", action="store_true", help="each model alone instead (see above)")
    args = parser.parse_args()
    if args.per_model:
        print(json.dumps({"per_model_mib": per_model(), "load_average": os.getloadavg()}))
        return 0
    report: dict = {"sample_rate_of_files": RATE, "load_average_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench_memory_") as temp:
        temp_dir = Path(temp)
        lengths = {"short": args.short_minutes, "long": args.long_minutes, "old_long": args.old_long_minutes}
        files = {}
        for minutes in sorted(set(lengths.values())):
            folder = temp_dir / f"media_{minutes}m"
            folder.mkdir()
            files[minutes] = write_sparse_wav(folder / f"sparse_{minutes}m.wav", minutes * 60)
        runs = {"new": ROOT}
        if not args.no_old:
            ref = args.old_ref or old_ref()
            worktree = temp_dir / "old"
            subprocess.run(["git", "worktree", "add", "--detach", str(worktree), ref], cwd=ROOT, check=True,
                           capture_output=True)  # fmt: skip
            runs["old"] = worktree
            report["old_ref"] = subprocess.run(
                ["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip()
        mixed = None if args.no_mixed else write_mixed_library(temp_dir / "media_mixed")
        try:
            for name, code_root in runs.items():
                long_minutes = lengths["long"] if name == "new" else lengths["old_long"]
                entry: dict = {"warm_up_2s": warm_up(code_root, temp_dir, name)}
                for label, minutes in (("short", lengths["short"]), ("long", long_minutes)):
                    work = temp_dir / f"{name}_{minutes}m"
                    work.mkdir()
                    entry[f"{label}_{minutes}min"] = peak_rss_mib(code_root, files[minutes], work)
                short, long_ = (entry[key]["peak_rss_mib"] for key in entry if key != "warm_up_2s")
                entry["ratio_long_over_short"] = round(long_ / short, 3) if short else None
                if mixed is not None:
                    (temp_dir / f"{name}_mixed").mkdir()
                    entry["mixed_library"] = peak_rss_mib(
                        code_root, mixed / "talk_10min.m4a", temp_dir / f"{name}_mixed"
                    )
                report[name] = entry
        finally:
            if "old" in runs:
                subprocess.run(["git", "worktree", "remove", "--force", str(runs["old"])], cwd=ROOT,
                               capture_output=True)  # fmt: skip
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

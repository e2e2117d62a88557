"""Peak memory of `mediarec --profile offline index` on a short and a long generated audio file.

Prints one JSON object: for each file length, the peak RSS (ru_maxrss of the index child process, from wait4) of
this checkout (block decoding) and of the whole-track decoder it replaced (a git worktree of the commit before
iter_audio_blocks, or --old-ref), and the long/short ratio of each.

The files are 8 kHz mono 16-bit WAVs of one-second tone bursts every 30 s and silence (sparse in content, dense on
disk), written with numpy block by block; the speech gate keeps whisper off them, so the audio model and decoding
dominate. Usage:

    .venv/bin/python benchmarks/bench_memory.py [--short-minutes 10] [--long-minutes 600] [--old-long-minutes 120]
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
    args = parser.parse_args()
    report: dict = {"sample_rate_of_files": RATE}
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
        try:
            for name, code_root in runs.items():
                long_minutes = lengths["long"] if name == "new" else lengths["old_long"]
                entry: dict = {}
                for label, minutes in (("short", lengths["short"]), ("long", long_minutes)):
                    work = temp_dir / f"{name}_{minutes}m"
                    work.mkdir()
                    entry[f"{label}_{minutes}min"] = peak_rss_mib(code_root, files[minutes], work)
                short, long_ = (entry[key]["peak_rss_mib"] for key in entry)
                entry["ratio_long_over_short"] = round(long_ / short, 3) if short else None
                report[name] = entry
        finally:
            if "old" in runs:
                subprocess.run(["git", "worktree", "remove", "--force", str(runs["old"])], cwd=ROOT,
                               capture_output=True)  # fmt: skip
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

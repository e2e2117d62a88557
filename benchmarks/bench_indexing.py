"""Indexing throughput with the offline profile on generated media, and where the wall time goes.

Makes a library of narrated multi-shot videos and speech-only audio (espeak-ng narration over drawn shapes), indexes
it with the real pipeline and models, and prints media seconds per wall second plus each stage's share. Stages
overlap (decoding runs ahead in its own thread), so the shares are of the encode thread's wall time, except decode,
which is measured in its thread.

    .venv/bin/python benchmarks/bench_indexing.py [--clips 12] [--seconds 30]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
from pathlib import Path

import numpy as np

from mediarec.app import Library
from mediarec.config import load_settings
from mediarec.media.samples import ShapeShot, synthesize_speech, write_audio, write_shapes_video
from mediarec.media.shapes import COLOURS, SHAPES

SENTENCES = [
    "Today we look at how rivers shape the valleys they run through over thousands of years.",
    "The recipe needs flour, water, salt and a little patience while the dough rises.",
    "Our team scored twice in the second half and won the match in front of a happy crowd.",
    "Remember to back up your photos before you update the operating system on your laptop.",
]


def make_clip(folder: Path, index: int, seconds: float, rng: np.random.Generator) -> Path:
    speech = np.concatenate([synthesize_speech(SENTENCES[(index + k) % len(SENTENCES)]) for k in range(3)])
    speech = (
        np.resize(speech, int(seconds * 16000))
        if len(speech) > seconds * 16000
        else np.pad(speech, (0, int(seconds * 16000) - len(speech)))
    )
    if index % 3 == 2:
        return write_audio(folder / f"talk_{index:03d}.m4a", speech)
    shots, left = [], seconds
    while left > 0:
        length = float(min(left, rng.uniform(2.0, 8.0)))
        shots.append(ShapeShot(str(rng.choice(SHAPES)), str(rng.choice(list(COLOURS))), length))
        left -= length
    return write_shapes_video(folder / f"clip_{index:03d}.mp4", shots, size=320, fps=25, audio=speech)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clips", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as workspace:
        media = Path(workspace) / "media"
        media.mkdir()
        for index in range(args.clips):
            make_clip(media, index, args.seconds, rng)
        settings = load_settings(
            data_dir=Path(workspace) / "data",
            profile="offline",
            environ={k: v for k, v in os.environ.items() if not k.startswith("MEDIAREC_")},
        )
        library = Library(settings)
        # Load models first: a user pays this once per session, not per file.
        for role in ("image_text", "transcriber", "text", "audio"):
            library.models.get(role).load()
        indexer = library.indexer()
        for _ in indexer.run([media]):
            pass
        summary = indexer.summary
        library.close()
    wall = summary.wall_seconds
    print(f"machine: {os.cpu_count()} CPU cores ({platform.machine()}), no GPU; profile offline")
    print(
        f"{len(summary.indexed)} files, {summary.media_seconds:.0f} s of media in {wall:.1f} s wall: "
        f"{summary.media_seconds / wall:.2f} media seconds per wall second"
    )
    for stage, seconds in sorted(summary.stage_seconds.items(), key=lambda pair: -pair[1]):
        print(f"  {stage:<14} {seconds:7.2f} s  {100 * seconds / wall:5.1f} % of wall")
    # Decoding runs in its own thread ahead of the encoders; what it costs the wall clock is the time the encode
    # thread waited for it.
    overhead = summary.stage_seconds.get("waiting_for_decode", 0) + summary.stage_seconds.get("database", 0)
    print(f"waiting for decode + database: {100 * overhead / wall:.1f} % of wall (target < 15 %)")
    if summary.failed:
        print("failed:", summary.failed)


if __name__ == "__main__":
    main()

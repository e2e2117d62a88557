"""Indexing throughput with the offline profile on generated media, where the wall time goes, and how close the
job comes to its busiest stage and to the transcriber alone.

Two generated libraries, indexed with the real pipeline and models (each in its own database):
  * talk: narrated multi-shot videos and speech-only audio (espeak-ng narration over drawn shapes);
  * mixed: speech, music (chords), noise, silent shape clips with music, and narrated clips, in turn.

Per library and per ``--files-in-flight`` setting (files the job encodes at once; each setting indexes the library
into a fresh database, in this run) it prints media seconds per wall second (and per CPU second: the machine is
shared, CPU time is the steadier figure), each stage's share of the wall time (the indexer's summary.stage_seconds;
decoding runs ahead in its own thread, each file's encoders one after another), and the wall time over the busiest
stage's busy time (summary.stage_busy_seconds; target <= 1.2). For the talk library the transcriber alone then
transcribes the same files' whole tracks in the same run: indexing throughput over that one's (target >= 0.8). ``--compare-whisper`` transcribes the same tracks
with faster-whisper's plain and batched pipelines (models.whisper: batch_size 1 and the default), with how well their
words agree. ``--stages-alone`` also runs each file's stages one at a time in one thread and reports each stage's
CPU time (the process's, so the models' own threads count), which overlap hides in the job. ``--variants`` indexes
each library once per config file (e.g. models' thread counts), ``--repeat`` rounds of all runs, alternating, since
a shared machine's load changes within minutes. The models' ONNX exports are made first, in a child process, as a
user's first run makes them once. One JSON object on stdout.

    .venv/bin/python benchmarks/bench_indexing.py [--libraries talk,mixed] [--clips 12] [--seconds 30] \
        [--files-in-flight 1,2] [--compare-whisper] [--stages-alone] [--variants a=,b=threads.toml] [--repeat 2]
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mediarec.app import Library
from mediarec.config import load_settings
from mediarec.media.audio import decode_audio
from mediarec.media.samples import ShapeShot, synthesize_speech, tone, write_audio, write_shapes_video
from mediarec.media.shapes import COLOURS, SHAPES
from mediarec.models.image_onnx import prepare_exports
from mediarec.models.whisper import DEFAULT_BATCH_SIZE, FasterWhisperTranscriber

SENTENCES = [
    "Today we look at how rivers shape the valleys they run through over thousands of years.",
    "The recipe needs flour, water, salt and a little patience while the dough rises.",
    "Our team scored twice in the second half and won the match in front of a happy crowd.",
    "Remember to back up your photos before you update the operating system on your laptop.",
]
RATE = 16000
# The stage times that are not work: the encode loop waiting for the decode thread.
IDLE_STAGES = ("waiting_for_decode",)
LIBRARIES = ("talk", "mixed")


# ---- generated media -----------------------------------------------------------------------------------


def _fitted(samples: np.ndarray, seconds: float) -> np.ndarray:
    count = int(seconds * RATE)
    return np.resize(samples, count) if len(samples) > count else np.pad(samples, (0, count - len(samples)))


def _shots(seconds: float, rng: np.random.Generator) -> list[ShapeShot]:
    shots, left = [], seconds
    while left > 0:
        length = float(min(left, rng.uniform(2.0, 8.0)))
        shots.append(ShapeShot(str(rng.choice(SHAPES)), str(rng.choice(list(COLOURS))), length))
        left -= length
    return shots


def narration(index: int, seconds: float) -> np.ndarray:
    speech = np.concatenate([synthesize_speech(SENTENCES[(index + k) % len(SENTENCES)]) for k in range(3)])
    return _fitted(speech, seconds)


def make_clip(folder: Path, index: int, seconds: float, rng: np.random.Generator) -> Path:
    """Talk-heavy: a narrated shapes video, every third one narration alone (bench_cluster uses this too)."""
    speech = narration(index, seconds)
    if index % 3 == 2:
        return write_audio(folder / f"talk_{index:03d}.m4a", speech)
    return write_shapes_video(
        folder / f"clip_{index:03d}.mp4", _shots(seconds, rng), size=320, fps=25, audio=speech
    )


def music(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Half-second chords of three notes from a C major scale: music to the audio model, no speech."""
    scale = 261.63 * 2 ** (np.array([0, 2, 4, 5, 7, 9, 11, 12]) / 12)
    chords = [
        sum(tone(0.5, float(scale[(root + step) % len(scale)]), amplitude=0.1) for step in (0, 2, 4))
        for root in rng.integers(0, len(scale), int(seconds / 0.5) + 1)
    ]
    return _fitted(np.concatenate(chords).astype(np.float32), seconds)


def noise(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Brown-ish rumble with louder bursts: sound without speech or music."""
    rumble = np.cumsum(rng.normal(0.0, 1.0, int(seconds * RATE)))
    rumble -= np.convolve(rumble, np.ones(400) / 400, mode="same")  # remove the random walk's drift
    rumble *= 0.2 / (np.abs(rumble).max() + 1e-9)
    bursts = (rng.random(len(rumble) // RATE + 1) < 0.3).repeat(RATE)[: len(rumble)]
    return (rumble * (1 + 2 * bursts)).astype(np.float32)


def make_mixed_clip(folder: Path, index: int, seconds: float, rng: np.random.Generator) -> Path:
    kind = index % 5
    if kind == 0:
        return write_audio(folder / f"speech_{index:03d}.m4a", narration(index, seconds))
    if kind == 1:
        return write_audio(folder / f"music_{index:03d}.m4a", music(seconds, rng))
    if kind == 2:
        return write_audio(folder / f"noise_{index:03d}.m4a", noise(seconds, rng))
    sound = music(seconds, rng) if kind == 3 else narration(index, seconds)
    return write_shapes_video(
        folder / f"clip_{index:03d}.mp4", _shots(seconds, rng), size=320, fps=25, audio=sound
    )


def make_library(folder: Path, kind: str, clips: int, seconds: float) -> list[Path]:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    maker = make_clip if kind == "talk" else make_mixed_clip
    return [maker(folder, index, seconds, rng) for index in range(clips)]


# ---- measuring -----------------------------------------------------------------------------------------


def cpu_seconds() -> float:
    """This process's CPU time, all threads (the models' own thread pools included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(work: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = work()
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def open_library(workspace: Path, name: str, config: Path | None = None) -> Library:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAREC_")}
    # One model cache for the run's libraries, warmed by warm_model_cache: a user's exports are made once.
    environ["MEDIAREC_CACHE_DIR"] = str(workspace / "model-cache")
    settings = load_settings(
        data_dir=workspace / f"data-{name}",
        config_path=config or workspace / "no-config.toml",
        profile="offline",
        environ=environ,
    )
    library = Library(settings)
    # The picture networks' ONNX exports, as an index run makes them first (made once per weights, here by the
    # warm-up: warm_model_cache), then the models loaded: a user pays this once per session, not per file.
    prepare_exports(library.models)
    for role in library.models.specs:
        library.models.get(role).load()
    # And the CLIP text tower's export, which an index run makes once per weights (not per run) when missing.
    text_tower_export = getattr(library.models.get("image_text"), "export_text_tower", None)
    if text_tower_export is not None:
        text_tower_export()
    return library


def warm_model_cache(workspace: Path) -> None:
    """The models' ONNX exports made in a child process before anything is measured, as a user's first run makes
    them once: the export imports torch, which an index run on the CPU otherwise never does (models.image_onnx)."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import bench_indexing as b; from pathlib import Path; "
        "b.open_library(Path(sys.argv[2]), 'warm-up').close()"
    )
    subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent), str(workspace)], check=True)


def index_figures(library: Library, media: Path, files_in_flight: int) -> dict[str, Any]:
    """Index ``media`` through the real job and return its throughput, stage shares and overlap."""
    indexer = library.indexer()
    indexer.files_in_flight = files_in_flight
    load_before = round(os.getloadavg()[0], 2)
    _, wall, cpu = timed(lambda: [None for _ in indexer.run([media])])
    summary = indexer.summary
    stages = dict(summary.stage_seconds)
    # Busy: the wall time with at least one call of the stage running (files in flight overlap their calls).
    busy = {
        stage: seconds for stage, seconds in summary.stage_busy_seconds.items() if stage not in IDLE_STAGES
    }
    busiest = max(busy, key=lambda stage: busy[stage])
    return {
        "files_in_flight": files_in_flight,
        "load_average_1_before_after": [load_before, round(os.getloadavg()[0], 2)],
        "files": len(summary.indexed),
        "failed": [reason for _, reason in summary.failed],
        "media_seconds": round(summary.media_seconds, 1),
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "media_seconds_per_wall_second": round(summary.media_seconds / wall, 2),
        "media_seconds_per_cpu_second": round(summary.media_seconds / cpu, 2),
        "stage_seconds": {stage: round(seconds, 2) for stage, seconds in sorted(stages.items())},
        "stage_share_of_wall": {
            stage: round(seconds / wall, 3) for stage, seconds in sorted(stages.items(), key=lambda p: -p[1])
        },
        "busiest_stage": busiest,
        "busiest_stage_busy_seconds": round(busy[busiest], 2),
        "wall_over_busiest_stage": round(wall / busy[busiest], 3),
    }


def stages_alone(library: Library, media: Path) -> dict[str, Any]:
    """Each file's stages one after another in this thread (no decode thread, one file at a time), so that the
    process's CPU time while a stage runs is that stage's own, its models' thread pools included (StageTimer's cpu).
    The same calls the job makes: decode_item, ItemEncoder.encode, one transaction per file."""
    from mediarec.pipeline.decoding import decode_item
    from mediarec.pipeline.encoding import ItemEncoder
    from mediarec.pipeline.stage_timer import StageTimer
    from mediarec.scan.sync import reconcile

    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    timer = StageTimer(seconds, cpu=cpu)
    settings = library.settings
    encoder = ItemEncoder(library.store, library.models, settings.index, timer)
    reconcile(library.store, [media])
    counts = {"keyframes": 0, "text_frames": 0}
    for item in library.store.items(statuses=("pending",), under=str(media)):
        with timer("decode"):
            decoded = decode_item(item, settings.index, settings.thumbnail_dir)
        if decoded.error is not None:
            raise decoded.error
        counts["keyframes"] += len(decoded.visual.keyframes) if decoded.visual else 0
        counts["text_frames"] += len(decoded.text_frames)
        result = encoder.encode(decoded)
        with timer("database"):
            library.store.write_index_result(item.id, result)
    total = sum(cpu.values())
    work = {stage: value for stage, value in cpu.items() if stage != "model_export"}
    return {
        **counts,
        "cpu_seconds": round(total, 2),
        "stage_cpu_seconds": {
            stage: round(value, 2) for stage, value in sorted(work.items(), key=lambda p: -p[1])
        },
        "stage_share_of_cpu": {
            stage: round(value / total, 3) for stage, value in sorted(work.items(), key=lambda p: -p[1])
        },
        "stage_wall_seconds": {
            stage: round(seconds[stage], 2) for stage in sorted(work, key=lambda s: -work[s])
        },
    }


def transcribe_all(transcriber: Any, tracks: list[np.ndarray]) -> list[str]:
    return [transcriber.transcribe(track).text for track in tracks]


def transcriber_alone(library: Library, tracks: list[np.ndarray]) -> dict[str, Any]:
    """The library's own transcriber on the whole tracks (decoded beforehand), without the rest of indexing."""
    transcriber = library.models.get("transcriber")
    _, wall, cpu = timed(lambda: transcribe_all(transcriber, tracks))
    seconds = sum(len(track) for track in tracks) / RATE
    return {
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "media_seconds_per_wall_second": round(seconds / wall, 2),
        "media_seconds_per_cpu_second": round(seconds / cpu, 2),
    }


def compare_whisper(library: Library, tracks: list[np.ndarray]) -> dict[str, Any]:
    """The same model, device and options, decoded by faster-whisper's plain pipeline and by the batched one."""
    own = library.models.get("transcriber")
    assert isinstance(own, FasterWhisperTranscriber)
    figures: dict[str, Any] = {}
    words: dict[str, list[str]] = {}
    for label, batch_size in (("plain", 1), ("batched", DEFAULT_BATCH_SIZE)):
        transcriber = FasterWhisperTranscriber(
            own.name,
            own.device,
            own.cache_dir,
            language_detector=own.language_detector,
            batch_size=batch_size,
        )
        transcriber.load()
        transcribe_all(transcriber, tracks[:1])  # warm up (first-call allocations)
        texts, wall, cpu = timed(lambda t=transcriber: transcribe_all(t, tracks))
        words[label] = " ".join(texts).lower().split()
        figures[label] = {
            "batch_size": batch_size,
            "wall_seconds": round(wall, 2),
            "cpu_seconds": round(cpu, 2),
        }
        transcriber.unload()
    matcher = difflib.SequenceMatcher(a=words["plain"], b=words["batched"], autojunk=False)
    figures["word_agreement"] = round(matcher.ratio(), 3)
    figures["words"] = {label: len(found) for label, found in words.items()}
    figures["batched_cpu_over_plain"] = round(
        figures["batched"]["cpu_seconds"] / figures["plain"]["cpu_seconds"], 3
    )
    return figures


def run_library(workspace: Path, kind: str, args: argparse.Namespace) -> dict[str, Any]:
    """The library indexed once per files-in-flight setting (each into a fresh database), in this run."""
    media = workspace / f"media-{kind}"
    paths = make_library(media, kind, args.clips, args.seconds)
    figures: dict[str, Any] = {}
    if args.stages_alone:
        library = open_library(workspace, f"{kind}-alone")
        try:
            figures["stages_alone"] = stages_alone(library, media)
        finally:
            library.close()
    runs = [
        (repeat, variant, in_flight)
        for repeat in range(args.repeat)
        for variant in args.variants
        for in_flight in args.files_in_flight
    ]
    for number, (repeat, variant, in_flight) in enumerate(runs):
        label = f"files_in_flight_{in_flight}" + (f"_{variant}" if variant != "default" else "")
        label += f"_run{repeat + 1}" if args.repeat > 1 else ""
        library = open_library(workspace, f"{kind}-{number}", args.variants[variant])
        try:
            figures[label] = index_figures(library, media, in_flight)
            if kind == "talk" and number == len(runs) - 1:
                figures.update(compare_with_transcriber(library, paths, figures, args))
        finally:
            library.close()
    return figures


def compare_with_transcriber(
    library: Library, paths: list[Path], figures: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    tracks = [decode_audio(path) for path in paths]
    alone = transcriber_alone(library, tracks)
    found: dict[str, Any] = {"transcriber_alone": alone}
    for label, indexed in figures.items():
        if not label.startswith("files_in_flight"):
            continue
        found[f"throughput_over_transcriber_alone_{label}"] = {
            "wall": round(
                indexed["media_seconds_per_wall_second"] / alone["media_seconds_per_wall_second"], 3
            ),
            "cpu": round(indexed["media_seconds_per_cpu_second"] / alone["media_seconds_per_cpu_second"], 3),
        }
    if args.compare_whisper:
        found["whisper_plain_vs_batched"] = compare_whisper(library, tracks)
    return found


def machine() -> dict[str, Any]:
    return {
        "cpu_cores": os.cpu_count(),
        "arch": platform.machine(),
        "load_average_1_5_15": [round(load, 2) for load in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--libraries", default=",".join(LIBRARIES), help="talk, mixed or both (comma-separated)"
    )
    parser.add_argument("--clips", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--compare-whisper", action="store_true", help="plain vs batched faster-whisper")
    parser.add_argument(
        "--variants",
        default="default=",
        help="NAME=CONFIG.toml,... indexed in turn (an empty file name: no config), e.g. thread budgets",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of all runs, alternating (load is noisy)"
    )
    parser.add_argument(
        "--stages-alone", action="store_true", help="also each stage's CPU time, the stages run one at a time"
    )
    parser.add_argument(
        "--files-in-flight", default="1,2", help="files the job encodes at once, each setting indexed in turn"
    )
    args = parser.parse_args()
    args.files_in_flight = [int(count) for count in args.files_in_flight.split(",")]
    args.variants = {
        name.strip(): Path(file) if file.strip() else None
        for name, _, file in (variant.partition("=") for variant in args.variants.split(","))
    }
    kinds = [kind.strip() for kind in args.libraries.split(",") if kind.strip()]
    unknown = sorted(set(kinds) - set(LIBRARIES))
    if unknown:
        parser.error(f"unknown library {', '.join(unknown)}; choose from {', '.join(LIBRARIES)}")
    report: dict[str, Any] = {"profile": "offline", "machine_before": machine(), "libraries": {}}
    with tempfile.TemporaryDirectory() as folder:
        warm_model_cache(Path(folder))
        for kind in kinds:
            report["libraries"][kind] = run_library(Path(folder), kind, args)
    report["machine_after"] = machine()
    report["torch_imported"] = "torch" in sys.modules  # an index run on the CPU should not need it
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

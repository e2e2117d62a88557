"""GPU throughput: image-encoder frames per second, speech-to-text real-time factor, and end-to-end media hours
per hour through the real indexer, on generated media. One JSON object on stdout.

The models are the app's own roles (the offline profile, or a config's overrides) on the device that the config's
``device`` picks (``--device``: auto, cuda, cpu), so every path measured is the product's: CLIP through
models/clip.py (float16 on CUDA), faster-whisper's batched pipeline through models/whisper.py (float16 on CUDA,
int8 on the CPU), and the indexing job of pipeline/indexer.py.

  * image_encoder: generated shape videos decoded by ``--decode-threads`` CPU threads (PyAV) into a bounded queue of
    batches of ``--image-batch`` frames, which ``--encode-threads`` threads encode; frames/s of that pipeline, and of
    the encoder alone on frames already decoded (the ceiling the decoders feed).
  * speech_to_text: a generated espeak-ng talk transcribed by the library's transcriber (batch ``--speech-batch``);
    real-time factor = processing seconds / audio seconds (lower is faster).
  * end_to_end: a generated mixed library (speech, music, noise, clips; benchmarks/bench_indexing.py) indexed by
    the real job; media hours per hour (target on one data-centre GPU: >= 500).

    .venv/bin/python benchmarks/gpu.py                 # full size, sized to finish in < 8 minutes on one GPU
    .venv/bin/python benchmarks/gpu.py --tiny          # a minute or two on a CPU: proves the paths, not speed
    .venv/bin/python benchmarks/gpu.py --image-model ViT-B-32/laion2b_s34b_b79k   # a real open_clip model
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_indexing import (  # noqa: E402
    SENTENCES,
    index_figures,
    machine,
    make_library,
    open_library,
    timed,
)

from mediarec.app import Library  # noqa: E402
from mediarec.media.samples import ShapeShot, silence, synthesize_speech, write_shapes_video  # noqa: E402
from mediarec.media.shapes import COLOURS, SHAPES  # noqa: E402
from mediarec.models.base import ModelError  # noqa: E402
from mediarec.models.device import choose_device, describe_devices  # noqa: E402


@dataclass(frozen=True)
class Size:
    videos: int  # image encoder: generated videos, each decoded whole
    video_seconds: float
    speech_seconds: float  # speech to text: one generated talk this long
    library_clips: int  # end to end: a mixed library of this many clips
    clip_seconds: float


FULL = Size(videos=8, video_seconds=60.0, speech_seconds=600.0, library_clips=24, clip_seconds=60.0)
TINY = Size(videos=2, video_seconds=4.0, speech_seconds=20.0, library_clips=5, clip_seconds=6.0)
_DONE = object()


# ---- image encoder -------------------------------------------------------------------------------------


def make_videos(folder: Path, size: Size, threads: int) -> list[Path]:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    plans = [
        [
            ShapeShot(str(rng.choice(SHAPES)), str(rng.choice(list(COLOURS))), 3.0)
            for _ in range(int(size.video_seconds // 3) or 1)
        ]
        for _ in range(size.videos)
    ]
    with ThreadPoolExecutor(threads) as pool:
        jobs = [
            pool.submit(write_shapes_video, folder / f"video_{index:02d}.mp4", shots, size=320, fps=25)
            for index, shots in enumerate(plans)
        ]
        return [job.result() for job in jobs]


def decode_batches(path: Path, batch: int, out: queue.Queue) -> int:
    """Every frame of ``path`` as RGB arrays, put on ``out`` in batches; returns the number of frames."""
    frames: list[np.ndarray] = []
    count = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) == batch:
                out.put(frames)
                count, frames = count + len(frames), []
    if frames:
        out.put(frames)
    return count + len(frames)


def encode_from(
    batches: queue.Queue, encode: Callable[[list[np.ndarray]], np.ndarray], counts: list[int]
) -> None:
    while (frames := batches.get()) is not _DONE:
        counts.append(len(encode(frames)))


def encoded_per_second(encoder: Any, threads: int, feed: Callable[[queue.Queue], int]) -> tuple[int, float]:
    """Frames/s of ``threads`` threads encoding the batches that ``feed`` puts on a bounded queue while they run;
    returns (frames fed, frames per second)."""
    batches: queue.Queue = queue.Queue(maxsize=2 * threads)
    counts: list[int] = []
    workers = [
        threading.Thread(target=encode_from, args=(batches, encoder.encode_images, counts), daemon=True)
        for _ in range(threads)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    fed = feed(batches)
    for _ in workers:
        batches.put(_DONE)
    for worker in workers:
        worker.join()
    return fed, sum(counts) / (time.perf_counter() - started)


def image_encoder(library: Library, workspace: Path, size: Size, args: argparse.Namespace) -> dict[str, Any]:
    encoder = library.models.image_text()  # batch_size = args.image_batch: one forward pass per queued batch
    videos = make_videos(workspace / "videos", size, args.decode_threads)
    sample = decode_first_batch(videos[0], args.image_batch)
    encoder.encode_images(sample)  # warm up (kernels, allocator)

    def decode_all(batches: queue.Queue) -> int:
        with ThreadPoolExecutor(args.decode_threads) as pool:
            return sum(pool.map(lambda path: decode_batches(path, args.image_batch, batches), videos))

    def repeat_sample(batches: queue.Queue) -> int:
        for _ in range(repeats):
            batches.put(sample)
        return repeats * len(sample)

    frames, pipelined = encoded_per_second(encoder, args.encode_threads, decode_all)
    repeats = max(2, frames // len(sample))  # as many frames as the pipeline had, already decoded
    _, alone = encoded_per_second(encoder, args.encode_threads, repeat_sample)
    return {
        "model": encoder.name,
        "device": encoder.device.device,
        "precision": encoder.device.precision,
        "batch_size": args.image_batch,
        "decode_threads": args.decode_threads,
        "encode_threads": args.encode_threads,
        "frames": frames,
        "frame_size": "320x320",
        "frames_per_second_decode_and_encode": round(pipelined, 1),
        "frames_per_second_encoder_alone": round(alone, 1),
    }


def decode_first_batch(path: Path, batch: int) -> list[np.ndarray]:
    first: queue.Queue = queue.Queue()
    decode_batches(path, batch, first)
    return first.get()


# ---- speech to text ------------------------------------------------------------------------------------


def talk(seconds: float) -> np.ndarray:
    """Sentences with pauses between them, repeated to ``seconds`` (espeak-ng speaks each sentence once)."""
    spoken = np.concatenate([part for text in SENTENCES for part in (synthesize_speech(text), silence(0.7))])
    return np.resize(spoken, int(seconds * 16000)).astype(np.float32)


def speech_to_text(library: Library, size: Size, args: argparse.Namespace) -> dict[str, Any]:
    transcriber = library.models.transcriber()
    audio = talk(size.speech_seconds)
    transcriber.transcribe(audio[: 16000 * 10])  # warm up
    transcript, wall, cpu = timed(lambda: transcriber.transcribe(audio))
    device = transcriber.device
    return {
        "model": transcriber.name,
        "device": device.whisper_device,
        "compute_type": device.whisper_compute_type,
        "pipeline": "batched" if args.speech_batch > 1 else "plain",
        "batch_size": args.speech_batch,
        "audio_seconds": round(size.speech_seconds, 1),
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "real_time_factor": round(wall / size.speech_seconds, 4),
        "words": len(transcript.text.split()),
    }


# ---- end to end ----------------------------------------------------------------------------------------


def end_to_end(library: Library, workspace: Path, size: Size) -> dict[str, Any]:
    """bench_indexing's figures for a mixed library through the real job, with media hours per hour."""
    media = workspace / "library"
    make_library(media, "mixed", size.library_clips, size.clip_seconds)
    figures = index_figures(library, media, library.indexer().files_in_flight)
    # Media seconds per wall second is also media hours per hour.
    return {**figures, "media_hours_per_hour": figures["media_seconds_per_wall_second"]}


# ---- the run -------------------------------------------------------------------------------------------


def write_config(workspace: Path, args: argparse.Namespace) -> Path:
    """The device, the models and their batch sizes go through the config file, as a user's would."""
    image = [f"batch_size = {args.image_batch}"]
    if args.image_model:
        image += ['backend = "open_clip"', f"name = {json.dumps(args.image_model)}"]
    lines = [f'device = "{args.device}"', "[models.image_text]", *image]
    lines += ["[models.transcriber]", f"batch_size = {args.speech_batch}"]
    config = workspace / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def measured(section: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A section's figures, or its error: one failing part still leaves the others' figures."""
    started = time.perf_counter()
    try:
        figures = section()
    except Exception as error:  # reported in the JSON, the run goes on
        figures = {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc(limit=4)}
    figures["section_seconds"] = round(time.perf_counter() - started, 1)
    return figures


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tiny", action="store_true", help="tiny sizes, for a CPU")
    parser.add_argument("--device", default="auto", choices=("auto", "cuda", "cpu"))
    parser.add_argument(
        "--image-model", default="", help="an open_clip ARCH/TAG or folder (default: tiny CLIP)"
    )
    parser.add_argument(
        "--image-batch", type=int, default=0, help="frames per batch (256 on CUDA, 32 on CPU)"
    )
    parser.add_argument(
        "--decode-threads", type=int, default=0, help="CPU decode threads (default: cores - 2)"
    )
    parser.add_argument(
        "--encode-threads", type=int, default=0, help="threads calling the encoder (2 CUDA, 1 CPU)"
    )
    parser.add_argument("--speech-batch", type=int, default=0, help="whisper batch (16 on CUDA, 8 on CPU)")
    parser.add_argument("--sections", default="image,speech,index", help="which parts to run")
    return parser.parse_args()


def main() -> None:
    args = parse_arguments()
    size = TINY if args.tiny else FULL
    started = time.perf_counter()
    report: dict[str, Any] = {"size": "tiny" if args.tiny else "full", "machine_before": machine()}
    try:
        device = choose_device(args.device)  # what the config's device picks (the library picks the same)
    except ModelError as error:
        sys.exit(f"gpu.py: {error}")
    cuda = device.device == "cuda"
    report["device"] = {
        "device": device.device,
        "precision": device.precision,
        "gpus": describe_devices()["gpus"],
    }
    args.image_batch = args.image_batch or (256 if cuda else 32)
    args.decode_threads = args.decode_threads or max(1, len(os.sched_getaffinity(0)) - 2)
    args.encode_threads = args.encode_threads or (2 if cuda else 1)
    args.speech_batch = args.speech_batch or (16 if cuda else 8)
    sections = {part.strip() for part in args.sections.split(",")}
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder)
        library = open_library(workspace, "gpu", write_config(workspace, args))
        try:
            if "image" in sections:
                report["image_encoder"] = measured(lambda: image_encoder(library, workspace, size, args))
            if "speech" in sections:
                report["speech_to_text"] = measured(lambda: speech_to_text(library, size, args))
            if "index" in sections:
                report["end_to_end"] = measured(lambda: end_to_end(library, workspace, size))
        finally:
            library.close()
    report["machine_after"] = machine()
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

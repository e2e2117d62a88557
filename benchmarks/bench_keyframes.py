"""Keyframe extraction speed on a generated 60 s 640x360 30 fps H.264 video with 8 shots of moving content.

.venv/bin/python benchmarks/bench_keyframes.py [VIDEO]   (the video is generated at VIDEO when missing)
"""

import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

from mediarec.media.keyframes import extract_keyframes

W, H, FPS = 640, 360, 30
SHOTS = [8, 3, 12, 1.5, 6, 9.5, 4, 16]  # seconds; 60 in all


def frames(rng):
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    index = 0
    for seconds in SHOTS:
        base = rng.uniform(40, 215, size=3).astype(np.float32)
        tilt = rng.uniform(-60, 60, size=3).astype(np.float32)
        blob = rng.uniform(0, 255, size=3).astype(np.float32)
        for k in range(round(seconds * FPS)):
            t = k / FPS
            pan = (xx + 40 * t) / W  # a slow camera pan over a gradient
            img = base + tilt * np.sin(2 * np.pi * pan)[..., None]
            cx, cy = W / 2 + 150 * np.sin(t), H / 2 + 60 * np.cos(1.3 * t)  # a moving object
            inside = ((xx - cx) ** 2 + (yy - cy) ** 2) < 50**2
            img[inside] = blob
            img += rng.normal(0, 4, size=(H, W, 1)).astype(np.float32)  # sensor noise
            yield index, np.clip(img, 0, 255).astype(np.uint8)
            index += 1


def make(path: Path) -> None:
    rng = np.random.default_rng(1)
    with av.open(str(path), "w") as output:
        stream = output.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23"}
        for index, image in frames(rng):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))


def decode_only(path: Path) -> tuple[int, float]:
    started = time.perf_counter()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        count = sum(1 for _ in container.decode(stream))
    return count, time.perf_counter() - started


def main() -> None:
    path = Path(
        sys.argv[1] if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "mediarec_bench_640x360.mp4"
    )
    if not path.exists():
        make(path)
    count, decode_seconds = decode_only(path)
    print(f"decode only: {count} frames in {decode_seconds:.2f} s = {count / decode_seconds:.0f} fps")
    for _ in range(2):
        started = time.perf_counter()
        summary = extract_keyframes(path)
        seconds = time.perf_counter() - started
        print(
            f"extract_keyframes: {seconds:.2f} s = {count / seconds:.0f} frames/s, "
            f"{summary.duration / seconds:.0f} media seconds per wall second"
        )
    print("true cuts:", [float(cut) for cut in np.cumsum(SHOTS)[:-1]])
    print("found cuts:", [round(shot.start, 2) for shot in summary.shots[1:]])
    print("keyframes:", len(summary.keyframes))


if __name__ == "__main__":
    main()

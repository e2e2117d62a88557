"""Keyframe extraction speed on a generated 60 s 640x360 30 fps H.264 video with 8 shots of moving content."""
import sys, time
from fractions import Fraction
from pathlib import Path
import av, numpy as np
from mediarec.media.keyframes import extract_keyframes

W, H, FPS = 640, 360, 30
SHOTS = [8, 3, 12, 1.5, 6, 9.5, 4, 16]  # seconds; 60 in all

def frames(rng):
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    index = 0
    for shot, seconds in enumerate(SHOTS):
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

def make(path):
    rng = np.random.default_rng(1)
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=FPS)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.options = {"preset": "veryfast", "crf": "23"}
        for i, img in frames(rng):
            f = av.VideoFrame.from_ndarray(img, format="rgb24"); f.pts = i
            out.mux(s.encode(f))
        out.mux(s.encode(None))

path = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/bench/bench_640x360.mp4")
if not path.exists():
    t = time.perf_counter(); make(path); print(f"generated in {time.perf_counter() - t:.1f} s")
# decode-only baseline
t = time.perf_counter()
with av.open(str(path)) as c:
    st = c.streams.video[0]; st.thread_type = "AUTO"
    n = sum(1 for _ in c.decode(st))
decode_s = time.perf_counter() - t
print(f"decode only: {n} frames in {decode_s:.2f} s = {n / decode_s:.0f} fps")
for run in range(2):
    t = time.perf_counter()
    summary = extract_keyframes(path)
    wall = time.perf_counter() - t
print(f"extract_keyframes: {wall:.2f} s wall; {n / wall:.0f} frames decoded/s; {summary.duration / wall:.1f} media s per wall s")
truth = np.cumsum(SHOTS)[:-1]
found = [s.start for s in summary.shots[1:]]
print("true cuts:", list(truth)); print("found cuts:", [round(x, 2) for x in found])
print("keyframes:", [(round(k.time, 2), k.shot_index, k.image.shape) for k in summary.keyframes])

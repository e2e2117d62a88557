"""Videos of text cards (lines drawn with PIL at known times): test media for on-screen text, and the pictures the
OCR benchmark and its development set are made of. Chinese needs a CJK font (Debian: fonts-noto-cjk)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Where Debian's fonts-noto-cjk puts its fonts; fc-match is asked when none of them is there.
_CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)


@dataclass(frozen=True)
class TextCard:
    """``seconds`` of a plain background with ``lines`` drawn at ``pixels`` high, one under the other."""

    seconds: float
    lines: tuple[str, ...] = ()
    pixels: int = 32
    background: tuple[int, int, int] = (24, 32, 56)
    colour: tuple[int, int, int] = (245, 245, 245)
    position: tuple[int, int] = (40, 48)  # top-left of the first line


@lru_cache(maxsize=1)
def cjk_font_path() -> Path | None:
    """A font with Chinese glyphs, or None (install fonts-noto-cjk)."""
    for candidate in _CJK_FONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "sans-serif:lang=zh-cn"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if found and Path(found).is_file() and "CJK" in Path(found).name:
            return Path(found)
    return None


def render_card(card: TextCard, width: int, height: int) -> np.ndarray:
    """The card as a uint8 RGB picture."""
    font_path = cjk_font_path()
    if font_path is None:
        raise RuntimeError("No CJK font found; install fonts-noto-cjk (installers/setup.sh does).")
    picture = Image.new("RGB", (width, height), card.background)
    draw = ImageDraw.Draw(picture)
    font = ImageFont.truetype(str(font_path), card.pixels)
    left, top = card.position
    for line in card.lines:
        draw.text((left, top), line, font=font, fill=card.colour)
        top += round(card.pixels * 1.8)
    return np.asarray(picture)


def write_text_video(
    path: str | os.PathLike[str],
    cards: Sequence[TextCard],
    *,
    width: int = 640,
    height: int = 360,
    fps: int = 8,
) -> Path:
    """An H.264 MP4 showing each card for its seconds, in order (card k starts at the sum of those before it)."""
    if not cards:
        raise ValueError("a text video needs at least one card")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(target), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = Fraction(1, fps)
        stream.options = {"preset": "ultrafast", "crf": "20"}
        index = 0
        for card in cards:
            picture = render_card(card, width, height)
            for _ in range(max(1, round(card.seconds * fps))):
                frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
                frame.pts = index
                container.mux(stream.encode(frame))
                index += 1
        container.mux(stream.encode(None))
    return target


def card_starts(cards: Sequence[TextCard], fps: int = 8) -> list[float]:
    """When each card starts in the video write_text_video makes (on its frame grid)."""
    starts, frames = [], 0
    for card in cards:
        starts.append(frames / fps)
        frames += max(1, round(card.seconds * fps))
    return starts

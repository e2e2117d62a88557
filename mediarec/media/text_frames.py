"""The pictures of a video that on-screen text is read from, collected during the keyframe pass (media.keyframes).

Text changes on a clock of its own (a subtitle every two seconds, a slide every minute) that shots do not follow,
so keyframes are too sparse for it: the video is sampled every ``seconds_per_frame`` instead. Most samples of a
talk or a slide deck are the picture before them again, and reading those again would only repeat what was read;
so a sample is kept only when it differs from the last kept one (``_differs``), and that one's time span grows
instead. Kept pictures are grey (PP-OCR reads luminance; a third of the memory) and at most ``max_side`` pixels on
their longer side. A long video is sampled more sparsely, so that at most ``max_frames`` are held.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import av
import numpy as np
from av.video.reformatter import VideoReformatter

# Samples are compared at this width: enough that the strokes of a 24 px subtitle line on a 1280 px frame still
# change whole pixels, few enough that the comparison costs microseconds.
SIGNATURE_WIDTH = 256
# A pixel has changed when its grey level moved this much (compression noise on a still picture stays below) ...
_CHANGED_LEVEL = 24
# ... and a picture differs from the last kept one when at least this many of its signature pixels changed (a
# two-letter subtitle changes about ten).
_CHANGED_PIXELS = 8
# Pictures moved by at most this many signature pixels (2.3 % of its width) as a whole are compared aligned; a larger
# move is a pan, and the picture is read again.
_MAX_SHIFT = 6


@dataclass(frozen=True)
class TextFrame:
    """A picture to read (uint8 grey, H x W) that the video showed from ``start`` to ``end`` seconds."""

    start: float
    end: float
    image: np.ndarray = field(repr=False, compare=False)


@dataclass
class _Kept:
    start: float
    last_seen: float
    signature: np.ndarray
    image: np.ndarray


class TextFrameCollector:
    """Offered every decoded sample (time order); keeps the ones to read. ``frames`` gives them once decoding ends."""

    def __init__(
        self,
        seconds_per_frame: float = 1.0,
        *,
        max_side: int = 960,
        max_frames: int = 200,
        duration: float | None = None,
    ) -> None:
        if not seconds_per_frame > 0 or max_side < 32 or max_frames < 1:
            raise ValueError(
                f"seconds_per_frame > 0, max_side >= 32 and max_frames >= 1, got {seconds_per_frame}, "
                f"{max_side} and {max_frames}"
            )
        spread = (duration or 0.0) / max_frames  # a long video is sampled more sparsely
        self.step = max(float(seconds_per_frame), spread)
        self.max_side = max_side
        self.max_frames = max_frames
        self._next = 0.0
        self._kept: list[_Kept] = []
        self._signature_scaler = VideoReformatter()
        self._picture_scaler = VideoReformatter()

    def offer(self, time: float, frame: av.VideoFrame) -> None:
        if time + 1e-6 < self._next:
            return
        self._next = time + self.step - 1e-6
        signature = self._signature(frame)
        last = self._kept[-1] if self._kept else None
        if last is not None and not differs(last.signature, signature):
            last.last_seen = time
            return
        if len(self._kept) >= self.max_frames:
            return  # only a video whose length was not known ahead gets here: its end is not read
        self._kept.append(_Kept(time, time, signature, self._picture(frame)))

    def frames(self, end_time: float) -> tuple[TextFrame, ...]:
        """The kept pictures, each lasting until the next one starts (the last until ``end_time``)."""
        frames = []
        for index, kept in enumerate(self._kept):
            following = self._kept[index + 1].start if index + 1 < len(self._kept) else None
            end = following if following is not None else max(end_time, kept.last_seen + self.step)
            frames.append(TextFrame(kept.start, max(end, kept.start), kept.image))
        return tuple(frames)

    def _signature(self, frame: av.VideoFrame) -> np.ndarray:
        height = max(2, round(SIGNATURE_WIDTH * frame.height / max(frame.width, 1)))
        small = self._signature_scaler.reformat(
            frame, width=SIGNATURE_WIDTH, height=height, format="gray", interpolation="AREA"
        )
        return small.to_ndarray()

    def _picture(self, frame: av.VideoFrame) -> np.ndarray:
        scale = min(1.0, self.max_side / max(frame.width, frame.height, 1))
        width, height = (
            max(2, 2 * round(frame.width * scale / 2)),
            max(2, 2 * round(frame.height * scale / 2)),
        )
        picture = self._picture_scaler.reformat(
            frame, width=width, height=height, format="gray", interpolation="AREA"
        )
        return np.ascontiguousarray(picture.to_ndarray())


def differs(first: np.ndarray, second: np.ndarray) -> bool:
    """Whether two signatures show different pictures, not only compression noise or the same picture moved by a
    few pixels (a drifting or shaking camera, a wobbling scan): a pixel has changed only when it is darker or
    lighter by ``_CHANGED_LEVEL`` than every pixel around the same place in the other picture, once the two are
    aligned by the whole picture's shift (phase correlation, at most ``_MAX_SHIFT`` pixels)."""
    if first.shape != second.shape:
        return True
    before, after = first.astype(np.int16), second.astype(np.int16)
    if not _changed(before, after):
        return False
    rows, columns = whole_picture_shift(before, after)
    if (rows, columns) == (0, 0) or max(abs(rows), abs(columns)) > _MAX_SHIFT:
        return True
    height, width = before.shape
    # The parts both pictures show: `after` is `before` moved down by `rows` and right by `columns`.
    kept_before = before[max(0, -rows) : height - max(0, rows), max(0, -columns) : width - max(0, columns)]
    kept_after = after[max(0, rows) : height - max(0, -rows), max(0, columns) : width - max(0, -columns)]
    return _changed(kept_before, kept_after)


def _changed(before: np.ndarray, after: np.ndarray) -> bool:
    # Both ways: text that appears is new in `after`, text that goes away was only in `before`.
    return (
        _changed_pixels(before, after) >= _CHANGED_PIXELS or _changed_pixels(after, before) >= _CHANGED_PIXELS
    )


def whole_picture_shift(before: np.ndarray, after: np.ndarray) -> tuple[int, int]:
    """(rows, columns) that ``after`` is ``before`` moved by, as a whole: the peak of their phase correlation (two
    FFTs of a 256-pixel-wide signature, about a millisecond)."""
    spectrum = np.fft.rfft2(after - after.mean()) * np.conj(np.fft.rfft2(before - before.mean()))
    correlation = np.fft.irfft2(spectrum / (np.abs(spectrum) + 1e-9), s=before.shape)
    row, column = np.unravel_index(int(np.argmax(correlation)), correlation.shape)
    height, width = before.shape
    # Past half the size the peak is a shift the other way (the correlation wraps around).
    rows = int(row - height if row > height // 2 else row)
    return rows, int(column - width if column > width // 2 else column)


def _changed_pixels(before: np.ndarray, after: np.ndarray) -> int:
    lowest, highest = _neighbourhood_range(before)
    return int(((after <= lowest - _CHANGED_LEVEL) | (after >= highest + _CHANGED_LEVEL)).sum())


def _neighbourhood_range(picture: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The smallest and largest value in each pixel's 3 x 3 neighbourhood."""
    padded = np.pad(picture, 1, mode="edge")
    height, width = picture.shape
    shifted = [padded[row : row + height, column : column + width] for row in range(3) for column in range(3)]
    return np.minimum.reduce(shifted), np.maximum.reduce(shifted)

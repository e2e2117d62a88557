"""Shots and keyframes of a video in one decoding pass.

Frames are sampled at ``analysis_fps``. Each sample is reduced to a tiny RGB picture whose colour histogram
is compared with the previous sample's; a large change starts a new shot. Every shot is cut into windows of
``seconds_per_keyframe`` and each window gives the sample in its middle as a keyframe (the middle, because
a shot's first frames are often a transition). Only the samples that can still become a window's middle
keep a full-size picture, so memory stays small however long the video is.
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import av
import av.error
import numpy as np
from av.video.reformatter import VideoReformatter

from mediarec.media.errors import CORRUPT, MediaError
from mediarec.media.probe import container_duration, open_media, primary_video_stream, start_offset
from mediarec.media.text_frames import SIGNATURE_WIDTH, TextFrameCollector, differs

# Share of the colour distribution that must change between two samples for a certain cut.
DEFAULT_SHOT_THRESHOLD = 0.35
# Shots shorter than this are merged into the previous one (flashes, fast transitions).
DEFAULT_MIN_SHOT_SECONDS = 0.5
# Samples are compared at this width (height follows the aspect ratio): enough pixels for a stable
# histogram, few enough that the comparison costs microseconds.
_ANALYSIS_WIDTH = 64
_HISTOGRAM_BINS = 8
# A smaller change still counts as a cut when it stands far above the recent frame-to-frame changes
# (a cut between two similar-looking shots inside a calm video).
_ADAPTIVE_FLOOR_FRACTION = 1 / 3
_ADAPTIVE_RATIO = 4.0
_ADAPTIVE_MARGIN = 0.04
_RECENT_CHANGES = 8
# A file whose packets keep failing is undecodable; a few bad packets are concealed by FFmpeg.
_MAX_BAD_PACKETS = 50


@dataclass(frozen=True)
class Shot:
    """A stretch of continuous picture, from ``start`` to ``end`` seconds."""

    index: int
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Keyframe:
    """A representative picture (uint8 RGB, H x W x 3) at ``time`` seconds inside shot ``shot_index``.

    ``repeats``: the index of the keyframe before it that shows the same picture (a still shot longer than
    ``seconds_per_keyframe``: a slide, a photo, a static camera), whose model results it takes (see shows_again)."""

    time: float
    shot_index: int
    image: np.ndarray = field(repr=False, compare=False)
    repeats: int | None = None


@dataclass(frozen=True)
class VisualSummary:
    """The shots of a video and its keyframes in time order; both empty for a file without video."""

    shots: tuple[Shot, ...]
    keyframes: tuple[Keyframe, ...]
    duration: float


def extract_keyframes(
    path: str | os.PathLike[str],
    *,
    analysis_fps: float = 4.0,
    shot_threshold: float = DEFAULT_SHOT_THRESHOLD,
    seconds_per_keyframe: float = 10.0,
    max_keyframes: int = 64,
    max_side: int = 384,
    min_shot_seconds: float = DEFAULT_MIN_SHOT_SECONDS,
    text_frames: TextFrameCollector | None = None,
) -> VisualSummary:
    """Detect shot boundaries and pick keyframes: at least one per shot, one per ``seconds_per_keyframe``
    in long shots, at most ``max_keyframes`` (one per shot first, longest shots first, then spread evenly).

    Times are seconds from the start of the file, accurate to about ``1 / analysis_fps``. ``text_frames``, when
    given, is offered every sample of the same pass (the pictures on-screen text is read from).
    Raises MediaError when the file cannot be opened or no video frame decodes.
    """
    _check_positive(
        analysis_fps=analysis_fps,
        shot_threshold=shot_threshold,
        seconds_per_keyframe=seconds_per_keyframe,
        max_keyframes=max_keyframes,
        max_side=max_side,
    )
    with open_media(path) as container:
        stream = primary_video_stream(container)
        if stream is None:
            return VisualSummary(shots=(), keyframes=(), duration=container_duration(container) or 0.0)
        stream.thread_type = "AUTO"  # frame threads: decoding is most of the cost
        sampler = _FrameSampler(path, container, stream, 1.0 / analysis_fps)
        size = _keyframe_size(stream, max_side)
        tracker = _ShotTracker(
            shot_threshold=shot_threshold,
            min_shot_seconds=min_shot_seconds,
            seconds_per_keyframe=seconds_per_keyframe,
            max_keyframes=max_keyframes,
        )
        pictures = _SamplePictures(size)
        for time, frame in sampler.samples():
            analysis, image = pictures.of(frame)
            tracker.add(time, colour_histogram(analysis), image)
            if text_frames is not None:
                text_frames.offer(time, frame)
        if not tracker.has_samples:
            raise MediaError(path, CORRUPT, "no video frame could be decoded")
        return tracker.finish(sampler.end_time)


def shows_again(images: list[np.ndarray]) -> list[int | None]:
    """For each picture, the index of the earlier one it shows again, or None: consecutive pictures that are the
    same but for compression noise and a shift of a few pixels (the test on-screen text uses, media.text_frames)
    are one picture, so the picture models run on it once (pipeline.encoding, pipeline.image_label_stage)."""
    repeats: list[int | None] = []
    shown: tuple[int, np.ndarray] | None = None  # the picture the models see: its index and signature
    for index, image in enumerate(images):
        signature = picture_signature(image)
        if shown is not None and not differs(shown[1], signature):
            repeats.append(shown[0])
        else:
            repeats.append(None)
            shown = (index, signature)
    return repeats


def distinct_pictures(keyframes: Sequence[Keyframe]) -> tuple[list[np.ndarray], list[int]]:
    """The pictures the models see (a keyframe that shows an earlier one again is left out) and, per keyframe, the
    position of its picture among them: ``results[positions]`` gives each keyframe its picture's results."""
    pictures: list[np.ndarray] = []
    positions: list[int] = []
    position_of: dict[int, int] = {}
    for index, keyframe in enumerate(keyframes):
        # A keyframe whose original is not in the list (a caller's own selection) is a picture of its own.
        shown = keyframe.repeats if keyframe.repeats in position_of else index
        if shown == index:
            position_of[index] = len(pictures)
            pictures.append(keyframe.image)
        positions.append(position_of[shown])
    return pictures, positions


def picture_signature(image: np.ndarray) -> np.ndarray:
    """A picture (RGB) as the grey signature media.text_frames compares: 256 pixels wide, area-averaged."""
    from PIL import Image

    grey = Image.fromarray(np.ascontiguousarray(image[..., :3]), "RGB").convert("L")
    height = max(2, round(SIGNATURE_WIDTH * grey.height / max(grey.width, 1)))
    return np.asarray(grey.resize((SIGNATURE_WIDTH, height), Image.Resampling.BOX))


def colour_histogram(rgb: np.ndarray, bins: int = _HISTOGRAM_BINS) -> np.ndarray:
    """Joint RGB histogram (bins**3 values summing to 1) with soft binning: each pixel is shared between
    the two nearest bins per channel, so compression noise around a bin edge barely moves it."""
    position = rgb.reshape(-1, 3).astype(np.float32) * (bins / 256.0) - 0.5
    lower = np.floor(position)
    upper_weight = position - lower
    # Below the first bin centre (or above the last) both neighbours clip to the same edge bin.
    lower_bin = np.clip(lower.astype(np.intp), 0, bins - 1)
    upper_bin = np.clip(lower.astype(np.intp) + 1, 0, bins - 1)
    # Index 0 of the first axis is the lower bin, 1 the upper one; broadcasting forms all 8 corners.
    corner_bins = np.stack([lower_bin, upper_bin])  # (2, pixels, 3)
    corner_weights = np.stack([1.0 - upper_weight, upper_weight])
    red, green, blue = (corner_bins[..., channel] for channel in range(3))
    flat = (red[:, None, None] * bins + green[None, :, None]) * bins + blue[None, None, :]
    red_w, green_w, blue_w = (corner_weights[..., channel] for channel in range(3))
    weight = red_w[:, None, None] * green_w[None, :, None] * blue_w[None, None, :]
    histogram = np.bincount(flat.ravel(), weights=weight.ravel(), minlength=bins**3)
    return histogram / max(len(position), 1)


def histogram_change(first: np.ndarray, second: np.ndarray) -> float:
    """Share of the colour distribution that moved, from 0 (same colours) to 1 (no colour in common)."""
    return float(0.5 * np.abs(first - second).sum())


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value!r}")


class _SamplePictures:
    """The two pictures made of every sample: a tiny one to compare colours, one of keyframe size.

    Each size has its own reformatter, which keeps its scaler between frames (building one per frame
    would cost more than the scaling itself).
    """

    def __init__(self, keyframe_size: tuple[int, int]) -> None:
        self._keyframe_size = keyframe_size
        self._analysis_scaler = VideoReformatter()
        self._keyframe_scaler = VideoReformatter()

    def of(self, frame: av.VideoFrame) -> tuple[np.ndarray, np.ndarray]:
        analysis_height = max(2, round(_ANALYSIS_WIDTH * frame.height / max(frame.width, 1)))
        analysis = self._analysis_scaler.reformat(
            frame, width=_ANALYSIS_WIDTH, height=analysis_height, format="rgb24", interpolation="AREA"
        )
        width, height = self._keyframe_size
        image = self._keyframe_scaler.reformat(
            frame, width=width, height=height, format="rgb24", interpolation="AREA"
        )
        return analysis.to_ndarray(), image.to_ndarray()


def _keyframe_size(stream, max_side: int) -> tuple[int, int]:
    """Keyframe width and height: the display shape (non-square pixels corrected), never enlarged."""
    context = stream.codec_context
    width, height = context.width, context.height
    aspect = stream.sample_aspect_ratio
    if aspect is not None and Fraction(aspect) > 0:
        width = round(width * float(aspect))
    scale = min(1.0, max_side / max(width, height))
    # Even sizes keep the scaler on its fast paths for 4:2:0 sources.
    return max(2, 2 * round(width * scale / 2)), max(2, 2 * round(height * scale / 2))


class _FrameSampler:
    """Decode every frame of a stream (inter-frame codecs need it) and hand out one per sampling step."""

    def __init__(self, path, container, stream, step: float) -> None:
        self._path = path
        self._container = container
        self._stream = stream
        self._step = step
        self._offset = start_offset(container)
        rate = stream.average_rate or stream.guessed_rate
        self._frame_seconds = 1.0 / float(rate) if rate else 0.0
        self.end_time = 0.0
        self._last_time = 0.0

    def samples(self) -> Iterator[tuple[float, av.VideoFrame]]:
        next_sample = None
        for index, frame in enumerate(self._frames()):
            time = self._last_time = self._time_of(frame, index)
            self.end_time = max(self.end_time, time + self._frame_seconds)
            if next_sample is None:
                next_sample = time
            if time + 1e-6 >= next_sample:
                yield time, frame
                # Stay on the sampling grid, skipping grid points that fell into a gap in the video.
                next_sample += self._step * max(1, math.floor((time - next_sample) / self._step) + 1)

    def _time_of(self, frame: av.VideoFrame, index: int) -> float:
        if frame.time is None:
            return index * self._frame_seconds  # raw streams without timestamps
        # Never step back in time: broken timestamps must not give shots that end before they start.
        return max(0.0, frame.time - self._offset, self._last_time)

    def _frames(self) -> Iterator[av.VideoFrame]:
        bad_packets = 0
        for packet in self._container.demux(self._stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError as error:
                bad_packets += 1
                if bad_packets > _MAX_BAD_PACKETS:
                    raise MediaError(self._path, CORRUPT, f"video cannot be decoded: {error}") from error
                continue
            yield from frames


@dataclass(frozen=True)
class _Candidate:
    time: float
    shot_index: int
    image: np.ndarray


@dataclass
class _Sample:
    position: int  # index of the sample inside its window
    time: float
    image: np.ndarray


class _ShotTracker:
    """Consumes samples in time order; keeps finished shots and a bounded pool of keyframe candidates."""

    def __init__(
        self,
        *,
        shot_threshold: float,
        min_shot_seconds: float,
        seconds_per_keyframe: float,
        max_keyframes: int,
    ) -> None:
        self._threshold = shot_threshold
        self._min_shot = min_shot_seconds
        self._window_length = seconds_per_keyframe
        self._max_keyframes = max_keyframes
        self._shots: list[Shot] = []
        self._shot_start = 0.0
        self._previous: np.ndarray | None = None
        self._recent_changes: deque[float] = deque(maxlen=_RECENT_CHANGES)
        self._window_start = 0.0
        self._window_count = 0
        # Samples of the current window that can still be its middle (index >= count // 2).
        self._middle_candidates: deque[_Sample] = deque()
        self._pool: list[_Candidate] = []
        self._last_time = 0.0
        self.has_samples = False

    def add(self, time: float, histogram: np.ndarray, image: np.ndarray) -> None:
        if not self.has_samples:
            self._shot_start = self._window_start = time
            self.has_samples = True
        elif self._is_cut(histogram, time):
            self._close_window(window_end=time, shot_ends=True)
            self._shots.append(Shot(len(self._shots), self._shot_start, time))
            self._shot_start = self._window_start = time
        while time >= self._window_start + self._window_length:
            self._close_window(window_end=self._window_start + self._window_length, shot_ends=False)
            self._window_start += self._window_length
        self._remember(time, image)
        self._previous = histogram
        self._last_time = time

    def finish(self, end_time: float) -> VisualSummary:
        end_time = max(end_time, self._last_time)
        self._close_window(window_end=end_time, shot_ends=True)
        self._shots.append(Shot(len(self._shots), self._shot_start, end_time))
        chosen = _select_keyframes(self._pool, self._shot_lengths(), self._max_keyframes)
        images = [np.ascontiguousarray(c.image) for c in chosen]
        keyframes = tuple(
            Keyframe(c.time, c.shot_index, image, repeats)
            for c, image, repeats in zip(chosen, images, shows_again(images), strict=True)
        )
        return VisualSummary(shots=tuple(self._shots), keyframes=keyframes, duration=end_time)

    def _is_cut(self, histogram: np.ndarray, time: float) -> bool:
        if self._previous is None:  # add() compares only from the second frame on
            raise RuntimeError("a shot cut needs an earlier frame to compare with")
        change = histogram_change(self._previous, histogram)
        long_enough = time - self._shot_start >= self._min_shot
        cut = long_enough and (change >= self._threshold or self._stands_out(change))
        if not cut:
            self._recent_changes.append(change)
        return cut

    def _stands_out(self, change: float) -> bool:
        if len(self._recent_changes) < 2 or change < self._threshold * _ADAPTIVE_FLOOR_FRACTION:
            return False
        baseline = float(np.median(self._recent_changes))
        return change >= _ADAPTIVE_RATIO * baseline + _ADAPTIVE_MARGIN

    def _remember(self, time: float, image: np.ndarray) -> None:
        self._middle_candidates.append(_Sample(self._window_count, time, image))
        self._window_count += 1
        # The middle of n samples is sample n // 2; earlier samples can never be it again.
        while self._middle_candidates[0].position < self._window_count // 2:
            self._middle_candidates.popleft()

    def _close_window(self, *, window_end: float, shot_ends: bool) -> None:
        if self._window_count == 0:
            return
        middle = self._middle_candidates[0]
        is_first_window = self._window_start <= self._shot_start
        # A short leftover at the end of a long shot is already covered by the previous keyframe.
        is_short_leftover = shot_ends and window_end - self._window_start < self._window_length / 2
        if is_first_window or not is_short_leftover:
            self._pool.append(_Candidate(middle.time, len(self._shots), middle.image))
        self._middle_candidates.clear()
        self._window_count = 0
        if len(self._pool) > 2 * self._max_keyframes:
            # Thin out as we go so a long film never holds thousands of pictures.
            self._pool = _select_keyframes(self._pool, self._shot_lengths(), self._max_keyframes)

    def _shot_lengths(self) -> dict[int, float]:
        lengths = {shot.index: shot.duration for shot in self._shots}
        lengths.setdefault(len(self._shots), self._last_time - self._shot_start)
        return lengths


def _select_keyframes(
    candidates: list[_Candidate], shot_lengths: dict[int, float], limit: int
) -> list[_Candidate]:
    """At most ``limit`` candidates in time order: one per shot (longest shots first), then the rest
    spread evenly in time (each pick is the candidate farthest from those already chosen)."""
    if len(candidates) <= limit:
        return sorted(candidates, key=lambda c: c.time)
    chosen = _one_per_shot(candidates, shot_lengths)[:limit]
    chosen_ids = {id(c) for c in chosen}
    remaining = [c for c in candidates if id(c) not in chosen_ids]
    while len(chosen) < limit and remaining:
        chosen_times = np.array([c.time for c in chosen]) if chosen else np.array([-np.inf])
        gaps = [float(np.min(np.abs(chosen_times - c.time))) for c in remaining]
        chosen.append(remaining.pop(int(np.argmax(gaps))))
    return sorted(chosen, key=lambda c: c.time)


def _one_per_shot(candidates: list[_Candidate], shot_lengths: dict[int, float]) -> list[_Candidate]:
    """Each shot's candidate nearest its middle, longest shots first."""
    by_shot: dict[int, list[_Candidate]] = {}
    for candidate in candidates:
        by_shot.setdefault(candidate.shot_index, []).append(candidate)
    representatives = []
    for shot_candidates in by_shot.values():
        first, last = shot_candidates[0].time, shot_candidates[-1].time
        middle = (first + last) / 2
        representatives.append(min(shot_candidates, key=lambda c: abs(c.time - middle)))
    return sorted(representatives, key=lambda c: (-shot_lengths.get(c.shot_index, 0.0), c.time))

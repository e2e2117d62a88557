"""Audio as float32 mono samples in [-1, 1], decoded and resampled by PyAV."""

from __future__ import annotations

import os
from collections.abc import Iterator

import av
import av.error
import numpy as np

from mediarec.media.errors import CORRUPT, MediaError
from mediarec.media.probe import first_audio_stream, open_media, start_offset

# A file whose every packet fails is undecodable; a few bad packets in a long file are tolerated
# (FFmpeg conceals them, and losing a few milliseconds of sound beats losing the file).
_MAX_BAD_PACKETS = 50


def decode_audio(
    path: str | os.PathLike[str], *, sample_rate: int = 16000, max_seconds: float | None = None
) -> np.ndarray:
    """The first audio stream as float32 mono at ``sample_rate``; an empty array when there is none.

    Sample 0 is time 0 of the file, so sample times line up with video timestamps.
    Raises MediaError when the file or its audio cannot be decoded.
    """
    chunks = list(iter_audio(path, sample_rate=sample_rate, max_seconds=max_seconds))
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(chunks)


def iter_audio(
    path: str | os.PathLike[str], *, sample_rate: int = 16000, max_seconds: float | None = None
) -> Iterator[np.ndarray]:
    """Stream the first audio stream as float32 mono chunks (one per decoded frame), clipped to [-1, 1].

    Each chunk is a fresh array, so no FFmpeg frame stays alive while the caller holds chunks.
    """
    limit = None if max_seconds is None else max(0, round(max_seconds * sample_rate))
    produced = 0
    with open_media(path) as container:
        stream = first_audio_stream(container)
        if stream is None:
            return
        # Pad the front when the audio starts after the file does (so times match the video).
        lead = _leading_gap_samples(container, stream, sample_rate)
        for chunk in _decoded_chunks(path, container, stream, sample_rate, lead):
            if limit is not None and produced + len(chunk) >= limit:
                yield chunk[: limit - produced]
                return
            produced += len(chunk)
            yield chunk


def _decoded_chunks(
    path: str | os.PathLike[str], container, stream, sample_rate: int, lead: int
) -> Iterator[np.ndarray]:
    if lead > 0:
        yield np.zeros(lead, dtype=np.float32)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    decoded_any = False
    bad_packets = 0
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.error.FFmpegError as error:
            bad_packets += 1
            if bad_packets > _MAX_BAD_PACKETS:
                raise MediaError(path, CORRUPT, f"audio cannot be decoded: {error}") from error
            continue
        for frame in frames:
            decoded_any = True
            yield from _resampled(resampler, frame)
    if not decoded_any and bad_packets:
        raise MediaError(path, CORRUPT, "no audio frame could be decoded")
    yield from _resampled(resampler, None)  # flush the resampler's delay line


def _resampled(resampler: av.AudioResampler, frame: av.AudioFrame | None) -> Iterator[np.ndarray]:
    for out in resampler.resample(frame):
        samples = out.to_ndarray().reshape(-1)
        yield np.clip(samples, -1.0, 1.0).astype(np.float32, copy=False)


def _leading_gap_samples(container, stream, sample_rate: int) -> int:
    if stream.start_time is None or stream.time_base is None:
        return 0
    gap = float(stream.start_time * stream.time_base) - start_offset(container)
    # Ignore sub-frame offsets such as encoder priming; they are shorter than any word.
    return round(gap * sample_rate) if gap > 0.05 else 0

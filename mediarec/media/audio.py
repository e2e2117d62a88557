"""Audio as float32 mono samples in [-1, 1], decoded and resampled by PyAV."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator

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


# Indexing reads long files in blocks of this many seconds, so memory does not grow with a file's length.
BLOCK_SECONDS = 600.0


def iter_audio_blocks(
    path: str | os.PathLike[str],
    *,
    sample_rate: int = 16000,
    block_seconds: float = BLOCK_SECONDS,
    overlap_seconds: float = 0.0,
    max_seconds: float | None = None,
) -> Generator[tuple[float, np.ndarray], None, None]:
    """The first audio stream as (start_seconds, float32 mono samples) blocks of at most ``block_seconds``.

    Each block after the first begins ``overlap_seconds`` before the previous one ended. Blocks hold only samples
    that decoded, so a header that declares hours allocates nothing for them; a file shorter than one block is
    one block equal to ``decode_audio``. At most two blocks are alive at once (the one yielded and the next).
    """
    block = max(1, round(block_seconds * sample_rate))
    overlap = round(overlap_seconds * sample_rate)
    if not 0 <= overlap < block:
        raise ValueError("overlap_seconds must be at least 0 and shorter than block_seconds")
    buffer = np.empty(block, dtype=np.float32)
    filled = 0
    start = 0  # the sample of the file that buffer[0] holds
    for chunk in iter_audio(path, sample_rate=sample_rate, max_seconds=max_seconds):
        position = 0
        while position < len(chunk):
            take = min(block - filled, len(chunk) - position)
            buffer[filled : filled + take] = chunk[position : position + take]
            filled += take
            position += take
            if filled == block:
                full, buffer = buffer, np.empty(block, dtype=np.float32)
                buffer[:overlap] = full[block - overlap :]
                yield start / sample_rate, full
                start += block - overlap
                filled = overlap
    if filled > overlap or (start == 0 and filled > 0):  # the tail holds samples no block has yielded
        yield start / sample_rate, buffer[:filled].copy()


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

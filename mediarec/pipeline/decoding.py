"""The decode stage of indexing: probe a file, take its keyframes (and their thumbnails) and its first audio block.

It runs ahead of encoding in its own thread (pipeline.indexer), so it never raises: an error is kept on the result
and the encode stage tells which kind it is (pipeline.failures).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from mediarec.config import IndexSettings
from mediarec.index.records import ItemMetadata, ItemRecord
from mediarec.media.audio import BLOCK_SECONDS, iter_audio_blocks
from mediarec.media.errors import (
    CORRUPT_HEADER,
    MAX_SAMPLE_RATE,
    MIN_SAMPLE_RATE,
    TRUNCATED,
    MediaError,
    clock,
)
from mediarec.media.keyframes import VisualSummary, extract_keyframes
from mediarec.media.probe import MediaInfo, probe
from mediarec.media.text_frames import TextFrame, TextFrameCollector
from mediarec.media.thumbnails import save_thumbnail
from mediarec.scan.paths import display_text

# A file that declares this much more than it holds (and more than twice it) is truncated or lies in its header.
_MISSING_SECONDS = 120.0
# Consecutive audio blocks of a long track share this much sound, so a word cut by a block's end is heard whole.
_BLOCK_OVERLAP_SECONDS = 1.0


@dataclass
class Decoded:
    item: ItemRecord
    info: MediaInfo | None = None
    visual: VisualSummary | None = None
    audio: np.ndarray | None = None  # the whole track, or the first block of a track longer than one
    audio_rest: Iterator[tuple[float, np.ndarray]] | None = None  # the blocks after the first (a long track)
    declared: float | None = None  # the duration the header declared, when decoding ends long before it
    held_audio_seconds: float | None = (
        None  # a long track's decoded length, known once its blocks are encoded
    )
    thumbnails: list[str] = field(default_factory=list)
    text_frames: tuple[TextFrame, ...] = ()  # the pictures on-screen text is read from (media.text_frames)
    error: Exception | None = None


def decode_item(item: ItemRecord, settings: IndexSettings, thumbnail_dir: Path) -> Decoded:
    decoded = Decoded(item)
    try:
        decoded.info = probe(item.path)
        _require_plausible_header(item.path, decoded.info)
        if decoded.info.has_video and decoded.info.kind == "video":
            text_frames = (
                TextFrameCollector(settings.seconds_per_text_frame, duration=decoded.info.duration)
                if settings.read_text
                else None
            )
            decoded.visual = extract_keyframes(
                item.path,
                seconds_per_keyframe=settings.seconds_per_keyframe,
                max_keyframes=settings.max_keyframes,
                text_frames=text_frames,
            )
            if text_frames is not None:
                decoded.text_frames = text_frames.frames(decoded.visual.duration)
            decoded.thumbnails = save_thumbnails(item, decoded.visual, thumbnail_dir)
        if decoded.info.has_audio:
            decoded.audio, decoded.audio_rest = first_audio_block(item.path)
        if decoded.audio_rest is None:  # a long track's length is known once its blocks are encoded
            check_declared_length(item.path, decoded)
    except (
        Exception
    ) as error:  # one odd file must not stop the library: the encode stage tells which kind it is
        decoded.error = error
    return decoded


def save_thumbnails(item: ItemRecord, visual: VisualSummary, thumbnail_dir: Path) -> list[str]:
    # Named by content fingerprint, so a renamed file keeps its thumbnails.
    folder = thumbnail_dir / item.fingerprint[:2] / item.fingerprint
    return [
        str(save_thumbnail(keyframe.image, folder / f"{index:03d}_{keyframe.time:.2f}.jpg"))
        for index, keyframe in enumerate(visual.keyframes)
    ]


def _require_plausible_header(path: str, info: MediaInfo) -> None:
    # A damaged header can declare a sample rate that would make decoding take hours and gigabytes.
    rate = info.sample_rate if info.has_audio else None
    if rate is not None and not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise MediaError(path, CORRUPT_HEADER, f"a sample rate of {rate} Hz")


def check_declared_length(path: str, decoded: Decoded) -> None:
    """A file whose streams end long before the length its header declares is cut off (or its header lies): it is
    indexed for what it holds, with the decoded length as its duration and the declared one kept (decoded.declared).
    One that holds nothing is truncated."""
    if decoded.info is None:
        return
    audio_seconds = decoded.held_audio_seconds
    if audio_seconds is None:
        audio_seconds = len(decoded.audio) / 16000.0 if decoded.audio is not None else 0.0
    held = max(decoded.visual.duration if decoded.visual is not None else 0.0, audio_seconds)
    declared = max(decoded.info.duration, decoded.info.declared_duration or 0.0)
    if declared > 2 * held and declared - held > _MISSING_SECONDS:
        if held <= 0:
            raise MediaError(path, TRUNCATED, f"ends at {clock(held)} of a declared {clock(declared)}")
        decoded.declared = declared
        decoded.info = replace(decoded.info, duration=held)


def first_audio_block(path: str) -> tuple[np.ndarray, Iterator[tuple[float, np.ndarray]] | None]:
    """The first block of the audio and, when the track is longer than one block, the blocks still to decode."""
    blocks = iter_audio_blocks(path, block_seconds=BLOCK_SECONDS, overlap_seconds=_BLOCK_OVERLAP_SECONDS)
    first = next(blocks, None)
    if first is None:
        return np.zeros(0, dtype=np.float32), None
    if len(first[1]) < round(BLOCK_SECONDS * 16000):  # the whole track: the same samples decode_audio gives
        blocks.close()
        return first[1], None
    return first[1], blocks


def cover_index(visual: VisualSummary | None) -> int:
    """The middle keyframe of the first shot longer than a second, which is rarely a title card or black."""
    if visual is None:
        return 0
    for index, keyframe in enumerate(visual.keyframes):
        shot = visual.shots[keyframe.shot_index]
        if shot.end - shot.start >= 1.0:
            return index
    return 0


def item_metadata(info: MediaInfo, item: ItemRecord, declared_duration: float | None = None) -> ItemMetadata:
    """What is stored of a file's streams and tags; `declared_duration` marks it truncated (check_declared_length)."""
    return ItemMetadata(
        kind=info.kind,
        duration=info.duration,
        width=info.width,
        height=info.height,
        fps=info.fps,
        video_codec=info.video_codec,
        audio_codec=info.audio_codec,
        sample_rate=info.sample_rate,
        channels=info.channels,
        title=info.title,
        artist=info.artist,
        album=info.album,
        date=info.date,
        genre=info.genre,
        tags=dict(info.tags),
        file_stem=display_text(Path(item.path).stem.replace("_", " ")),
        declared_duration=declared_duration,
    )

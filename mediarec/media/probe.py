"""What a media file holds: kind, duration, streams and tags, read with PyAV (which bundles FFmpeg)."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import av
import av.error
from av.audio.stream import AudioStream
from av.container import InputContainer
from av.stream import Disposition, Stream
from av.video.stream import VideoStream

from mediarec.media.errors import (
    CORRUPT,
    EMPTY,
    NO_STREAMS,
    NOT_FOUND,
    NOT_MEDIA,
    NOT_READABLE,
    MediaError,
)

# Codecs that, as a single picture next to an audio stream, are cover art rather than video.
_PICTURE_CODECS = frozenset({"mjpeg", "png", "bmp", "tiff", "webp", "gif"})
# Demuxers whose index (the "moov" box) lists every sample, so a missing tail proves truncation.
_INDEXED_FORMATS = ("mov", "mp4", "m4a", "3gp")
# How many packets to read while looking for a first decodable frame (covers decoder delay).
_FIRST_FRAME_PACKET_LIMIT = 256
# How close to its indexed end a stream's last packet must be found (seconds).
_TAIL_SLACK_SECONDS = 1.0


@dataclass(frozen=True)
class MediaInfo:
    """Facts about one media file. ``kind`` is "video" or "audio" (audio with cover art is "audio")."""

    path: str
    kind: str
    duration: float
    has_video: bool
    has_audio: bool
    width: int | None
    height: int | None
    fps: float | None
    video_codec: str | None
    audio_codec: str | None
    sample_rate: int | None
    channels: int | None
    title: str | None
    artist: str | None
    album: str | None
    date: str | None
    genre: str | None
    tags: dict[str, str] = field(default_factory=dict)
    cover_art: bool = False
    # What the header says, when it says more than FFmpeg reports (a WAV's data size: FFmpeg clamps it to the file).
    declared_duration: float | None = None


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Read a file's streams, duration and tags; raise MediaError when it is not usable media."""
    with open_media(path) as container:
        video = primary_video_stream(container)
        audio = first_audio_stream(container)
        primary: Stream
        if video is not None:
            primary = video
        elif audio is not None:
            primary = audio
        else:
            raise MediaError(path, NO_STREAMS)
        _require_decodable(path, container, primary)
        if container.format.name.startswith(_INDEXED_FORMATS):
            _require_complete_tail(path, container, primary)
        duration = container_duration(container)
        if duration is None:
            duration = _scan_duration(path)
        if duration <= 0:
            raise MediaError(path, CORRUPT, "no decodable duration")
        info = _media_info(path, container, video, audio, duration)
        declared = _wav_declared_seconds(path) if container.format.name == "wav" else None
        return replace(info, declared_duration=declared) if declared and declared > duration else info


@contextmanager
def open_media(path: str | os.PathLike[str]) -> Iterator[InputContainer]:
    """Open a file for reading with PyAV, turning every failure into a MediaError a user can read."""
    file = Path(path)
    _require_nonempty_file(file)
    try:
        container = av.open(str(file), metadata_errors="replace")
    except PermissionError as error:
        raise MediaError(path, NOT_READABLE, "permission denied") from error
    except av.error.FFmpegError as error:
        problem = CORRUPT if _looks_like_media(file) else NOT_MEDIA
        raise MediaError(path, problem, _ffmpeg_reason(error)) from error
    except OSError as error:
        raise MediaError(path, NOT_READABLE, error.strerror or str(error)) from error
    try:
        yield container
    finally:
        container.close()


def primary_video_stream(container: InputContainer) -> VideoStream | None:
    """The first real video stream; cover-art pictures next to audio do not count."""
    has_audio = bool(container.streams.audio)
    for stream in container.streams.video:
        if not is_cover_art(stream, has_audio=has_audio):
            return stream
    return None


def first_audio_stream(container: InputContainer) -> AudioStream | None:
    return container.streams.audio[0] if container.streams.audio else None


def is_cover_art(stream: Stream, *, has_audio: bool) -> bool:
    if stream.disposition & Disposition.attached_pic:
        return True
    # Some muxers store a cover as a one-picture stream without the attached_pic flag; an MJPEG movie
    # from a camera has many frames, so it stays video.
    is_picture_codec = stream.codec_context is not None and stream.codec_context.name in _PICTURE_CODECS
    return has_audio and is_picture_codec and stream.frames == 1


def container_duration(container: InputContainer) -> float | None:
    """Seconds from the container header, else the longest stream; None when neither knows."""
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    stream_durations = [
        float(stream.duration * stream.time_base)
        for stream in container.streams
        if stream.duration and stream.time_base is not None
    ]
    return max(stream_durations) if stream_durations else None


def start_offset(container: InputContainer) -> float:
    """Seconds to subtract from timestamps so the file starts at 0 (MPEG-TS files often start later)."""
    if container.start_time is not None and container.start_time > 0:
        return container.start_time / av.time_base
    return 0.0


def _require_nonempty_file(file: Path) -> None:
    try:
        size = file.stat().st_size
    except FileNotFoundError as error:
        raise MediaError(file, NOT_FOUND) from error
    except OSError as error:
        raise MediaError(file, NOT_READABLE, error.strerror or str(error)) from error
    if file.is_dir():
        raise MediaError(file, NOT_MEDIA, "it is a folder")
    if size == 0:
        raise MediaError(file, EMPTY)


def _looks_like_media(file: Path) -> bool:
    """Whether the first bytes carry a known media signature (then a failure means damage, not text)."""
    try:
        with file.open("rb") as handle:
            head = handle.read(200)
    except OSError:
        return False
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
        return True
    signatures = (
        b"RIFF", b"ID3", b"OggS", b"fLaC", b"\x1a\x45\xdf\xa3", b"FORM", b"FLV", b"caff", b"wvpk", b"MAC ",
        b"#!AMR", b"\x30\x26\xb2\x75", b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3",
    )  # fmt: skip
    if head.startswith(signatures):
        return True
    mpeg_audio_sync = len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
    transport_stream = len(head) > 188 and head[0] == 0x47 and head[188] == 0x47
    return mpeg_audio_sync or transport_stream


def _ffmpeg_reason(error: av.error.FFmpegError) -> str:
    # PyAV puts FFmpeg's own sentence ("moov atom not found", "Invalid data found ...") in strerror.
    return (getattr(error, "strerror", None) or str(error)).strip()


def _require_decodable(path: str | os.PathLike[str], container: InputContainer, stream: Stream) -> None:
    """Decode one frame of the main stream, so a damaged or unsupported stream is found at probe time."""
    if stream.codec_context is None:
        raise MediaError(path, CORRUPT, f"no decoder for its {stream.type} stream")
    try:
        for count, packet in enumerate(container.demux(stream)):
            if packet.decode():
                return
            if count >= _FIRST_FRAME_PACKET_LIMIT:
                break
    except av.error.FFmpegError as error:
        raise MediaError(path, CORRUPT, _ffmpeg_reason(error)) from error
    raise MediaError(path, CORRUPT, f"no decodable {stream.type} frame")


def _require_complete_tail(path: str | os.PathLike[str], container: InputContainer, stream: Stream) -> None:
    """In MP4/MOV the index is written first when "faststart" is used, so a cut-off download still opens;
    its last samples then point past the end of the file. Seek near the indexed end and read them."""
    if not stream.duration or stream.time_base is None:
        return
    stream_end = (stream.start_time or 0) + stream.duration
    target = stream_end - int(_TAIL_SLACK_SECONDS / stream.time_base)
    try:
        container.seek(max(target, stream.start_time or 0), stream=stream, backward=True)
        for packet in container.demux(stream):
            if packet.pts is not None and packet.size > 0 and packet.pts >= target and not packet.is_corrupt:
                return
    except av.error.FFmpegError as error:
        raise MediaError(path, CORRUPT, _ffmpeg_reason(error)) from error
    end_seconds = float(stream_end * stream.time_base)
    raise MediaError(path, CORRUPT, f"data ends before the indexed length of {end_seconds:.1f} s")


def _scan_duration(path: str | os.PathLike[str]) -> float:
    """Duration for streams whose header does not say: the end of the last packet, found by demuxing."""
    end = 0.0
    with open_media(path) as container:
        offset = start_offset(container)
        streams = [s for s in (primary_video_stream(container), first_audio_stream(container)) if s]
        try:
            for packet in container.demux(streams):
                if packet.pts is not None and packet.time_base is not None:
                    packet_end = (packet.pts + (packet.duration or 0)) * packet.time_base
                    end = max(end, float(packet_end) - offset)
        except av.error.FFmpegError as error:
            raise MediaError(path, CORRUPT, _ffmpeg_reason(error)) from error
    return end


def _wav_declared_seconds(path: str | os.PathLike[str]) -> float | None:
    """The length a RIFF/WAVE header declares (its data chunk's size over its byte rate); None when unreadable."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    byte_rate, at = 0, 12
    while at + 8 <= len(head):
        chunk, size = head[at : at + 4], struct.unpack_from("<I", head, at + 4)[0]
        if chunk == b"fmt " and at + 16 <= len(head):
            byte_rate = struct.unpack_from("<I", head, at + 16)[0]
        elif chunk == b"data":
            return size / byte_rate if byte_rate > 0 else None
        at += 8 + size + (size & 1)
    return None


def _media_info(
    path: str | os.PathLike[str],
    container: InputContainer,
    video: VideoStream | None,
    audio: AudioStream | None,
    duration: float,
) -> MediaInfo:
    tags = collect_tags(container)
    has_audio = audio is not None
    video_context = video.codec_context if video is not None else None
    audio_context = audio.codec_context if audio is not None else None
    return MediaInfo(
        path=os.fspath(path),
        kind="video" if video is not None else "audio",
        duration=duration,
        has_video=video is not None,
        has_audio=has_audio,
        width=video_context.width if video_context else None,
        height=video_context.height if video_context else None,
        fps=_frame_rate(video) if video is not None else None,
        video_codec=video_context.name if video_context else None,
        audio_codec=audio_context.name if audio_context else None,
        sample_rate=audio_context.sample_rate if audio_context else None,
        channels=audio_context.channels if audio_context else None,
        title=_first_tag(tags, "title"),
        artist=_first_tag(tags, "artist", "album_artist", "performer", "author", "composer"),
        album=_first_tag(tags, "album"),
        date=_first_tag(tags, "date", "year", "originaldate"),
        genre=_first_tag(tags, "genre"),
        tags=tags,
        cover_art=any(is_cover_art(s, has_audio=has_audio) for s in container.streams.video),
    )


def collect_tags(container: InputContainer) -> dict[str, str]:
    """Container and stream metadata with lower-cased keys; the container's values win."""
    tags: dict[str, str] = {}
    for stream in container.streams:
        for key, value in stream.metadata.items():
            tags.setdefault(key.lower(), value)
    for key, value in container.metadata.items():
        tags[key.lower()] = value
    return tags


def _first_tag(tags: dict[str, str], *keys: str) -> str | None:
    for key in keys:
        value = tags.get(key, "").strip()
        if value:
            return value
    return None


def _frame_rate(stream: Stream) -> float | None:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate is not None and Fraction(rate) > 0:
            return float(rate)
    return None

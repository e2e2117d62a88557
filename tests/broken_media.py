"""Broken media for the fault suite (tests/test_fault_suite.py): valid sources made with PyAV, then damaged copies.

`make_sources` writes short, valid files (mediarec.media.samples draws and encodes them); `generate` writes
`count` broken files made from them, cycling through the kinds of damage below, each with its own random
parameters from one seed, so a failing case can be made again from its seed and number:

- truncated: a copy cut at a random byte offset
- cut_stream: an MKV or MP4 (also one written "faststart", index first) cut in the middle of its stream
- random_bytes: random bytes under a media extension, some after a real signature
- zero_length: an empty file
- wrong_extension: a valid file under another format's extension, or text, JSON or a picture named as media
- absurd_header: header fields patched to absurd values: declared durations, sizes, rates, channel counts
- no_streams: a valid container with no audio or video stream (only subtitles)
- long_wav: a WAV whose header declares 22 hours of audio that is not there
- bit_rot: random byte ranges overwritten in the middle of a valid file
"""

from __future__ import annotations

import json
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from mediarec.media.samples import ShapeShot, tone, write_audio, write_shapes_video

MEDIA_EXTENSIONS = (".mp4", ".mkv", ".mov", ".webm", ".wav", ".mp3", ".m4a", ".ogg", ".flac", ".opus")
# The header of a WAV of pcm_s16le mono at 16 kHz that declares 22 hours.
LONG_WAV_SECONDS = 22 * 3600


@dataclass(frozen=True)
class BrokenCase:
    number: int
    kind: str
    how: str  # what was done, for the report of a failing case
    path: Path


@dataclass(frozen=True)
class Sources:
    """Valid files the damage starts from, by role."""

    video_mp4: Path  # moov at the end (FFmpeg's default)
    video_faststart: Path  # moov first, so a cut copy still opens
    video_mkv: Path
    long_mp4: Path  # a few seconds, so a cut lands mid-stream
    long_mkv: Path
    wav: Path
    m4a: Path
    mp3: Path
    flac: Path

    def all(self) -> list[Path]:
        return [
            self.video_mp4, self.video_faststart, self.video_mkv, self.long_mp4, self.long_mkv,
            self.wav, self.m4a, self.mp3, self.flac,
        ]  # fmt: skip


def make_sources(folder: Path) -> Sources:
    """Short valid media (about a second each, a few for the long ones): video with sound, and audio formats."""
    folder.mkdir(parents=True, exist_ok=True)
    sound = tone(1.0, frequency=440.0)
    shots = [ShapeShot("circle", "red", 0.5), ShapeShot("square", "blue", 0.5)]
    video_mp4 = write_shapes_video(folder / "video.mp4", shots, size=64, audio=sound)
    video_mkv = write_shapes_video(folder / "video.mkv", shots, size=64, audio=sound)
    long_shots = [ShapeShot("circle", "red", 1.5), ShapeShot("triangle", "green", 1.5)]
    long_sound = tone(3.0, frequency=660.0)
    long_mp4 = write_shapes_video(folder / "long.mp4", long_shots, size=64, audio=long_sound)
    long_mkv = write_shapes_video(folder / "long.mkv", long_shots, size=64, audio=long_sound)
    faststart = remux(long_mp4, folder / "faststart.mp4", options={"movflags": "faststart"})
    return Sources(
        video_mp4=video_mp4,
        video_faststart=faststart,
        video_mkv=video_mkv,
        long_mp4=long_mp4,
        long_mkv=long_mkv,
        wav=write_audio(folder / "tone.wav", sound),
        m4a=write_audio(folder / "tone.m4a", sound),
        mp3=write_audio(folder / "tone.mp3", sound),
        flac=write_audio(folder / "tone.flac", sound),
    )


def remux(source: Path, target: Path, *, options: dict[str, str] | None = None) -> Path:
    """Copy the streams of `source` into a new container (same format) without re-encoding."""
    with av.open(str(source)) as inp, av.open(str(target), "w", format=inp.format.name.split(",")[0],
                                              options=options or {}) as out:  # fmt: skip
        mapping = {stream.index: out.add_stream_from_template(stream) for stream in inp.streams}
        for packet in inp.demux():
            if packet.dts is None:
                continue
            packet.stream = mapping[packet.stream.index]
            out.mux(packet)
    return target


# -- the kinds of damage: each writes one file and says how -----------------------------------------------------


def _truncated(rng: random.Random, sources: Sources, folder: Path, number: int) -> tuple[str, Path]:
    source = rng.choice(sources.all())
    data = source.read_bytes()
    cut = rng.randint(1, len(data) - 1)
    target = folder / f"{number:04d}_truncated{source.suffix}"
    target.write_bytes(data[:cut])
    return f"{source.name} cut at byte {cut} of {len(data)}", target


def _cut_stream(rng: random.Random, sources: Sources, folder: Path, number: int) -> tuple[str, Path]:
    source = rng.choice([sources.long_mp4, sources.long_mkv, sources.video_faststart])
    data = source.read_bytes()
    fraction = rng.uniform(0.2, 0.9)
    cut = int(len(data) * fraction)
    target = folder / f"{number:04d}_cut_stream_{source.stem}{source.suffix}"
    target.write_bytes(data[:cut])
    return f"{source.name} cut at {fraction:.0%} (byte {cut})", target


_SIGNATURES = (
    b"RIFF\x00\x00\x00\x00WAVEfmt ",
    b"\x00\x00\x00\x18ftypmp42",
    b"\x1a\x45\xdf\xa3",
    b"OggS",
    b"fLaC",
    b"ID3",
)


def _random_bytes(rng: random.Random, sources: Sources, folder: Path, number: int) -> tuple[str, Path]:
    length = rng.choice([1, 3, 64, 700, 4096, 65536, 300_000])
    data = rng.randbytes(length)
    how = f"{length} random bytes"
    if rng.random() < 0.5:
        signature = rng.choice(_SIGNATURES)
        data = signature + data
        how += f" after the signature {signature[:8]!r}"
    target = folder / f"{number:04d}_random{rng.choice(MEDIA_EXTENSIONS)}"
    target.write_bytes(data)
    return how, target


def _zero_length(rng: random.Random, sources: Sources, folder: Path, number: int) -> tuple[str, Path]:
    target = folder / f"{number:04d}_empty{rng.choice(MEDIA_EXTENSIONS)}"
    target.write_bytes(b"")
    return "zero bytes", target


def _picture_png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.full((16, 16, 3), 200, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _wrong_extension(rng: random.Random, sources: Sources, folder: Path, number: int) -> tuple[str, Path]:
    choice = rng.randrange(5)
    if choice <= 1:
        source = rng.choice(sources.all())
        extension = rng.choice([ext for ext in MEDIA_EXTENSIONS if ext != source.suffix])
        data, how = source.read_bytes(), source.name
    elif choice == 2:
        extension, data, how = rng.choice(MEDIA_EXTENSIONS), b"this is not a video\n" * 40, "text"
    elif choice == 3:
        data = json.dumps({"title": "not media", "values": list(range(200))}).encode()
        extension, how = rng.choice(MEDIA_EXTENSIONS), "JSON"
    else:
        extension, data, how = rng.choice(MEDIA_EXTENSIONS), _picture_png(), "a PNG picture"
    target = folder / f"{number:04d}_wrong_ext{extension}"
    target.write_bytes(data)
    return f"{how} named {extension}", target


def wav_header(*, data_bytes: int, rate: int = 16000, channels: int = 1, bits: int = 16,
               riff_bytes: int | None = None, block_align: int | None = None,
               byte_rate: int | None = None) -> bytes:  # fmt: skip
    """A canonical 44-byte PCM WAV header; every field can be given an absurd value."""
    block_align = channels * bits // 8 if block_align is None else block_align
    byte_rate = rate * block_align if byte_rate is None else byte_rate
    riff_bytes = 36 + data_bytes if riff_bytes is None else riff_bytes
    return (
        b"RIFF" + struct.pack("<I", riff_bytes & 0xFFFFFFFF) + b"WAVE"
        + b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels & 0xFFFF, rate & 0xFFFFFFFF,
                                byte_rate & 0xFFFFFFFF, block_align & 0xFFFF, bits & 0xFFFF)
        + b"data" + struct.pack("<I", data_bytes & 0xFFFFFFFF)
    )  # fmt: skip


def _pcm(seconds: float, rate: int = 16000) -> bytes:
    samples = (tone(seconds, frequency=440.0, sample_rate=rate) * 32000).astype("<i2")
    return samples.tobytes()


def _patch(data: bytes, marker: bytes, offset: int, fmt: str, value: int | float) -> bytes | None:
    """`data` with the value at `offset` after the first `marker` replaced (None when the marker is absent)."""
    at = data.find(marker)
    if at < 0:
        return None
    start = at + offset
    packed = struct.pack(fmt, value)
    return data[:start] + packed + data[start + len(packed) :]


def _absurd_header(rng: random.Random, sources: Sources, folder: Path, number: int) -> tuple[str, Path]:
    pcm = _pcm(0.5)
    variants: list[tuple[str, str, Callable[[], bytes | None]]] = [
        ("wav sizes 0xFFFFFFFF", ".wav",
         lambda: wav_header(data_bytes=0xFFFFFFFF, riff_bytes=0xFFFFFFFF) + pcm),
        ("wav sample rate 0", ".wav", lambda: wav_header(data_bytes=len(pcm), rate=0) + pcm),
        ("wav sample rate 1", ".wav", lambda: wav_header(data_bytes=len(pcm), rate=1) + pcm),
        ("wav sample rate 0xFFFFFFFF", ".wav", lambda: wav_header(data_bytes=len(pcm), rate=0xFFFFFFFF) + pcm),
        ("wav 0 channels", ".wav", lambda: wav_header(data_bytes=len(pcm), channels=0) + pcm),
        ("wav 65535 channels", ".wav", lambda: wav_header(data_bytes=len(pcm), channels=65535) + pcm),
        ("wav 0 bits per sample", ".wav", lambda: wav_header(data_bytes=len(pcm), bits=0) + pcm),
        ("wav 65535 bits per sample", ".wav", lambda: wav_header(data_bytes=len(pcm), bits=65535) + pcm),
        ("wav block align 0", ".wav", lambda: wav_header(data_bytes=len(pcm), block_align=0) + pcm),
        ("wav byte rate 1", ".wav", lambda: wav_header(data_bytes=len(pcm), byte_rate=1) + pcm),
        ("mp4 mvhd duration 0xFFFFFFFF, timescale 1", ".mp4", lambda: _patched_mvhd(sources.video_faststart)),
        ("mp4 mdhd duration 0xFFFFFFFF", ".mp4",
         lambda: _patch(sources.video_faststart.read_bytes(), b"mdhd", 20, ">I", 0xFFFFFFFF)),
        ("mp4 moov size 0x7FFFFFFF", ".mp4",
         lambda: _patch(sources.video_faststart.read_bytes(), b"moov", -4, ">I", 0x7FFFFFFF)),
        ("mp4 stsz entry count 0x7FFFFFFF", ".mp4",
         lambda: _patch(sources.video_faststart.read_bytes(), b"stsz", 12, ">I", 0x7FFFFFFF)),
        ("mp4 first stsz sample size 0x7FFFFFFF", ".mp4",
         lambda: _patch(sources.video_faststart.read_bytes(), b"stsz", 16, ">I", 0x7FFFFFFF)),
        ("mp4 stco first offset past the end", ".mp4",
         lambda: _patch(sources.video_faststart.read_bytes(), b"stco", 12, ">I", 0x7FFFFFF0)),
        ("mkv Duration 1e15", ".mkv", lambda: _patched_mkv_duration(sources.video_mkv, 1e15)),
        ("mkv Duration -1", ".mkv", lambda: _patched_mkv_duration(sources.video_mkv, -1.0)),
        ("mkv Duration NaN", ".mkv", lambda: _patched_mkv_duration(sources.video_mkv, float("nan"))),
        ("mkv Segment size absurd", ".mkv",
         lambda: _patch(sources.video_mkv.read_bytes(), b"\x18\x53\x80\x67", 4, ">Q", 0x01FFFFFFFFFFFFFE)),
        ("mkv EBML header size absurd", ".mkv",
         lambda: _patch(sources.video_mkv.read_bytes(), b"\x1a\x45\xdf\xa3", 4, ">Q", 0x01FFFFFFFFFFFFF0)),
    ]  # fmt: skip
    how, extension, make = variants[rng.randrange(len(variants))]
    data = make()
    if data is None:  # the field is not in this FFmpeg's output: damage the start instead
        data = bytearray(sources.video_mkv.read_bytes())
        data[4:12] = b"\xff" * 8
        how += " (marker not found: start overwritten)"
    target = folder / f"{number:04d}_absurd_header{extension}"
    target.write_bytes(bytes(data))
    return how, target


def _patched_mvhd(source: Path) -> bytes | None:
    # mvhd version 0: size, 'mvhd', version+flags(4), creation(4), modification(4), timescale(4), duration(4)
    data = _patch(source.read_bytes(), b"mvhd", 12, ">I", 1)
    return None if data is None else _patch(data, b"mvhd", 16, ">I", 0xFFFFFFFF)


def _patched_mkv_duration(source: Path, value: float) -> bytes | None:
    data = source.read_bytes()
    # The Duration element (0x4489) holds a 4- or 8-byte float: size byte 0x84 or 0x88.
    at = data.find(b"\x44\x89")
    if at < 0:
        return None
    size = data[at + 2] & 0x0F
    packed = struct.pack(">f" if size == 4 else ">d", value)
    return data[: at + 3] + packed + data[at + 3 + len(packed) :]


_SUBTITLES = (
    "1\n00:00:00,000 --> 00:00:01,000\nnot a picture\n\n2\n00:00:01,000 --> 00:00:02,000\nnor a sound\n\n"
)


def _no_streams(rng: random.Random, sources: Sources, folder: Path, number: int) -> tuple[str, Path]:
    if rng.random() < 0.6:
        subtitles = folder / f".{number:04d}.srt"
        subtitles.write_text(_SUBTITLES, encoding="utf-8")
        target = folder / f"{number:04d}_no_streams.mkv"
        with av.open(str(subtitles)) as source, av.open(str(target), "w", format="matroska") as container:
            stream = container.add_stream_from_template(source.streams[0])
            for packet in source.demux(source.streams[0]):
                if packet.dts is not None:
                    packet.stream = stream
                    container.mux(packet)
        subtitles.unlink()
        return "a Matroska file with only a subtitle stream", target
    target = folder / f"{number:04d}_no_samples.wav"
    target.write_bytes(wav_header(data_bytes=0))
    return "a WAV header with no samples", target


def _long_wav(rng: random.Random, sources: Sources, folder: Path, number: int) -> tuple[str, Path]:
    seconds = rng.choice([0.0, 0.5, 2.0])
    declared = LONG_WAV_SECONDS * 16000 * 2
    target = folder / f"{number:04d}_declares_22h.wav"
    target.write_bytes(wav_header(data_bytes=declared) + _pcm(seconds))
    return f"a WAV declaring 22 hours, holding {seconds} s", target


def _bit_rot(rng: random.Random, sources: Sources, folder: Path, number: int) -> tuple[str, Path]:
    source = rng.choice(sources.all())
    data = bytearray(source.read_bytes())
    ranges = []
    for _ in range(rng.randint(1, 8)):
        length = rng.randint(1, max(1, len(data) // 20))
        start = rng.randrange(max(1, len(data) - length))
        data[start : start + length] = rng.randbytes(length)
        ranges.append((start, length))
    target = folder / f"{number:04d}_bit_rot_{source.stem}{source.suffix}"
    target.write_bytes(bytes(data))
    return f"{source.name} with random bytes at {ranges}", target


DAMAGE: dict[str, Callable[[random.Random, Sources, Path, int], tuple[str, Path]]] = {
    "truncated": _truncated,
    "cut_stream": _cut_stream,
    "random_bytes": _random_bytes,
    "zero_length": _zero_length,
    "wrong_extension": _wrong_extension,
    "absurd_header": _absurd_header,
    "no_streams": _no_streams,
    "long_wav": _long_wav,
    "bit_rot": _bit_rot,
}


def generate(folder: Path, sources: Sources, count: int, seed: int = 0) -> list[BrokenCase]:
    """`count` broken files in `folder`, the kinds of damage in turn (so any 9 in a row hold one of each)."""
    folder.mkdir(parents=True, exist_ok=True)
    kinds = list(DAMAGE)
    cases = []
    for number in range(count):
        kind = kinds[number % len(kinds)]
        rng = random.Random(f"{seed}-{number}")
        how, path = DAMAGE[kind](rng, sources, folder, number)
        cases.append(BrokenCase(number, kind, how, path))
    return cases

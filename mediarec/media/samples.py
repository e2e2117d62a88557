"""Small media with known content: shape videos, tones and synthesized speech.

The sample library made of them is in media.sample_library.

The tests index these files and check that search finds what each clip shows, says and sounds like;
the desktop app offers the same library to a new user who has no media at hand. Everything is generated
locally (numpy drawings, PyAV encoders, the espeak-ng speech synthesizer) in a few seconds.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error
import numpy as np

from mediarec.media.errors import CANNOT_WRITE, MISSING_TOOL, MediaError
from mediarec.media.shapes import draw_shape

ESPEAK_PROGRAM = "espeak-ng"
ESPEAK_INSTALL_HINT = (
    "install espeak-ng: 'sudo apt install espeak-ng' (Debian/Ubuntu), 'brew install espeak-ng' (macOS), "
    "or the installer from https://github.com/espeak-ng/espeak-ng/releases (Windows)"
)
MANIFEST_NAME = "manifest.json"
SPEECH_RATE = 16000
_SPEECH_TIMEOUT_SECONDS = 60
_AUDIO_CHUNK = 1024  # samples per encoded audio frame (AAC's own frame size)
_FADE_SECONDS = 0.01  # tones fade in and out so they start and end without a click
_SPEECH_TAIL_SECONDS = 0.3
# Within a shot the picture drifts by up to this many pixels, so the video is not a frozen still.
_DRIFT_PIXELS = 2

# Encoders per file extension, in order of preference (what one FFmpeg build has varies).
_AUDIO_FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    ".wav": ("wav", ("pcm_s16le",)),
    ".mp3": ("mp3", ("libmp3lame",)),
    ".ogg": ("ogg", ("libvorbis", "libopus")),
    ".opus": ("opus", ("libopus",)),
    ".m4a": ("ipod", ("aac",)),
    ".flac": ("flac", ("flac",)),
}
# (container format, video encoders, audio encoders)
_VIDEO_FORMATS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    ".mp4": ("mp4", ("libx264", "mpeg4"), ("aac",)),
    ".m4v": ("mp4", ("libx264", "mpeg4"), ("aac",)),
    ".mov": ("mov", ("libx264", "mpeg4"), ("aac",)),
    ".mkv": ("matroska", ("libx264", "mpeg4"), ("aac", "libopus")),
    ".webm": ("webm", ("libvpx-vp9", "libvpx"), ("libopus",)),
}
_VIDEO_OPTIONS = {
    "libx264": {"preset": "veryfast", "crf": "20"},
    "libvpx-vp9": {"deadline": "realtime", "cpu-used": "8", "crf": "32", "b": "0"},
    "libvpx": {"deadline": "realtime", "cpu-used": "8"},
}


@dataclass(frozen=True)
class ShapeShot:
    """One shot of a shapes video: a ``colour`` ``shape`` shown for ``seconds``."""

    shape: str
    colour: str
    seconds: float


@dataclass(frozen=True)
class SampleClip:
    """A generated clip and what it truly contains (the ground truth for tests and demos)."""

    filename: str
    kind: str
    shows: str | None
    says: str | None
    sounds: str | None
    shots: tuple[ShapeShot, ...] = ()


# ---------------------------------------------------------------------------------------------- audio


def tone(
    seconds: float, frequency: float = 440.0, sample_rate: int = SPEECH_RATE, amplitude: float = 0.3
) -> np.ndarray:
    """A sine tone as float32 mono, faded in and out over 10 ms."""
    count = round(seconds * sample_rate)
    samples = amplitude * np.sin(2 * np.pi * frequency * np.arange(count) / sample_rate)
    fade = min(round(_FADE_SECONDS * sample_rate), count // 2)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        samples[:fade] *= ramp
        samples[count - fade :] *= ramp[::-1]
    return samples.astype(np.float32)


def silence(seconds: float, sample_rate: int = SPEECH_RATE) -> np.ndarray:
    return np.zeros(round(seconds * sample_rate), dtype=np.float32)


def espeak_available() -> bool:
    return shutil.which(ESPEAK_PROGRAM) is not None


def synthesize_speech(
    text: str,
    *,
    voice: str = "en-us",
    sample_rate: int = SPEECH_RATE,
    words_per_minute: int = 150,
    pitch: int | None = None,
) -> np.ndarray:
    """Speak ``text`` with espeak-ng; float32 mono at ``sample_rate``; ``pitch`` 0-99 (espeak's -p; its default
    50 when None). MediaError if espeak-ng is missing."""
    if not text.strip():
        raise ValueError("text to speak is empty")
    program = shutil.which(ESPEAK_PROGRAM)
    if program is None:
        raise MediaError(None, MISSING_TOOL, f"speech needs {ESPEAK_PROGRAM}; {ESPEAK_INSTALL_HINT}")
    # The text goes through stdin (as UTF-8, "-b 1") so a text starting with "-" is never an option.
    command = [program, "--stdout", "-b", "1", "-v", voice, "-s", str(words_per_minute)]
    if pitch is not None:
        command += ["-p", str(pitch)]
    try:
        result = subprocess.run(
            command, input=text.encode("utf-8"), capture_output=True, timeout=_SPEECH_TIMEOUT_SECONDS
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise MediaError(None, MISSING_TOOL, f"{ESPEAK_PROGRAM} failed to run: {error}") from error
    if result.returncode != 0 or not result.stdout:
        reason = result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
        raise MediaError(None, "speech synthesis failed", f"{ESPEAK_PROGRAM} voice {voice!r}: {reason}")
    samples, rate = _read_wav_bytes(result.stdout)
    return resample(samples, rate, sample_rate)


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Float32 mono samples converted from one sample rate to another with FFmpeg's resampler."""
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    if from_rate == to_rate or samples.size == 0:
        return samples.copy()
    frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
    frame.sample_rate = from_rate
    frame.pts = 0
    frame.time_base = Fraction(1, from_rate)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=to_rate)
    pieces = [out.to_ndarray().reshape(-1) for out in resampler.resample(frame)]
    pieces += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
    return np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, dtype=np.float32)


def _read_wav_bytes(data: bytes) -> tuple[np.ndarray, int]:
    # espeak-ng streams its WAV with placeholder sizes; the wave module reads up to the real end.
    with wave.open(io.BytesIO(data)) as reader:
        if reader.getsampwidth() != 2:
            raise MediaError(None, "speech synthesis failed", "unexpected WAV sample width from espeak-ng")
        channels, rate = reader.getnchannels(), reader.getframerate()
        pcm = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    samples = pcm.astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples[: len(samples) // channels * channels].reshape(-1, channels).mean(axis=1)
    return samples, rate


def write_audio(
    path: str | os.PathLike[str],
    audio: np.ndarray,
    *,
    sample_rate: int = SPEECH_RATE,
    tags: Mapping[str, str] | None = None,
) -> Path:
    """Encode float32 mono ``audio`` into a file whose extension picks the format (.wav, .mp3, .ogg,
    .opus, .m4a, .flac), with ``tags`` (title, artist, album, genre, ...) as container metadata."""
    target = Path(path)
    format_name, encoders = _lookup(_AUDIO_FORMATS, target, "audio")
    codec = _first_available_encoder(target, encoders)
    with _atomic_output(target, format_name) as container:
        stream = _add_audio_stream(container, codec, sample_rate)
        # FFmpeg maps these to each format's own tags (ID3, Vorbis comments, MP4 atoms, RIFF INFO).
        container.metadata.update(tags or {})
        _AudioWriter(container, stream, audio, sample_rate).finish()
    return target


# ---------------------------------------------------------------------------------------------- video


def write_shapes_video(
    path: str | os.PathLike[str],
    shots: Sequence[ShapeShot],
    *,
    size: int = 128,
    fps: int = 12,
    audio: np.ndarray | None = None,
    audio_rate: int = SPEECH_RATE,
    seed: int | None = None,
) -> Path:
    """A video of coloured shapes, one picture per shot, with an optional mono audio track.

    Shot k starts at the sum of the earlier shots' seconds (rounded to the frame grid). Without ``seed``
    each shot is the canonical drawing (centred, exact colour, grey background); with a seed the
    position, size, tint and background vary (a "similar but different" clip). Within a shot the
    picture drifts by a pixel or two. The extension picks the format: .mp4/.m4v/.mov/.mkv (H.264 + AAC)
    or .webm (VP9 + Opus).
    """
    if not shots:
        raise ValueError("a shapes video needs at least one shot")
    if any(shot.seconds <= 0 for shot in shots):
        raise ValueError("every shot needs a positive length in seconds")
    if size % 2:
        raise ValueError(f"size must be even (4:2:0 video has half-size colour planes), got {size}")
    target = Path(path)
    format_name, video_encoders, audio_encoders = _lookup(_VIDEO_FORMATS, target, "video")
    video_codec = _first_available_encoder(target, video_encoders)
    audio_codec = _first_available_encoder(target, audio_encoders) if audio is not None else None
    with _atomic_output(target, format_name) as container:
        video = _add_video_stream(container, video_codec, size, fps)
        sound = None
        if audio is not None and audio_codec is not None:
            sound = _AudioWriter(
                container, _add_audio_stream(container, audio_codec, audio_rate), audio, audio_rate
            )
        for index, picture in enumerate(_shot_pictures(shots, size, fps, seed)):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
            if sound is not None:
                # Keep the audio up with the pictures, so the muxer interleaves without buffering.
                sound.write_until((index + 1) / fps)
        _flush(container, video)
        if sound is not None:
            sound.finish()
    return target


def write_speech_video(
    path: str | os.PathLike[str],
    text: str,
    *,
    shape: str = "square",
    colour: str = "blue",
    voice: str = "en-us",
) -> Path:
    """A still shape with ``text`` narrated by espeak-ng; it lasts the speech plus 0.3 s."""
    speech = np.concatenate([synthesize_speech(text, voice=voice), silence(_SPEECH_TAIL_SECONDS)])
    shot = ShapeShot(shape, colour, len(speech) / SPEECH_RATE)
    return write_shapes_video(path, [shot], audio=speech, audio_rate=SPEECH_RATE)


def write_pictures_video(
    path: str | os.PathLike[str],
    pictures: Sequence[tuple[np.ndarray, float]],
    *,
    width: int = 320,
    height: int = 240,
    fps: int = 6,
) -> Path:
    """A silent video of still pictures (uint8 RGB arrays), each shown for its seconds, one shot per picture;
    each is scaled to fit ``width`` x ``height`` on black (real photos made into clips, for development sets)."""
    from PIL import Image

    if not pictures or any(seconds <= 0 for _, seconds in pictures):
        raise ValueError("a pictures video needs at least one picture, each shown for a positive time")
    target = Path(path)
    format_name, video_encoders, _ = _lookup(_VIDEO_FORMATS, target, "video")
    codec = _first_available_encoder(target, video_encoders)
    with _atomic_output(target, format_name) as container:
        stream = _add_video_stream(container, codec, width, fps)
        stream.height = height
        index = 0
        for picture, seconds in pictures:
            image = Image.fromarray(np.ascontiguousarray(picture[..., :3]).astype(np.uint8), "RGB")
            image.thumbnail((width, height), Image.Resampling.LANCZOS)
            canvas = Image.new("RGB", (width, height))
            canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
            frame_pixels = np.asarray(canvas)
            for _ in range(max(1, round(seconds * fps))):
                frame = av.VideoFrame.from_ndarray(frame_pixels, format="rgb24")
                frame.pts = index
                container.mux(stream.encode(frame))
                index += 1
        _flush(container, stream)
    return target


def _shot_pictures(shots: Sequence[ShapeShot], size: int, fps: int, seed: int | None) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed) if seed is not None else None
    boundaries = np.rint(np.cumsum([0.0] + [shot.seconds for shot in shots]) * fps).astype(int)
    for shot, first, end in zip(shots, boundaries[:-1], boundaries[1:], strict=True):
        picture = draw_shape(shot.shape, shot.colour, size=size, rng=rng)
        # Edge padding lets the picture drift without wrapping part of the shape to the far side.
        padded = np.pad(picture, ((_DRIFT_PIXELS,) * 2, (_DRIFT_PIXELS,) * 2, (0, 0)), mode="edge")
        for index in range(first, end):
            dx, dy = _drift(index / fps)
            yield padded[
                _DRIFT_PIXELS + dy : _DRIFT_PIXELS + dy + size, _DRIFT_PIXELS + dx : _DRIFT_PIXELS + dx + size
            ]


def _drift(seconds: float) -> tuple[int, int]:
    angle = 2 * np.pi * seconds / 3.0
    return round(_DRIFT_PIXELS * np.cos(angle)), round(_DRIFT_PIXELS * np.sin(angle))


# ------------------------------------------------------------------------------------------ encoding


def _lookup(table: Mapping[str, tuple], target: Path, what: str) -> tuple:
    suffix = target.suffix.lower()
    if suffix not in table:
        raise ValueError(
            f"cannot write {what} as {suffix or 'a file without extension'}; use one of {', '.join(table)}"
        )
    return table[suffix]


def _first_available_encoder(target: Path, names: Sequence[str]) -> str:
    for name in names:
        try:
            av.codec.Codec(name, "w")
        except (av.error.FFmpegError, ValueError):  # UnknownCodecError is a ValueError
            continue
        return name
    raise MediaError(target, CANNOT_WRITE, f"this FFmpeg build has no encoder among {', '.join(names)}")


@contextmanager
def _atomic_output(target: Path, format_name: str) -> Iterator[av.container.OutputContainer]:
    """An output container writing beside ``target``; renamed over it only when writing succeeded."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(descriptor)
    except OSError as error:
        raise MediaError(target, CANNOT_WRITE, error.strerror or str(error)) from error
    try:
        with av.open(temporary, "w", format=format_name) as container:
            yield container
        os.replace(temporary, target)
    except av.error.FFmpegError as error:
        raise MediaError(target, CANNOT_WRITE, str(error)) from error
    finally:
        Path(temporary).unlink(missing_ok=True)


def _add_video_stream(container, codec: str, size: int, fps: int):
    stream = container.add_stream(codec, rate=fps)
    stream.width = stream.height = size
    stream.pix_fmt = "yuv420p"
    stream.codec_context.time_base = Fraction(1, fps)
    stream.options = dict(_VIDEO_OPTIONS.get(codec, {}))
    return stream


def _add_audio_stream(container, codec: str, sample_rate: int):
    rates = av.codec.Codec(codec, "w").audio_rates
    # Opus encodes only some rates; PyAV resamples the frames to the stream's rate on the way in.
    rate = sample_rate if not rates or sample_rate in rates else min(r for r in rates if r >= sample_rate)
    stream = container.add_stream(codec, rate=rate)
    stream.layout = "mono"
    return stream


class _AudioWriter:
    """Feeds float32 mono samples to an audio stream piece by piece, remembering how far it got."""

    def __init__(self, container, stream, audio: np.ndarray, sample_rate: int) -> None:
        self._container = container
        self._stream = stream
        self._samples = np.clip(np.asarray(audio, dtype=np.float32).reshape(-1), -1.0, 1.0)
        self._rate = sample_rate
        self._written = 0

    def write_until(self, seconds: float | None) -> None:
        """Encode the samples not yet written, up to ``seconds`` (all of them when None)."""
        stop = len(self._samples) if seconds is None else min(len(self._samples), round(seconds * self._rate))
        for start in range(self._written, stop, _AUDIO_CHUNK):
            chunk = np.ascontiguousarray(self._samples[start : min(start + _AUDIO_CHUNK, stop)])
            frame = av.AudioFrame.from_ndarray(chunk[None, :], format="flt", layout="mono")
            frame.sample_rate = self._rate
            frame.pts = start
            frame.time_base = Fraction(1, self._rate)
            self._container.mux(self._stream.encode(frame))
        self._written = max(self._written, stop)

    def finish(self) -> None:
        self.write_until(None)
        _flush(self._container, self._stream)


def _flush(container, stream) -> None:
    container.mux(stream.encode(None))

"""mediarec.media against real media that the tests encode and decode with PyAV (FFmpeg)."""

from __future__ import annotations

import pickle
import shutil
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from av.stream import Disposition
from PIL import Image

from mediarec.media.audio import decode_audio
from mediarec.media.errors import CORRUPT, EMPTY, NOT_MEDIA, MediaError
from mediarec.media.keyframes import VisualSummary, colour_histogram, extract_keyframes, histogram_change
from mediarec.media.probe import probe
from mediarec.media.sample_library import BAKER_TEXT, build_sample_library, load_manifest
from mediarec.media.samples import (
    MANIFEST_NAME,
    ShapeShot,
    silence,
    synthesize_speech,
    tone,
    write_audio,
    write_shapes_video,
    write_speech_video,
)
from mediarec.media.shapes import COLOURS, draw_shape
from mediarec.media.thumbnails import save_thumbnail

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

SEQUENCE = (
    ShapeShot("circle", "red", 2.0),
    ShapeShot("square", "green", 3.0),
    ShapeShot("triangle", "blue", 2.0),
)
SEQUENCE_CUTS = (2.0, 5.0)
TAGS = {"title": "Morning Bells", "artist": "The Testers", "album": "Fixtures", "genre": "Ambient"}


def has_encoder(name: str) -> bool:
    try:
        av.codec.Codec(name, "w")
    except (av.error.FFmpegError, ValueError):
        return False
    return True


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def sequence_video(media_dir) -> Path:
    """Red circle 0-2 s, green square 2-5 s, blue triangle 5-7 s, with a 440 Hz tone throughout."""
    return write_shapes_video(media_dir / "sequence.mp4", SEQUENCE, audio=tone(7.0))


@pytest.fixture(scope="session")
def long_video(media_dir) -> Path:
    return write_shapes_video(media_dir / "long.mp4", [ShapeShot("circle", "yellow", 60.0)])


@pytest.fixture(scope="session")
def silent_video(media_dir) -> Path:
    return write_shapes_video(media_dir / "no_audio.mp4", [ShapeShot("square", "red", 1.0)])


@pytest.fixture(scope="session")
def sequence_summary(sequence_video) -> VisualSummary:
    return extract_keyframes(sequence_video)


# ----------------------------------------------------------------------------------------------- probe


def test_probe_reads_video_streams_and_duration(sequence_video):
    info = probe(sequence_video)
    assert info.kind == "video"
    assert info.duration == pytest.approx(7.0, abs=0.1)
    assert (info.has_video, info.has_audio) == (True, True)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert (info.width, info.height) == (128, 128)
    assert info.fps == pytest.approx(12.0)
    assert (info.sample_rate, info.channels) == (16000, 1)
    assert info.path == str(sequence_video)


def test_probe_video_without_audio(silent_video):
    info = probe(silent_video)
    assert (info.kind, info.has_video, info.has_audio, info.audio_codec) == ("video", True, False, None)
    assert info.duration == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize(
    ("extension", "encoder", "codec"),
    [
        (".wav", "pcm_s16le", "pcm_s16le"),
        (".mp3", "libmp3lame", "mp3float"),
        (".ogg", "libopus", "opus"),
        (".opus", "libopus", "opus"),
        (".m4a", "aac", "aac"),
        (".flac", "flac", "flac"),
    ],
)
def test_probe_reads_tags_of_audio_files(tmp_path, extension, encoder, codec):
    if not has_encoder(encoder):
        pytest.skip(f"this FFmpeg build has no {encoder} encoder")
    path = write_audio(tmp_path / f"bells{extension}", tone(2.0, 660.0), tags={**TAGS, "date": "2021"})
    info = probe(path)
    assert (info.kind, info.has_audio, info.has_video) == ("audio", True, False)
    assert info.audio_codec.startswith(codec.removesuffix("float"))
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert (info.title, info.artist, info.album, info.genre) == tuple(TAGS.values())
    assert info.date == "2021"
    assert info.tags["title"] == "Morning Bells"
    assert all(key == key.lower() for key in info.tags)


@pytest.mark.skipif(not has_encoder("libmp3lame"), reason="no MP3 encoder")
def test_audio_with_cover_art_is_audio(tmp_path):
    path = tmp_path / "with_cover.mp3"
    with av.open(str(path), "w") as container:
        sound = container.add_stream("libmp3lame", rate=16000)
        sound.layout = "mono"
        cover = container.add_stream("mjpeg")
        cover.width = cover.height = 64
        cover.pix_fmt = "yuvj420p"
        cover.disposition = Disposition.attached_pic
        cover.time_base = Fraction(1, 1)
        picture = av.VideoFrame.from_ndarray(draw_shape("circle", "red"), format="rgb24")
        picture.pts = 0
        cover_packets = list(cover.encode(picture)) + list(cover.encode(None))
        samples = av.AudioFrame.from_ndarray(tone(2.0)[None, :], format="flt", layout="mono")
        samples.sample_rate = 16000
        samples.pts = 0
        container.mux(list(sound.encode(samples)) + list(sound.encode(None)))
        container.mux(cover_packets)
    info = probe(path)
    assert (info.kind, info.has_video, info.cover_art) == ("audio", False, True)
    assert extract_keyframes(path).keyframes == ()
    assert len(decode_audio(path)) == pytest.approx(32000, abs=1200)


# ------------------------------------------------------------------------------------ damaged files


def _truncated_mp4(folder: Path, source: Path) -> Path:
    data = source.read_bytes()
    path = folder / "truncated.mp4"
    path.write_bytes(data[: len(data) // 2])
    return path


def _faststart_truncated_mp4(folder: Path, source: Path) -> Path:
    """An MP4 with its index first (like a streamed download) cut off at 60 %: it opens but ends early."""
    whole = folder / "faststart.mp4"
    with (
        av.open(str(source)) as original,
        av.open(str(whole), "w", options={"movflags": "faststart"}) as copy,
    ):
        streams = {stream.index: copy.add_stream_from_template(stream) for stream in original.streams}
        for packet in original.demux():
            if packet.dts is not None:
                packet.stream = streams[packet.stream_index]
                copy.mux(packet)
    assert probe(whole).duration == pytest.approx(7.0, abs=0.1)
    data = whole.read_bytes()
    path = folder / "faststart_cut.mp4"
    path.write_bytes(data[: int(len(data) * 0.6)])
    return path


@pytest.mark.parametrize("read", [probe, decode_audio, extract_keyframes])
@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda folder, source: folder / "empty.mp4", EMPTY),
        (lambda folder, source: folder / "notes.mp4", NOT_MEDIA),
        (_truncated_mp4, CORRUPT),
    ],
    ids=["zero-byte", "text-named-mp4", "truncated"],
)
def test_unusable_files_raise_readable_media_error(tmp_path, sequence_video, read, make, problem):
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "notes.mp4").write_text("Shopping list: eggs, flour, butter.\n" * 30)
    path = make(tmp_path, sequence_video)
    with pytest.raises(MediaError) as caught:
        read(path)
    assert caught.value.problem == problem
    message = str(caught.value)
    assert str(path) in message and problem in message


def test_probe_finds_truncated_faststart_mp4(tmp_path, sequence_video):
    path = _faststart_truncated_mp4(tmp_path, sequence_video)
    with pytest.raises(MediaError, match="corrupt or truncated"):
        probe(path)


def test_probe_of_missing_file_and_file_without_streams(tmp_path):
    with pytest.raises(MediaError, match="file not found"):
        probe(tmp_path / "nowhere.mp4")
    subtitles = tmp_path / "talk.srt"
    subtitles.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello there\n")
    with pytest.raises(MediaError, match="no audio or video stream"):
        probe(subtitles)


def test_media_error_survives_pickling():
    error = MediaError("/music/a.mp3", CORRUPT, "moov atom not found")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.path, copy.problem) == (str(error), "/music/a.mp3", CORRUPT)


# ------------------------------------------------------------------------------------------- audio


def _dominant_frequency(samples: np.ndarray, sample_rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / sample_rate)[np.argmax(spectrum)])


def test_decode_audio_gives_16k_mono_float_of_the_right_length(sequence_video):
    samples = decode_audio(sequence_video)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert len(samples) == pytest.approx(7.0 * 16000, abs=0.1 * 16000)
    assert np.abs(samples).max() <= 1.0
    assert np.sqrt(np.mean(samples[16000:-16000] ** 2)) == pytest.approx(0.3 / np.sqrt(2), rel=0.1)
    assert _dominant_frequency(samples, 16000) == pytest.approx(440.0, abs=3.0)


def test_decode_audio_resamples_and_downmixes(tmp_path):
    """A 44.1 kHz stereo file (tone on the left, silence on the right) becomes 16 kHz mono."""
    path = tmp_path / "stereo.wav"
    left = tone(1.5, 1000.0, sample_rate=44100, amplitude=0.5)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=44100)
        stream.layout = "stereo"
        frame = av.AudioFrame.from_ndarray(
            np.stack([left, np.zeros_like(left)]), format="fltp", layout="stereo"
        )
        frame.sample_rate = 44100
        frame.pts = 0
        container.mux(list(stream.encode(frame)) + list(stream.encode(None)))
    samples = decode_audio(path)
    assert len(samples) == pytest.approx(1.5 * 16000, abs=2)
    assert _dominant_frequency(samples, 16000) == pytest.approx(1000.0, abs=3.0)
    assert 0.1 < np.abs(samples).max() < 0.5  # one channel of two: quieter than the left channel alone


def test_decode_audio_stops_at_max_seconds(sequence_video):
    assert len(decode_audio(sequence_video, max_seconds=1.25)) == 20000
    assert len(decode_audio(sequence_video, sample_rate=8000, max_seconds=1.0)) == 8000


def test_decode_audio_of_video_without_audio_is_empty(silent_video):
    samples = decode_audio(silent_video)
    assert samples.shape == (0,) and samples.dtype == np.float32


# --------------------------------------------------------------------------------------- keyframes


def _share_of_colour(image: np.ndarray, colour: str) -> float:
    """Share of pixels within a small distance of one of the shape colours."""
    distance = np.linalg.norm(image.astype(np.float32) - np.asarray(COLOURS[colour], np.float32), axis=2)
    return float(np.mean(distance < 50))


def test_shot_boundaries_are_found_at_the_cuts(sequence_summary):
    shots = sequence_summary.shots
    assert len(shots) == 3
    assert [shot.index for shot in shots] == [0, 1, 2]
    assert shots[0].start == pytest.approx(0.0, abs=0.1)
    for shot, cut in zip(shots[1:], SEQUENCE_CUTS, strict=True):
        assert shot.start == pytest.approx(cut, abs=0.5)
    assert all(before.end == after.start for before, after in zip(shots, shots[1:], strict=False))
    assert shots[-1].end == pytest.approx(7.0, abs=0.1)
    assert sequence_summary.duration == pytest.approx(7.0, abs=0.1)


def test_every_shot_has_a_keyframe_of_its_colour(sequence_summary):
    for shot, truth in zip(sequence_summary.shots, SEQUENCE, strict=True):
        inside = [k for k in sequence_summary.keyframes if shot.start <= k.time < shot.end]
        assert inside, f"no keyframe inside shot {shot}"
        for keyframe in inside:
            assert keyframe.shot_index == shot.index
            assert keyframe.image.dtype == np.uint8 and keyframe.image.shape == (128, 128, 3)
            assert _share_of_colour(keyframe.image, truth.colour) > 0.1
            others = {s.colour for s in SEQUENCE} - {truth.colour}
            assert all(_share_of_colour(keyframe.image, other) < 0.01 for other in others)
            # From the middle of the shot, not its first frame.
            assert keyframe.time > shot.start + 0.25 * shot.duration


def test_long_single_shot_gets_one_keyframe_per_ten_seconds(long_video):
    summary = extract_keyframes(long_video, seconds_per_keyframe=10.0)
    assert len(summary.shots) == 1
    times = [k.time for k in summary.keyframes]
    assert 5 <= len(times) <= 7
    assert times == sorted(times)
    assert np.diff(times) == pytest.approx(np.full(len(times) - 1, 10.0), abs=0.5)
    assert times[0] < 10.0 and times[-1] > 50.0


def test_max_keyframes_caps_and_spreads_them(long_video):
    summary = extract_keyframes(long_video, seconds_per_keyframe=2.0, max_keyframes=5)
    times = [k.time for k in summary.keyframes]
    assert len(times) == 5
    assert times[0] < 15.0 and times[-1] > 45.0
    assert min(np.diff(times)) > 6.0


def test_max_keyframes_keeps_the_longest_shots_first(sequence_video):
    summary = extract_keyframes(sequence_video, seconds_per_keyframe=1.0, max_keyframes=2)
    assert len(summary.keyframes) == 2
    assert len({k.shot_index for k in summary.keyframes}) == 2
    assert 1 in {k.shot_index for k in summary.keyframes}  # the 3 s shot is the longest


def test_keyframes_are_scaled_down_never_up(sequence_video):
    small = extract_keyframes(sequence_video, max_side=64)
    assert all(max(k.image.shape[:2]) <= 64 for k in small.keyframes)
    assert all(k.image.shape == (128, 128, 3) for k in extract_keyframes(sequence_video).keyframes)


def test_audio_file_has_no_shots_or_keyframes(tmp_path):
    path = write_audio(tmp_path / "hum.flac", tone(2.0, 110.0))
    summary = extract_keyframes(path)
    assert (summary.shots, summary.keyframes) == ((), ())
    assert summary.duration == pytest.approx(2.0, abs=0.1)


@pytest.mark.skipif(not has_encoder("libvpx-vp9") or not has_encoder("libopus"), reason="no VP9/Opus encoder")
def test_webm_shapes_video_with_opus_audio(tmp_path):
    shots = [ShapeShot("circle", "yellow", 1.0), ShapeShot("square", "blue", 1.5)]
    path = write_shapes_video(tmp_path / "shapes.webm", shots, audio=tone(2.5))
    info = probe(path)
    assert (info.kind, info.video_codec, info.audio_codec) == ("video", "vp9", "opus")
    assert info.duration == pytest.approx(2.5, abs=0.1)
    summary = extract_keyframes(path)
    assert [round(shot.start, 1) for shot in summary.shots] == pytest.approx([0.0, 1.0], abs=0.3)


# ------------------------------------------------------------------------------------------ speech


@needs_espeak
def test_synthesized_speech_is_audible_and_plausibly_long():
    speech = synthesize_speech(BAKER_TEXT)
    seconds = len(speech) / 16000
    # 11 words at 150 words per minute: about 4.4 s, with espeak-ng's own pauses.
    assert 2.5 < seconds < 8.0
    assert speech.dtype == np.float32 and np.abs(speech).max() <= 1.0
    assert np.sqrt(np.mean(speech**2)) > 0.02
    slower = synthesize_speech(BAKER_TEXT, words_per_minute=100)
    assert len(slower) > 1.2 * len(speech)


def test_speech_without_espeak_names_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no espeak-ng on the PATH
    with pytest.raises(MediaError, match="espeak-ng") as caught:
        synthesize_speech("hello")
    assert "install" in str(caught.value)


@needs_espeak
def test_speech_video_lasts_the_narration(tmp_path):
    path = write_speech_video(tmp_path / "narrated.mp4", "Hello from the test suite.")
    info = probe(path)
    assert (info.kind, info.has_audio) == ("video", True)
    speech_seconds = len(synthesize_speech("Hello from the test suite.")) / 16000
    assert info.duration == pytest.approx(speech_seconds + 0.3, abs=0.15)


# ---------------------------------------------------------------------------------- sample library


@pytest.fixture(scope="session")
def sample_library(tmp_path_factory):
    folder = tmp_path_factory.mktemp("library")
    started = time.perf_counter()
    clips = build_sample_library(folder)
    return folder, clips, time.perf_counter() - started


def test_sample_library_files_probe_and_match_the_manifest(sample_library):
    folder, clips, seconds = sample_library
    assert seconds < 10.0
    assert len(clips) >= 6
    assert load_manifest(folder) == clips
    on_disk = {path.name for path in folder.iterdir() if not path.name.startswith(".")}
    assert on_disk == {clip.filename for clip in clips} | {MANIFEST_NAME}
    for clip in clips:
        info = probe(folder / clip.filename)
        assert info.kind == clip.kind, clip.filename
        if clip.shots:
            expected = sum(shot.seconds for shot in clip.shots)
            assert info.duration == pytest.approx(expected, abs=0.15), clip.filename


def test_sample_library_clips_show_what_the_manifest_says(sample_library):
    folder, clips, _ = sample_library
    sequence = next(clip for clip in clips if len(clip.shots) == 3)
    summary = extract_keyframes(folder / sequence.filename)
    assert len(summary.shots) == 3
    for shot, truth in zip(summary.shots, sequence.shots, strict=True):
        middle = min(summary.keyframes, key=lambda k: abs(k.time - (shot.start + shot.end) / 2))
        assert _share_of_colour(middle.image, truth.colour) > 0.1


@needs_espeak
def test_sample_library_has_speech_clips(sample_library):
    folder, clips, _ = sample_library
    spoken = [clip for clip in clips if clip.says]
    assert {clip.kind for clip in spoken} == {"video", "audio"}
    assert any("bread" in clip.says for clip in spoken)
    for clip in spoken:
        assert np.sqrt(np.mean(decode_audio(folder / clip.filename) ** 2)) > 0.02


def test_sample_library_without_speech(tmp_path):
    clips = build_sample_library(tmp_path, with_speech=False)
    assert clips and not any(clip.says for clip in clips)
    assert all((tmp_path / clip.filename).is_file() for clip in clips)


def test_tone_and_silence():
    assert len(silence(0.5)) == 8000 and not silence(0.5).any()
    samples = tone(1.0, 250.0, amplitude=0.5)
    assert samples.dtype == np.float32 and np.abs(samples).max() == pytest.approx(0.5, abs=0.01)
    assert _dominant_frequency(samples, 16000) == pytest.approx(250.0, abs=2.0)


# -------------------------------------------------------------------------------------- thumbnails


def test_thumbnail_is_a_jpeg_within_max_side(tmp_path, sequence_summary):
    keyframe = sequence_summary.keyframes[0]
    wide = np.concatenate([keyframe.image] * 4, axis=1)  # 512 x 128
    target = tmp_path / "thumbs" / "deep" / "wide.jpg"
    written = save_thumbnail(wide, target, max_side=320)
    assert written == target
    assert target.read_bytes()[:3] == b"\xff\xd8\xff"
    with Image.open(target) as picture:
        assert picture.format == "JPEG"
        assert picture.size == (320, 80)
        mean_colour = np.asarray(picture.convert("RGB"), np.float32).mean(axis=(0, 1))
    assert mean_colour == pytest.approx(wide.reshape(-1, 3).mean(axis=0), abs=6)
    assert [path.name for path in target.parent.iterdir()] == ["wide.jpg"]  # no temporary left behind


def test_thumbnail_rejects_non_images(tmp_path):
    with pytest.raises(ValueError, match="uint8 RGB"):
        save_thumbnail(np.zeros((10, 10), np.float32), tmp_path / "bad.jpg")
    assert not (tmp_path / "bad.jpg").exists()


def test_colour_histogram_change_ignores_noise_and_sees_new_colours():
    grey = np.full((36, 64, 3), 128, np.uint8)  # exactly on a bin edge of the 8-bin histogram
    assert colour_histogram(grey).sum() == pytest.approx(1.0)
    assert histogram_change(colour_histogram(grey), colour_histogram(grey + 2)) < 0.1
    red = draw_shape("circle", "red")
    blue = draw_shape("circle", "blue")
    assert histogram_change(colour_histogram(red), colour_histogram(blue)) > 0.3
    assert histogram_change(colour_histogram(red), colour_histogram(red[:, ::-1])) < 0.01

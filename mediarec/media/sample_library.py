"""The sample library: about eight small clips with known content (shapes, tones, a chord, narration), written
by the first run when the user has no library yet, and used by the tests and benchmarks as media whose content is
known. The media writers are in media.samples.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from mediarec.media.probe import probe
from mediarec.media.samples import (
    MANIFEST_NAME,
    SampleClip,
    ShapeShot,
    espeak_available,
    silence,
    synthesize_speech,
    tone,
    write_audio,
    write_shapes_video,
    write_speech_video,
)

# Worded so that whisper tiny.en transcribes espeak-ng's voice correctly ("bake bread" alone comes out as "make red").
BAKER_TEXT = (
    "Today we bake a loaf of bread. Mix the flour and water, knead the dough, and bake it in a hot oven."
)
BEACH_TEXT = (
    "Welcome back to the show. Today the weather at the beach is sunny and warm, "
    "with a light breeze from the sea and calm waves all afternoon."
)


def build_sample_library(folder: str | os.PathLike[str], *, with_speech: bool = True) -> list[SampleClip]:
    """Write about eight small clips with known content into ``folder`` plus a manifest.json describing
    them. Speech clips need espeak-ng; without it (or with ``with_speech=False``) they are left out."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    clips = _write_silent_and_tonal_clips(root)
    if with_speech and espeak_available():
        clips += _write_speech_clips(root)
    write_manifest(root, clips)
    return clips


def write_manifest(folder: str | os.PathLike[str], clips: Sequence[SampleClip]) -> Path:
    target = Path(folder) / MANIFEST_NAME
    text = json.dumps({"clips": [asdict(clip) for clip in clips]}, indent=2)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text + "\n", encoding="utf-8")
    os.replace(temporary, target)
    return target


def load_manifest(folder: str | os.PathLike[str]) -> list[SampleClip]:
    """The clips a sample library's manifest.json lists."""
    data = json.loads((Path(folder) / MANIFEST_NAME).read_text(encoding="utf-8"))
    return [
        SampleClip(**{**clip, "shots": tuple(ShapeShot(**shot) for shot in clip["shots"])})
        for clip in data["clips"]
    ]


def _write_silent_and_tonal_clips(root: Path) -> list[SampleClip]:
    clips = []

    def video(filename, shots, shows, sounds=None, audio=None, seed=None):
        write_shapes_video(root / filename, shots, audio=audio, seed=seed)
        clips.append(SampleClip(filename, "video", shows, None, sounds, tuple(shots)))

    video("red_circle.mp4", [ShapeShot("circle", "red", 3.0)], "a red circle")
    video("red_circle_2.mp4", [ShapeShot("circle", "red", 4.0)], "a red circle", seed=7)
    sequence = [
        ShapeShot("square", "yellow", 2.0),
        ShapeShot("circle", "green", 3.0),
        ShapeShot("triangle", "blue", 2.0),
    ]
    video(
        "shapes_sequence.mp4",
        sequence,
        "a yellow square, then a green circle, then a blue triangle",
        sounds="a steady 523 Hz tone",
        audio=tone(7.0, 523.25),
    )
    video(
        "green_triangle.mp4",
        [ShapeShot("triangle", "green", 3.0)],
        "a green triangle",
        "silence",
        silence(3.0),
    )

    write_audio(root / "tone_a440.ogg", tone(2.0, 440.0), tags=_tags("A440 Tone", "Test Tones"))
    clips.append(SampleClip("tone_a440.ogg", "audio", None, None, "a steady 440 Hz tone"))
    c4, e4, g4 = (tone(3.0, frequency, amplitude=0.2) for frequency in (261.63, 329.63, 392.0))
    chord = c4 + e4 + g4
    write_audio(root / "c_major_chord.flac", chord, tags=_tags("C Major Chord", "Music"))
    clips.append(SampleClip("c_major_chord.flac", "audio", None, None, "a C major chord (C4, E4, G4)"))
    return clips


def _write_speech_clips(root: Path) -> list[SampleClip]:
    write_speech_video(root / "blue_square_speech.mp4", BAKER_TEXT, shape="square", colour="blue")
    baker_seconds = round(probe(root / "blue_square_speech.mp4").duration, 3)
    baker_shot = (ShapeShot("square", "blue", baker_seconds),)
    # One sentence at a time with a pause between them, as a host speaks: the transcript has a line per sentence,
    # so the player's transcript has something to follow.
    sentences = [sentence.strip() + "." for sentence in BEACH_TEXT.split(".") if sentence.strip()]
    spoken = [part for sentence in sentences for part in (synthesize_speech(sentence), silence(2.5))]
    speech = np.concatenate([silence(0.3), *spoken])
    write_audio(root / "beach_weather.m4a", speech, tags=_tags("Weather at the Beach", "Podcast"))
    return [
        SampleClip(
            "blue_square_speech.mp4", "video", "a blue square", BAKER_TEXT, "a man's voice", baker_shot
        ),
        SampleClip("beach_weather.m4a", "audio", None, BEACH_TEXT, "a man's voice"),
    ]


def _tags(title: str, genre: str) -> dict[str, str]:
    return {
        "title": title,
        "artist": "mediarec samples",
        "album": "Sample Library",
        "genre": genre,
        "date": "2024",
    }

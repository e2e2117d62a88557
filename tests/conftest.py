"""Shared fixtures: a small library of media the tests make themselves, indexed once with the offline models."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never reach for a model hub from the tests, even by accident.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

IN_CI = os.environ.get("CI") == "true"

BREAD_SENTENCE = (
    "Today we bake a loaf of bread. Mix the flour and water, knead the dough, and bake it in a hot oven."
)
# Worded so that both whisper base (the offline profile's) and tiny.en hear espeak-ng's "my dog" (base hears a bare
# "My dog loves ..." as "I don't love ..."). The comma gives espeak-ng a pause before "my dog": without it whisper
# base (int8) heard "every morning might not love running ..." on an AMD EPYC, with CTranslate2's AVX2 and AVX-512
# kernels alike (right with its generic one); with it, all three write the sentence.
BEACH_SENTENCE = "Every morning, my dog loves running on the beach and playing in the waves."


def require_command(name: str) -> None:
    """Skip when a system program is missing, except in CI, where a missing install step must fail loudly."""
    if shutil.which(name) is None:
        if IN_CI:
            pytest.fail(f"{name} is not installed; installers/setup.sh should have installed it")
        pytest.skip(f"{name} is not installed")


def require_installed(present: bool, what: str) -> None:
    """Skip when a system package the test reads is missing, except in CI (as require_command)."""
    if not present:
        if IN_CI:
            pytest.fail(f"{what} is not installed; installers/setup.sh should have installed it")
        pytest.skip(f"{what} is not installed")


@dataclass(frozen=True)
class GeneratedLibrary:
    folder: Path
    red_circle_video: Path  # shots: blue square 0-2 s, red circle 2-5 s, green triangle 5-7 s
    red_circle_sibling: Path  # red circle 0-3 s, yellow square 3-5 s
    green_triangle_video: Path
    bread_speech_video: Path
    beach_speech_audio: Path
    tone_audio: Path
    bad_files: tuple[Path, ...]

    @property
    def good_files(self) -> tuple[Path, ...]:
        return (
            self.red_circle_video,
            self.red_circle_sibling,
            self.green_triangle_video,
            self.bread_speech_video,
            self.beach_speech_audio,
            self.tone_audio,
        )


def make_library(folder: Path) -> GeneratedLibrary:
    from mediarec.media.samples import (
        ShapeShot,
        synthesize_speech,
        tone,
        write_audio,
        write_shapes_video,
        write_speech_video,
    )

    require_command("espeak-ng")
    folder.mkdir(parents=True, exist_ok=True)
    videos = folder / "videos"
    music = folder / "sounds"
    videos.mkdir(exist_ok=True)
    music.mkdir(exist_ok=True)
    red = write_shapes_video(
        videos / "shapes_red_circle.mp4",
        [
            ShapeShot("square", "blue", 2.0),
            ShapeShot("circle", "red", 3.0),
            ShapeShot("triangle", "green", 2.0),
        ],
    )
    sibling = write_shapes_video(
        videos / "red_circle_again.mkv", [ShapeShot("circle", "red", 3.0), ShapeShot("square", "yellow", 2.0)]
    )
    green = write_shapes_video(videos / "green_triangle.mp4", [ShapeShot("triangle", "green", 3.0)])
    bread = write_speech_video(videos / "baking_lesson.mp4", BREAD_SENTENCE, shape="square", colour="yellow")
    beach = write_audio(
        music / "podcast_beach.m4a",
        synthesize_speech(BEACH_SENTENCE),
        tags={"title": "Beach walk", "artist": "Podcast person", "album": "Weekend"},
    )
    beep = write_audio(music / "beep_tone.ogg", tone(3.0, frequency=1000.0), tags={"title": "Test tone"})
    bad = folder / "bad"
    bad.mkdir(exist_ok=True)
    empty = bad / "empty.mp4"
    empty.write_bytes(b"")
    text = bad / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    truncated = bad / "truncated.mp4"
    truncated.write_bytes(red.read_bytes()[: red.stat().st_size // 3])
    return GeneratedLibrary(folder, red, sibling, green, bread, beach, beep, (empty, text, truncated))


@pytest.fixture(scope="session")
def generated_library(tmp_path_factory) -> GeneratedLibrary:
    return make_library(tmp_path_factory.mktemp("media") / "library")


@pytest.fixture(scope="session")
def offline_env(tmp_path_factory) -> dict[str, str]:
    """Environment for a fresh library on the offline profile, sharing one model cache across tests."""
    env = dict(os.environ)
    env["MEDIAREC_PROFILE"] = "offline"
    env["MEDIAREC_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    env["MEDIAREC_CONFIG"] = str(tmp_path_factory.mktemp("config") / "config.toml")
    return env


def run_cli(args: list[str], env: dict[str, str], capsys) -> tuple[int, str, str]:
    """Run the real command line in this process (models stay loaded between calls of one test)."""
    from mediarec.cli import main

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        code = main(args)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def json_lines(text: str) -> list:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def copy_of_indexed(indexed, folder: Path, env: dict[str, str]):
    """A Library on a copy of the session's indexed library (SQLite's VACUUM INTO, through the library's own
    connection) in ``folder``/data, for a test that adds to it; the caller closes it."""
    from mediarec.app import Library
    from mediarec.config import load_settings

    database = folder / "data" / indexed.library.settings.database_path.name
    database.parent.mkdir(parents=True)
    indexed.library.store.query("VACUUM INTO ?", (str(database),))
    return Library(load_settings(data_dir=database.parent, environ=env))


def index_files(data_dir: Path, paths: list[Path], env: dict[str, str]):
    """A library at ``data_dir`` with ``paths`` indexed (each must index), as (Library, {file name: item id});
    the caller closes the library."""
    from mediarec.app import Library
    from mediarec.config import load_settings

    library = Library(load_settings(data_dir=data_dir, environ=env))
    for _ in library.indexer().run(paths):
        pass
    ids = {}
    for path in paths:
        item = library.store.item_by_path(str(path))
        assert item is not None and item.status == "indexed", path
        ids[path.name] = item.id
    return library, ids


def index_spoken(root: Path, recordings: dict[str, tuple[str, int, str]], env: dict[str, str]):
    """Recordings read by espeak-ng (file name -> (voice, words per minute, text)) under ``root``/media, indexed
    into a library at ``root``/data, as index_files gives it; the caller closes the library."""
    require_command("espeak-ng")
    from mediarec.media.samples import synthesize_speech, write_audio

    (root / "media").mkdir()
    paths = [
        write_audio(root / "media" / name, synthesize_speech(text, voice=voice, words_per_minute=rate))
        for name, (voice, rate, text) in recordings.items()
    ]
    return index_files(root / "data", paths, env)


def library_of_transcripts(data_dir: Path, said: dict[str, tuple[str, str]], env: dict[str, str]):
    """A library at ``data_dir`` holding one recording per name, written as the indexer writes a transcribed file
    (its transcript, one speech segment with the text encoder's vector, its language) without decoding any audio:
    ``said`` maps a file name to (language, what was heard). Returns (Library, {file name: item id}); the caller
    closes the library."""
    import time

    import numpy as np

    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.index.records import ItemIndexResult, NewSegment, TranscriptLine
    from mediarec.models.model_set import speech_space_model_id

    library = Library(load_settings(data_dir=data_dir, environ=env))
    text = library.models.get("text")
    ids = {}
    for name, (language, heard) in said.items():
        vector = np.asarray(text.encode_passages([heard]))[0]
        item_id = library.store.add_item(str(data_dir / name), f"fp-{name}", 1000, time.time())
        library.store.write_index_result(
            item_id,
            ItemIndexResult(
                metadata={"kind": "audio", "duration": 4.0, "title": name},
                segments=[NewSegment("speech", 0.0, 4.0, vector, heard)],
                transcript=[TranscriptLine(0.0, 4.0, heard)],
                encoded_by={"speech": (speech_space_model_id(library.models), len(vector))},
                language=language,
            ),
        )
        ids[name] = item_id
    return library, ids


@dataclass
class IndexedLibrary:
    library: object  # mediarec.app.Library
    summary: object  # mediarec.pipeline.indexer.IndexSummary
    media: GeneratedLibrary


@pytest.fixture(scope="session")
def indexed(generated_library, offline_env, tmp_path_factory):
    """The generated library indexed once with the offline profile; tests must not modify it."""
    from mediarec.app import Library
    from mediarec.config import load_settings

    data_dir = tmp_path_factory.mktemp("indexed-data")
    settings = load_settings(data_dir=data_dir, environ=offline_env)
    library = Library(settings)
    indexer = library.indexer()
    for _ in indexer.run([generated_library.folder]):
        pass
    yield IndexedLibrary(library, indexer.summary, generated_library)
    library.close()

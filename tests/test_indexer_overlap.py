"""The indexing job encodes two files at once (pipeline/indexer.py FILES_IN_FLIGHT) and writes them in order: every
file lands once, and a stop leaves the file still encoding pending for the next run. Real models (offline profile),
real SQLite, tones written by the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediarec.app import Library
from mediarec.config import load_settings
from mediarec.media.samples import tone, write_audio
from mediarec.pipeline.indexer import FILES_IN_FLIGHT


@pytest.fixture
def library(tmp_path, offline_env) -> Library:
    settings = load_settings(data_dir=tmp_path / "data", environ=offline_env)
    opened = Library(settings)
    yield opened
    opened.close()


def tones(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    return [
        write_audio(folder / f"tone_{index}.wav", tone(1.0, 300.0 + 100 * index)) for index in range(count)
    ]


def test_every_file_is_written_once_in_order(library, tmp_path):
    paths = tones(tmp_path / "media", 5)
    indexer = library.indexer()
    events = list(indexer.run([tmp_path / "media"]))
    assert FILES_IN_FLIGHT > 1
    assert indexer.summary.indexed == [str(path) for path in paths]  # written in the order they were found
    # As with one file at a time: each file announced (done = files before it), then done, in order.
    steps = [(event.done, event.current) for event in events if event.stage == "indexing"]
    assert steps == [(index + step, str(path)) for index, path in enumerate(paths) for step in (0, 1)]
    assert (events[-1].stage, events[-1].done) == ("finished", 5)
    assert {item.path for item in library.store.items()} == {str(path) for path in paths}


def test_a_stop_leaves_the_file_still_encoding_pending(library, tmp_path):
    tones(tmp_path / "media", 4)
    indexer = library.indexer()
    for event in indexer.run([tmp_path / "media"]):
        if event.done == 1:
            indexer.stop_event.set()
    assert indexer.summary.cancelled
    assert len(indexer.summary.indexed) == 1
    assert len(library.store.items(statuses=("pending",))) == 3
    again = library.indexer()
    for _ in again.run([tmp_path / "media"]):
        pass
    assert len(again.summary.indexed) == 3 and not again.summary.cancelled
    assert len(library.store.items()) == 4

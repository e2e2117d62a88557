"""A plain query (no `tag:`) finds a tag by any of its names, and lands where the tag came from: on the generated
library indexed with the real offline models (tiny CLIP tags the shapes, YAMNet the sounds)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import json_lines, run_cli

from mediarec.index.tag_names import audio_class_chinese_names, other_names, sound_tag_name

YAMNET_WINDOW_SECONDS = 0.96


def _stored_tag(library, path: Path, name: str):
    item = library.store.item_by_path(str(path))
    return next(tag for tag in library.store.tags(item.id) if tag.name == name)


def test_a_chinese_vocabulary_name_finds_the_red_circle_at_its_moment(indexed):
    library = indexed.library
    hits = library.search("红色圆形", limit=10)
    names = [Path(hit.item.path).name for hit in hits]
    assert "shapes_red_circle.mp4" in names and "red_circle_again.mkv" in names
    assert set(names) <= {"shapes_red_circle.mp4", "red_circle_again.mkv"}  # no other clip has a red circle
    hit = hits[names.index("shapes_red_circle.mp4")]
    tag = _stored_tag(library, indexed.media.red_circle_video, "red circle")
    assert tag.start == pytest.approx(2.0, abs=0.5)  # the red circle is on screen from 2 s to 5 s
    assert (hit.best.modality, hit.best.start, hit.best.end) == ("text", tag.start, tag.end)
    assert hit.best.snippet == "tag: red circle"


def test_a_chinese_audioset_name_finds_the_sound_at_the_window_it_was_heard(indexed, offline_env, capsys):
    library = indexed.library
    item = library.store.item_by_path(str(indexed.media.tone_audio))
    sounds = [tag for tag in library.store.tags(item.id) if tag.source == "audio" and tag.score >= 0.5]
    chinese = {sound_tag_name(display): zh for display, zh in audio_class_chinese_names().items()}
    tag = next(tag for tag in sounds if tag.name in {"sine wave", "beep, bleep"})
    query = chinese[tag.name]  # 正弦波 or 哔哔声
    assert query in other_names(tag.name)
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(library.settings.data_dir))
    code, out, _ = run_cli(["search", query, "--json"], env, capsys)
    assert code == 0
    hits = json_lines(out)[0]
    assert hits and Path(hits[0]["path"]).name == "beep_tone.ogg"
    best = hits[0]
    # The JSON hit lands on the one YAMNet window where the sound peaked, not on 0:00 or the whole file.
    stored = {(t.start, t.end) for t in sounds}
    assert (best["start"], best["end"]) in {(round(s, 3), round(e, 3)) for s, e in stored}
    assert 0.0 < best["end"] - best["start"] <= YAMNET_WINDOW_SECONDS + 1e-3


def test_a_spoken_language_tag_is_found_and_shown_by_its_chinese_name(indexed):
    from mediarec.understand.vocabulary import chinese_tag_names

    library = indexed.library
    english = {
        Path(item.path).name
        for item in library.store.items()
        if any(tag.name == "english" for tag in library.store.tags(item.id))
    }
    assert english and len(english) < len(library.store.items())  # espeak-ng English speech, not every file
    assert chinese_tag_names()["english"] == "英语"  # what the Chinese desktop shows for the tag
    for query in ("tag:英语", "tag:english"):
        assert {Path(hit.item.path).name for hit in library.search(query, limit=50)} == english, query

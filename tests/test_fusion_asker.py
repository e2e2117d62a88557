"""Fused "more like this" is scored from the asking item's side (rank/fusion_scoring.py, GatedFusion.like_this):
what the asker has and a candidate lacks is a mismatch, what only the candidate has counts neither way.

On a copy of the session's library (generated media, indexed with the real offline models, real SQLite) the real
indexer adds a silent still clip of a picture, two clips of the same picture narrated by espeak-ng in alike words
(a kite on a windy hill), and a still of another picture narrated about something else. Scored symmetrically, the
narration the silent clip lacks counted as a full mismatch and the narrated clips of its own picture fell under
the cutoff; from the silent clip's side they are what looks like it. The narrated clip still asks what looks and
talks like it, so the other narrated clip of its picture, alike in words, comes before the silent one."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import copy_of_indexed, require_command

from mediarec.media.samples import SPEECH_RATE, ShapeShot, silence, synthesize_speech, write_shapes_video
from mediarec.rank.fusion_scoring import GatedFusion, ModalityCalibration, like_this_scores
from mediarec.rank.item_blocks import MODALITIES, ItemBlocks, synthetic_blocks

# shape, colour, seed of the drawing's variation (none of them in the session library)
PICTURE = ("triangle", "blue", 11)
OTHER_PICTURE = ("circle", "yellow", 5)
NARRATIONS = {
    "kite_narrated": (PICTURE, "Our kite climbed high above the hill on a windy afternoon."),
    "kite_narrated_again": (PICTURE, "On a windy afternoon we flew a kite high over the hill."),
    "market_narrated": (OTHER_PICTURE, "The fish market opens at five and sells the morning catch."),
}
# Other silent stills, so the library's random pairs of pictures are a spread of different pictures (in the
# session library alone every picture is one of a few drawings, and the same picture is barely above the rest).
OTHER_STILLS = (
    ("square", "red", 1),
    ("circle", "green", 2),
    ("triangle", "yellow", 3),
    ("square", "green", 4),
    ("square", "blue", 8),
    ("triangle", "red", 9),
)
STILL_SECONDS = 3.0


def _still_clip(path, picture, speech=None):
    shape, colour, seed = picture
    seconds = STILL_SECONDS if speech is None else len(speech) / SPEECH_RATE
    return write_shapes_video(path, [ShapeShot(shape, colour, seconds)], audio=speech, seed=seed)


@pytest.fixture(scope="module")
def pictures_silent_and_narrated(indexed, offline_env, tmp_path_factory):

    require_command("espeak-ng")
    folder = tmp_path_factory.mktemp("narrated")
    library = copy_of_indexed(indexed, folder, offline_env)
    clips = folder / "clips"
    clips.mkdir()
    paths = {"kite_silent": _still_clip(clips / "kite_silent.mp4", PICTURE)}
    for index, picture in enumerate(OTHER_STILLS):
        paths[f"still_{index}"] = _still_clip(clips / f"still_{index}.mp4", picture)
    for name, (picture, text) in NARRATIONS.items():
        speech = np.concatenate([synthesize_speech(text), silence(0.3)])
        paths[name] = _still_clip(clips / f"{name}.mp4", picture, speech)
    for _ in library.indexer().run([clips]):
        pass
    ids = {name: library.store.item_by_path(str(path)).id for name, path in paths.items()}
    yield library, ids
    library.close()


def _listed(library, ids, name: str) -> list[str]:
    names = {item_id: other for other, item_id in ids.items()}
    hits = library.similar_to(library.store.item(ids[name]), 10)
    return [names[hit.item.id] for hit in hits if hit.item.id in names]


def test_a_silent_clip_finds_the_narrated_clips_of_its_picture(pictures_silent_and_narrated):
    library, ids = pictures_silent_and_narrated
    for name in NARRATIONS:
        assert library.store.transcript(ids[name]), f"{name} was not transcribed"
    assert not library.store.transcript(ids["kite_silent"])
    listed = _listed(library, ids, "kite_silent")
    assert {"kite_narrated", "kite_narrated_again"} <= set(listed), listed
    assert "market_narrated" not in listed[:2], listed


def test_a_narrated_clip_still_prefers_what_looks_and_talks_like_it(pictures_silent_and_narrated):
    library, ids = pictures_silent_and_narrated
    listed = _listed(library, ids, "kite_narrated")
    assert listed and listed[0] == "kite_narrated_again", listed
    if "kite_silent" in listed:
        assert listed.index("kite_silent") > listed.index("kite_narrated_again")


def test_only_the_askers_blocks_count():
    """Picture, speech, sound: a silent picture, the same picture narrated, and a talk about it without one."""
    present = np.array([[True, False, False], [True, True, False], [False, True, False]])
    vectors = {m: np.tile(np.eye(3, dtype=np.float32)[:1], (3, 1)) for m in MODALITIES}
    attention = np.array([[1.0, 0.0, 0.0], [0.3, 1.0, 0.0], [0.0, 1.0, 0.0]], np.float32)
    blocks = dataclasses.replace(
        synthetic_blocks([1, 2, 3], vectors, present, np.zeros((3, 4), np.float32)), evidence=attention
    )
    fusion = GatedFusion.fallback()  # raw cosines: alike 1, a mismatch 0
    asked = like_this_scores(fusion, blocks, blocks)
    # The silent picture: the narration it lacks counts neither way; the narrated picture covers 0.3 of its
    # picture's attention (the rest a mismatch); the talk has no picture at all.
    np.testing.assert_allclose(asked[0], [1.0, 0.3, 0.0], atol=1e-6)
    # The narrated picture asks about picture and speech: the silent one lacks the speech (its weight is the
    # asker's), the talk lacks the picture; the symmetric score is kept for the recommender.
    np.testing.assert_allclose(asked[1, [0, 2]], [0.3 / 1.3, 1.0 / 1.3], atol=1e-6)
    assert not np.allclose(fusion.pairwise(blocks, blocks), asked)
    np.testing.assert_allclose(fusion.pairwise(blocks, blocks), fusion.pairwise(blocks, blocks).T, atol=1e-6)


def _crop_photo_and_other_talk() -> ItemBlocks:
    """A narrated still, the silent photo it was cut from (the same picture) and a narrated still of another
    picture whose words are a little alike; picture and speech blocks only."""
    frame = np.array([[1.0, 0.0], [1.0, 0.0], [0.25, np.sqrt(1 - 0.0625)]], np.float32)
    speech = np.array([[1.0, 0.0], [0.0, 0.0], [0.25, np.sqrt(1 - 0.0625)]], np.float32)
    present = np.array([[True, True, False], [True, False, False], [True, True, False]])
    vectors = {"frame": frame, "speech": speech, "audio": np.zeros((3, 2), np.float32)}
    # a still picture under a talk is its backdrop (a quarter of the talk's attention); the photo has only its picture
    attention = np.array([[0.25, 1.0, 0.0], [1.0, 0.0, 0.0], [0.25, 1.0, 0.0]], np.float32)
    return dataclasses.replace(
        synthetic_blocks([1, 2, 3], vectors, present, np.zeros((3, 4), np.float32)), evidence=attention
    )


def test_a_narrated_still_finds_the_photo_it_shows():
    blocks = _crop_photo_and_other_talk()
    # random pairs of this library: cosine 0 +- 0.25, so the same picture is 4 deviations up, the other 1
    calibration = ModalityCalibration((0.0, 0.0, 0.0), (0.25, 0.25, 0.25))
    asked = like_this_scores(
        GatedFusion.fallback(calibration=calibration), blocks.take([0]), blocks.take([1, 2])
    )[0]
    # The photo: its picture in full on both sides (4), the talk it lacks a mismatch (-1), weighed 1 : 1.
    # The other talk: its picture a backdrop (1 at a quarter), its words 1 deviation alike.
    np.testing.assert_allclose(asked, [(4.0 - 1.0) / 2, 1.0], atol=1e-5)
    assert asked[0] > asked[1]
    # Without a scale to call a picture the same on, the backdrop stays: raw cosines, the other talk first.
    raw = like_this_scores(GatedFusion.fallback(), blocks.take([0]), blocks.take([1, 2]))[0]
    assert raw[1] > raw[0]

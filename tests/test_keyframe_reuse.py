"""A still shot's keyframes are one picture to the picture models (media.keyframes.shows_again): a generated talk
with a long still slide and a scene change, indexed by the real pipeline (offline profile, real SQLite) with the
reuse and without it (shows_again answering "never the same"), keeps the item's tags, screen text and vectors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require_installed

import mediarec.media.keyframes as keyframes_module
from mediarec.media.keyframes import extract_keyframes
from mediarec.media.text_cards import TextCard, card_starts, cjk_font_path, write_text_video

# A 25 s still slide (three keyframes at 10 s per keyframe), then another slide: a scene change.
CARDS = (
    TextCard(25.0, ("Rivers shape their valleys",)),
    TextCard(12.0, ("Bread needs patience",), background=(170, 130, 40)),
)


@pytest.fixture(scope="module")
def talk(tmp_path_factory):
    require_installed(cjk_font_path() is not None, "a CJK font (fonts-noto-cjk)")
    return write_text_video(tmp_path_factory.mktemp("reuse") / "media" / "talk.mp4", CARDS)


def indexed(talk, data_dir, environ):
    from mediarec.app import Library
    from mediarec.config import load_settings

    library = Library(load_settings(data_dir=data_dir, environ=environ))
    for _ in library.indexer().run([talk.parent]):
        pass
    store = library.store
    item = store.item_by_path(str(talk))
    frame_model = library.models.get("image_text").model_id
    ids, vectors = store.segment_vectors(store.space("frame", frame_model), item.id)
    by_id = dict(zip(ids, vectors, strict=True))
    found = {
        "frames": [(s.start, s.end, by_id[s.id]) for s in store.item_segments(item.id, "frame")],
        "tags": {(tag.name, tag.source): tag.score for tag in store.tags(item.id)},
        "lines": [(line.text, line.start, line.end) for line in store.screen_text(item.id)],
    }
    library.close()
    return found


@pytest.fixture(scope="module")
def with_and_without_reuse(talk, tmp_path_factory, offline_env):
    root = tmp_path_factory.mktemp("libraries")
    with_reuse = indexed(talk, root / "reuse", offline_env)
    with pytest.MonkeyPatch.context() as patch:  # every keyframe its own picture, as before the reuse
        patch.setattr(keyframes_module, "shows_again", lambda images: [None] * len(images))
        without = indexed(talk, root / "each", offline_env)
    return with_reuse, without


def test_the_still_shots_keyframes_repeat_its_first_and_the_scene_change_does_not(talk):
    visual = extract_keyframes(talk, seconds_per_keyframe=10.0)
    assert [(keyframe.shot_index, keyframe.repeats) for keyframe in visual.keyframes] == [
        (0, None),
        (0, 0),
        (0, 0),
        (1, None),
    ]


@pytest.mark.slow  # two index runs with the models loaded twice: 20-85 s on 2 shared cores
def test_reuse_keeps_the_tags_screen_text_and_frame_vectors(with_and_without_reuse):
    with_reuse, without = with_and_without_reuse
    assert with_reuse["tags"].keys() == without["tags"].keys()
    for key, score in without["tags"].items():
        assert with_reuse["tags"][key] == pytest.approx(score, abs=0.02), key
    starts = card_starts(CARDS)
    assert [text for text, _, _ in with_reuse["lines"]] == [card.lines[0] for card in CARDS]
    assert [start for _, start, _ in with_reuse["lines"]] == pytest.approx(starts, abs=0.5)
    assert with_reuse["lines"] == without["lines"]
    assert [frame[:2] for frame in with_reuse["frames"]] == [frame[:2] for frame in without["frames"]]
    reused = [vector for _, _, vector in with_reuse["frames"]]
    own = [vector for _, _, vector in without["frames"]]
    # The still shot's keyframes carry its first picture's vector; each is what the model gives its own picture.
    assert np.array_equal(reused[0], reused[1]) and np.array_equal(reused[0], reused[2])
    assert not np.array_equal(reused[0], reused[3])
    for mine, theirs in zip(reused, own, strict=True):
        assert float(np.dot(mine, theirs)) / float(np.linalg.norm(mine) * np.linalg.norm(theirs)) > 0.999

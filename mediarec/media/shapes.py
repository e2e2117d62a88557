"""Coloured shapes drawn with numpy.

One vocabulary of shapes, colours and captions is shared by the tiny CLIP model (which is trained on
these drawings, see resources/models/tiny-clip/) and by the sample media used in tests and demos, so
that a query such as "a red circle" has a real answer inside a generated video.
"""

from __future__ import annotations

import numpy as np

SHAPES: tuple[str, ...] = ("circle", "square", "triangle")

# RGB. Saturated and far apart, so that even a tiny model can tell them apart after resizing.
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (30, 180, 60),
    "blue": (40, 70, 220),
    "yellow": (235, 210, 40),
}

CAPTION_TEMPLATES: tuple[str, ...] = (
    "a {colour} {shape}",
    "a photo of a {colour} {shape}",
    "a {shape} that is {colour}",
    "{colour} {shape}",
    "a drawing of a {colour} {shape}",
    "a picture of a {colour} {shape}",
)

# Neutral backgrounds: none of them is close to a shape colour, so the colour words stay unambiguous.
BACKGROUNDS: dict[str, tuple[int, int, int]] = {
    "grey": (128, 128, 128),
    "light": (205, 205, 205),
    "white": (245, 245, 245),
    "dark": (35, 35, 35),
}

_MIN_SIZE = 8
# Radius of the shape's bounding circle as a fraction of the image side.
_CENTRED_RADIUS = 0.38
_RANDOM_RADIUS_RANGE = (0.2, 0.42)
# Random jitter (per channel) applied when an rng is given, so the model sees more than 4 exact colours.
_COLOUR_JITTER = 14
_BACKGROUND_JITTER = 12
_NOISE_STD = 5.0


def caption(shape: str, colour: str, template_index: int = 0) -> str:
    """Describe one drawing with one of CAPTION_TEMPLATES, e.g. "a red circle"."""
    _check_known(shape, colour)
    if not 0 <= template_index < len(CAPTION_TEMPLATES):
        raise ValueError(
            f"template_index must be between 0 and {len(CAPTION_TEMPLATES) - 1}, got {template_index}"
        )
    return CAPTION_TEMPLATES[template_index].format(shape=shape, colour=colour)


def draw_shape(
    shape: str,
    colour: str,
    *,
    size: int = 64,
    rng: np.random.Generator | None = None,
    background: str | tuple[int, int, int] | None = None,
) -> np.ndarray:
    """Draw one filled shape on a neutral background as a uint8 RGB array of shape (size, size, 3).

    Without an rng the shape is centred, large and exactly the listed colour on a plain background.
    With an rng its position, scale, exact colour and background vary, and light noise is added;
    the same rng state always gives the same picture. ``background`` is a name from BACKGROUNDS or an
    RGB triple; None picks grey (no rng) or a random neutral one (rng).
    """
    _check_known(shape, colour)
    if size < _MIN_SIZE:
        raise ValueError(f"size must be at least {_MIN_SIZE} pixels, got {size}")
    background_rgb = _background_rgb(background, rng)
    shape_rgb = np.asarray(COLOURS[colour], dtype=np.float32)
    if rng is None:
        centre_x = centre_y = size / 2.0
        radius = _CENTRED_RADIUS * size
    else:
        radius = rng.uniform(*_RANDOM_RADIUS_RANGE) * size
        # Keep the whole shape inside the frame.
        centre_x, centre_y = rng.uniform(radius, size - radius, size=2)
        shape_rgb = shape_rgb + rng.integers(-_COLOUR_JITTER, _COLOUR_JITTER + 1, size=3)
        background_rgb = background_rgb + rng.integers(-_BACKGROUND_JITTER, _BACKGROUND_JITTER + 1, size=3)

    coverage = _coverage(shape, size, centre_x, centre_y, radius)[..., None]
    image = coverage * shape_rgb + (1.0 - coverage) * background_rgb
    if rng is not None:
        image = image + rng.normal(0.0, _NOISE_STD, size=image.shape)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def _check_known(shape: str, colour: str) -> None:
    if shape not in SHAPES:
        raise ValueError(f"Unknown shape {shape!r}; choose one of {', '.join(SHAPES)}")
    if colour not in COLOURS:
        raise ValueError(f"Unknown colour {colour!r}; choose one of {', '.join(COLOURS)}")


def _background_rgb(
    background: str | tuple[int, int, int] | None, rng: np.random.Generator | None
) -> np.ndarray:
    if background is None:
        name = "grey" if rng is None else list(BACKGROUNDS)[int(rng.integers(len(BACKGROUNDS)))]
        return np.asarray(BACKGROUNDS[name], dtype=np.float32)
    if isinstance(background, str):
        if background not in BACKGROUNDS:
            raise ValueError(f"Unknown background {background!r}; choose one of {', '.join(BACKGROUNDS)}")
        return np.asarray(BACKGROUNDS[background], dtype=np.float32)
    rgb = np.asarray(background, dtype=np.float32)
    if rgb.shape != (3,) or rgb.min() < 0 or rgb.max() > 255:
        raise ValueError(f"background must be a name or an RGB triple of 0-255 values, got {background!r}")
    return rgb


def _coverage(shape: str, size: int, centre_x: float, centre_y: float, radius: float) -> np.ndarray:
    """Fraction of each pixel covered by the shape, from 2x2 supersampling (smooth edges at any size)."""
    offsets = np.array([0.25, 0.75], dtype=np.float32)
    grid = (np.arange(size, dtype=np.float32)[:, None] + offsets[None, :]).reshape(-1)
    ys, xs = np.meshgrid(grid, grid, indexing="ij")
    dx, dy = xs - centre_x, ys - centre_y
    if shape == "circle":
        inside = dx * dx + dy * dy <= radius * radius
    elif shape == "square":
        # A square inscribed in the bounding circle would look small next to the circle; 0.85 evens it out.
        half_side = 0.85 * radius
        inside = (np.abs(dx) <= half_side) & (np.abs(dy) <= half_side)
    else:
        inside = _inside_upright_triangle(dx, dy, radius)
    return inside.reshape(size, 2, size, 2).mean(axis=(1, 3), dtype=np.float32)


def _inside_upright_triangle(dx: np.ndarray, dy: np.ndarray, radius: float) -> np.ndarray:
    """Equilateral triangle, apex up, inscribed in the bounding circle (image y grows downwards)."""
    # Vertices: apex (0, -r), base corners (+-r*sqrt(3)/2, r/2); moved down by r/4 so that its
    # bounding box, not its circumcentre, sits on the centre.
    y = dy - radius / 4.0
    half_base = radius * np.sqrt(3.0) / 2.0
    below_apex = y >= -radius
    above_base = y <= radius / 2.0
    # The sides widen linearly from 0 at the apex to half_base at the base.
    within_sides = np.abs(dx) <= (y + radius) * half_base / (1.5 * radius)
    return below_apex & above_base & within_sides

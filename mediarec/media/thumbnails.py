"""JPEG thumbnails of keyframes, written atomically so a crash never leaves half a picture behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from mediarec.media.errors import CANNOT_WRITE, MediaError


def save_thumbnail(
    image: np.ndarray, path: str | os.PathLike[str], *, max_side: int = 320, quality: int = 85
) -> Path:
    """Write ``image`` (uint8 RGB, H x W x 3) as a JPEG whose longest side is at most ``max_side``.

    Parent folders are created. The file appears complete or not at all (written beside it, then renamed).
    """
    picture = _as_picture(image)
    if max(picture.size) > max_side:
        picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                picture.save(handle, format="JPEG", quality=quality, optimize=True)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise MediaError(target, CANNOT_WRITE, error.strerror or str(error)) from error
    return target


def _as_picture(image: np.ndarray) -> Image.Image:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 or min(image.shape[:2]) == 0:
        raise ValueError(f"expected a uint8 RGB image of shape (H, W, 3), got {image.dtype} {image.shape}")
    return Image.fromarray(np.ascontiguousarray(image))

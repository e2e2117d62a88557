"""CLIP's image tower on the CPU without torch: open_clip's preprocessing in numpy and PIL, and the tower as a module
to export (models.image_onnx runs it). Only the usual preprocessing (bicubic resize of the shorter side, centre
crop, normalise) is reproduced; the export is checked against torch's own preprocessing and tower before it is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mediarec.models.base import ModelError
from mediarec.models.image_onnx import export_network, probe_pictures


def plain_preprocessing(preprocess: Any) -> tuple[int, list[float], list[float]]:
    """(size, mean, std) of open_clip's usual preprocessing (bicubic resize of the shorter side, centre crop,
    normalise), which clip_pixels does without torch; ModelError for any other (that model keeps torch)."""
    steps = list(getattr(preprocess, "transforms", []))
    names = [type(step).__name__ for step in steps]
    known = ["Resize", "CenterCrop", "MaybeConvertMode", "MaybeToTensor", "Normalize"]
    if names != known:
        raise ModelError(f"its preprocessing ({', '.join(names)}) is not the plain resize, crop, normalise")
    resize, crop, normalise = steps[0], steps[1], steps[4]
    size = (
        resize.size if isinstance(resize.size, int) else (resize.size[0] if len(resize.size) == 1 else None)
    )
    bicubic = str(getattr(resize.interpolation, "value", resize.interpolation)) == "bicubic"
    if size is None or not bicubic or resize.max_size is not None or tuple(crop.size) != (size, size):
        raise ModelError("its resize is not a bicubic resize of the shorter side followed by a square crop")
    return int(size), [float(v) for v in normalise.mean], [float(v) for v in normalise.std]


def clip_pixels(
    images: Sequence[np.ndarray], size: int, mean: Sequence[float], std: Sequence[float]
) -> np.ndarray:
    """What open_clip's preprocessing makes of the pictures (torchvision on PIL images: the shorter side resized
    to ``size`` with PIL's bicubic, the centre cut out, /255, normalised): float32 [N, 3, size, size]."""
    from PIL import Image

    mean_array, std_array = np.array(mean, np.float32), np.array(std, np.float32)
    out = np.empty((len(images), 3, size, size), np.float32)
    for index, image in enumerate(images):
        picture = Image.fromarray(np.ascontiguousarray(image[..., :3], dtype=np.uint8))
        width, height = picture.size
        if width <= height:
            resized = (size, int(size * height / width))
        else:
            resized = (int(size * width / height), size)
        picture = picture.resize(resized, Image.Resampling.BICUBIC)
        left, top = int(round((resized[0] - size) / 2.0)), int(round((resized[1] - size) / 2.0))
        pixels = np.asarray(picture.crop((left, top, left + size, top + size)), np.float32) / np.float32(
            255.0
        )
        out[index] = ((pixels - mean_array) / std_array).transpose(2, 0, 1)
    return out


def image_tower(model: Any) -> Any:
    import torch

    class ImageTower(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, pixels: Any) -> Any:
            return self.model.encode_image(pixels)

    return ImageTower(model).eval()


def export_image_tower(model: Any, preprocess: Any, folder: Path, *, model_id: str) -> Path:
    """Export an open_clip model's image tower (float32, CPU) to ``folder``, checked on probe pictures against torch's
    own preprocessing and tower (models.image_onnx.export_network); records the preprocessing clip_pixels needs."""
    import torch
    from PIL import Image

    size, mean, std = plain_preprocessing(preprocess)
    probes = probe_pictures()

    def reference() -> list[np.ndarray]:
        pixels = torch.stack([preprocess(Image.fromarray(picture)) for picture in probes])
        return [model.encode_image(pixels).float().numpy()]

    return export_network(
        image_tower(model), clip_pixels(probes, size, mean, std), folder, model_id=model_id,
        output_names=("features",), torch_reference=reference, recorded={"size": size, "mean": mean, "std": std},
    )  # fmt: skip

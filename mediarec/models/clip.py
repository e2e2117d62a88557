"""Image-text embeddings with open_clip (CLIP and its relatives).

Model names:
  * ``ARCH/TAG`` such as ``ViT-B-32/laion2b_s34b_b79k``: an open_clip pretrained tag, downloaded from the hub;
  * a local folder holding ``NAME.json`` (an open_clip model config) and ``NAME.safetensors``, like
    resources/models/tiny-clip; or a folder in the hub layout (``open_clip_config.json`` plus weights).

Texts (search queries) are encoded without torch when the text tower has been exported to ONNX
(models.clip_text_onnx; the indexer exports it once per weights, where CLIP is loaded anyway): importing torch and
open_clip alone takes seconds, the export answers in milliseconds. ``query_runtime = "torch"`` in
``[models.image_text]`` keeps texts on torch; images always are.
"""

from __future__ import annotations

import json
import logging
import posixpath
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mediarec.models.base import ImageTextEncoder, ModelError, batches, l2_normalise
from mediarec.models.clip_image_onnx import clip_pixels, export_image_tower
from mediarec.models.clip_text_onnx import (
    ClipTextRunner,
    export_failed,
    export_folder,
    export_ready,
    export_text_tower,
)
from mediarec.models.device import DeviceChoice
from mediarec.models.download import ProgressCallback, download_snapshot, load_with_retry
from mediarec.models.image_onnx import ImageNetworkRunner, open_or_export, wants_onnx
from mediarec.models.image_onnx import export_folder as image_export_folder
from mediarec.models.weights import local_model_id, require_folder

HUB_CONFIG_NAME = "open_clip_config.json"
HUB_WEIGHTS_NAME = "open_clip_pytorch_model.bin"
HUB_SAFE_WEIGHTS_NAME = "open_clip_model.safetensors"

# How texts are encoded: "onnx" (the exported text tower, when there is one; torch until then) or "torch".
QUERY_RUNTIMES = ("onnx", "torch")

_register_lock = threading.Lock()
_log = logging.getLogger(__name__)


class OpenClipEncoder(ImageTextEncoder):
    # Always built with a device (the base class also allows None, for numpy-only backends).
    device: DeviceChoice

    def __init__(
        self,
        name: str,
        device: DeviceChoice,
        cache_dir: Path,
        *,
        batch_size: int = 32,
        progress: type | ProgressCallback | None = None,
        endpoint: str | None = None,
        query_runtime: str = "onnx",
    ) -> None:
        super().__init__(name, device, cache_dir, batch_size=batch_size, progress=progress, endpoint=endpoint)
        if query_runtime not in QUERY_RUNTIMES:
            raise ModelError(
                f"[models.{self.role}] query_runtime is one of {', '.join(QUERY_RUNTIMES)}, not {query_runtime!r}."
            )
        self.query_runtime = query_runtime
        self._model: Any = None
        self._preprocess: Any = None
        self._tokenizer: Any = None
        self._weights: Path | None = None
        self._text_runner: ClipTextRunner | None = None
        self._dim: int | None = None
        # The image tower's ONNX export on the CPU (models.image_onnx), opened on the first picture.
        self._image_runner: ImageNetworkRunner | None = None
        self._image_runner_tried = False

    # ---- identity --------------------------------------------------------------------------------

    def _compute_model_id(self) -> str:
        if self.source.kind == "hub":
            return f"open_clip:{self.name}"
        return local_model_id("open_clip", self.source, [self._local_layout().weights], self.role)

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self._model_config()["embed_dim"])
        return self._dim

    def _model_config(self) -> dict[str, Any]:
        if self.source.kind == "hub":
            import open_clip

            arch, _ = _split_hub_name(self.name)
            config = open_clip.get_model_config(arch)
            if config is None:
                raise ModelError(_unknown_arch_message(arch))
            return config
        layout = self._local_layout()
        config = json.loads(layout.config.read_text(encoding="utf-8"))
        return config.get("model_cfg", config)

    def _local_layout(self) -> _LocalClip:
        if self.source.kind == "package":
            raise ModelError(f"No PyPI package ships CLIP weights; point [models.{self.role}] at a folder.")
        return find_local_clip(Path(self.source.name), self.role)

    # ---- lifecycle -------------------------------------------------------------------------------

    @property
    def is_loaded(self) -> bool:
        return self._model is not None or self._text_runner is not None

    def _load(self) -> None:
        # Only the exported text tower when there is one: a process that encodes queries never imports torch.
        # The first image loads the torch model beside it (_ensure_torch_model).
        self._text_runner = self._open_text_export()
        if self._text_runner is None:
            self._load_torch()

    def _load_torch(self) -> None:
        if self.source.kind == "hub":
            model, preprocess, tokenizer = self._load_from_hub()
        else:
            layout = self._local_layout()
            model, preprocess, tokenizer = _load_local(layout, self.device)
            self._weights = layout.weights
        model.eval()
        self._model, self._preprocess, self._tokenizer = model, preprocess, tokenizer

    def _ensure_torch_model(self) -> None:
        with self._load_lock:
            if self._model is None:
                self._load_torch()

    def _unload(self) -> None:
        had_torch = self._model is not None
        self._model = self._preprocess = self._tokenizer = self._text_runner = None
        self._image_runner, self._image_runner_tried = None, False
        if had_torch:
            _free_torch_memory(self.device)

    # ---- the text tower in ONNX (models.clip_text_onnx) ------------------------------------------------------

    def _open_text_export(self) -> ClipTextRunner | None:
        if self.query_runtime != "onnx":
            return None
        try:
            return ClipTextRunner.open(export_folder(self.cache_dir, self.model_id), model_id=self.model_id)
        except Exception as error:  # a damaged file or a broken onnxruntime: torch still answers
            _log.warning(
                "The ONNX text tower of %s does not open (%s); encoding texts with torch.", self.name, error
            )
            return None

    def export_text_tower(self) -> Path | None:
        """Export the text tower to ONNX for later processes' queries, once per weights (models.clip_text_onnx).

        Loads the torch model when it is not loaded (a second float32 CPU copy when this one runs elsewhere or in
        float16, so that the export is exact). Returns the export's folder, or None when query_runtime is "torch"
        or the model cannot be exported (then texts keep the torch path, and the reason is logged once and kept
        beside the export, so that it is not tried again for the same weights). Never raises for the export itself.
        """
        if self.query_runtime != "onnx":
            return None
        folder = export_folder(self.cache_dir, self.model_id)
        if export_ready(folder, self.model_id):
            return folder
        if export_failed(folder, self.model_id) is not None:
            return None
        if (self.device.device, self.device.precision) == ("cpu", "float32"):
            self._ensure_torch_model()
            source = self
        else:
            source = self._float32_cpu_copy()
        try:
            return export_text_tower(
                source._model, source._tokenizer, folder, model_id=self.model_id, weights=source._weights
            )
        except ModelError as error:
            _log.warning(
                "The text tower of %s is not exported to ONNX: %s; texts stay on torch.", self.name, error
            )
            return None
        finally:
            if source is not self:
                source.unload()

    def _float32_cpu_copy(self) -> OpenClipEncoder:
        cpu = DeviceChoice("cpu", "float32")
        copy = OpenClipEncoder(self.name, cpu, self.cache_dir, progress=self.progress, endpoint=self.endpoint)
        copy._load_torch()
        return copy

    def _load_from_hub(self) -> tuple[Any, Any, Any]:
        import open_clip

        arch, tag = _split_hub_name(self.name)
        if open_clip.get_model_config(arch) is None:
            raise ModelError(_unknown_arch_message(arch))
        pretrained = open_clip.get_pretrained_cfg(arch, tag)
        if not pretrained or not pretrained.get("hf_hub"):
            tags = ", ".join(open_clip.list_pretrained_tags_by_model(arch)) or "none"
            raise ModelError(
                f"open_clip has no downloadable weights {tag!r} for {arch} (known tags: {tags}). "
                f"Fix [models.{self.role}] name in the config."
            )
        repo_id, file_names = hub_weight_files(pretrained["hf_hub"])

        def build(folder: Path) -> tuple[Any, Any, Any]:
            weights = next((folder / name for name in file_names if (folder / name).is_file()), None)
            if weights is None:
                # The repository has no safetensors copy; fetch the pickle one (same folder, same cache).
                folder = self._download(repo_id, [file_names[-1]])
                weights = folder / file_names[-1]
            self._weights = weights
            return _build_model(arch, weights, self.device, pretrained)

        return load_with_retry(
            repo_id,
            self.cache_dir,
            build,
            role=self.role,
            progress=self.progress,
            allow_patterns=[HUB_CONFIG_NAME, file_names[0]],
            endpoint=self.endpoint,
        )

    def _download(self, repo_id: str, patterns: list[str]) -> Path:
        return download_snapshot(
            repo_id,
            self.cache_dir,
            progress=self.progress,
            allow_patterns=patterns,
            role=self.role,
            endpoint=self.endpoint,
        )

    # ---- encoding --------------------------------------------------------------------------------

    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        if len(images) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        runner = self._image_export()
        if runner is not None:  # on the CPU, without torch (models.image_onnx)
            size, mean, std = runner.info["size"], runner.info["mean"], runner.info["std"]
            parts = [
                runner.run(clip_pixels([_checked_rgb(image) for image in batch], size, mean, std))[0]
                for batch in batches(list(images), self.batch_size)
            ]
            return l2_normalise(np.concatenate(parts))
        import torch
        from PIL import Image

        self._ensure_torch_model()
        dtype = _torch_dtype(self.device)
        parts = []
        for batch in batches(list(images), self.batch_size):
            pixels = torch.stack([self._preprocess(Image.fromarray(_checked_rgb(image))) for image in batch])
            with torch.inference_mode():
                features = self._model.encode_image(pixels.to(self.device.device, dtype=dtype))
            parts.append(features.float().cpu().numpy())
        return l2_normalise(np.concatenate(parts))

    def _image_export(self) -> ImageNetworkRunner | None:
        with self._load_lock:
            if not self._image_runner_tried and self._model is None and wants_onnx(self.device):
                self._image_runner = open_or_export(self)
            self._image_runner_tried = True
            return self._image_runner

    def export_image_network(self) -> Path:
        """Export the image tower (and the text tower, models.clip_text_onnx) to ONNX, each checked against torch;
        the image_onnx child calls it, so that the process that indexes never imports torch."""
        self._ensure_torch_model()
        self.export_text_tower()  # on its own: a text tower that exports is kept if the image tower does not
        return export_image_tower(self._model, self._preprocess, image_export_folder(self.cache_dir, self.model_id),
                                  model_id=self.model_id)  # fmt: skip

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        self._ensure_loaded()
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        runner = self._text_runner
        if runner is not None:
            return l2_normalise(
                np.concatenate([runner.encode(batch) for batch in batches(list(texts), self.batch_size)])
            )
        import torch

        self._ensure_torch_model()
        parts = []
        for batch in batches(list(texts), self.batch_size):
            tokens = self._tokenizer(list(batch)).to(self.device.device)
            with torch.inference_mode():
                features = self._model.encode_text(tokens)
            parts.append(features.float().cpu().numpy())
        return l2_normalise(np.concatenate(parts))


# ---- local folders -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LocalClip:
    """The files of a local CLIP: ``name`` is the open_clip config name (None for the hub layout)."""

    folder: Path
    name: str | None
    config: Path
    weights: Path


def find_local_clip(folder: Path, role: str = "image_text") -> _LocalClip:
    """Recognise either layout: NAME.json + NAME.safetensors, or open_clip_config.json + weights."""
    folder = require_folder(folder, role, "NAME.json and NAME.safetensors")
    hub_config = folder / HUB_CONFIG_NAME
    if hub_config.is_file():
        weights = next(
            (folder / n for n in (HUB_SAFE_WEIGHTS_NAME, HUB_WEIGHTS_NAME) if (folder / n).is_file()), None
        )
        if weights is not None:
            return _LocalClip(folder, None, hub_config, weights)
    pairs = [
        config for config in sorted(folder.glob("*.json")) if config.with_suffix(".safetensors").is_file()
    ]
    # Prefer the pair named after the folder (tiny-clip/tiny-clip.json) when there are several.
    pairs.sort(key=lambda config: config.stem != folder.name)
    if not pairs:
        raise ModelError(
            f"The {role} model folder {folder} has no open_clip config with weights beside it "
            f"(NAME.json and NAME.safetensors). Put them there, or fix [models.{role}] in the config."
        )
    config = pairs[0]
    return _LocalClip(folder, config.stem, config, config.with_suffix(".safetensors"))


def _load_local(layout: _LocalClip, device: DeviceChoice) -> tuple[Any, Any, Any]:
    import open_clip

    if layout.name is None:
        return _create(f"local-dir:{layout.folder}", device)
    config = json.loads(layout.config.read_text(encoding="utf-8"))
    # open_clip finds configs by name in a process-wide registry; two folders may share a name
    # (a copy with other settings), so (re)register this folder's config right before building.
    with _register_lock:
        if open_clip.get_model_config(layout.name) != config:
            open_clip.add_model_config(layout.config)
        return _build_local(layout, device)


def _build_local(layout: _LocalClip, device: DeviceChoice) -> tuple[Any, Any, Any]:
    assert layout.name is not None
    try:
        return _build_model(layout.name, layout.weights, device, {})
    except Exception as error:
        raise ModelError(
            f"The image_text model in {layout.folder} does not load ({error}). Check that "
            f"{layout.config.name} matches {layout.weights.name}."
        ) from error


def _build_model(arch: str, weights: Path, device: DeviceChoice, pretrained: dict) -> tuple[Any, Any, Any]:
    """The model, its image preprocessing and its tokenizer, with the tag's preprocessing settings."""
    options = {
        "force_quick_gelu": bool(pretrained.get("quick_gelu", False)),
        "image_mean": pretrained.get("mean"),
        "image_std": pretrained.get("std"),
        "image_interpolation": pretrained.get("interpolation"),
        "image_resize_mode": pretrained.get("resize_mode"),
    }
    return _create(arch, device, pretrained=str(weights), **options)


def _create(model_name: str, device: DeviceChoice, **options: Any) -> tuple[Any, Any, Any]:
    import open_clip

    precision = "fp16" if device.precision == "float16" else "fp32"
    model, _, preprocess = open_clip.create_model_and_transforms(
        model_name, precision=precision, device=device.device, **options
    )
    return model, preprocess, open_clip.get_tokenizer(model_name)


# ---- hub names -----------------------------------------------------------------------------------------


def _split_hub_name(name: str) -> tuple[str, str]:
    arch, separator, tag = name.rpartition("/")
    if not separator or not arch or not tag:
        raise ModelError(
            f"The image_text model name {name!r} should be ARCH/TAG (for example ViT-B-32/laion2b_s34b_b79k) "
            "or a local folder."
        )
    return arch, tag


def hub_weight_files(hf_hub: str) -> tuple[str, list[str]]:
    """Repository id and the weight file names to try, safetensors first (no pickle when avoidable).

    open_clip writes ``hf_hub`` as "org/repo/" (default file name) or "org/repo/file.bin".
    """
    repo_id, file_name = posixpath.split(hf_hub)
    file_name = file_name or HUB_WEIGHTS_NAME
    if file_name == HUB_WEIGHTS_NAME:
        safe = HUB_SAFE_WEIGHTS_NAME
    else:
        safe = posixpath.splitext(file_name)[0] + ".safetensors"
    return repo_id, [safe, file_name] if safe != file_name else [file_name]


def hub_repo_for(name: str) -> tuple[str, list[str]]:
    """Repository and files a hub name downloads, for availability checks."""
    import open_clip

    arch, tag = _split_hub_name(name)
    pretrained = open_clip.get_pretrained_cfg(arch, tag)
    if not pretrained or not pretrained.get("hf_hub"):
        raise ModelError(f"open_clip has no downloadable weights {tag!r} for {arch}.")
    return hub_weight_files(pretrained["hf_hub"])


def _unknown_arch_message(arch: str) -> str:
    return (
        f"open_clip has no model architecture {arch!r}. Fix [models.image_text] name in the config "
        "(for example ViT-B-32/laion2b_s34b_b79k), or point it at a local folder."
    )


# ---- small helpers -------------------------------------------------------------------------------------


def _checked_rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"Images must be uint8 RGB arrays of shape HxWx3, got {image.dtype} {image.shape}")
    return image


def _torch_dtype(device: DeviceChoice) -> Any:
    import torch

    return torch.float16 if device.precision == "float16" else torch.float32


def _free_torch_memory(device: DeviceChoice) -> None:
    import gc

    gc.collect()
    if device.device == "cuda":
        import torch

        torch.cuda.empty_cache()

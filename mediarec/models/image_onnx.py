"""The image networks (CLIP's image tower, EfficientNet-Lite0) without torch: an ONNX export, run by onnxruntime.

Why: importing torch, torchvision and open_clip alone takes ~720 MB of resident memory (torch 2.14, 2 cores), more
than all the other offline models together, and an index run on the CPU needs torch for nothing else. So the
pictures are encoded through an ONNX copy of each network, exported once per weights into the model cache under the
model's id (which holds the weights' checksum: new weights are a new folder), by a child process
(``main`` here), so that the process that indexes never imports torch. An export is kept
only when it is proven equal to the network it came from (cosine >= MIN_COSINE on probe pictures, preprocessing
included); one that is not, or fails, is recorded beside it (failed.json) and the encoder keeps its torch path.
On a GPU, or in float16, the encoders stay on torch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mediarec.models.base import ModelError
from mediarec.models.device import DeviceChoice
from mediarec.models.offline import quiet_onnxruntime
from mediarec.models.thread_budget import beside_transcriber_threads

EXPORT_FORMAT = 1
EXPORTS_FOLDER = "image-onnx"
MODEL_FILE = "image.onnx"
INFO_FILE = "export.json"
FAILED_FILE = "failed.json"
MIN_COSINE = 0.9999
# The child exports in well under a minute (imports torch, builds the network, exports, checks); past this it hangs.
EXPORT_TIMEOUT_SECONDS = 600.0
MODULE = "mediarec.models.image_onnx"
CPU_FLOAT32 = DeviceChoice("cpu", "float32")
_log = logging.getLogger(__name__)
_export_lock = threading.Lock()


def export_folder(cache_dir: Path, model_id: str) -> Path:
    digest = hashlib.sha256(f"{EXPORT_FORMAT}:{model_id}".encode()).hexdigest()[:20]
    return Path(cache_dir) / EXPORTS_FOLDER / digest


def wants_onnx(device: DeviceChoice | None) -> bool:
    """Whether an encoder on this device runs its pictures through the export (the CPU in float32)."""
    return device is None or (device.device, device.precision) == ("cpu", "float32")


# ---- torch-free side ---------------------------------------------------------------------------------------------


class ImageNetworkRunner:
    """The exported network: float32 pixels [N, 3, H, W] -> its outputs (float32 arrays, in the export's order)."""

    def __init__(self, folder: Path, *, threads: int = 0) -> None:
        onnxruntime = quiet_onnxruntime()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # No arena: batches of pictures come and go, and an arena keeps its high-water mark for the whole run.
        options.enable_cpu_mem_arena = False
        self._session = onnxruntime.InferenceSession(
            str(folder / MODEL_FILE), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.info = (
            read_json(folder / INFO_FILE) or {}
        )  # what the encoder recorded with it (its preprocessing)

    @classmethod
    def open(cls, folder: Path, model_id: str, *, threads: int = 0) -> ImageNetworkRunner | None:
        return cls(folder, threads=threads) if export_ready(folder, model_id) else None

    def run(self, pixels: np.ndarray) -> list[np.ndarray]:
        outputs = self._session.run(None, {"pixels": np.ascontiguousarray(pixels, dtype=np.float32)})
        return [np.asarray(output, dtype=np.float32) for output in outputs]


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and found.get("format") == EXPORT_FORMAT else None


def export_ready(folder: Path, model_id: str) -> bool:
    info = read_json(folder / INFO_FILE)
    return info is not None and info.get("model_id") == model_id and (folder / MODEL_FILE).is_file()


def export_failed(folder: Path, model_id: str) -> str | None:
    """Why an earlier export of this model was given up (it is not tried again for the same weights), or None."""
    failed = read_json(folder / FAILED_FILE)
    return str(failed.get("reason", "unknown")) if failed and failed.get("model_id") == model_id else None


def ensure_exported(encoder: Any) -> bool:
    """Export ``encoder``'s network in a child process unless it is exported (or failed) already, or its weights
    are not here yet (the child would download them without showing it); whether it is there now. ``encoder`` is
    an encoder with ``export_image_network`` (EfficientNetLabeller, OpenClipEncoder)."""
    from mediarec.models.availability import check_available

    folder = export_folder(encoder.cache_dir, encoder.model_id)
    with _export_lock:
        missing = (
            not export_ready(folder, encoder.model_id) and export_failed(folder, encoder.model_id) is None
        )
        if missing and check_available(_spec_of(encoder), encoder.cache_dir)[0]:
            _export_in_child(encoder)
        return export_ready(folder, encoder.model_id)


def prepare_exports(models: Any) -> None:
    """Before an index run loads its models: the image networks' exports, so that they load without torch here.
    ``models`` is a ModelSet."""
    for role in ("image_text", "image_labels"):
        if not models.has_role(role):
            continue
        encoder = models.get(role)
        if hasattr(encoder, "export_image_network") and not encoder.is_loaded and wants_onnx(encoder.device):
            ensure_exported(encoder)


def _spec_of(encoder: Any) -> Any:
    from mediarec.models.catalogue import BACKENDS, ModelSpec

    # The network and its model id follow from the weights' name alone: no other option changes them.
    backend = next(name for name, known in BACKENDS.items() if known.factory is type(encoder))
    return ModelSpec(encoder.role, backend, encoder.name)


def open_or_export(encoder: Any, *, threads: int | None = None) -> ImageNetworkRunner | None:
    """The runner of ``encoder``'s export (made first if need be, ensure_exported); None when it cannot be had
    (the encoder then uses torch). ``threads``: its intra-op threads, by default the cores the transcriber leaves
    (models.thread_budget: the pictures are seen while the transcriber runs)."""
    folder = export_folder(encoder.cache_dir, encoder.model_id)
    if ensure_exported(encoder):
        try:
            chosen = threads or beside_transcriber_threads()
            return ImageNetworkRunner.open(folder, encoder.model_id, threads=chosen)
        except Exception as error:  # a damaged file or a broken onnxruntime: torch still answers
            _log.warning("The ONNX export of %s does not open (%s); using torch.", encoder.name, error)
    return None


def _export_in_child(encoder: Any) -> None:
    from mediarec.models.helper_process import python_command

    request = {
        "role": encoder.role,
        "backend": _spec_of(encoder).backend,
        "name": encoder.name,
        "cache_dir": str(encoder.cache_dir),
    }
    try:
        run = subprocess.run(
            # -c, not -m: the package's __init__ imports this module first, which -m would warn about.
            python_command("-c", f"import sys; from {MODULE} import main; sys.exit(main(sys.argv[1:]))",
                           json.dumps(request)),
            capture_output=True, text=True, timeout=EXPORT_TIMEOUT_SECONDS,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as error:
        _log.warning("Exporting %s to ONNX did not finish (%s); using torch.", encoder.name, error)
        return
    if run.returncode != 0:
        _log.warning("Exporting %s to ONNX failed; using torch: %s", encoder.name, run.stderr[-1000:])


# ---- the export (needs torch; runs in the child) -----------------------------------------------------------------


def export_network(
    network: Any,
    probe_pixels: np.ndarray,
    folder: Path,
    *,
    model_id: str,
    output_names: Sequence[str],
    torch_reference: Callable[[], list[np.ndarray]] | None = None,
    recorded: dict[str, Any] | None = None,
) -> Path:
    """Write ``network`` (a torch module in float32 on the CPU: pixels -> outputs) to ``folder`` and check that
    onnxruntime gives its outputs on ``probe_pixels`` (or those of ``torch_reference``, when the torch path
    preprocesses its own way); raises ModelError and records it (failed.json) when it does not. ``recorded`` is
    kept in export.json for the torch-free side (ImageNetworkRunner.info)."""
    with _export_lock:
        if export_ready(folder, model_id):
            return folder
        try:
            extra = recorded or {}
            return _export(network, probe_pixels, folder, model_id, output_names, torch_reference, extra)
        except ModelError as error:
            _write_record(folder, FAILED_FILE, {"model_id": model_id, "reason": str(error)})
            raise


def _export(
    network: Any,
    probe_pixels: np.ndarray,
    folder: Path,
    model_id: str,
    output_names: Sequence[str],
    torch_reference: Callable[[], list[np.ndarray]] | None,
    recorded: dict[str, Any],
) -> Path:
    import torch

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=folder.parent))
    staging.chmod(0o755)
    try:
        pixels = torch.from_numpy(np.ascontiguousarray(probe_pixels, dtype=np.float32))
        # The fused attention kernel that inference uses has no ONNX form; the exporter needs the plain ops.
        fastpath = torch.backends.mha.get_fastpath_enabled()
        torch.backends.mha.set_fastpath_enabled(False)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the legacy exporter's deprecation notes
            torch.onnx.export(
                network.eval(), (pixels[:2],), str(staging / MODEL_FILE),
                input_names=["pixels"], output_names=list(output_names),
                dynamic_axes={name: {0: "batch"} for name in ("pixels", *output_names)},
                opset_version=17, do_constant_folding=True, **_legacy_exporter(),
            )  # fmt: skip
            expected = torch_reference() if torch_reference else _as_list(network(pixels))
        got = ImageNetworkRunner(staging).run(probe_pixels)
        cosine = min(_min_cosine(a, b) for a, b in zip(got, expected, strict=True))
        if not cosine >= MIN_COSINE:
            raise ModelError(f"the ONNX network differs from torch's (cosine {cosine:.6f} < {MIN_COSINE})")
        info = {
            "model_id": model_id,
            "outputs": list(output_names),
            "min_cosine": round(cosine, 7),
            **recorded,
        }
        _write_record(staging, INFO_FILE, info | {"torch": torch.__version__})
        shutil.rmtree(folder, ignore_errors=True)  # a failed.json of an older try
        try:
            os.replace(staging, folder)
        except OSError:
            if not export_ready(folder, model_id):  # another process finished first otherwise
                raise
    except ModelError:
        raise
    except Exception as error:
        raise ModelError(f"the network could not be exported ({type(error).__name__}: {error})") from error
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _as_list(outputs: Any) -> list[np.ndarray]:
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    return [output.float().numpy() for output in outputs]


def _legacy_exporter() -> dict[str, Any]:
    import inspect

    import torch

    return {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}


def _min_cosine(got: np.ndarray, expected: np.ndarray) -> float:
    got, expected = got.reshape(len(got), -1), expected.reshape(len(expected), -1)
    norms = np.linalg.norm(got, axis=1) * np.linalg.norm(expected, axis=1)
    return float(np.min(np.sum(got * expected, axis=1) / np.maximum(norms, 1e-12)))


def _write_record(folder: Path, name: str, record: dict[str, Any]) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"format": EXPORT_FORMAT, **record}, indent=2) + "\n"
        (folder / name).write_text(text, encoding="utf-8")
    except OSError:
        pass  # a read-only cache: the export is tried again next time, nothing else is lost


def probe_pictures(count: int = 4, size: tuple[int, int] = (180, 320)) -> list[np.ndarray]:
    """Pictures to check an export on: gradients, noise and flat colours, in a video's proportions."""
    rng = np.random.default_rng(12)
    height, width = size
    ramp = np.linspace(0, 255, width, dtype=np.float32)[None, :, None] * np.ones((height, 1, 3), np.float32)
    pictures = [ramp.astype(np.uint8), rng.integers(0, 256, (height, width, 3), dtype=np.uint8)]
    pictures += [np.full((height, width, 3), (40 * k, 200 - 30 * k, 90), np.uint8) for k in range(count - 2)]
    return pictures


def main(argv: Sequence[str]) -> int:
    """The child: export one encoder's network. argv: one JSON object (role, backend, name, options, cache_dir)."""
    from mediarec.models.catalogue import ModelSpec
    from mediarec.models.model_set import create_encoder

    request = json.loads(argv[0])
    spec = ModelSpec(request["role"], request["backend"], request["name"])
    encoder = create_encoder(spec, CPU_FLOAT32, Path(request["cache_dir"]))
    try:
        encoder.export_image_network()  # type: ignore[attr-defined]
    except ModelError as error:
        print(f"not exported: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

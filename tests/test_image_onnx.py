"""The image networks on the CPU without torch (models.image_onnx): exported once by a child, equal to torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mediarec.models import image_onnx
from mediarec.models.clip_image_onnx import clip_pixels, plain_preprocessing
from mediarec.models.device import DeviceChoice
from mediarec.models.image_labels import EfficientNetLabeller
from mediarec.models.image_onnx import export_failed, export_folder, probe_pictures, wants_onnx
from mediarec.models.model_set import ModelSet

CPU = DeviceChoice("cpu", "float32")


def test_only_the_cpu_in_float32_runs_the_export():
    assert wants_onnx(CPU)
    assert not wants_onnx(DeviceChoice("cpu", "float16"))
    assert not wants_onnx(DeviceChoice("cuda", "float16"))


def test_clip_pixels_are_open_clips_preprocessing():
    from PIL import Image

    clip = ModelSet("offline", device=CPU).get("image_text")
    clip._ensure_torch_model()
    size, mean, std = plain_preprocessing(clip._preprocess)
    rng = np.random.default_rng(5)
    pictures = probe_pictures() + [
        rng.integers(0, 256, shape, dtype=np.uint8) for shape in ((301, 97, 3), (64, 64, 3))
    ]
    ours = clip_pixels(pictures, size, mean, std)
    theirs = np.stack([clip._preprocess(Image.fromarray(picture)).numpy() for picture in pictures])
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


_NO_TORCH = """
import json, sys
import numpy as np
from pathlib import Path
from mediarec.models.model_set import ModelSet
from mediarec.models.image_onnx import prepare_exports, probe_pictures

models = ModelSet("offline", cache_dir=Path(sys.argv[1]))
prepare_exports(models)  # as an index run does before its first file
pictures = probe_pictures()
labels = models.get("image_labels").classify(pictures)
frames = models.get("image_text").encode_images(pictures)
np.save(sys.argv[2], np.concatenate([labels.probabilities, labels.features, frames], axis=1))
print(json.dumps({"torch_imported": "torch" in sys.modules}))
"""


@pytest.mark.slow  # two export children (each imports torch) and torch's own answers: ~40 s on 2 cores
def test_pictures_are_encoded_without_torch_and_as_torch_encodes_them(tmp_path):
    cache = tmp_path / "cache"
    out = tmp_path / "onnx.npy"
    run = subprocess.run(
        [sys.executable, "-c", _NO_TORCH, str(cache), str(out)], capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout.splitlines()[-1]) == {"torch_imported": False}
    models = ModelSet("offline", device=CPU, cache_dir=cache)
    labeller, clip = models.get("image_labels"), models.get("image_text")
    labeller._load_torch()
    clip._ensure_torch_model()
    pictures = probe_pictures()
    labels = labeller.classify(pictures)
    reference = np.concatenate([labels.probabilities, labels.features, clip.encode_images(pictures)], axis=1)
    np.testing.assert_allclose(np.load(out), reference, atol=1e-5)


def test_a_network_that_does_not_export_is_recorded_and_keeps_torch(tmp_path, monkeypatch):
    labeller = EfficientNetLabeller(device=CPU, cache_dir=tmp_path)

    def broken(self):  # what a network without an ONNX form makes the child report
        raise image_onnx.ModelError("no ONNX form")

    monkeypatch.setattr(EfficientNetLabeller, "export_image_network", broken)
    with pytest.raises(image_onnx.ModelError):
        image_onnx.export_network(
            object(), np.zeros((1, 3, 8, 8), np.float32), export_folder(tmp_path, labeller.model_id),
            model_id=labeller.model_id, output_names=("logits",),
        )  # fmt: skip
    assert export_failed(export_folder(tmp_path, labeller.model_id), labeller.model_id)
    calls = []
    monkeypatch.setattr(image_onnx, "_export_in_child", lambda encoder: calls.append(encoder))
    labeller.load()
    assert calls == []  # a failed export is not tried again for the same weights
    assert labeller._runner is None and labeller._network is not None
    assert labeller.classify(probe_pictures()[:1]).probabilities.shape == (1, 1000)


_AUTO_DEVICE = """
import json, sys
from mediarec.models.device import choose_device
choice = choose_device("auto")
print(json.dumps({"device": choice.device, "torch_imported": "torch" in sys.modules}))
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or any(Path(node).exists() for node in ("/proc/driver/nvidia", "/dev/nvidiactl", "/dev/dxg", "/dev/kfd")),
    reason="a Linux machine without a GPU driver",
)
def test_the_automatic_device_on_a_machine_without_a_gpu_driver_does_not_import_torch():
    run = subprocess.run([sys.executable, "-c", _AUTO_DEVICE], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"device": "cpu", "torch_imported": False}

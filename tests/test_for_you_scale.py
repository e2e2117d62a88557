"""The faster paths of For you and of a re-run over an unchanged library give what the straightforward ones gave:
on libraries written through the real store (SQLite + sqlite-vec), against the rule each replaced."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import rankdata
from synthetic_items import build_synthetic_library

import mediarec.recommend.recommender as recommender
from mediarec.app import Library
from mediarec.config import load_settings
from mediarec.index.records import APPLIED_TAG_SCORE, TagRecord
from mediarec.rank.fusion_scoring import GatedFusion, ModalityCalibration
from mediarec.rank.item_blocks import (
    FEATURE_NAMES,
    MODALITIES,
    ItemBlocks,
    block_layout,
    current_item_space,
    load_blocks,
)
from mediarec.rank.item_matrix import ItemMatrix
from mediarec.recommend.candidate_cache import CANDIDATES, candidate_key
from mediarec.recommend.diversity import PairRanks, mmr
from mediarec.recommend.profile import silhouette
from mediarec.recommend.recommender import Recommender, RecommendSettings
from mediarec.scan.sync import needing_indexing

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_scale import (  # noqa: E402  (the baselines, kept there)
    gate_pairwise_per_pair,
    needs_indexing_per_item,
    silhouette_per_item,
)


@pytest.fixture()
def synthetic(tmp_path):
    library = build_synthetic_library(tmp_path / "library.sqlite3", speech_groups=("beach", "cooking"))
    yield library
    library.store.close()


# -- MMR and the profile's clusters -------------------------------------------------------------------------------


def ranked_all_pairs(similarity: np.ndarray) -> np.ndarray:
    """What mmr ranked before PairRanks: every off-diagonal pair by scipy, 0 on the diagonal."""
    ranks = np.zeros_like(similarity, dtype=np.float64)
    off_diagonal = ~np.eye(len(similarity), dtype=bool)
    values = similarity[off_diagonal]
    ranks[off_diagonal] = (rankdata(values, method="average") - 1.0) / (len(values) - 1.0)
    return ranks


@pytest.mark.parametrize("size", [2, 3, 40])
def test_pair_ranks_are_the_percentiles_of_all_pairs_ties_included(size):
    rng = np.random.default_rng(size)
    similarity = np.round(rng.normal(size=(size, size)), 1).astype(np.float32)  # rounded: many ties
    expected = ranked_all_pairs(similarity)
    ranks = PairRanks(similarity)
    for row in range(size):
        assert np.array_equal(ranks.row(row), expected[row])


def test_mmr_picks_what_it_picked_with_every_pair_ranked():
    rng = np.random.default_rng(7)
    points = rng.normal(size=(60, 8)).astype(np.float32)
    similarity = points @ points.T
    relevance = rng.random(60)
    expected_ranks = ranked_all_pairs(similarity)
    for diversity in (0.0, 0.3, 0.7, 1.0):
        expected, closest, available = [], np.zeros(60), np.ones(60, dtype=bool)
        for _ in range(12):
            value = (1.0 - diversity) * relevance - diversity * closest
            value[~available] = -np.inf
            pick = int(np.argmax(value))
            expected.append(pick)
            available[pick] = False
            closest = np.maximum(closest, expected_ranks[pick])
        assert mmr(relevance, similarity, 12, diversity) == expected


def test_silhouette_is_the_item_by_item_one_singletons_included():
    rng = np.random.default_rng(3)
    points = rng.normal(size=(30, 5))
    distance = np.linalg.norm(points[:, None] - points[None, :], axis=-1)
    for labels in (rng.integers(0, 4, size=30), np.array([0] * 29 + [1]), np.arange(30) % 2):
        assert silhouette(distance, labels) == pytest.approx(silhouette_per_item(distance, labels), abs=1e-12)
    assert silhouette(distance, np.zeros(30, dtype=int)) == 0.0


def random_blocks(rng, count: int, dims=(8, 12, 6)) -> ItemBlocks:
    """Unit blocks with modalities missing here and there (every 7th item has none at all)."""
    present = rng.random((count, len(MODALITIES))) < 0.7
    present[::7] = False
    vectors = {}
    for column, (modality, dim) in enumerate(zip(MODALITIES, dims, strict=True)):
        rows = rng.normal(size=(count, dim)).astype(np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        rows[~present[:, column]] = 0.0
        vectors[modality] = rows
    features = rng.random((count, len(FEATURE_NAMES))).astype(np.float32)
    return ItemBlocks(tuple(range(count)), vectors, present, features)


@pytest.mark.parametrize("calibrated", [False, True])
def test_the_fixed_gate_pairwise_gives_the_bits_of_the_per_pair_softmax(calibrated):
    rng = np.random.default_rng(5)
    calibration = ModalityCalibration((0.01, 0.2, 0.6), (0.08, 0.05, 0.1)) if calibrated else None
    gate = GatedFusion.fallback(calibration=calibration)
    pool, other = random_blocks(rng, 40), random_blocks(rng, 9)
    for left, right in ((pool, pool), (other, pool), (pool.take([3]), other)):
        fast = gate.pairwise(left, right)
        per_pair = gate_pairwise_per_pair(gate.biases, left, right, calibration)
        assert fast.dtype == per_pair.dtype == np.float32 and fast.shape == (len(left), len(right))
        assert np.array_equal(fast.view(np.int32), per_pair.view(np.int32))


# -- For you: the candidate cache -----------------------------------------------------------------------------


def listed(recommendations):
    return [(rec.item.id, rec.source, round(rec.score, 9), rec.reason) for rec in recommendations]


def test_the_candidate_cache_gives_what_a_fresh_call_gives_and_follows_the_history(synthetic, monkeypatch):
    # The interests' neighbours are looked up (and kept) only above EXACT_CANDIDATE_LIMIT items: lower it, and
    # ask few neighbours, so that which items are candidates depends on the profile.
    monkeypatch.setattr(recommender, "EXACT_CANDIDATE_LIMIT", 10)
    store = synthetic.store
    settings = RecommendSettings(neighbours_per_interest=6, cohort_size=8)
    for item_id in synthetic.ids_of("beach")[:4]:
        store.record_play(item_id, seconds=60.0)
    now = time.time()
    CANDIDATES.forget(store)
    first = listed(Recommender(store, settings=settings).recommend(8, 0.3, now=now))
    later = listed(Recommender(store, settings=settings).recommend(8, 0.3, now=now + 3600))  # from the cache
    CANDIDATES.forget(store)
    assert later == listed(Recommender(store, settings=settings).recommend(8, 0.3, now=now + 3600))
    assert first and {synthetic.groups[item_id] for item_id, *_ in first[:3]} == {"beach"}

    for item_id in synthetic.ids_of("piano")[:6]:  # a new interest: the kept neighbours must not be reused
        store.record_play(item_id, seconds=60.0)
        store.set_feedback(item_id, 1)
    after = listed(Recommender(store, settings=settings).recommend(8, 0.0, now=now + 7200))
    CANDIDATES.forget(store)
    assert after == listed(Recommender(store, settings=settings).recommend(8, 0.0, now=now + 7200))
    assert "piano" in {synthetic.groups[item_id] for item_id, *_ in after}


def test_after_a_play_only_the_interest_it_joined_is_looked_up_again_and_the_list_is_made_from_scratch(
    synthetic, monkeypatch
):
    monkeypatch.setattr(recommender, "EXACT_CANDIDATE_LIMIT", 10)
    store = synthetic.store
    settings = RecommendSettings(neighbours_per_interest=6, cohort_size=8)
    beach, cooking = synthetic.ids_of("beach"), synthetic.ids_of("cooking")
    for item_id in beach[:3] + cooking[:3]:
        store.record_play(item_id, seconds=60.0)
    lookups = []
    knn = ItemMatrix.knn
    monkeypatch.setattr(
        ItemMatrix, "knn", lambda matrix, vector, k: lookups.append(k) or knn(matrix, vector, k)
    )
    now = time.time()
    CANDIDATES.forget(store)
    first = Recommender(store, settings=settings)
    first.recommend(8, 0.3, now=now)
    assert len(first.last_profile.interests) == 2 and len(lookups) == 2  # beach and cooking

    store.record_play(beach[3], seconds=60.0)  # joins the beach interest; cooking keeps its members
    lookups.clear()
    after_play = Recommender(store, settings=settings)
    kept = listed(after_play.recommend(8, 0.3, now=now + 60))
    assert len(lookups) == 1
    assert (
        beach[3]
        in after_play.last_profile.interests[0].item_ids + after_play.last_profile.interests[1].item_ids
    )
    CANDIDATES.forget(store)
    assert kept == listed(Recommender(store, settings=settings).recommend(8, 0.3, now=now + 60))
    assert len(lookups) == 3


def test_the_gate_learns_from_the_blocks_load_blocks_reads_with_the_cohort_kept(synthetic):
    store = synthetic.store
    layout = block_layout(store, current_item_space(store))
    key = candidate_key(store, layout.space.table_name)
    CANDIDATES.forget(store)
    chooser = Recommender(store, settings=RecommendSettings(cohort_size=8))
    cohort = chooser._cohort(layout, key, features=True)
    pending = store.add_item("/synthetic/new.mp4", "fp-new", 10, 1.0)  # no vector: left out by both
    ids = synthetic.ids_of("beach")[:5] + [pending] + list(cohort.ids[:4]) + synthetic.ids_of("piano")[:2]
    built, read = chooser._training_blocks(layout, key, ids), load_blocks(store, layout, ids)
    assert built.ids == read.ids and pending not in built.ids and set(cohort.ids[:4]) <= set(built.ids)
    assert np.array_equal(built.present, read.present) and np.array_equal(built.features, read.features)
    assert all(np.array_equal(built.vectors[m], read.vectors[m]) for m in MODALITIES)


@pytest.fixture()
def copied_library(indexed, offline_env, tmp_path):
    """A writable copy of the session's indexed library (real media, real models; that one must not change)."""
    import sqlite3

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    settings = load_settings(data_dir=data_dir, environ=offline_env)
    source, target = (
        sqlite3.connect(indexed.library.settings.database_path),
        sqlite3.connect(settings.database_path),
    )
    source.backup(target)
    source.close()
    target.close()
    library = Library(settings)
    yield library, indexed.media
    library.close()


def test_on_a_real_library_the_shelf_after_a_play_is_the_one_made_from_scratch(copied_library):
    from mediarec.app.shelf import for_you

    library, media = copied_library
    store = library.store
    ids = {Path(item.path).name: item.id for item in store.items(statuses=("indexed",))}
    store.record_play(ids[media.red_circle_video.name], seconds=7.0)
    store.record_play(ids[media.bread_speech_video.name], seconds=5.0)
    shown = [(card.row.id, card.source, card.reasons) for card in for_you(library, 6, 0.3)]
    store.record_play(ids[media.red_circle_sibling.name], seconds=5.0)  # what the shelf shows next
    after_play = [(card.row.id, card.source, card.reasons) for card in for_you(library, 6, 0.3)]
    CANDIDATES.forget(store)
    from_scratch = [(card.row.id, card.source, card.reasons) for card in for_you(library, 6, 0.3)]
    assert after_play == from_scratch and shown and after_play != shown


# -- the store's faster queries -------------------------------------------------------------------------------


def test_recently_added_walks_its_index_and_sorts_as_before(synthetic):
    store = synthetic.store
    ids = [row[0] for row in store.query("SELECT id FROM items ORDER BY id")]
    with store.transaction() as connection:  # ties in added_at, and the newest not the highest id
        for item_id in ids:
            connection.execute("UPDATE items SET added_at = ? WHERE id = ?", (1000.0 + item_id // 3, item_id))
        connection.execute("UPDATE items SET added_at = 5000.0, status = 'error' WHERE id = ?", (ids[-1],))
        connection.execute("UPDATE items SET added_at = 4000.0 WHERE id = ?", (ids[0],))
    rows = store.query("SELECT id, added_at FROM items WHERE status = 'indexed'")
    expected = [item_id for item_id, _ in sorted(rows, key=lambda row: (-row[1], -row[0]))][:10]
    assert [record.id for record in store.recently_added(10)] == expected
    plan = " ".join(
        str(row)
        for row in store.query(
            "EXPLAIN QUERY PLAN SELECT id FROM items WHERE status = 'indexed' "
            "ORDER BY added_at DESC, id DESC LIMIT 10"
        )
    )
    assert "items_status_added" in plan and "TEMP B-TREE" not in plan


def test_tag_counts_count_indexed_items_with_the_tag_applied(synthetic):
    store = synthetic.store
    beach, cooking = synthetic.ids_of("beach"), synthetic.ids_of("cooking")
    store.set_tags(
        [TagRecord(item_id, "surfing", "user", 1.0) for item_id in beach[:3]]  # a second source: counted once
        + [TagRecord(cooking[0], "surfing", "user", 1.0), TagRecord(cooking[1], "surfing", "audio", 0.01)]
        + [TagRecord(cooking[2], "surfing", "user", 1.0)]
    )
    store.mark_missing([cooking[2]])  # its user tag stays, and it is not counted
    with store.transaction() as connection:
        connection.execute("UPDATE items SET status = 'pending' WHERE id = ?", (beach[4],))
    rows = store.query(
        "SELECT t.item_id, t.name, t.score, i.status FROM tags t JOIN items i ON i.id = t.item_id"
    )
    expected: dict[str, set[int]] = {}
    for item_id, name, score, status in rows:
        if status == "indexed" and score >= APPLIED_TAG_SCORE:
            expected.setdefault(name, set()).add(item_id)
    names = ["surfing", "waves", "bread", "no such tag"]
    assert store.tag_counts(names) == {name: len(expected[name]) for name in names if name in expected}
    assert store.tag_counts(names)["surfing"] == len(
        beach
    )  # the beach items but the pending one, and cooking[0]


# -- what a re-run indexes -------------------------------------------------------------------------------------


def test_needing_indexing_picks_what_the_item_by_item_rule_picked(synthetic):
    store = synthetic.store
    models = {modality: model_id for modality, (model_id, _) in synthetic.layout.models.items()}
    ids = sorted(synthetic.groups)
    store.mark_error(ids[0], "could not decode")
    store.mark_missing([ids[1]])
    pending = store.add_item("/synthetic/new.mp4", "fp-new", 10, 1.0)
    items = store.items(statuses=("pending", "indexed", "error", "missing"))
    asked = []

    def current():
        asked.append(1)
        return wanted

    for wanted in (
        models,
        dict(models, speech="another-speech-model"),
        dict(models, frame="x", audio="y"),
        {},
    ):
        expected = [item.id for item in items if needs_indexing_per_item(store, item, wanted)]
        assert [item.id for item in needing_indexing(store, items, current)] == expected
    assert [item.id for item in needing_indexing(store, items, lambda: models)] == [pending]
    speaking = set(synthetic.ids_of("beach") + synthetic.ids_of("cooking")) - {ids[0], ids[1]}
    changed = needing_indexing(store, items, lambda: dict(models, speech="another-speech-model"))
    assert {item.id for item in changed} == speaking | {pending}
    only_pending = [item for item in items if item.status == "pending"]
    asked.clear()
    assert needing_indexing(store, only_pending, current) == only_pending and not asked  # no model asked for

"""The learned gate's training has a bound: a long history trains on its latest feedback pairs only, and a play
that makes no new pair finds the gate kept in the library instead of training again (recommend/gate_inputs.py).

Real SQLite libraries of items with known groups (synthetic_items.py), the real recommender and trainer."""

from __future__ import annotations

import time

import numpy as np
import pytest
from synthetic_items import build_synthetic_library

import mediarec.recommend.recommender as recommender_module
from mediarec.rank.fusion_scoring import library_calibration, remembered_gate
from mediarec.rank.gate_training import MAX_TRAINING_TRIPLETS, train_gate, triplets_from_pairs
from mediarec.rank.item_blocks import block_layout, current_item_space, load_blocks
from mediarec.recommend.gate_inputs import MAX_FEEDBACK_PAIRS
from mediarec.recommend.profile import History, feedback_pairs
from mediarec.recommend.recommender import Recommender

HOUR = 3600.0


@pytest.fixture()
def synthetic(tmp_path):
    library = build_synthetic_library(tmp_path / "library.sqlite3")
    yield library
    library.store.close()


def watch_sessions(store, sessions, start: float) -> None:
    """Each session's items watched to the end (the items last 60 s), a minute apart; sessions a day apart."""
    for number, items in enumerate(sessions):
        for offset, item_id in enumerate(items):
            store.record_play(item_id, seconds=60.0, started_at=start + number * 24 * HOUR + offset * 60.0)


def layout_of(store):
    return block_layout(store, current_item_space(store))


def test_a_short_history_trains_the_gate_it_trained_without_a_bound(synthetic):
    store = synthetic.store
    beach, cooking = synthetic.ids_of("beach"), synthetic.ids_of("cooking")
    sessions = [beach[0:4], cooking[0:4], beach[4:8], cooking[4:8], beach[8:12]]
    watch_sessions(store, sessions, time.time() - 10 * 24 * HOUR)
    history, now = History.from_store(store), time.time()
    pairs, turned_away = feedback_pairs(history, now)
    assert len(pairs) < MAX_FEEDBACK_PAIRS
    assert feedback_pairs(history, now, limit=MAX_FEEDBACK_PAIRS) == (pairs, turned_away)

    layout = layout_of(store)
    recommender = Recommender(store, "gated", remember_gate=False)
    bounded = recommender.train_gate(layout, history, now, library_calibration(store, layout))
    # Unbounded, as the recommender trained before: every touched item here is in a pair, so the negatives are
    # the cohort's other items either way.
    cohort = load_blocks(store, layout, limit=recommender.settings.cohort_size, features=False)
    negatives = [item_id for item_id in cohort.ids if item_id not in history.item_ids()]
    ids = list(dict.fromkeys([item for pair in pairs for item in pair] + negatives))
    blocks = load_blocks(store, layout, ids)
    triplets = triplets_from_pairs(blocks, pairs, negatives)
    assert len(triplets) < MAX_TRAINING_TRIPLETS
    unbounded = train_gate(blocks, triplets, calibration=library_calibration(store, layout))
    assert bounded.report == unbounded.report
    assert np.array_equal(bounded.biases, unbounded.biases)
    assert np.array_equal(bounded.theta, unbounded.theta)


def test_a_long_history_trains_on_its_latest_pairs_only(synthetic):
    store = synthetic.store
    rng = np.random.default_rng(3)
    groups = ("beach", "cooking", "football", "piano")
    sessions = [list(rng.choice(synthetic.ids_of(groups[n % 4]), 6, replace=False)) for n in range(60)]
    watch_sessions(store, [[int(item) for item in items] for items in sessions], time.time() - 70 * 24 * HOUR)
    history, now = History.from_store(store), time.time()
    every_pair, _ = feedback_pairs(history, now)
    assert len(every_pair) > MAX_FEEDBACK_PAIRS  # the bound bites

    latest, _ = feedback_pairs(history, now, limit=MAX_FEEDBACK_PAIRS)
    assert len(latest) == MAX_FEEDBACK_PAIRS
    recent_pairs: set[tuple[int, int]] = set()
    for items in reversed(sessions):  # the pairs of the latest sessions, as many as it takes
        if len(recent_pairs) >= MAX_FEEDBACK_PAIRS:
            break
        ordered = sorted(int(item) for item in items)
        recent_pairs |= {(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :]}
    assert set(latest) <= recent_pairs

    # For you as the shelf asks it (every item is finished, so the list is empty; the gate is still trained).
    Recommender(store).recommend(10)
    gate = remembered_gate(store, layout_of(store))
    assert gate is not None and 0 < gate.report.get("pairs", 0) <= MAX_TRAINING_TRIPLETS


def test_more_triplets_than_the_bound_train_on_a_sample_of_the_bound(synthetic):
    store = synthetic.store
    layout = layout_of(store)
    blocks = load_blocks(store, layout)
    pairs = [
        (a, b)
        for group in ("beach", "piano")
        for a in synthetic.ids_of(group)
        for b in synthetic.ids_of(group)
        if a < b
    ]
    negatives = synthetic.ids_of("cooking") + synthetic.ids_of("football")
    triplets = triplets_from_pairs(blocks, pairs, negatives)
    assert len(triplets) > 200
    gate = train_gate(blocks, triplets, max_triplets=200)
    assert gate.report["pairs"] == 200


def test_a_play_that_makes_no_pair_finds_the_kept_gate_and_one_in_a_session_trains_again(
    synthetic, monkeypatch
):
    """On the writer's side (Recommender.update_gate, which Library.learn_from_history runs after a play or a
    rating); For you itself scores with the kept gate and never trains once one is kept."""
    store = synthetic.store
    beach, cooking = synthetic.ids_of("beach"), synthetic.ids_of("cooking")
    start = time.time() - 5 * 24 * HOUR
    watch_sessions(store, [beach[0:5], cooking[0:5], beach[5:10]], start)
    trainings = []

    def counted(*args, **kwargs):
        trainings.append(1)
        return train_gate(*args, **kwargs)

    monkeypatch.setattr(recommender_module, "train_gate", counted)
    first = [rec.item.id for rec in Recommender(store).recommend(10)]
    assert first and len(trainings) == 1  # no gate kept yet: the first For you trains one
    assert not Recommender(store).update_gate() and len(trainings) == 1

    store.record_play(cooking[7], seconds=60.0)  # alone: its session has no other item
    assert not Recommender(store).update_gate()
    Recommender(store).recommend(10)
    assert len(trainings) == 1

    store.record_play(
        cooking[8], seconds=60.0, started_at=time.time() + 60.0
    )  # with the last one: a new pair
    Recommender(store).recommend(10)
    assert len(trainings) == 1  # For you scores with the kept gate until the writer trains the new one
    assert Recommender(store).update_gate() and len(trainings) == 2
    Recommender(store).recommend(10)
    assert len(trainings) == 2

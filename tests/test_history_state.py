"""For you after one new event is the list a from-scratch build gives: the history kept between calls
(recommend/history_state.py), the candidates kept (candidate_cache.py) and the gate trained on the writer's side
(Recommender.update_gate, which the app runs after each play and rating) against a recommender that reads the
whole history again and trains its own gate, with nothing kept.

Real SQLite libraries of items with known groups (synthetic_items.py), the real recommender and trainer."""

from __future__ import annotations

import time

import numpy as np
import pytest
from synthetic_items import build_synthetic_library

from mediarec.index.records import DISLIKE, LIKE, NO_FEEDBACK, NOT_INTERESTED
from mediarec.recommend import history_state
from mediarec.recommend.candidate_cache import CANDIDATES
from mediarec.recommend.history_state import kept_history
from mediarec.recommend.profile import History, engagements, raw_engagements
from mediarec.recommend.recommender import Recommender

HOUR = 3600.0


@pytest.fixture()
def synthetic(tmp_path):
    library = build_synthetic_library(tmp_path / "library.sqlite3")
    yield library
    library.store.close()


def listed(recommendations) -> list[tuple]:
    return [(r.item.id, r.source, r.reason, round(r.score, 9), r.resume_at) for r in recommendations]


def assert_kept_is_read_from_scratch(store) -> None:
    history, raw, _ = kept_history(store)
    fresh = History.from_store(store)
    assert history.plays == fresh.plays and history.feedback == fresh.feedback
    from_scratch = raw_engagements(fresh)
    assert list(raw) == list(from_scratch)  # the same items in the same order (ties in weight keep it)
    assert raw == from_scratch
    now = time.time()
    assert engagements(history, now, raw=raw) == engagements(fresh, now)


def test_the_kept_history_follows_plays_ratings_and_removals(synthetic):
    store = synthetic.store
    rng = np.random.default_rng(5)
    items = synthetic.ids_of("beach") + synthetic.ids_of("cooking") + synthetic.ids_of("piano")
    start = time.time() - 20 * 24 * HOUR
    assert_kept_is_read_from_scratch(store)
    for step in range(60):
        item_id = int(rng.choice(items))
        if step % 7 == 3:
            store.set_feedback(item_id, int(rng.choice([LIKE, DISLIKE, NOT_INTERESTED, NO_FEEDBACK])))
        else:  # plays come in any order of start time (a viewing recorded late, a session's earlier play)
            started = start + float(rng.uniform(0, 20 * 24 * HOUR))
            store.record_play(item_id, seconds=float(rng.uniform(1, 60)), started_at=started)
        if step % 5 == 0:
            assert_kept_is_read_from_scratch(store)
    assert_kept_is_read_from_scratch(store)

    with store.transaction() as connection:  # a play removed: everything is read again
        connection.execute("DELETE FROM plays WHERE id = (SELECT min(id) FROM plays)")
    assert_kept_is_read_from_scratch(store)
    with store.transaction() as connection:  # what removing a file does to its plays (ON DELETE SET NULL)
        connection.execute("UPDATE plays SET item_id = NULL WHERE item_id = ?", (items[0],))
    assert_kept_is_read_from_scratch(store)
    store.record_play(items[1], seconds=30.0)  # and appending goes on from there
    assert_kept_is_read_from_scratch(store)


def test_the_shelf_after_each_new_event_is_the_one_built_from_scratch(synthetic):
    store = synthetic.store
    beach, cooking, piano = (synthetic.ids_of(group) for group in ("beach", "cooking", "piano"))
    start = time.time() - 6 * 24 * HOUR
    for day, session in enumerate([beach[0:5], cooking[0:5], beach[5:9]]):
        for offset, item_id in enumerate(session):
            store.record_play(item_id, seconds=60.0, started_at=start + day * 24 * HOUR + offset * 60.0)
    Recommender(store).update_gate()
    Recommender(store).recommend(10)  # the shelf as shown: the history and candidates kept from here

    def play(item_id):  # the next item of today's session
        store.record_play(item_id, seconds=60.0, started_at=time.time())

    events = [
        lambda: play(beach[10]),
        lambda: play(beach[11]),  # in a session with the one before: new pairs, a new gate
        lambda: store.set_feedback(cooking[6], LIKE),
        lambda: store.set_feedback(beach[12], DISLIKE),
        lambda: store.set_feedback(piano[0], NOT_INTERESTED),
        lambda: store.record_play(piano[1], seconds=2.0, skipped=True),
        lambda: play(cooking[7]),
    ]
    trained = []
    for event in events:
        event()
        Recommender(store).update_gate()  # the writer's side (Library.learn_from_history)
        now = time.time()
        shelf = Recommender(store)
        kept = listed(shelf.recommend(12, 0.3, now=now))
        trained.append(bool(getattr(shelf.last_fusion, "trained", False)))
        CANDIDATES.forget(store)
        history_state.forget(store)
        scratch = Recommender(store, remember_gate=False)  # trains its own gate, reads everything
        assert kept == listed(scratch.recommend(12, 0.3, history=History.from_store(store), now=now))
        assert np.array_equal(shelf.last_fusion.biases, scratch.last_fusion.biases)
        assert np.array_equal(shelf.last_fusion.theta, scratch.last_fusion.theta)
    assert any(trained)  # the case where the gate matters was met


def test_for_you_scores_with_the_kept_gate_until_the_writer_trains_the_new_one(synthetic):
    store = synthetic.store
    beach = synthetic.ids_of("beach")
    start = time.time() - 2 * 24 * HOUR
    for offset, item_id in enumerate(beach[0:6]):
        store.record_play(item_id, seconds=60.0, started_at=start + offset * 60.0)
    Recommender(store).update_gate()
    before = Recommender(store)
    before.recommend(10)
    store.record_play(beach[6], seconds=60.0, started_at=start + 6 * 60.0)  # a new pair, no writer's training
    stale = Recommender(store)
    stale.recommend(10)
    assert stale.last_fusion.report == before.last_fusion.report
    assert Recommender(store).update_gate()
    assert not Recommender(store).update_gate()  # nothing new to learn from

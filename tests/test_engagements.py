"""Engagements (recommend/engagement.py) answers what For you asks of every engaged item exactly as making every
item's Engagement and sorting them all does: the same items, the same weights (bit for bit), the same order,
ties included; the kept columns (history_state.py) equal columns made from scratch after plays, ratings and
removals; the tag reasons weighed only for the shown items' tags are those of the whole tag profile; and the
library reads made cheaper (the count of indexed items, the spread sample) give what they gave.

Real SQLite libraries (synthetic_items.py) written through the store, as the desktop writes plays and ratings."""

from __future__ import annotations

import math
import time
from collections import defaultdict

import numpy as np
import pytest
from synthetic_items import build_synthetic_library

from mediarec.index.records import (
    APPLIED_TAG_SCORE,
    DISLIKE,
    LIKE,
    NO_FEEDBACK,
    NOT_INTERESTED,
    TagRecord,
)
from mediarec.rank.item_blocks import current_item_space
from mediarec.rank.item_matrix import item_matrix
from mediarec.recommend.engagement import EngagementColumns, Engagements
from mediarec.recommend.explain import MAX_TAG_SHARE, MAX_TAGS, TAG_PROFILE_ITEMS, Explainer
from mediarec.recommend.history_state import kept_history
from mediarec.recommend.profile import ENGAGED_COMPLETION, History, engagements, raw_engagements

DAY = 86400.0


@pytest.fixture()
def synthetic(tmp_path):
    library = build_synthetic_library(tmp_path / "library.sqlite3")
    yield library
    library.store.close()


def every_engagement(raw, now) -> dict:
    """What For you made before: every item's Engagement, in the mapping's order."""
    return {item_id: engagement.at(now) for item_id, engagement in raw.items()}


def assert_answers_as_sorting_everything(engaged: Engagements, now: float) -> None:
    every = every_engagement(engaged.raw, now)
    assert dict(engaged.items()) == every
    positive = sorted((e for e in every.values() if e.weight > 0), key=lambda e: -e.weight)
    for count in (None, 1, 3, 10, len(positive) - 1, len(positive), len(positive) + 5):
        expected = positive if count is None else positive[: max(count, 0)]
        assert engaged.strongest(count if count is None else max(count, 0)) == expected
    assert engaged.turned_away() == [
        e for e in sorted(every.values(), key=lambda e: e.weight) if e.weight < 0
    ]
    assert engaged.turned_away_ids() == [item_id for item_id, e in every.items() if e.weight < 0]
    assert engaged.excluded_ids() == {item_id for item_id, e in every.items() if e.excluded}
    resumable = sorted(
        (e for e in every.values() if e.resume_at is not None and not e.excluded), key=lambda e: -e.last_at
    )
    assert engaged.resumable(2) == resumable[:2]
    assert engaged.resumable(100) == resumable
    watched = {
        item_id
        for item_id, e in every.items()
        if e.weight > 0 and (e.feedback == LIKE or e.best_completion >= ENGAGED_COMPLETION)
    }
    assert engaged.watched_well(ENGAGED_COMPLETION) == watched


def assert_same_columns(kept: EngagementColumns, fresh: EngagementColumns) -> None:
    for name in EngagementColumns.__dataclass_fields__:
        assert np.array_equal(getattr(kept, name), getattr(fresh, name)), name


def write_history(store, items, rng, now: float, steps: int) -> None:
    """Plays of every kind (watched, finished, re-watched, skipped, started, long ago) and ratings."""
    for step in range(steps):
        item_id = int(rng.choice(items))
        if step % 6 == 5:
            store.set_feedback(item_id, int(rng.choice([LIKE, DISLIKE, NOT_INTERESTED, NO_FEEDBACK])))
            continue
        kind = step % 5
        started = now - float(rng.uniform(0, 90)) * DAY
        if kind == 0:
            store.record_play(item_id, seconds=2.0, skipped=True, started_at=started)
        elif kind == 1:
            store.record_play(item_id, seconds=60.0, started_at=started)  # finished
        else:
            store.record_play(item_id, seconds=float(rng.uniform(3, 50)), started_at=started)


def test_engagements_answer_what_sorting_every_engagement_gives(synthetic):
    store = synthetic.store
    rng = np.random.default_rng(11)
    now = time.time()
    items = list(synthetic.groups)
    write_history(store, items[:50], rng, now, 160)
    # Ties in weight (two items played at the same moment to the same point) and fades near underflow (plays of
    # the 1970s): a tie keeps the mapping's order, an underflowed weight is neither interest nor aversion.
    tied = items[50:54]  # untouched so far
    for item_id in tied[:2]:
        store.record_play(item_id, seconds=30.0, started_at=now - 3 * DAY)
    for item_id in tied[2:]:
        store.record_play(item_id, seconds=30.0, started_at=1000.0)
    store.record_play(tied[3], seconds=2.0, skipped=True, started_at=2000.0)
    store.set_feedback(tied[3], DISLIKE)  # an explicit "no" never fades away
    history = History.from_store(store)
    # Up to 40,000 days on: every fade underflows to 0 but the aversions' floor.
    for at in (now, now + 30 * DAY, now + 4000 * DAY, now + 40000 * DAY):
        assert_answers_as_sorting_everything(engagements(history, at), at)
    engaged = engagements(history, now)
    assert engaged[tied[0]].weight == engaged[tied[1]].weight > 0
    far = engagements(history, now + 40000 * DAY)
    assert far[tied[2]].weight == 0.0 and tied[2] not in {e.item_id for e in far.strongest()}
    assert far[tied[3]].weight < 0 and tied[3] in far.excluded_ids()
    assert not far.strongest()


def test_the_kept_columns_follow_plays_ratings_and_removals(synthetic):
    store = synthetic.store
    rng = np.random.default_rng(3)
    items = synthetic.ids_of("beach") + synthetic.ids_of("cooking")
    now = time.time()

    def check() -> None:
        history, raw, columns = kept_history(store)
        fresh = raw_engagements(History.from_store(store))
        assert list(raw) == list(fresh) and raw == fresh
        assert_same_columns(columns, EngagementColumns.of(fresh))
        assert_answers_as_sorting_everything(engagements(history, now, raw=raw, columns=columns), now)
        assert history.started_at == History.from_store(store).started_at

    check()
    for _ in range(6):
        write_history(store, items, rng, now, 12)
        check()
        check()  # nothing new: the kept answer as it was
    with store.transaction() as connection:  # a play removed: everything is read again
        connection.execute("DELETE FROM plays WHERE id = (SELECT max(id) FROM plays)")
    check()
    with store.transaction() as connection:  # what removing a file does to its plays
        connection.execute("UPDATE plays SET item_id = NULL WHERE item_id = ?", (items[0],))
    check()
    store.set_feedback(items[1], NO_FEEDBACK)
    check()


def whole_tag_profile(store, engaged) -> dict[str, float]:
    """The tag profile as For you weighed it before: every tag of the strongest engagements."""
    generic = Explainer(store, engaged)._is_generic
    total = max(1, store.count_items())
    positive = sorted((e for e in engaged.values() if e.weight > 0), key=lambda e: -e.weight)
    tagged = [(e, store.tags(e.item_id)) for e in positive[:TAG_PROFILE_ITEMS]]
    counts = store.tag_counts(tag.name for _, tags in tagged for tag in tags)
    weights: dict[str, float] = defaultdict(float)
    for engagement, tags in tagged:
        for tag in tags:
            common = total >= 20 and counts.get(tag.name, 0) > MAX_TAG_SHARE * total
            if tag.score >= APPLIED_TAG_SCORE and not common and not generic(tag.name):
                weights[tag.name] += engagement.weight * math.log(
                    1.0 + total / max(1, counts.get(tag.name, 1))
                )
    return dict(weights)


def test_tag_reasons_weighed_for_the_shown_items_are_the_whole_profiles(synthetic):
    store = synthetic.store
    rng = np.random.default_rng(8)
    items = list(synthetic.groups)
    now = time.time()
    extra = [f"theme{n}" for n in range(40)]  # tags across groups, some rare, one on most items (common)
    store.set_tags(
        [TagRecord(item_id, name, "visual", 0.8) for item_id in items for name in rng.choice(extra, 2)]
        + [TagRecord(item_id, "everywhere", "visual", 0.9) for item_id in items[: len(items) * 3 // 4]]
        + [TagRecord(item_id, "faint", "visual", 0.1) for item_id in items]
    )
    write_history(store, items[:40], rng, now, 120)
    engaged = engagements(History.from_store(store), now)
    weights = whole_tag_profile(store, engaged)
    assert "everywhere" not in weights and "faint" not in weights
    shown = [int(item_id) for item_id in rng.choice(items, 6, replace=False)]
    explainer = Explainer(store, engaged)
    explainer.weigh_tags_of(shown[:3])  # in two batches, as a list is explained, then one at a time
    reasons = []
    for item_id in shown:
        names = {tag.name for tag in store.tags(item_id) if tag.score >= APPLIED_TAG_SCORE}
        shared = sorted((n for n in names if n in weights), key=lambda n: (-weights[n], n))[:MAX_TAGS]
        reason = explainer.shared_tags(item_id)
        assert (reason.tags if reason else ()) == tuple(shared)
        reasons.append(reason)
    assert sum(reason is not None and len(reason.tags) > 1 for reason in reasons) >= 3
    assert set(explainer._tag_weights) < set(weights)  # only the shown items' tags were weighed


def test_the_cheaper_library_reads_give_what_they_gave(synthetic):
    """count_items() (the tag profile's total) and the spread sample (the cohort) as they were computed before."""
    store = synthetic.store
    with store.transaction() as connection:  # items in every other state
        for item_id, status in ((1, "missing"), (2, "error"), (3, "pending"), (4, "missing")):
            connection.execute("UPDATE items SET status = ? WHERE id = ?", (status, item_id))
    for status in ("indexed", "missing", "error", "pending"):
        (direct,) = store.query("SELECT count(*) FROM items WHERE status = ?", (status,))[0]
        assert store.count_items(status) == direct
    assert store.count_items() == len(synthetic.groups) - 4
    space = current_item_space(store)
    matrix = item_matrix(store, space)
    for limit in (5, 20, matrix.size - 1):
        ids, vectors = matrix.sample(limit)
        drawn = np.random.default_rng(matrix.size).choice(matrix.item_ids.tolist(), size=limit, replace=False)
        assert ids == sorted(drawn.tolist()) and np.array_equal(vectors, matrix.vectors_of(ids)[1])

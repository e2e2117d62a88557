"""Recommendation quality with simulated users, replayed through the real recommender.

Each simulated user likes one to three label groups and dislikes one. Their history is a replay over the last
three weeks in sessions: about half of every liked group watched (mostly to the end, some liked, a few dropped
half-way), a skip and a dislike in the disliked group, and one unrelated item watched a little. The other half of
the liked groups is held out: a good "For you" list puts those items in its top 10.

Metrics (top 10, averaged over users): hit rate (at least one held-out item), precision and nDCG against the
held-out items, catalogue coverage (share of the library recommended to anyone), intra-list diversity
(1 - mean pairwise cosine of the concatenated modality blocks, the same yardstick for every variant), groups per
list, and novelty (mean self-information -log2 p(item), p = share of users whose history holds the item).
Baselines: random unseen items, most watched items, and the cold start (the user's history ignored).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mediarec.evaluation.metrics import mean, ndcg_at, precision_at
from mediarec.evaluation.similar import item_layout
from mediarec.index.records import DISLIKE, LIKE, PlayRecord
from mediarec.rank.fusion_scoring import ConcatFusion
from mediarec.rank.item_blocks import load_blocks
from mediarec.recommend.profile import FeedbackEvent, History
from mediarec.recommend.recommender import Recommender

TOP = 10
DAY = 86400.0
MIN_GROUP_SIZE = 2  # one item watched, one held out


@dataclass(frozen=True)
class SimulatedUser:
    index: int
    liked_groups: tuple[str, ...]
    disliked_group: str | None
    history: History
    held_out: frozenset[int]


def simulate_users(
    groups: dict[int, str], durations: dict[int, float], count: int, *, now: float, seed: int = 0
) -> list[SimulatedUser]:
    rng = np.random.default_rng(seed)
    by_group: dict[str, list[int]] = {}
    for item_id, group in sorted(groups.items()):
        by_group.setdefault(group, []).append(item_id)
    eligible = sorted(group for group, ids in by_group.items() if len(ids) >= MIN_GROUP_SIZE)
    if len(eligible) < 2:
        return []
    users = []
    for index in range(count):
        liked = tuple(rng.choice(eligible, size=min(len(eligible) - 1, 1 + index % 3), replace=False))
        others = [group for group in eligible if group not in liked]
        disliked = str(rng.choice(others)) if others else None
        users.append(_simulate(index, liked, disliked, by_group, durations, now, rng))
    return users


def _simulate(index, liked, disliked, by_group, durations, now, rng) -> SimulatedUser:
    watched, held_out = [], []
    for group in liked:
        ids = list(rng.permutation(by_group[group]))
        half = max(1, len(ids) // 2)
        watched += ids[:half]
        held_out += ids[half:]
    watched = list(rng.permutation(watched))
    plays, feedback = [], []
    clock = now - 21 * DAY
    for position, item_id in enumerate(watched):
        if position % 4 == 0:
            clock += rng.uniform(0.5, 2.0) * DAY  # a new session
        duration = max(durations.get(item_id, 60.0), 1.0)
        completion = 1.0 if rng.random() < 0.8 else float(rng.uniform(0.5, 0.85))
        plays.append(_play(item_id, clock, duration, completion))
        if rng.random() < 0.4:
            feedback.append(FeedbackEvent(int(item_id), LIKE, clock + duration))
        clock += duration + 60.0
    if disliked is not None:
        bad = list(rng.permutation(by_group[disliked]))[:2]
        plays.append(_play(bad[0], clock, max(durations.get(bad[0], 60.0), 1.0), 0.02, skipped=True))
        feedback.append(FeedbackEvent(int(bad[-1]), DISLIKE, clock + 5.0))
    unrelated = [i for g, ids in by_group.items() if g not in liked and g != disliked for i in ids]
    if unrelated:
        item_id = int(rng.choice(unrelated))
        plays.append(_play(item_id, clock - 3 * DAY, max(durations.get(item_id, 60.0), 1.0), 0.3))
    return SimulatedUser(
        index,
        tuple(str(group) for group in liked),
        disliked,
        History(tuple(sorted(plays, key=lambda p: p.started_at)), tuple(feedback)),
        frozenset(int(i) for i in held_out),
    )


def _play(item_id, started, duration, completion, skipped=False) -> PlayRecord:
    return PlayRecord(
        int(item_id), float(started), 0.0, duration * completion, completion, completion >= 0.9, skipped
    )


# -- running the recommender and the baselines ------------------------------------------------------------------


def evaluate_recommendations(
    store,
    groups: dict[int, str],
    users: Sequence[SimulatedUser],
    *,
    variant: str = "gated",
    diversity: float = 0.3,
    now: float,
    seed: int = 0,
) -> dict:
    """The recommender's metrics, plus what happened to the learned gate (trained or fallen back)."""
    recommender = Recommender(store, variant, remember_gate=False)
    lists: list[list[int]] = []
    gates: Counter[str] = Counter()
    without_reason = 0
    for user in users:
        recommendations = recommender.recommend(TOP, diversity, history=user.history, now=now)
        lists.append([r.item.id for r in recommendations])
        fusion = recommender.last_fusion
        gates["trained" if getattr(fusion, "trained", False) else "fixed"] += 1
        without_reason += sum(1 for r in recommendations if not r.reasons)
    result = score_lists(store, groups, users, lists)
    result["without_reason"] = without_reason
    if variant == "gated":
        result["gate"] = dict(gates)
    return result


def baseline_lists(store, groups: dict[int, str], users: Sequence[SimulatedUser], kind: str, now, seed=0):
    rng = np.random.default_rng(seed)
    catalogue = sorted(groups)
    if kind == "cold start":
        recommender = Recommender(store, "weighted", remember_gate=False)
        return [
            [r.item.id for r in recommender.recommend(TOP, 0.3, history=History(), now=now)] for _ in users
        ]
    popularity = Counter(play.item_id for user in users for play in user.history.plays)
    lists = []
    for user in users:
        seen = {play.item_id for play in user.history.plays}
        unseen = [item_id for item_id in catalogue if item_id not in seen]
        if kind == "random":
            lists.append([int(i) for i in rng.permutation(unseen)[:TOP]])
        else:  # most watched by everyone
            lists.append(sorted(unseen, key=lambda item_id: (-popularity[item_id], item_id))[:TOP])
    return lists


def score_lists(store, groups, users: Sequence[SimulatedUser], lists: Sequence[list[int]]) -> dict:
    layout = item_layout(store)
    concat = ConcatFusion()
    popularity = Counter(item for user in users for item in {play.item_id for play in user.history.plays})
    hit, precision, ndcg, diversity, group_counts, novelty = [], [], [], [], [], []
    for user, ranked in zip(users, lists, strict=True):
        top = ranked[:TOP]
        hit.append(1.0 if set(top) & user.held_out else 0.0)
        precision.append(precision_at(top, user.held_out, TOP))
        ndcg.append(ndcg_at(top, user.held_out, TOP))
        group_counts.append(len({groups.get(item) for item in top}))
        novelty += [-math.log2((popularity[item] + 1) / (len(users) + 2)) for item in top]
        if len(top) > 1:
            blocks = load_blocks(store, layout, top, features=False)
            similarity = concat.pairwise(blocks, blocks)
            pairs = ~np.eye(len(blocks), dtype=bool)
            diversity.append(float(1.0 - similarity[pairs].mean()))
    recommended = {item for ranked in lists for item in ranked[:TOP]}
    return {
        "users": len(users),
        "hit_rate@10": round(mean(hit), 4),
        "precision@10": round(mean(precision), 4),
        "ndcg@10": round(mean(ndcg), 4),
        "coverage": round(len(recommended) / max(1, len(groups)), 4),
        "intra_list_diversity": round(mean(diversity), 4),
        "groups_in_top10": round(mean(group_counts), 3),
        "novelty_bits": round(mean(novelty), 3),
    }

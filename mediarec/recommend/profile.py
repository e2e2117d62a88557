"""What the user likes, from what they watched and rated: engagement per item, then several interests.

History lives in the library database (plays and feedback tables) and never depends on vectors, so it survives
re-indexing and model changes; the profile is rebuilt from it on demand against whatever vectors are current.

Engagement of an item: how far it was watched (a re-watch counts more, a skip in the first seconds counts
against it), a like lifts it, a dislike or "not interested" makes it an aversion; everything fades with a
half-life since the last time the user touched the item. Interests are clusters of the engaged items (average
linkage on fused similarity, the number of clusters chosen by silhouette), so a user who watches surfing and
cooking gets two directions instead of one average that points at neither.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mediarec.index.records import DISLIKE, LIKE, NOT_INTERESTED, PlayRecord
from mediarec.index.store import LibraryStore
from mediarec.rank.item_blocks import MODALITIES, ItemBlocks, synthetic_blocks
from mediarec.recommend.engagement import (
    HALF_LIFE_DAYS,
    EngagementColumns,
    Engagements,
    FeedbackEvent,
    RawEngagement,
    raw_engagement,
)

FEEDBACK_NAMES = {LIKE: "like", DISLIKE: "dislike", NOT_INTERESTED: "not interested"}
MAX_PROFILE_ITEMS = 200
MAX_INTERESTS = 6
MIN_SILHOUETTE = 0.1
SESSION_GAP_SECONDS = 3 * 3600.0
ENGAGED_COMPLETION = 0.6


@dataclass(frozen=True)
class History:
    """Plays and ratings; read from the library, or built by a simulation replaying a user."""

    plays: tuple[PlayRecord, ...] = ()
    feedback: tuple[FeedbackEvent, ...] = ()

    @classmethod
    def from_store(cls, store: LibraryStore) -> History:
        plays = tuple(play for play in store.plays() if play.item_id is not None)
        feedback = tuple(FeedbackEvent(*record) for record in store.feedback_records())
        return cls(plays, feedback)

    @property
    def is_empty(self) -> bool:
        return not self.plays and not self.feedback

    def item_ids(self) -> set[int]:
        played = {play.item_id for play in self.plays if play.item_id is not None}
        return played | {event.item_id for event in self.feedback}

    @cached_property  # read on every For-you call; history_state keeps the History while nothing changes
    def started_at(self) -> float:
        """When the user first watched or rated anything (infinity for an empty history)."""
        first_play = min((p.started_at for p in self.plays), default=float("inf"))
        return min([first_play] + [f.at for f in self.feedback])

    def signature(self) -> str:
        last = max([p.started_at for p in self.plays] + [f.at for f in self.feedback], default=0.0)
        return f"{len(self.plays)}:{len(self.feedback)}:{last:.3f}"


def engagements(
    history: History,
    now: float | None = None,
    half_life_days: float = HALF_LIFE_DAYS,
    *,
    raw: Mapping[int, RawEngagement] | None = None,
    columns: EngagementColumns | None = None,
) -> Engagements:
    """item id -> Engagement for every item the history touches, each made when read (engagement.py). `raw`:
    raw_engagements(history), when the caller keeps it (history_state.py), in its order, and `columns` its
    EngagementColumns."""
    now = time.time() if now is None else now
    if raw is None:
        raw, columns = raw_engagements(history), None
    return Engagements(raw, now, half_life_days, columns)


def raw_engagements(history: History) -> dict[int, RawEngagement]:
    plays_by_item: dict[int, list[PlayRecord]] = defaultdict(list)
    for play in history.plays:
        if play.item_id is not None:  # a removed file's play (from_store leaves them out)
            plays_by_item[play.item_id].append(play)
    feedback = {event.item_id: event for event in sorted(history.feedback, key=lambda e: e.at)}
    return {
        item_id: raw_engagement(item_id, plays_by_item.get(item_id, []), feedback.get(item_id))
        for item_id in set(plays_by_item) | set(feedback)
    }


# -- interests ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interest:
    members: tuple[tuple[int, float], ...]  # (item id, engagement weight), strongest first
    share: float  # of the whole profile's positive weight

    @property
    def item_ids(self) -> tuple[int, ...]:
        return tuple(item_id for item_id, _ in self.members)


@dataclass(frozen=True)
class Profile:
    engagements: Engagements
    interests: tuple[Interest, ...]
    centroids: ItemBlocks | None  # one row per interest
    aversions: tuple[tuple[int, float], ...]  # (item id, strength > 0)
    members: ItemBlocks | None  # blocks of every positively engaged item

    @property
    def is_cold(self) -> bool:
        return not self.interests

    def centroid_blocks(self) -> ItemBlocks:
        """The interests' centroids; a profile with interests (not is_cold) always has them."""
        if self.centroids is None:
            raise ValueError("a cold profile has no interest centroids")
        return self.centroids

    def member_blocks(self) -> ItemBlocks:
        """The positively engaged items' blocks; a profile with interests (not is_cold) always has them."""
        if self.members is None:
            raise ValueError("a cold profile has no engaged items")
        return self.members


def build_profile(
    blocks_of,
    history: History,
    fusion,
    *,
    now: float | None = None,
    engaged: Engagements | None = None,
) -> Profile:
    """`blocks_of(ids)` gives the ItemBlocks of the items that have vectors; `fusion` scores pairs; `engaged` is
    engagements(history, now) when the caller has it."""
    engaged = engagements(history, now) if engaged is None else engaged
    positive = engaged.strongest(MAX_PROFILE_ITEMS)
    aversions = tuple((e.item_id, -e.weight) for e in engaged.turned_away())
    if not positive:
        return Profile(engaged, (), None, aversions, None)
    members = blocks_of([e.item_id for e in positive])
    if len(members) == 0:
        return Profile(engaged, (), None, aversions, None)
    weights = np.array([engaged[item_id].weight for item_id in members.ids], dtype=np.float32)
    labels = cluster(fusion.pairwise(members, members))
    interests, centroids = _interests(members, weights, labels)
    return Profile(engaged, interests, centroids, aversions, members)


def cluster(similarity: np.ndarray) -> np.ndarray:
    """Cluster labels from a similarity matrix: average linkage, k by best silhouette (1 if none is clear)."""
    count = len(similarity)
    if count < 3:
        return np.zeros(count, dtype=int)
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    symmetric = (similarity + similarity.T) / 2.0
    # Fused similarities may be calibrated (standard deviations, not cosines): distance from the highest value
    # keeps any scale, and the silhouette that picks k does not depend on it.
    distance = np.maximum(symmetric.max() - symmetric, 0.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    best_labels, best_score = np.zeros(count, dtype=int), MIN_SILHOUETTE
    for k in range(2, min(MAX_INTERESTS, count - 1) + 1):
        labels = fcluster(tree, k, criterion="maxclust") - 1
        if len(set(labels)) < 2:
            continue
        score = silhouette(distance, labels)
        if score > best_score:
            best_labels, best_score = labels, score
    return best_labels


def silhouette(distance: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of a clustering given pairwise distances (singletons count 0, as in scikit-learn). One
    product for every item's summed distance to every cluster instead of a loop over items (200 items and 5
    candidate k cost ~50 ms that way)."""
    names, column = np.unique(labels, return_inverse=True)
    if len(names) < 2:
        return 0.0  # no other cluster to compare with
    member = np.zeros((len(labels), len(names)))
    member[np.arange(len(labels)), column] = 1.0
    sizes = member.sum(0)
    totals = distance @ member  # [n, clusters]: each item's summed distance to each cluster (0 to itself)
    rows = np.arange(len(labels))
    own_size = sizes[column]
    inside = totals[rows, column] / np.maximum(own_size - 1, 1)
    means = totals / sizes
    means[rows, column] = np.inf
    outside = means.min(1)
    values = (outside - inside) / np.maximum(np.maximum(inside, outside), 1e-9)
    return float(np.where(own_size > 1, values, 0.0).mean())


def _interests(members: ItemBlocks, weights: np.ndarray, labels: np.ndarray):
    interests, vectors, present, features = [], defaultdict(list), [], []
    total = float(weights.sum())
    for label in sorted(set(labels), key=lambda value: -weights[labels == value].sum()):
        rows = np.flatnonzero(labels == label)
        rows = rows[np.argsort(-weights[rows], kind="stable")]
        member_weights = weights[rows]
        interests.append(
            Interest(
                tuple((members.ids[r], float(w)) for r, w in zip(rows, member_weights, strict=True)),
                float(member_weights.sum() / total),
            )
        )
        has = members.present[rows]
        present.append(has.any(0))
        for index, modality in enumerate(MODALITIES):
            mean = (member_weights[:, None] * members.vectors[modality][rows] * has[:, index][:, None]).sum(0)
            norm = np.linalg.norm(mean)
            vectors[modality].append(mean / norm if norm > 0 else mean)
        features.append((member_weights[:, None] * members.features[rows]).sum(0) / member_weights.sum())
    centroids = synthetic_blocks(
        [-(index + 1) for index in range(len(interests))],
        {m: np.stack(v).astype(np.float32) for m, v in vectors.items()},
        np.stack(present),
        np.stack(features).astype(np.float32),
    )
    return tuple(interests), centroids


# -- feedback pairs for the learned fusion ----------------------------------------------------------------------


def feedback_pairs(
    history: History,
    now: float | None = None,
    *,
    engaged: Engagements | None = None,
    limit: int | None = None,
) -> tuple[list[tuple[int, int]], list[int]]:
    """Positive pairs (watched in one session and both liked or mostly watched) and the items the user turned
    away from (disliked, not interested, skipped). `engaged`: engagements(history, now), when the caller has it.
    With `limit`, at most that many of each, the most recent (the pairs of the latest sessions, the items turned
    away from last), in the order the whole history would list them: a history under the limit gives what it gave
    without one, and a long one's pairs cost what the limit's cost (gathered from the newest session back)."""
    engaged = engagements(history, now) if engaged is None else engaged
    good = engaged.watched_well(ENGAGED_COMPLETION)  # liked or mostly watched
    pairs: set[tuple[int, int]] = set()
    for session in reversed(_sessions(history.plays)):
        for pair in _pairs(sorted({item for item in session if item in good})):
            if limit is not None and len(pairs) >= limit:
                break
            pairs.add(pair)
        if limit is not None and len(pairs) >= limit:
            break
    bad = engaged.turned_away_ids()
    if limit is not None and len(bad) > limit:
        recent = set(sorted(bad, key=lambda item_id: (-engaged[item_id].last_at, item_id))[:limit])
        bad = [item_id for item_id in bad if item_id in recent]
    return sorted(pairs), bad


def _pairs(ids: Sequence[int]) -> Iterable[tuple[int, int]]:
    for index, first in enumerate(ids):
        for second in ids[index + 1 :]:
            yield first, second


def _sessions(plays: Sequence[PlayRecord]) -> list[list[int]]:
    sessions: list[list[int]] = []
    last = None
    for play in sorted(plays, key=lambda p: p.started_at):
        if play.item_id is None:  # a removed file's play (History.from_store leaves them out)
            continue
        if last is None or play.started_at - last > SESSION_GAP_SECONDS:
            sessions.append([])
        sessions[-1].append(play.item_id)
        last = play.started_at + play.seconds
    return sessions

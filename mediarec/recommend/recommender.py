""" "For you": candidates near each interest, continue watching and fresh items, re-ranked, each with a reason.

1. Profile from history (profile.py): interests (clusters of engaged items) and aversions (disliked, not
   interested, skipped).
2. Candidates: the nearest items to each interest (KNN in the fused item space), what the user started and did
   not finish, the newest items, and a spread sample of the library (which is also the cohort that calibrates
   scores: a similarity counts by how far it stands above what a random item of this library reaches).
3. Score: the best interest's calibrated similarity (a stronger interest gets a small head start), minus how
   close the item is to something the user turned away from, plus a bonus for new items. Finished and
   rated-down items are left out (novelty).
4. Re-rank with maximal marginal relevance: diversity 0 is pure relevance, 1 is "as different as possible from
   what is already on the list".
Cold start (no history): the newest items and a diverse spread over the library, re-ranked the same way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from mediarec.index.records import ItemRecord
from mediarec.index.store import LibraryStore
from mediarec.rank.fusion_scoring import (
    DEFAULT_FUSION,
    GatedFusion,
    library_calibration,
    make_fusion,
    needs_features,
    remember_gate,
    remembered_gate,
)
from mediarec.rank.gate_training import MIN_TRAINING_PAIRS, train_gate, triplets_from_pairs
from mediarec.rank.item_blocks import (
    BlockLayout,
    ItemBlocks,
    block_layout,
    current_item_space,
    load_blocks,
)
from mediarec.rank.item_matrix import item_matrix
from mediarec.recommend.candidate_cache import CANDIDATES, CandidateKey, candidate_key, interest_key
from mediarec.recommend.diversity import mmr
from mediarec.recommend.explain import Explainer, Reason
from mediarec.recommend.gate_inputs import GateInputs, gate_inputs
from mediarec.recommend.history_state import kept_history
from mediarec.recommend.pool import calibrated_similarity, closest_members, mmr_shortlist
from mediarec.recommend.profile import History, Profile, build_profile, engagements

DEFAULT_DIVERSITY = 0.3
EXACT_CANDIDATE_LIMIT = 3000  # items; below this every item is a candidate
COLD_START_MIN_DIVERSITY = 0.5
MMR_SHORTLIST = 300


@dataclass(frozen=True)
class RecommendSettings:
    neighbours_per_interest: int = 100
    cohort_size: int = 200
    fresh_items: int = 20
    fresh_days: float = 14.0
    fresh_bonus: float = 1.0  # in calibrated units (standard deviations above a random item)
    aversion_strength: float = 1.0
    interest_head_start: float = 0.5  # times log(share / largest share), in calibrated units
    continue_slots: int = 2
    min_reason_z: float = 1.0  # below this, "because you watched X" would be a stretch


@dataclass(frozen=True)
class Recommendation:
    item: ItemRecord
    score: float
    reasons: tuple[Reason, ...]
    source: str  # "continue", "interest", "new", "explore"
    resume_at: float | None = None

    @property
    def reason(self) -> str:
        return "; ".join(reason.text for reason in self.reasons)

    def to_json(self) -> dict:
        return {
            **self.item.summary_json(),
            "score": round(float(self.score), 4),
            "source": self.source,
            "reason": self.reason,
            "reasons": [reason.to_json() for reason in self.reasons],
            "resume_at": None if self.resume_at is None else round(self.resume_at, 2),
        }


@dataclass
class _Pool:
    blocks: ItemBlocks
    relevance: np.ndarray  # [N] final score
    by_interest: np.ndarray  # [I, N] score against each interest
    calibrated: np.ndarray  # [N] calibrated similarity to the best interest


class Recommender:
    def __init__(
        self,
        store: LibraryStore,
        fusion_variant: str = DEFAULT_FUSION,
        *,
        settings: RecommendSettings | None = None,
        remember_gate: bool = True,
    ):
        self.store = store
        self.fusion_variant = fusion_variant
        self.settings = settings or RecommendSettings()
        self.remember_gate = remember_gate
        self.last_fusion = None
        self.last_profile: Profile | None = None
        self._features = False  # whether the scorer reads item features (a trained gate)

    def recommend(
        self,
        limit: int = 10,
        diversity: float = DEFAULT_DIVERSITY,
        *,
        history: History | None = None,
        now: float | None = None,
    ) -> list[Recommendation]:
        if not 0.0 <= diversity <= 1.0:
            raise ValueError(f"diversity must be between 0 and 1, got {diversity}")
        space = current_item_space(self.store)
        if space is None or limit <= 0:
            return []
        layout = block_layout(self.store, space)
        now = time.time() if now is None else now
        if history is None:  # the library's, kept between calls (history_state.py)
            history, raw, columns = kept_history(self.store)
            engaged = engagements(history, now, raw=raw, columns=columns)
        else:
            engaged = engagements(history, now)  # once: the gate's pairs and the profile both read it
        fusion = self.fusion_for(layout, history, now, engaged=engaged)
        self._features = needs_features(fusion)
        profile = build_profile(
            lambda ids: load_blocks(self.store, layout, ids, features=self._features),
            history,
            fusion,
            now=now,
            engaged=engaged,
        )
        self.last_fusion, self.last_profile = fusion, profile
        if profile.is_cold:
            return self._cold_start(layout, fusion, profile, limit, diversity, now)
        return self._for_you(layout, fusion, profile, limit, diversity, now, history)

    # -- fusion -------------------------------------------------------------------------------------------------

    def fusion_for(self, layout: BlockLayout, history: History, now: float, *, engaged=None):
        """The scorer of the chosen variant. The gated one is the gate the library keeps (remembered under what it
        learned from, gate_inputs.py), trained on the writer's side after each play or rating (update_gate), so a
        request never waits for a training: when the history changed where no writer trained (another program,
        an old library) or the vectors changed (an indexed file), it scores with the gate kept last until the
        next play or rating trains the new one. Only a library that keeps no gate yet trains one here, once; a
        recommender that remembers nothing (a simulated user) trains its own on every call."""
        calibration = library_calibration(self.store, layout)
        if self.fusion_variant != "gated":
            return make_fusion(self.fusion_variant, calibration)
        if history.is_empty:  # nothing to learn from: the fixed weights, and nothing written
            return GatedFusion.fallback(reason="no history yet", calibration=calibration)
        if not self.remember_gate:
            return self.train_gate(layout, history, now, calibration, engaged=engaged)
        kept = remembered_gate(self.store, layout)
        if kept is not None:
            return kept
        return self._learn(layout, history, now, calibration, engaged)

    def update_gate(self, *, now: float | None = None) -> bool:
        """Train the gate on the history as it is now, unless the library keeps the one for exactly these inputs
        (the writer's side: Library.learn_from_history after a play or a rating). True when it trained."""
        space = current_item_space(self.store)
        if self.fusion_variant != "gated" or not self.remember_gate or space is None or self.store.read_only:
            return False
        layout = block_layout(self.store, space)
        history, raw, columns = kept_history(self.store)
        if history.is_empty:
            return False
        now = time.time() if now is None else now
        engaged = engagements(history, now, raw=raw, columns=columns)
        inputs = self.gate_inputs(layout, history, now, engaged=engaged)
        if remembered_gate(self.store, layout, inputs.signature) is not None:
            return False
        self._learn(layout, history, now, library_calibration(self.store, layout), engaged, inputs)
        return True

    def _learn(
        self, layout, history, now, calibration, engaged, inputs: GateInputs | None = None
    ) -> GatedFusion:
        inputs = inputs or self.gate_inputs(layout, history, now, engaged=engaged)
        gate = self.train_gate(layout, history, now, calibration, engaged=engaged, inputs=inputs)
        remember_gate(self.store, layout, inputs.signature, gate)
        return gate

    def gate_inputs(self, layout: BlockLayout, history: History, now: float, *, engaged=None) -> GateInputs:
        key = candidate_key(self.store, layout.space.table_name)
        cohort = self._cohort(layout, key, features=False)
        return gate_inputs(history, now, cohort.ids, key, engaged=engaged)

    def train_gate(
        self,
        layout: BlockLayout,
        history: History,
        now: float,
        calibration=None,
        *,
        engaged=None,
        inputs: GateInputs | None = None,
    ) -> GatedFusion:
        if inputs is None:
            inputs = self.gate_inputs(layout, history, now, engaged=engaged)
        if not inputs.pairs:
            return GatedFusion.fallback(reason="no items watched together yet", calibration=calibration)
        ids = inputs.item_ids()
        # Triplets need only which items have vectors; too few, and train_gate falls back before it reads the
        # items' features (three queries an item, ~11 ms for the cohort at 10^5 items).
        present = load_blocks(self.store, layout, ids, features=False)
        triplets = triplets_from_pairs(present, inputs.pairs, inputs.negatives)
        if len(triplets) < MIN_TRAINING_PAIRS:
            return train_gate(present, triplets, calibration=calibration)
        key = candidate_key(self.store, layout.space.table_name)
        return train_gate(self._training_blocks(layout, key, ids), triplets, calibration=calibration)

    def _training_blocks(self, layout: BlockLayout, key: CandidateKey, ids: list[int]) -> ItemBlocks:
        """load_blocks(ids) with features, the cohort's rows (most of them) taken from the kept cohort."""
        cohort = self._cohort(layout, key, features=True)
        kept = set(cohort.ids)
        merged = ItemBlocks.concatenate(
            [cohort, load_blocks(self.store, layout, [item_id for item_id in ids if item_id not in kept])]
        )
        row_of = {item_id: row for row, item_id in enumerate(merged.ids)}
        return merged.take([row_of[item_id] for item_id in dict.fromkeys(ids) if item_id in row_of])

    def _cohort(self, layout: BlockLayout, key: CandidateKey, *, features: bool) -> ItemBlocks:
        """The random sample of the library that calibrates scores (and gives the gate its negatives), kept."""
        size = self.settings.cohort_size
        return CANDIDATES.remembered(
            self.store,
            key,
            ("cohort", size, features),
            lambda: load_blocks(self.store, layout, limit=size, features=features),
        )

    # -- with a profile -----------------------------------------------------------------------------------------

    def _for_you(
        self, layout, fusion, profile: Profile, limit, diversity, now, history: History
    ) -> list[Recommendation]:
        settings = self.settings
        key = candidate_key(self.store, layout.space.table_name)
        explainer = Explainer(self.store, profile.engagements)
        resumable = profile.engagements.resumable(settings.continue_slots)
        results = self._continue_watching(resumable, explainer, limit)
        excluded = profile.engagements.excluded_ids() | {result.item.id for result in results}
        cohort = self._cohort(layout, key, features=self._features)
        history_start = history.started_at
        # "New" means new since the user started watching, not everything a first scan just added.
        fresh = {
            record.id: record
            for record in self.store.recently_added(settings.fresh_items)
            if record.added_at > history_start and now - record.added_at < settings.fresh_days * 86400.0
        }
        candidate_ids = self._candidate_ids(layout, profile, cohort, fresh, key)
        wanted = [item_id for item_id in candidate_ids if item_id not in excluded]
        candidates = load_blocks(self.store, layout, wanted, features=self._features)
        if len(candidates) == 0:
            return results
        pool = self._score(layout, fusion, profile, candidates, cohort, fresh, now)
        rows = mmr_shortlist(pool.by_interest, candidates.ids, set(cohort.ids), MMR_SHORTLIST)
        shortlist = candidates.take(rows)
        # Calibrated relevance -> [0, 1] by the normal CDF: a clear match is near 1, a random item near 0.5, an
        # item close to a dislike near 0, so diversity brings in other directions, never what was turned down.
        relevance = ndtr(pool.relevance[rows])
        picks = mmr(relevance, fusion.pairwise(shortlist, shortlist), limit - len(results), diversity)
        order = [rows[pick] for pick in picks]
        records = self.store.items_by_ids([candidates.ids[row] for row in order])
        closest = dict(zip(order, closest_members(fusion, profile, candidates.take(order)), strict=True))
        explainer.weigh_tags_of(candidates.ids[row] for row in order)  # the cards' tags weighed at once
        for row in order:
            record = records.get(candidates.ids[row])
            if record is None or record.status != "indexed":
                continue
            reasons, source = self._reasons(row, record, pool, closest, explainer, fresh, now)
            results.append(Recommendation(record, float(pool.relevance[row]), reasons, source))
        return results[:limit]

    def _continue_watching(self, resumable, explainer: Explainer, limit: int) -> list[Recommendation]:
        records = self.store.items_by_ids([e.item_id for e in resumable])
        results: list[Recommendation] = []
        for engagement in resumable:
            record = records.get(engagement.item_id)
            if record is None or record.status != "indexed" or len(results) >= limit:
                continue
            reason = explainer.resume(record, engagement.resume_at)
            results.append(Recommendation(record, 1.0, (reason,), "continue", engagement.resume_at))
        return results

    def _candidate_ids(self, layout, profile: Profile, cohort: ItemBlocks, fresh, key) -> list[int]:
        matrix = item_matrix(self.store, layout.space)
        if matrix.size <= EXACT_CANDIDATE_LIMIT:
            return matrix.item_ids.tolist()
        neighbours = self._interest_neighbours(matrix, layout, profile, key)
        return list(dict.fromkeys(list(cohort.ids) + list(fresh) + neighbours))

    def _interest_neighbours(self, matrix, layout, profile: Profile, key: CandidateKey) -> list[int]:
        """The nearest items to each interest, interest by interest (the strongest first). Each interest's are
        kept under what its centroid is made of (candidate_cache.interest_key), so after a play only the interests
        it changed are looked up again, all in one read of the sketch (ItemMatrix.knn_each: the answers knn gives
        each one alone, bit for bit)."""
        centroids = profile.centroid_blocks()
        count = min(matrix.size, self.settings.neighbours_per_interest)
        names = [("neighbours", count, interest_key(interest)) for interest in profile.interests]
        found = {name: CANDIDATES.kept(self.store, key, name) for name in names}
        missing = [row for row, name in enumerate(names) if found[name] is None]
        if missing:
            queries = np.zeros((len(missing), layout.space.dim), dtype=np.float32)
            for index, row in enumerate(missing):
                for modality, (start, end) in layout.spans.items():
                    queries[index, start:end] = centroids.vectors[modality][row]
            for row, neighbours in zip(missing, matrix.knn_each(queries, count), strict=True):
                ids = [item_id for _, item_id, _ in neighbours]
                found[names[row]] = CANDIDATES.remember(self.store, key, names[row], ids)
        return [item_id for name in names for item_id in found[name]]

    def _score(
        self, layout, fusion, profile: Profile, candidates: ItemBlocks, cohort: ItemBlocks, fresh, now
    ) -> _Pool:
        settings = self.settings
        interest_z = calibrated_similarity(fusion, profile.centroid_blocks(), candidates, cohort)  # [I, N]
        shares = np.array([interest.share for interest in profile.interests])
        head_start = settings.interest_head_start * np.log(shares / shares.max())
        boosted = interest_z + head_start[:, None]
        best = boosted.argmax(0)
        relevance = boosted.max(0)
        calibrated = interest_z[best, np.arange(len(best))]
        if profile.aversions:
            aversion_ids = [item_id for item_id, _ in profile.aversions]
            strength = dict(profile.aversions)
            aversion_blocks = load_blocks(self.store, layout, aversion_ids, features=self._features)
            if len(aversion_blocks):
                aversion_z = calibrated_similarity(fusion, aversion_blocks, candidates, cohort)
                weights = np.array([strength[item_id] for item_id in aversion_blocks.ids])[:, None]
                relevance = relevance - settings.aversion_strength * (
                    weights * np.maximum(aversion_z, 0)
                ).max(0)
        for row, item_id in enumerate(candidates.ids):
            record = fresh.get(item_id)
            if record is not None and item_id not in profile.engagements:
                age_days = max(0.0, now - record.added_at) / 86400.0
                relevance[row] += settings.fresh_bonus * np.exp(-age_days / settings.fresh_days)
        return _Pool(candidates, relevance, boosted, calibrated)

    def _reasons(self, row, record, pool: _Pool, closest, explainer, fresh, now):
        reasons: list[Reason] = []
        source = "explore"
        # An item is never its own reason ("because you liked X" on X: liked, never played, still a candidate).
        if pool.calibrated[row] >= self.settings.min_reason_z and closest[row] != record.id:
            reasons.append(explainer.because(closest[row]))
            source = "interest"
        tags = explainer.shared_tags(record.id)
        if tags is not None:
            reasons.append(tags)
            source = "interest" if source == "explore" else source
        if record.id in fresh and record.id not in explainer.engagements:
            reasons.append(explainer.new(record, now))
            source = "new" if source == "explore" else source
        if not reasons:
            reasons.append(explainer.explore())
        return tuple(reasons), source

    # -- cold start ---------------------------------------------------------------------------------------------

    def _cold_start(self, layout, fusion, profile, limit, diversity, now) -> list[Recommendation]:
        recent = self.store.recently_added(max(limit, self.settings.fresh_items))
        spread = load_blocks(self.store, layout, limit=max(500, limit), features=False)
        ids = list(dict.fromkeys([record.id for record in recent] + list(spread.ids)))
        excluded = profile.engagements.excluded_ids()
        candidates = load_blocks(
            self.store,
            layout,
            [item_id for item_id in ids if item_id not in excluded],
            features=self._features,
        )
        if len(candidates) == 0:
            return []
        recency_rank = {record.id: rank for rank, record in enumerate(recent)}
        relevance = np.array(
            [
                np.exp(-recency_rank[item_id] / 5.0) if item_id in recency_rank else 0.0
                for item_id in candidates.ids
            ]
        )
        similarity = fusion.pairwise(candidates, candidates)
        order = mmr(relevance, similarity, limit, max(diversity, COLD_START_MIN_DIVERSITY))
        records = self.store.items_by_ids([candidates.ids[row] for row in order])
        explainer = Explainer(self.store, profile.engagements)
        results = []
        for row in order:
            record = records.get(candidates.ids[row])
            if record is None:
                continue
            if record.id in recency_rank and recency_rank[record.id] < max(3, limit // 3):
                reason, source = explainer.new(record, now), "new"
            else:
                reason, source = explainer.explore(cold=True), "explore"
            results.append(Recommendation(record, float(relevance[row]), (reason,), source))
        return results

"""Fusion ablation: (a) concatenation, (b) fixed-weight mean of calibrated similarities, (c) the per-item
attention (each block weighed by how much it has to say) with its gate untrained and learned from feedback, and,
for reference, (b) on raw cosines and the indexer's stored fused vector (weighted concatenation) — on "more like
this" and on "For you". With the kinds of items, each "more like this" variant is also set against every single
modality per kind (evaluation/similar.py, versus_single). "More like this" scores each variant as the product does
(fusion_scoring.like_this_scores: the attention and gated variants from the asking item's side, the others as
pairs); "For you" scores pairs.

"More like this" is measured on held-out items: the items are split in two folds by id; the gate learns from the
simulated users' feedback pairs among fold-A items only (watched in one session and both liked or mostly
watched, against the items they turned away from and random fold-A items), and every variant is scored on the
fold-B items asking for more like themselves. "For you" runs each variant for every simulated user (the gated one
trains on that user's own history, as in the app, and falls back to (b) when the history is too thin).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from mediarec.evaluation.recommend_eval import SimulatedUser, evaluate_recommendations
from mediarec.evaluation.similar import evaluate_similar, item_layout
from mediarec.rank.fusion_scoring import (
    ConcatFusion,
    GatedFusion,
    WeightedFusion,
    cosines,
    library_calibration,
)
from mediarec.rank.gate_training import train_gate, triplets_from_pairs
from mediarec.rank.item_blocks import ItemBlocks, load_blocks
from mediarec.rank.item_vector import DEFAULT_WEIGHTS
from mediarec.rank.modal_similarity import SIMILAR_MODALITIES
from mediarec.recommend.profile import feedback_pairs

NEGATIVE_SAMPLE = 200


@dataclass(frozen=True)
class IndexerVectorFusion:
    """What one KNN over the stored fused vectors ranks by: sum_m w_m cos_m / sqrt(W_a W_b)."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    name: str = "indexer vector"

    def pairwise(self, left: ItemBlocks, right: ItemBlocks) -> np.ndarray:
        weights = WeightedFusion(self.weights).weight_vector()
        cos, _ = cosines(left, right)
        total = (weights[:, None, None] * cos).sum(0)
        norms = np.sqrt((left.present @ weights)[:, None] * (right.present @ weights)[None, :])
        return np.divide(total, norms, out=np.zeros_like(total), where=norms > 0)


def fold_of(item_id: int) -> str:
    return "A" if (item_id * 2654435761) % 2**32 < 2**31 else "B"


def pooled_gate(store, users: Sequence[SimulatedUser], allowed: set[int], *, seed: int = 0) -> GatedFusion:
    """A gate trained on every simulated user's feedback pairs among the allowed items."""
    layout = item_layout(store)
    calibration = library_calibration(store, layout)
    pairs, negatives = [], []
    for user in users:
        user_pairs, turned_away = feedback_pairs(user.history)
        pairs += [(a, b) for a, b in user_pairs if a in allowed and b in allowed]
        negatives += [item for item in turned_away if item in allowed]
    rng = np.random.default_rng(seed)
    negatives += [int(i) for i in rng.permutation(sorted(allowed))[:NEGATIVE_SAMPLE]]
    ids = list(dict.fromkeys([item for pair in pairs for item in pair] + negatives))
    blocks = load_blocks(store, layout, ids, evidence=True)
    triplets = triplets_from_pairs(blocks, sorted(set(pairs)), negatives, seed=seed)
    return train_gate(blocks, triplets, calibration=calibration, seed=seed)


def evaluate_fusion(
    store,
    groups: dict[int, str],
    users: Sequence[SimulatedUser],
    *,
    now: float,
    kinds: dict[int, str] | None = None,
) -> dict:
    fold_a = {item for item in groups if fold_of(item) == "A"}
    fold_b = set(groups) - fold_a
    gate = pooled_gate(store, users, fold_a)
    calibration = library_calibration(store, item_layout(store))
    variants = {
        "concat": ConcatFusion(),
        "weighted": WeightedFusion(dict(DEFAULT_WEIGHTS), calibration),
        "attention": GatedFusion.fallback(DEFAULT_WEIGHTS, "the untrained gate", calibration),
        "gated": gate,
        "weighted, raw cosines": WeightedFusion(dict(DEFAULT_WEIGHTS)),
        "indexer vector": IndexerVectorFusion(),
    }
    modalities = SIMILAR_MODALITIES if kinds else ("fused",)
    similar = {
        name: evaluate_similar(store, groups, fusion, queries=fold_b, modalities=modalities, kinds=kinds)[
            "fused"
        ]
        for name, fusion in variants.items()
    }
    recommend = {
        name: evaluate_recommendations(store, groups, users, variant=name, now=now)
        for name in ("concat", "weighted", "gated")
    }
    return {
        "similar_fold_b": similar,
        "recommend": recommend,
        "gate": gate.describe(),
        "folds": {"A": len(fold_a), "B": len(fold_b)},
    }

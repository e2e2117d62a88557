"""Training the modality gate (the "gated" fusion variant, fusion_scoring.py) from the user's feedback.

Feedback becomes triplets: an anchor item is more like a positive (watched together with it, or both liked) than
like a negative (disliked, skipped, or a random item). The gate's biases and feature weights are fitted with a
pairwise logistic loss, L2-pulled towards the fixed weights, and kept only when they rank held-out triplets better
than the fixed weights do; otherwise the "gate" is the fixed-weight mean, so learning can only help. When the
blocks carry their evidence, the gate learns on top of the items' attention (fusion_scoring.attention_values), as
"more like this" then applies it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mediarec.rank.fusion_scoring import GatedFusion, ModalityCalibration, masked_softmax, mismatch
from mediarec.rank.item_blocks import MODALITIES, ItemBlocks
from mediarec.rank.item_vector import DEFAULT_WEIGHTS

MIN_TRAINING_PAIRS = 12
# A training's cost grows with its triplets (Adam's 400 steps each read all of them), so a long history trains on
# a seeded sample of at most this many; the recommender also asks feedback_pairs for at most
# MAX_TRAINING_TRIPLETS // 6 of the latest pairs (both directions, 3 negatives each).
MAX_TRAINING_TRIPLETS = 600
MIN_HELD_OUT_GAIN = 0.0
_TEMPERATURE_RAW = 10.0  # raw cosine differences are small; the pairwise loss needs them spread
_TEMPERATURE_CALIBRATED = 1.0  # calibrated similarities are already in standard deviations
_STEPS = 300
_LEARNING_RATE = 0.05
_L2 = 0.01


@dataclass(frozen=True)
class Triplets:
    """Rows of an ItemBlocks: anchor a is more like positive p than like negative n."""

    anchors: np.ndarray
    positives: np.ndarray
    negatives: np.ndarray

    def __len__(self) -> int:
        return len(self.anchors)

    def take(self, rows: np.ndarray) -> Triplets:
        return Triplets(self.anchors[rows], self.positives[rows], self.negatives[rows])


@dataclass(frozen=True)
class _PairData:
    cos: np.ndarray  # [T, M]
    mask: np.ndarray  # [T, M] modalities either item has (with attention: those with mass)
    features: np.ndarray  # [T, F] mean of both items' features
    log_mass: np.ndarray  # [T, M] log of each modality's attention mass (0 without attention)


def _pair_data(blocks: ItemBlocks, first: np.ndarray, second: np.ndarray, calibration) -> _PairData:
    cos = np.stack(
        [np.einsum("td,td->t", blocks.vectors[m][first], blocks.vectors[m][second]) for m in MODALITIES], 1
    )
    if calibration is not None:
        cos = calibration.apply(cos.T).T
    shared = blocks.present[first] & blocks.present[second]
    union = blocks.present[first] | blocks.present[second]
    values = np.where(shared, cos, mismatch(calibration))
    features = 0.5 * (blocks.features[first] + blocks.features[second])
    attention = blocks.attention()
    if attention is None:
        return _PairData(values, union, features, np.zeros(values.shape))
    agreement = np.minimum(attention[first], attention[second])
    mass = np.maximum(attention[first], attention[second])
    mixed = agreement * np.where(shared, cos, 0.0) + (mass - agreement) * mismatch(calibration)
    values = np.divide(mixed, mass, out=np.zeros_like(mixed), where=mass > 0)
    return _PairData(values, mass > 0, features, np.log(np.maximum(mass, 1e-12)))


def _scores(biases: np.ndarray, theta: np.ndarray, pairs: _PairData) -> tuple[np.ndarray, np.ndarray]:
    logits = biases[None, :] + pairs.features @ theta.T + pairs.log_mass  # [T, M]
    weights = masked_softmax(logits.T, pairs.mask.T).T
    return (weights * pairs.cos).sum(1), weights


@dataclass(frozen=True)
class _Batch:
    """Both sides of the triplets stacked, positives then negatives, so that a step scores them in one pass; the
    mask also as 0 / -inf to add, fixed for the whole training. Element by element the arithmetic of _scores
    (masked_softmax's), so the same scores; it saves the temporaries and half the calls."""

    positive: _PairData
    negative: _PairData
    cos: np.ndarray  # [2T, M]
    mask: np.ndarray
    blocked: np.ndarray  # 0 where the mask holds, -inf elsewhere
    features: np.ndarray  # in float64 once, not cast again at every product
    log_mass: np.ndarray
    positive_features: np.ndarray
    negative_features: np.ndarray

    @classmethod
    def of(cls, positive: _PairData, negative: _PairData) -> _Batch:
        mask = np.concatenate([positive.mask, negative.mask])
        return cls(
            positive,
            negative,
            np.concatenate([positive.cos, negative.cos]),
            mask,
            np.where(mask, 0.0, -np.inf),
            np.concatenate([positive.features, negative.features]).astype(np.float64),
            np.concatenate([positive.log_mass, negative.log_mass]),
            positive.features.astype(np.float64),
            negative.features.astype(np.float64),
        )

    def scores(self, biases: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        masked = biases[None, :] + self.features @ theta.T + self.log_mass + self.blocked
        top = masked.max(axis=1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        exp = np.where(self.mask, np.exp(masked - top), 0.0)
        total = exp.sum(axis=1, keepdims=True)
        weights = np.divide(exp, total, out=np.zeros_like(exp), where=total > 0)
        return (weights * self.cos).sum(1), weights


def _gradients(biases, theta, batch: _Batch, prior, temperature) -> tuple[np.ndarray, np.ndarray]:
    """The pairwise logistic loss's gradients (the loss itself is never needed while training)."""
    scores, weights = batch.scores(biases, theta)
    count = len(batch.positive.cos)
    s_pos, s_neg, w_pos, w_neg = scores[:count], scores[count:], weights[:count], weights[count:]
    margin = temperature * (s_pos - s_neg)
    # d loss / d margin = -sigmoid(-margin); d score / d logit_m = w_m (cos_m - score).
    upstream = -temperature / (1.0 + np.exp(np.clip(margin, -50, 50))) / len(margin)
    d_logit_pos = upstream[:, None] * w_pos * (batch.positive.cos - s_pos[:, None])
    d_logit_neg = -upstream[:, None] * w_neg * (batch.negative.cos - s_neg[:, None])
    grad_b = d_logit_pos.sum(0) + d_logit_neg.sum(0) + 2 * _L2 * (biases - prior)
    grad_theta = (
        d_logit_pos.T @ batch.positive_features + d_logit_neg.T @ batch.negative_features + 2 * _L2 * theta
    )
    return grad_b, grad_theta


def _pairwise_accuracy(biases, theta, positive: _PairData, negative: _PairData) -> float:
    s_pos, _ = _scores(biases, theta, positive)
    s_neg, _ = _scores(biases, theta, negative)
    return float(np.mean((s_pos > s_neg) + 0.5 * (s_pos == s_neg)))


def train_gate(
    blocks: ItemBlocks,
    triplets: Triplets,
    *,
    calibration: ModalityCalibration | None = None,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    seed: int = 0,
    max_triplets: int = MAX_TRAINING_TRIPLETS,
) -> GatedFusion:
    """Fit the gate on feedback triplets; keep it only if it beats the fixed weights on held-out triplets. Past
    `max_triplets`, on a seeded sample of that many (in their order), so that a training's cost has a bound."""
    if len(triplets) > max_triplets:
        sample = np.random.default_rng(seed).choice(len(triplets), size=max_triplets, replace=False)
        triplets = triplets.take(np.sort(sample))
    if len(triplets) < MIN_TRAINING_PAIRS:
        reason = f"{len(triplets)} feedback pairs, {MIN_TRAINING_PAIRS} needed to learn modality weights"
        return GatedFusion.fallback(weights, reason, calibration)
    fallback = GatedFusion.fallback(weights, calibration=calibration)
    temperature = _TEMPERATURE_RAW if calibration is None else _TEMPERATURE_CALIBRATED
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(triplets))
    held_out_count = max(3, len(order) // 4)
    train, held_out = triplets.take(order[held_out_count:]), triplets.take(order[:held_out_count])
    train_pos = _pair_data(blocks, train.anchors, train.positives, calibration)
    train_neg = _pair_data(blocks, train.anchors, train.negatives, calibration)
    biases, theta = fallback.biases.astype(np.float64), fallback.theta.astype(np.float64)
    prior = biases.copy()
    biases, theta = _adam(biases, theta, _Batch.of(train_pos, train_neg), prior, temperature)
    test_pos = _pair_data(blocks, held_out.anchors, held_out.positives, calibration)
    test_neg = _pair_data(blocks, held_out.anchors, held_out.negatives, calibration)
    learned = _pairwise_accuracy(biases, theta, test_pos, test_neg)
    fixed = _pairwise_accuracy(fallback.biases, fallback.theta, test_pos, test_neg)
    report: dict[str, object] = {
        "pairs": len(triplets),
        "held_out_pairs": int(held_out_count),
        "held_out_accuracy_learned": round(learned, 4),
        "held_out_accuracy_fixed": round(fixed, 4),
    }
    if learned - fixed <= MIN_HELD_OUT_GAIN:
        report["fallback"] = "no gain on held-out pairs"
        return GatedFusion(fallback.biases, fallback.theta, False, report, calibration)
    # Refit on every triplet now that the held-out check passed.
    all_pos = _pair_data(blocks, triplets.anchors, triplets.positives, calibration)
    all_neg = _pair_data(blocks, triplets.anchors, triplets.negatives, calibration)
    batch = _Batch.of(all_pos, all_neg)
    biases, theta = _adam(biases, theta, batch, prior, temperature, steps=_STEPS // 3)
    return GatedFusion(biases.astype(np.float32), theta.astype(np.float32), True, report, calibration)


def _adam(biases, theta, batch: _Batch, prior, temperature, steps: int = _STEPS):
    """Adam over the biases and theta as one flat vector (element by element the same updates as per array, in
    a third of the calls: a step's cost at a few hundred triplets is mostly numpy's per-call overhead)."""
    size = biases.size
    params = np.concatenate([biases, theta.ravel()])
    moment, square = np.zeros_like(params), np.zeros_like(params)
    for step in range(1, steps + 1):
        grad_b, grad_theta = _gradients(
            params[:size], params[size:].reshape(theta.shape), batch, prior, temperature
        )
        grad = np.concatenate([grad_b, grad_theta.ravel()])
        moment = 0.9 * moment + 0.1 * grad
        square = 0.999 * square + 0.001 * grad**2
        corrected = moment / (1 - 0.9**step)
        scale = np.sqrt(square / (1 - 0.999**step)) + 1e-8
        params = params - _LEARNING_RATE * corrected / scale
    return params[:size], params[size:].reshape(theta.shape)


def triplets_from_pairs(
    blocks: ItemBlocks,
    positive_pairs: Sequence[tuple[int, int]],
    negative_items: Sequence[int],
    *,
    negatives_per_pair: int = 3,
    seed: int = 0,
) -> Triplets:
    """Triplets over item ids: each positive pair (both directions) against sampled negative items."""
    rng = np.random.default_rng(seed)
    position = {item_id: row for row, item_id in enumerate(blocks.ids)}
    negatives = [position[item] for item in negative_items if item in position]
    anchors, positives, chosen = [], [], []
    if not negatives:
        return Triplets(np.zeros(0, int), np.zeros(0, int), np.zeros(0, int))
    for first, second in positive_pairs:
        if first not in position or second not in position or first == second:
            continue
        for anchor, positive in ((first, second), (second, first)):
            picks = rng.choice(negatives, size=min(negatives_per_pair, len(negatives)), replace=False)
            for negative in picks:
                if negative in (position[anchor], position[positive]):
                    continue
                anchors.append(position[anchor])
                positives.append(position[positive])
                chosen.append(int(negative))
    return Triplets(np.asarray(anchors, int), np.asarray(positives, int), np.asarray(chosen, int))

"""How alike two items are, from their per-modality cosines: three fusion variants and the learned gate.

(a) ``concat``: the cosine of the concatenated unit blocks, sum(cos_m) / sqrt(n_a * n_b); an item missing a
    modality is simply less similar to everything.
(b) ``weighted``: the weighted mean (frame 1, speech 1, audio 0.5) of per-modality similarities over the
    modalities either item has, where a modality only one of them has counts as a mismatch.
(c) ``gated``: like (b), but the weights come from a gate that looks at both items (how much is speech, how
    musical, how varied the picture, whether it is sound only): softmax over the modalities either has of
    b_m + theta_m . (phi_a + phi_b) / 2. The gate is learned from the user's own feedback (pairs of items
    watched together or both liked, against disliked, skipped or random ones; a pairwise logistic loss) when
    there is enough of it, is kept only if it beats (b) on held-out pairs, and otherwise *is* (b).

Every scorer maps two ItemBlocks to a matrix of similarities. (b) and (c) first put each modality's cosine on a
common scale: standard deviations above the mean cosine of random pairs of this library in that modality
(ModalityCalibration). Raw cosines are not comparable across encoders: a tiny CLIP rates any two drawings 0.6,
YAMNet rates any two voices 0.9, a sentence encoder rates unrelated sentences 0.1; averaging them raw lets the
modality with the highest floor decide. Without a calibration (tests, or too few items) the raw cosines are used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from mediarec.rank.fusion import DEFAULT_WEIGHTS
from mediarec.rank.item_blocks import FEATURE_NAMES, MODALITIES, ItemBlocks

FUSION_VARIANTS = ("concat", "weighted", "gated")
# Chosen by the ablation in the evaluation report (mediarec eval fusion); see docs in evaluation/fusion_ablation.py.
DEFAULT_FUSION = "gated"
MIN_TRAINING_PAIRS = 12
MIN_HELD_OUT_GAIN = 0.0
_TEMPERATURE_RAW = 10.0  # raw cosine differences are small; the pairwise loss needs them spread
_TEMPERATURE_CALIBRATED = 1.0  # calibrated similarities are already in standard deviations
CALIBRATION_SAMPLE = 300
MISMATCH_RAW = 0.0  # as if orthogonal
MISMATCH_CALIBRATED = -1.0  # one standard deviation below a random pair (-0.5 to -2 gave the same P@5)
NO_OVERLAP_RAW = -1.0  # the lowest cosine
NO_OVERLAP_CALIBRATED = -3.0  # three standard deviations below a random pair
_STD_FLOOR = 0.02
_STEPS = 300
_LEARNING_RATE = 0.05
_L2 = 0.01


@dataclass(frozen=True)
class ModalityCalibration:
    """Mean and spread of each modality's cosine between random pairs of one library's items."""

    mean: tuple[float, ...]
    std: tuple[float, ...]

    @classmethod
    def of(cls, blocks: ItemBlocks) -> ModalityCalibration | None:
        """From a sample of the library (every pair of items that both have the modality)."""
        means, stds = [], []
        for index, modality in enumerate(MODALITIES):
            rows = np.flatnonzero(blocks.present[:, index])
            if len(rows) < 3:
                means.append(0.0)
                stds.append(1.0)
                continue
            vectors = blocks.vectors[modality][rows]
            pairs = (vectors @ vectors.T)[np.triu_indices(len(rows), k=1)]
            means.append(float(pairs.mean()))
            stds.append(max(float(pairs.std()), _STD_FLOOR))
        return cls(tuple(means), tuple(stds))

    def apply(self, cos: np.ndarray) -> np.ndarray:
        """cos [M, ...] -> standard deviations above the random-pair mean."""
        shape = (len(MODALITIES),) + (1,) * (cos.ndim - 1)
        return (cos - np.reshape(self.mean, shape)) / np.reshape(self.std, shape)

    def to_dict(self) -> dict:
        return {"mean": list(self.mean), "std": list(self.std)}


def cosines(
    left: ItemBlocks, right: ItemBlocks, calibration: ModalityCalibration | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per-modality similarities [M, n_left, n_right] (raw cosines, or calibrated when given) and where both
    items have the modality (same shape); 0 where they do not."""
    cos = np.stack([left.vectors[m] @ right.vectors[m].T for m in MODALITIES]).astype(np.float32)
    if calibration is not None:
        cos = calibration.apply(cos).astype(np.float32)
    shared = left.present.T[:, :, None] & right.present.T[:, None, :]
    return np.where(shared, cos, 0.0), shared


def modality_values(
    left: ItemBlocks, right: ItemBlocks, calibration: ModalityCalibration | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per-modality similarity over the modalities *either* item has [M, n_left, n_right]: the (calibrated)
    cosine where both have it, a mismatch where only one does (a narrated video is less like a silent clip of
    the same picture than another silent clip is); and that union mask."""
    cos, shared = cosines(left, right, calibration)
    union = left.present.T[:, :, None] | right.present.T[:, None, :]
    return np.where(shared, cos, mismatch(calibration)).astype(np.float32), union


def mismatch(calibration: ModalityCalibration | None) -> float:
    """The similarity counted for a modality only one of two items has."""
    return MISMATCH_RAW if calibration is None else MISMATCH_CALIBRATED


def no_overlap(calibration: ModalityCalibration | None) -> float:
    """The similarity of items with no modality at all to compare (a guard: every indexed item has one)."""
    return NO_OVERLAP_RAW if calibration is None else NO_OVERLAP_CALIBRATED


_calibrations: dict[tuple[str, str, int], ModalityCalibration | None] = {}


def library_calibration(store, layout) -> ModalityCalibration | None:
    """The calibration of a library's current item space, measured on a spread sample and cached until the
    space has grown or shrunk by a quarter."""
    from mediarec.rank.item_blocks import load_blocks

    size = store.space_size(layout.space)
    key = (str(store.path), layout.space.table_name, int(np.log(size + 1) / np.log(1.25)))
    if key not in _calibrations:
        sample = load_blocks(store, layout, limit=CALIBRATION_SAMPLE, features=False)
        _calibrations[key] = ModalityCalibration.of(sample) if len(sample) >= 3 else None
    return _calibrations[key]


@dataclass(frozen=True)
class ConcatFusion:
    name: str = "concat"

    def pairwise(self, left: ItemBlocks, right: ItemBlocks) -> np.ndarray:
        cos, _ = cosines(left, right)
        counts = np.sqrt(left.present.sum(1)[:, None] * right.present.sum(1)[None, :])
        return np.divide(cos.sum(0), counts, out=np.zeros(counts.shape, dtype=np.float32), where=counts > 0)

    def describe(self) -> dict:
        return {"variant": self.name}


@dataclass(frozen=True)
class WeightedFusion:
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    calibration: ModalityCalibration | None = None
    name: str = "weighted"

    def weight_vector(self) -> np.ndarray:
        return np.array([self.weights.get(m, 0.0) for m in MODALITIES], dtype=np.float32)

    def pairwise(self, left: ItemBlocks, right: ItemBlocks) -> np.ndarray:
        values, union = modality_values(left, right, self.calibration)
        weights = self.weight_vector()[:, None, None] * union
        total = weights.sum(0)
        return np.divide(
            (weights * values).sum(0),
            total,
            out=np.full(total.shape, no_overlap(self.calibration), np.float32),
            where=total > 0,
        )

    def describe(self) -> dict:
        return {"variant": self.name, "weights": dict(self.weights)}


@dataclass(frozen=True)
class GatedFusion:
    """Item-dependent modality weights. With theta = 0 and biases = log(fixed weights) it equals (b)."""

    biases: np.ndarray  # [M]
    theta: np.ndarray  # [M, F]
    trained: bool = False
    report: Mapping[str, object] = field(default_factory=dict)
    calibration: ModalityCalibration | None = None
    name: str = "gated"

    @classmethod
    def fallback(
        cls,
        weights: Mapping[str, float] = DEFAULT_WEIGHTS,
        reason: str = "",
        calibration: ModalityCalibration | None = None,
    ) -> GatedFusion:
        biases = np.log(np.maximum([weights.get(m, 0.0) for m in MODALITIES], 1e-6)).astype(np.float32)
        theta = np.zeros((len(MODALITIES), len(FEATURE_NAMES)), dtype=np.float32)
        return cls(biases, theta, False, {"fallback": reason or "not trained"}, calibration)

    def logits(self, left: ItemBlocks, right: ItemBlocks) -> np.ndarray:
        half_left = 0.5 * left.features @ self.theta.T  # [n_left, M]
        half_right = 0.5 * right.features @ self.theta.T
        return self.biases[:, None, None] + half_left.T[:, :, None] + half_right.T[:, None, :]

    def modality_weights(self, left: ItemBlocks, right: ItemBlocks) -> np.ndarray:
        """[M, n_left, n_right] weights over the modalities either item has (sum 1, or all 0)."""
        _, union = modality_values(left, right)
        return _masked_softmax(self.logits(left, right), union)

    def pairwise(self, left: ItemBlocks, right: ItemBlocks) -> np.ndarray:
        values, union = modality_values(left, right, self.calibration)
        fused = (_masked_softmax(self.logits(left, right), union) * values).sum(0)
        return np.where(union.any(0), fused, no_overlap(self.calibration)).astype(np.float32)

    def describe(self) -> dict:
        return {
            "variant": self.name,
            "trained": self.trained,
            "biases": dict(zip(MODALITIES, np.round(self.biases, 4).tolist(), strict=True)),
            "theta": {
                m: dict(zip(FEATURE_NAMES, np.round(row, 4).tolist(), strict=True))
                for m, row in zip(MODALITIES, self.theta, strict=True)
            },
            "report": dict(self.report),
            "calibration": self.calibration.to_dict() if self.calibration else None,
        }

    def to_json(self) -> str:
        return json.dumps(
            {
                "biases": self.biases.tolist(),
                "theta": self.theta.tolist(),
                "trained": self.trained,
                "report": dict(self.report),
            }
        )

    @classmethod
    def from_json(cls, text: str, calibration: ModalityCalibration | None = None) -> GatedFusion:
        data = json.loads(text)
        return cls(
            np.asarray(data["biases"], dtype=np.float32),
            np.asarray(data["theta"], dtype=np.float32),
            bool(data["trained"]),
            data.get("report", {}),
            calibration,
        )


def _masked_softmax(logits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    masked = np.where(mask, logits, -np.inf)
    top = masked.max(axis=0, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    exp = np.where(mask, np.exp(masked - top), 0.0)
    total = exp.sum(axis=0, keepdims=True)
    return np.divide(exp, total, out=np.zeros_like(exp), where=total > 0)


def needs_features(fusion) -> bool:
    """Whether a scorer reads the items' features (only a gate that learned to lean on them)."""
    return isinstance(fusion, GatedFusion) and bool(np.any(fusion.theta))


def make_fusion(
    variant: str,
    calibration: ModalityCalibration | None = None,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
):
    """An untrained scorer of the named variant ("gated" untrained is the fixed-weight mean)."""
    if variant == "concat":
        return ConcatFusion()
    if variant == "weighted":
        return WeightedFusion(dict(weights), calibration)
    if variant == "gated":
        return GatedFusion.fallback(weights, calibration=calibration)
    raise ValueError(f"Unknown fusion variant {variant!r}; choose one of {', '.join(FUSION_VARIANTS)}")


# -- training the gate ----------------------------------------------------------------------------------------------


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
    mask: np.ndarray  # [T, M] modalities either item has
    features: np.ndarray  # [T, F] mean of both items' features


def _pair_data(blocks: ItemBlocks, first: np.ndarray, second: np.ndarray, calibration) -> _PairData:
    cos = np.stack(
        [np.einsum("td,td->t", blocks.vectors[m][first], blocks.vectors[m][second]) for m in MODALITIES], 1
    )
    if calibration is not None:
        cos = calibration.apply(cos.T).T
    shared = blocks.present[first] & blocks.present[second]
    union = blocks.present[first] | blocks.present[second]
    values = np.where(shared, cos, mismatch(calibration))
    return _PairData(values, union, 0.5 * (blocks.features[first] + blocks.features[second]))


def _scores(biases: np.ndarray, theta: np.ndarray, pairs: _PairData) -> tuple[np.ndarray, np.ndarray]:
    logits = biases[None, :] + pairs.features @ theta.T  # [T, M]
    weights = _masked_softmax(logits.T, pairs.mask.T).T
    return (weights * pairs.cos).sum(1), weights


def _loss_and_gradients(biases, theta, positive: _PairData, negative: _PairData, prior, temperature):
    s_pos, w_pos = _scores(biases, theta, positive)
    s_neg, w_neg = _scores(biases, theta, negative)
    margin = temperature * (s_pos - s_neg)
    loss = float(np.mean(np.logaddexp(0.0, -margin)))
    # d loss / d margin = -sigmoid(-margin); d score / d logit_m = w_m (cos_m - score).
    upstream = -temperature / (1.0 + np.exp(np.clip(margin, -50, 50))) / len(margin)
    d_logit_pos = upstream[:, None] * w_pos * (positive.cos - s_pos[:, None])
    d_logit_neg = -upstream[:, None] * w_neg * (negative.cos - s_neg[:, None])
    grad_b = d_logit_pos.sum(0) + d_logit_neg.sum(0) + 2 * _L2 * (biases - prior)
    grad_theta = d_logit_pos.T @ positive.features + d_logit_neg.T @ negative.features + 2 * _L2 * theta
    loss += _L2 * float(np.sum(theta**2) + np.sum((biases - prior) ** 2))
    return loss, grad_b, grad_theta


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
) -> GatedFusion:
    """Fit the gate on feedback triplets; keep it only if it beats the fixed weights on held-out triplets."""
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
    _, biases, theta = _adam(biases, theta, train_pos, train_neg, prior, temperature)
    test_pos = _pair_data(blocks, held_out.anchors, held_out.positives, calibration)
    test_neg = _pair_data(blocks, held_out.anchors, held_out.negatives, calibration)
    learned = _pairwise_accuracy(biases, theta, test_pos, test_neg)
    fixed = _pairwise_accuracy(fallback.biases, fallback.theta, test_pos, test_neg)
    report = {
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
    _, biases, theta = _adam(biases, theta, all_pos, all_neg, prior, temperature, steps=_STEPS // 3)
    return GatedFusion(biases.astype(np.float32), theta.astype(np.float32), True, report, calibration)


def _adam(biases, theta, positive, negative, prior, temperature, steps: int = _STEPS):
    moments = [np.zeros_like(biases), np.zeros_like(theta)]
    squares = [np.zeros_like(biases), np.zeros_like(theta)]
    loss = 0.0
    for step in range(1, steps + 1):
        loss, grad_b, grad_theta = _loss_and_gradients(biases, theta, positive, negative, prior, temperature)
        params = [biases, theta]
        for index, grad in enumerate((grad_b, grad_theta)):
            moments[index] = 0.9 * moments[index] + 0.1 * grad
            squares[index] = 0.999 * squares[index] + 0.001 * grad**2
            corrected = moments[index] / (1 - 0.9**step)
            scale = np.sqrt(squares[index] / (1 - 0.999**step)) + 1e-8
            params[index] = params[index] - _LEARNING_RATE * corrected / scale
        biases, theta = params
    return loss, biases, theta


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


# -- the user's gate, remembered in the library -------------------------------------------------------------------

GATE_META_PREFIX = "fusion_gate:"


def remember_gate(store, layout, signature: str, gate: GatedFusion) -> None:
    """Keep a gate with the history signature it learned from (the recommender retrains when that changes)."""
    store.set_meta(GATE_META_PREFIX + layout.space.table_name, signature + "\n" + gate.to_json())


def remembered_gate(store, layout, signature: str | None = None) -> GatedFusion | None:
    """The gate last learned for this item space (only if it learned from `signature`, when given)."""
    stored = store.get_meta(GATE_META_PREFIX + layout.space.table_name)
    if not stored or "\n" not in stored:
        return None
    stored_signature, text = stored.split("\n", 1)
    if signature is not None and stored_signature != signature:
        return None
    return GatedFusion.from_json(text, library_calibration(store, layout))


def fusion_for_library(store, layout, variant: str = DEFAULT_FUSION):
    """The scorer "more like this" uses: the user's learned gate when there is one, else the variant untrained."""
    if variant == "gated":
        gate = remembered_gate(store, layout)
        if gate is not None:
            return gate
    return make_fusion(variant, library_calibration(store, layout))

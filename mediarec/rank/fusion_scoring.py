"""The fused similarity "more like this" and the recommender score items by, from per-modality cosines: three
fusion variants, the calibration that puts the modalities on one scale, and the user's remembered gate.

(a) ``concat``: the cosine of the concatenated unit blocks, sum(cos_m) / sqrt(n_a * n_b); an item missing a
    modality is simply less similar to everything.
(b) ``weighted``: the weighted mean (frame 1, speech 1, audio 0.5) of per-modality similarities over the
    modalities either item has, where a modality only one of them has counts as a mismatch.
(c) ``gated``: like (b), but each item's weights follow how much each of its blocks has to say (the item's
    attention, ItemBlocks.attention: a long transcript, a changing picture, sound that is neither silence nor,
    under a talk, the voice, whose words the speech block already compares), with a
    modality gate on top that looks at both items (how much is speech, how musical, how varied the picture,
    whether it is sound only): softmax over the modalities either has of b_m + theta_m . (phi_a + phi_b) / 2.
    Two items' attentions meet per modality as agreement min(a_m, b_m), where the cosine counts, and
    difference |a_m - b_m|, which counts as a mismatch: a talk and a silent clip of the same picture share only
    the talk's small attention to its picture. The gate is learned from the user's own feedback
    (gate_training.py) when there is enough of it, is kept only if it beats the untrained gate on held-out
    pairs, and otherwise holds the fixed weights of (b). Without the items' evidence (a profile's interests)
    every present block counts fully, and (c) untrained *is* (b).

"More like this" asks what is like *one* item, so (c) scores it from the asking item's side (``like_this``):
the weights are the asker's attention, a block the asker has and the candidate lacks (or has less to say in)
counts as a mismatch, and a block only the candidate has counts neither way. A silent photo asks "what looks
like me?" and finds the narrated crop of its picture; the crop still asks "what looks and talks like me?", but
a candidate that shows its very picture (the silent photo it was cut from) is compared on the picture as fully
as on the talk: a still picture under a talk is otherwise only the talk's backdrop. The recommender's uses
(clustering, MMR, pools) stay symmetric (``pairwise``).

Every scorer maps two ItemBlocks to a matrix of similarities. (b) and (c) first put each modality's cosine on a
common scale: standard deviations above the mean cosine of random pairs of this library in that modality
(ModalityCalibration). Raw cosines are not comparable across encoders: a tiny CLIP rates any two drawings 0.6,
YAMNet rates any two voices 0.9, a sentence encoder rates unrelated sentences 0.1; averaging them raw lets the
modality with the highest floor decide. Without a calibration (tests, or too few items) the raw cosines are used.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from mediarec.rank.item_blocks import FEATURE_NAMES, MODALITIES, ItemBlocks
from mediarec.rank.item_matrix import space_size
from mediarec.rank.item_vector import DEFAULT_WEIGHTS

FUSION_VARIANTS = ("concat", "weighted", "gated")
# Chosen by the ablation in the evaluation report (mediarec eval fusion); see docs in evaluation/fusion_ablation.py.
DEFAULT_FUSION = "gated"
CALIBRATION_SAMPLE = 300
MISMATCH_RAW = 0.0  # as if orthogonal
MISMATCH_CALIBRATED = -1.0  # one standard deviation below a random pair (-0.5 to -2 gave the same P@5)
NO_OVERLAP_RAW = -1.0  # the lowest cosine
NO_OVERLAP_CALIBRATED = -3.0  # three standard deviations below a random pair
_STD_FLOOR = 0.02
# From this many random-pair deviations up, two items' pictures are the same picture, not a similar one (on the
# unseen set: a narrated crop and its photo 3.3-4.0, other photos below 2.0; on the eval set's drawn shapes the
# same shape and colour drawn again 1.2-2.8 for 80 % of pairs).
SAME_PICTURE_Z = 3.0


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


def attention_values(
    left: ItemBlocks, right: ItemBlocks, calibration: ModalityCalibration | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """modality_values weighed by both items' attention: per modality [M, n_left, n_right] the similarity
    (agreement * cosine + difference * mismatch) / mass and the mass max(a_m, b_m) it carries. Without the
    attention of both sides, modality_values with mass 1 over the modalities either has."""
    values, union = modality_values(left, right, calibration)
    first, second = left.attention(), right.attention()
    if first is None or second is None:
        return values, union.astype(np.float32)
    a, b = first.T[:, :, None], second.T[:, None, :]
    agreement, mass = np.minimum(a, b), np.maximum(a, b)
    cos, _ = cosines(left, right, calibration)
    mixed = agreement * cos + (mass - agreement) * mismatch(calibration)
    return np.divide(mixed, mass, out=np.zeros_like(mixed), where=mass > 0).astype(np.float32), mass


def asker_attention_values(
    asker: ItemBlocks, candidates: ItemBlocks, calibration: ModalityCalibration | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """attention_values from the asking (left) item's side: per modality [M, n_asker, n_candidates] the mass is
    the asker's attention a_m; of it, the part the candidate's attention b_m covers, min(a_m, b_m), counts the
    cosine and the rest a mismatch. A modality only the candidate has carries no mass. Without evidence, each
    present block counts fully. Two items that show the same picture compare it in full (same_picture_in_full)."""
    cos, _ = cosines(asker, candidates, calibration)
    a, b = pair_attention(asker, candidates, cos, calibration)
    agreement = np.minimum(a, b)
    mass = a.astype(np.float32)
    mixed = agreement * cos + (mass - agreement) * mismatch(calibration)
    return np.divide(mixed, mass, out=np.zeros_like(mixed), where=mass > 0).astype(np.float32), mass


def pair_attention(
    asker: ItemBlocks, candidates: ItemBlocks, cos: np.ndarray, calibration: ModalityCalibration | None
) -> tuple[np.ndarray, np.ndarray]:
    """The asker's and each candidate's attention per modality [M, n_asker, n_candidates] (each present block
    fully without evidence), the same picture counted in full (same_picture_in_full); ``cos`` as cosines gives."""
    a = np.broadcast_to(_attention_or_presence(asker).T[:, :, None], cos.shape)
    b = np.broadcast_to(_attention_or_presence(candidates).T[:, None, :], cos.shape)
    return same_picture_in_full(a, b, cos, calibration)


def same_picture_in_full(
    a: np.ndarray, b: np.ndarray, cos: np.ndarray, calibration: ModalityCalibration | None
) -> tuple[np.ndarray, np.ndarray]:
    """The asker's and the candidates' attention [M, n_asker, n_candidates], with the picture counted on both
    sides as fully as the item's most telling block where the two show the same picture (calibrated frame
    similarity >= SAME_PICTURE_Z). A still picture under a talk is otherwise the talk's backdrop; but the silent
    photo a narrated crop was cut from, or two takes of one scene, share what they show, whatever is said over
    it. Without a calibration there is no scale to call a picture the same on, and nothing changes."""
    if calibration is None:
        return a, b
    frame = MODALITIES.index("frame")
    same = cos[frame] >= SAME_PICTURE_Z  # cos is 0 where either item has no picture
    if not same.any():
        return a, b
    a, b = a.copy(), b.copy()
    a[frame] = np.where(same, 1.0, a[frame])
    b[frame] = np.where(same, 1.0, b[frame])
    return a, b


def _attention_or_presence(blocks: ItemBlocks) -> np.ndarray:
    attention = blocks.attention()
    return blocks.present.astype(np.float32) if attention is None else attention


def gate_softmax(logits: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """The gate's weights scaled by each modality's mass and renormalised: softmax of logits + log(mass) over
    the modalities with mass (so gate_training's gradients hold as they are)."""
    return masked_softmax(logits + np.log(np.maximum(mass, 1e-12)), mass > 0)


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

    size = space_size(store, layout.space)
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

    def like_this(self, asker: ItemBlocks, candidates: ItemBlocks) -> np.ndarray:
        return self.pairwise(asker, candidates)

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

    def like_this(self, asker: ItemBlocks, candidates: ItemBlocks) -> np.ndarray:
        return self.pairwise(asker, candidates)

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
        _, mass = attention_values(left, right)
        return gate_softmax(self.logits(left, right), mass)

    def pairwise(self, left: ItemBlocks, right: ItemBlocks) -> np.ndarray:
        if not np.any(self.theta) and (left.evidence is None or right.evidence is None):
            return fixed_gate_pairwise(self.biases, left, right, self.calibration)
        values, mass = attention_values(left, right, self.calibration)
        fused = (gate_softmax(self.logits(left, right), mass) * values).sum(0)
        return np.where((mass > 0).any(0), fused, no_overlap(self.calibration)).astype(np.float32)

    def like_this(self, asker: ItemBlocks, candidates: ItemBlocks) -> np.ndarray:
        """[n_asker, n_candidates]: how alike each candidate is to each asking item, from the asker's side
        (asker_attention_values; the gate's weights on top, as in pairwise)."""
        values, mass = asker_attention_values(asker, candidates, self.calibration)
        fused = (gate_softmax(self.logits(asker, candidates), mass) * values).sum(0)
        return np.where((mass > 0).any(0), fused, no_overlap(self.calibration)).astype(np.float32)

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


def fixed_gate_pairwise(
    biases: np.ndarray, left: ItemBlocks, right: ItemBlocks, calibration: ModalityCalibration | None
) -> np.ndarray:
    """GatedFusion.pairwise where a pair's weights depend only on which modalities either item has (a gate that
    reads no features, items without attention): the softmax once per presence pattern instead of per pair, and
    one modality at a time instead of [M, n, n] temporaries. The same arithmetic element by element, so the same
    bits (tests/test_for_you_scale.py); 4x faster on For you's 500 x 500 MMR pool (~50 -> 12 ms)."""
    bits = (1 << np.arange(len(MODALITIES))).astype(np.uint8)
    pattern = np.bitwise_or.outer((left.present * bits).sum(1), (right.present * bits).sum(1))  # [n, n]
    patterns = np.arange(2 ** len(MODALITIES))
    has = ((patterns[None, :] >> np.arange(len(MODALITIES))[:, None]) & 1).astype(np.float32)  # [M, patterns]
    weights = gate_softmax(np.broadcast_to(biases[:, None], has.shape), has)
    terms = []
    for index, modality in enumerate(MODALITIES):
        cos = left.vectors[modality] @ right.vectors[modality].T
        if calibration is not None:  # in float64, as ModalityCalibration.apply computes it
            scaled = (cos.astype(np.float64) - calibration.mean[index]) / calibration.std[index]
            cos = scaled.astype(np.float32)
        shared = np.logical_and.outer(left.present[:, index], right.present[:, index])
        terms.append(
            weights[index][pattern] * np.where(shared, cos, mismatch(calibration)).astype(np.float32)
        )
    fused = terms[0]
    for term in terms[1:]:  # added in modality order, as sum(0) over [M, n, n] adds them
        fused = fused + term
    return np.where(pattern > 0, fused, no_overlap(calibration)).astype(np.float32)


def masked_softmax(logits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Softmax over axis 0 among the entries where `mask` holds; all 0 where it holds nowhere."""
    masked = np.where(mask, logits, -np.inf)
    top = masked.max(axis=0, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    exp = np.where(mask, np.exp(masked - top), 0.0)
    total = exp.sum(axis=0, keepdims=True)
    return np.divide(exp, total, out=np.zeros_like(exp), where=total > 0)


def like_this_scores(fusion, asker: ItemBlocks, candidates: ItemBlocks) -> np.ndarray:
    """What "more like this" ranks by: the scorer's asker-side score where it has one, else its pairwise one
    (a scorer from outside this module, such as the ablation's indexer-vector reference)."""
    score = getattr(fusion, "like_this", None)
    return score(asker, candidates) if score is not None else fusion.pairwise(asker, candidates)


def needs_features(fusion) -> bool:
    """Whether a scorer reads the items' features (only a gate that learned to lean on them)."""
    return isinstance(fusion, GatedFusion) and bool(np.any(fusion.theta))


def needs_evidence(fusion) -> bool:
    """Whether a scorer weighs each item's blocks by their evidence (the gated variant, trained or not)."""
    return isinstance(fusion, GatedFusion)


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


# -- the user's gate, remembered in the library -------------------------------------------------------------------

GATE_META_PREFIX = "fusion_gate:"


def remember_gate(store, layout, signature: str, gate: GatedFusion) -> None:
    """Keep a gate with the history signature it learned from (the recommender retrains when that changes).
    On a read-only library the gate is only a saved computation: recommendations work without keeping it."""
    from mediarec.index.sqlite_driver import LibraryReadOnly

    with contextlib.suppress(LibraryReadOnly):
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

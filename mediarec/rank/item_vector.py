"""The fused item vector: what an item looks like, says and sounds like in one vector, one per item.

Each modality block is the L2-normalised mean of that modality's segment vectors, scaled by sqrt(weight), then
concatenated and the whole renormalised over the blocks that are present. The dot product of two such vectors is
then a weighted sum of per-modality cosines, so one KNN query answers "similar in every way", and an item without
speech simply has a zero block (it neither helps nor hurts on that modality). item_blocks.py splits the stored
vectors back into their blocks for the fusion scorers (fusion_scoring.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

FUSED_MODALITIES = ("frame", "speech", "audio")
DEFAULT_WEIGHTS: Mapping[str, float] = {"frame": 1.0, "speech": 1.0, "audio": 0.5}


def normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


@dataclass(frozen=True)
class FusionLayout:
    """Which block of the fused vector belongs to which modality and model."""

    models: Mapping[str, tuple[str, int]]  # modality -> (model_id, dim)
    weights: Mapping[str, float]

    @property
    def dim(self) -> int:
        return sum(dim for _, dim in self.models.values())

    @property
    def model_id(self) -> str:
        description = ";".join(
            f"{modality}={self.models[modality][0]}*{self.weights.get(modality, 0.0):g}"
            for modality in FUSED_MODALITIES
            if modality in self.models
        )
        return "fused-v1:" + hashlib.sha1(description.encode()).hexdigest()[:12]

    def offsets(self) -> dict[str, tuple[int, int]]:
        spans, position = {}, 0
        for modality in FUSED_MODALITIES:
            if modality in self.models:
                dim = self.models[modality][1]
                spans[modality] = (position, position + dim)
                position += dim
        return spans


def modality_block(vectors: np.ndarray | None) -> np.ndarray | None:
    if vectors is None or len(vectors) == 0:
        return None
    return normalise(np.asarray(vectors, dtype=np.float32).mean(axis=0))


def fuse_item_vector(layout: FusionLayout, blocks: Mapping[str, np.ndarray | None]) -> np.ndarray | None:
    """The fused vector of one item, or None when it has no modality at all."""
    fused = np.zeros(layout.dim, dtype=np.float32)
    present = False
    for modality, (start, end) in layout.offsets().items():
        block = blocks.get(modality)
        weight = layout.weights.get(modality, 0.0)
        if block is None or weight <= 0:
            continue
        fused[start:end] = np.sqrt(weight) * block
        present = True
    if not present:
        return None
    return normalise(fused)

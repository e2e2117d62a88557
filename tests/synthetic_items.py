"""Libraries of many items with known groups, written through the real store (SQLite + sqlite-vec).

Indexing hundreds of real files would take minutes; the recommendation and similarity logic only needs vectors
with a known structure. Each group has its own direction per modality; items are that direction plus noise,
with the same segment vectors, fused item vectors and tags the indexer would write.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mediarec.index.records import ItemIndexResult, NewSegment, TagRecord
from mediarec.index.store import LibraryStore
from mediarec.rank.item_blocks import remember_layout
from mediarec.rank.item_vector import (
    DEFAULT_WEIGHTS,
    FusionLayout,
    fuse_item_vector,
    modality_block,
    normalise,
)

DIMS = {"frame": 16, "speech": 24, "audio": 12}
GROUP_TAGS = {
    "beach": ("beach", "surfing", "waves"),
    "cooking": ("kitchen", "bread", "cooking"),
    "football": ("stadium", "football", "crowd"),
    "piano": ("piano", "music", "concert"),
}


@dataclass(frozen=True)
class SyntheticLibrary:
    store: LibraryStore
    layout: FusionLayout
    groups: dict[int, str]  # item id -> group

    def ids_of(self, group: str) -> list[int]:
        return [item_id for item_id, name in self.groups.items() if name == group]


def build_synthetic_library(
    path: Path,
    *,
    groups: Sequence[str] = tuple(GROUP_TAGS),
    per_group: int = 15,
    noise: float = 0.35,
    seed: int = 0,
    model_suffix: str = "",
    speech_groups: Sequence[str] | None = None,
) -> SyntheticLibrary:
    rng = np.random.default_rng(seed)
    store = LibraryStore(path)
    models = {m: (f"synthetic-{m}{model_suffix}", dim) for m, dim in DIMS.items()}
    layout = FusionLayout(models, DEFAULT_WEIGHTS)
    remember_layout(store, layout)  # as the indexer does
    centres = {g: {m: normalise(rng.normal(size=dim)) for m, dim in DIMS.items()} for g in groups}
    speaking = set(groups if speech_groups is None else speech_groups)
    membership: dict[int, str] = {}
    now = time.time()
    for index in range(per_group * len(groups)):
        group = groups[index % len(groups)]  # interleaved, so "recently added" mixes groups
        item_id = store.add_item(
            f"/synthetic/{group}/{index:03d}.mp4", f"fp-{seed}-{index}", 1000 + index, now
        )
        write_item(store, item_id, layout, centres[group], group, rng, noise, speech=group in speaking)
        membership[item_id] = group
    return SyntheticLibrary(store, layout, membership)


def write_item(store, item_id, layout, centre, group, rng, noise, *, speech=True, duration=60.0) -> None:
    segments, blocks, encoded_by = [], {}, {}
    for modality, (model_id, dim) in layout.models.items():
        if modality == "speech" and not speech:
            continue
        vectors = normalise(centre[modality][None, :] + noise * rng.normal(size=(4, dim)))
        segments += [
            NewSegment(modality, 15.0 * k, 15.0 * (k + 1), vector, "words" if modality == "speech" else None)
            for k, vector in enumerate(vectors)
        ]
        blocks[modality] = modality_block(vectors)
        encoded_by[modality] = (model_id, dim)
    tags = [TagRecord(0, name, "visual", 0.9) for name in GROUP_TAGS.get(group, (group,))]
    store.write_index_result(
        item_id,
        ItemIndexResult(
            metadata={"kind": "video", "duration": duration, "title": f"{group} {item_id}"},
            segments=segments,
            encoded_by=encoded_by,
            item_vector=fuse_item_vector(layout, blocks),
            item_vector_model=(layout.model_id, layout.dim),
            tags=tags,
        ),
    )

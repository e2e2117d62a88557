"""More like this: nearest items in the fused item space, with near-duplicates of the item itself collapsed."""

from __future__ import annotations

from dataclasses import dataclass

from mediarec.index.records import ItemRecord
from mediarec.index.store import ITEM_SPACE_MODALITY, LibraryStore

# Fused cosine above which another file is a copy of the same content (re-encode, other container), not a
# recommendation.
NEAR_DUPLICATE_SIMILARITY = 0.985


@dataclass(frozen=True)
class SimilarHit:
    item: ItemRecord
    score: float

    def to_json(self) -> dict:
        return {
            **self.item.summary_json(),
            "score": round(self.score, 4),
        }


class SimilarityEngine:
    def __init__(self, store: LibraryStore):
        self.store = store

    def item_space_of(self, item_id: int):
        encoded = self.store.encoded_spaces(item_id)
        spaces = [space for space in self.store.spaces(ITEM_SPACE_MODALITY) if space.id in encoded]
        return spaces[-1] if spaces else None

    def similar(
        self, item: ItemRecord, limit: int = 10, *, collapse_duplicates: bool = True
    ) -> list[SimilarHit]:
        space = self.item_space_of(item.id)
        if space is None:
            return []
        vector = self.store.item_vector(space, item.id)
        neighbours = self.store.knn(space, vector, min(self.store.space_size(space), limit * 3 + 1))
        records = self.store.items_by_ids([item_id for _, item_id, _ in neighbours])
        hits = []
        for _, other_id, similarity in neighbours:
            other = records.get(other_id)
            if other_id == item.id or other is None or other.status != "indexed":
                continue
            if collapse_duplicates and (
                similarity >= NEAR_DUPLICATE_SIMILARITY or other.fingerprint == item.fingerprint
            ):
                continue
            hits.append(SimilarHit(other, similarity))
            if len(hits) == limit:
                break
        return hits

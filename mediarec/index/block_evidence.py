"""What the store knows about how much each of an item's modality blocks has to say, read in bulk.

"More like this" weighs an item's picture, speech and sound by how informative each is (rank/item_blocks.py,
block_evidence). The facts it needs come from three tables; here they are read for many items at once, a few
queries per 500 items, so a candidate list of a few hundred costs milliseconds, not one query per item and table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CHUNK = 500  # item ids per IN (...) list; SQLite's default limit on parameters is far above


@dataclass(frozen=True)
class BlockFacts:
    """Facts about one indexed item's blocks."""

    transcript_characters: int  # of its accepted transcript (0 without speech)
    shots: int  # distinct shots found in its picture (0 without a picture)
    silence_share: float | None  # share of its audio windows that are silent; None when not measured


def block_facts(store, item_ids: Sequence[int]) -> dict[int, BlockFacts]:
    """BlockFacts of every given item that exists."""
    wanted = sorted({int(item_id) for item_id in item_ids})
    facts: dict[int, BlockFacts] = {}
    for start in range(0, len(wanted), CHUNK):
        facts.update(_chunk_facts(store, wanted[start : start + CHUNK]))
    return facts


def _chunk_facts(store, ids: list[int]) -> dict[int, BlockFacts]:
    marks = ",".join("?" * len(ids))
    characters = dict(
        store.query(
            "SELECT item_id, sum(length(trim(text))) FROM transcript_segments "
            f"WHERE item_id IN ({marks}) GROUP BY item_id",
            ids,
        )
    )
    shots = dict(
        store.query(f"SELECT item_id, count(*) FROM shots WHERE item_id IN ({marks}) GROUP BY item_id", ids)
    )
    silence = store.query(
        f"SELECT id, json_extract(metadata_json, '$.audio_shares.silence') FROM items WHERE id IN ({marks})",
        ids,
    )
    return {
        item_id: BlockFacts(
            int(characters.get(item_id) or 0),
            int(shots.get(item_id) or 0),
            None if share is None else float(share),
        )
        for item_id, share in silence
    }

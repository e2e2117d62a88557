"""What the store knows about how much each of an item's modality blocks has to say, read in bulk.

"More like this" weighs an item's picture, speech and sound by how informative each is (rank/item_blocks.py,
block_evidence). The facts it needs come from three tables; here they are read for many items at once (three
queries per 500 items) and kept in memory (cached_block_facts): read for the whole library once (~0.1 s CPU at
10^5 items), then only for items indexed since, so a "more like this" pays a dictionary lookup per candidate
instead of ~2 ms of queries for its few hundred candidates (10^5 items, bench_scale's library).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

CHUNK = 500  # item ids per IN (...) list; SQLite's default limit on parameters is far above


@dataclass(frozen=True)
class BlockFacts:
    """Facts about one indexed item's blocks."""

    transcript_characters: int  # of its accepted transcript (0 without speech)
    spoken_share: float  # share of its duration the accepted transcript covers (0 without speech)
    shots: int  # distinct shots found in its picture (0 without a picture)
    silence_share: float | None  # share of its audio windows that are silent; None when not measured
    # share of its audio windows the audio model calls speech (the voice); None when not measured
    speech_sound_share: float | None = None


def block_facts(store, item_ids: Sequence[int]) -> dict[int, BlockFacts]:
    """BlockFacts of every given item that is indexed."""
    wanted = sorted({int(item_id) for item_id in item_ids})
    facts: dict[int, BlockFacts] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        facts.update(_read_facts(store, f"IN ({','.join('?' * len(chunk))})", chunk))
    return facts


_cache: dict[str, tuple[tuple[int, int], dict[int, BlockFacts]]] = {}
_cache_lock = threading.Lock()


def cached_block_facts(store, item_ids: Sequence[int]) -> dict[int, BlockFacts]:
    """block_facts from memory. The copy holds indexed items only (a pending item's facts are not final) and is
    dropped when a vector is deleted: re-indexing an item deletes its vectors first, so no fact goes stale (nor
    does a new library in the same file: its counters start again below the copy's)."""
    key, (writes, deletions) = str(store.path), store.vector_generation()
    with _cache_lock:
        known = _cache.get(key)
    if known is None or known[0][1] != deletions or known[0][0] > writes:
        known = ((writes, deletions), _read_facts(store, "", []))
        with _cache_lock:
            _cache[key] = known
    facts = known[1]
    missing = [item_id for item_id in item_ids if item_id not in facts]
    if missing:
        found = block_facts(store, missing)
        with _cache_lock:
            facts.update(found)
    return {item_id: facts[item_id] for item_id in item_ids if item_id in facts}


def _read_facts(store, id_test: str, ids: list[int]) -> dict[int, BlockFacts]:
    """Facts of the indexed items whose id passes `id_test` ("IN (?, ...)" over `ids`), or of all of them."""
    by_item = f"WHERE item_id {id_test}" if id_test else ""
    transcripts = {
        item_id: (characters, seconds)
        for item_id, characters, seconds in store.query(
            "SELECT item_id, sum(length(trim(text))), sum(end - start) FROM transcript_segments "
            f"{by_item} GROUP BY item_id",
            ids,
        )
    }
    shots = dict(store.query(f"SELECT item_id, count(*) FROM shots {by_item} GROUP BY item_id", ids))
    items = store.query(
        "SELECT id, duration, json_extract(metadata_json, '$.audio_shares.silence'), "
        "json_extract(metadata_json, '$.audio_shares.speech') FROM items "
        f"WHERE status = 'indexed' {f'AND id {id_test}' if id_test else ''}",
        ids,
    )
    facts = {}
    for item_id, duration, silence, voice in items:
        characters, seconds = transcripts.get(item_id, (0, 0.0))
        spoken = min(1.0, float(seconds or 0.0) / duration) if duration else 0.0
        facts[item_id] = BlockFacts(
            int(characters or 0),
            spoken,
            int(shots.get(item_id) or 0),
            None if silence is None else float(silence),
            None if voice is None else float(voice),
        )
    return facts

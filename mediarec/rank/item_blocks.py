"""Items as separate modality blocks: what each looks like, says and sounds like, plus a few facts about its mix.

The indexer stores one fused vector per item (normalised blocks, scaled by sqrt(weight), renormalised; see
item_vector.py). Renormalising each block of that vector gives back the block itself, whatever the weights were, so
every fusion variant, the per-modality "more like this" and the recommender work from the stored vectors with one
rowid lookup per item, never from the (many) segment vectors.

Which slice of the fused vector is which modality: the indexer records each fusion layout it uses in the library's
meta table (remember_layout). For libraries indexed before that, it is inferred from the dimensions of the
modality spaces (frame, speech, audio, in that order, each present or not) and, when two layouts add up to the
same size, checked against one item's own segment vectors.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mediarec.errors import MediarecError
from mediarec.index.block_evidence import BlockFacts, cached_block_facts
from mediarec.index.records import VectorSpace
from mediarec.index.store import LibraryStore
from mediarec.index.vectors import ITEM_SPACE_MODALITY
from mediarec.rank.item_matrix import item_matrix, space_size
from mediarec.rank.item_vector import FUSED_MODALITIES, modality_block

# Facts about an item's mix of modalities that the modality gate may lean on (see fusion_scoring.py).
FEATURE_NAMES = ("speech_share", "music", "visual_variety", "sound_only")
# Audio tag names (any source) that say "this is music"; YAMNet's class names and the tagger's.
MUSIC_TAG_WORDS = ("music", "song", "singing", "instrument", "guitar", "piano", "drum", "orchestra")
_ZERO_BLOCK = 1e-6
# How much a block has to say (block_evidence), each in [0, 1]. A transcript of a short sentence or more counts fully;
# one word ("you", what speech-to-text writes for a cough) counts 3/20. A picture that never changes counts half
# what a scene of VARIED_SHOTS shots does (as the gate's visual_variety feature), and while someone talks it is the
# backdrop of the talk (DESIGN.md: "a talk leans on speech"): under speech all the way through it counts
# TALK_BACKDROP of that. Silent audio counts nothing, and under a talk neither does the voice (block_evidence).
FULL_TRANSCRIPT_CHARACTERS = 20
STILL_PICTURE = 0.5
VARIED_SHOTS = 5
TALK_BACKDROP = 0.5


class BlockLayoutError(MediarecError):
    """The fused item space cannot be split into modality blocks (a library written by an unknown version)."""


@dataclass(frozen=True)
class BlockLayout:
    """Where each modality's block sits inside the fused vectors of one item space."""

    space: VectorSpace
    spans: Mapping[str, tuple[int, int]]

    @property
    def modalities(self) -> tuple[str, ...]:
        return tuple(self.spans)


@dataclass(frozen=True)
class ItemBlocks:
    """Per-modality unit vectors of a set of items, in one order.

    ``vectors[m]`` is [n, dim_m] (zero rows where the item lacks the modality), ``present`` is [n, M] booleans
    over MODALITIES, ``features`` is [n, len(FEATURE_NAMES)]. ``evidence`` [n, M] says how much each block has
    to say (block_evidence; 0 where absent), or is None where not read (then every present block counts fully).
    """

    ids: tuple[int, ...]
    vectors: Mapping[str, np.ndarray]
    present: np.ndarray
    features: np.ndarray
    evidence: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def position(self, item_id: int) -> int:
        return self.ids.index(item_id)

    def take(self, positions: Sequence[int]) -> ItemBlocks:
        rows = np.asarray(positions, dtype=int)
        return ItemBlocks(
            tuple(self.ids[i] for i in rows),
            {m: v[rows] for m, v in self.vectors.items()},
            self.present[rows],
            self.features[rows],
            None if self.evidence is None else self.evidence[rows],
        )

    def has(self, modality: str) -> np.ndarray:
        return self.present[:, MODALITIES.index(modality)]

    def attention(self) -> np.ndarray | None:
        """[n, M]: each item's attention per modality, its blocks' evidence relative to its most telling block
        (which gets 1; None without evidence). Relative to the best block, not shares of a sum: a talk with a
        little sound besides the voice still says its sentence fully, so two talks' speech meets at full
        weight (as shares, the sound took 0.125 of one prompt's speech and the difference counted as a mismatch;
        the gate's softmax makes the weights of a pair sum to 1 either way). An item whose every block has no
        evidence (a silent clip with nothing else) counts each block it has fully."""
        if self.evidence is None:
            return None
        evidence = np.where(self.present, self.evidence, 0.0)
        empty = evidence.max(1) <= 0
        evidence[empty] = self.present[empty]
        best = evidence.max(1, keepdims=True)
        return np.divide(evidence, best, out=np.zeros_like(evidence), where=best > 0).astype(np.float32)

    @staticmethod
    def concatenate(parts: Sequence[ItemBlocks]) -> ItemBlocks:
        first = parts[0]
        return ItemBlocks(
            tuple(item_id for part in parts for item_id in part.ids),
            {m: np.concatenate([part.vectors[m] for part in parts]) for m in first.vectors},
            np.concatenate([part.present for part in parts]),
            np.concatenate([part.features for part in parts]),
            None
            if any(part.evidence is None for part in parts)
            else np.concatenate([part.evidence for part in parts]),
        )


MODALITIES = FUSED_MODALITIES


# -- which item space, which layout -------------------------------------------------------------------------------


def current_item_space(store: LibraryStore) -> VectorSpace | None:
    """The fused space that holds the most items (after a model change, the new one once most items moved)."""
    best, best_size = None, 0
    for space in store.spaces(ITEM_SPACE_MODALITY):
        size = space_size(store, space)
        if size > 0 and size >= best_size:
            best, best_size = space, size
    return best


def item_space_of(store: LibraryStore, item_id: int) -> VectorSpace | None:
    """The newest fused space the item has a vector in."""
    encoded = store.encoded_spaces(item_id)
    spaces = [space for space in store.spaces(ITEM_SPACE_MODALITY) if space.id in encoded]
    return spaces[-1] if spaces else None


_layout_cache: dict[tuple[str, str, int], BlockLayout] = {}
_layout_lock = threading.Lock()


def block_layout(store: LibraryStore, space: VectorSpace) -> BlockLayout:
    key = (str(store.path), space.table_name, space.dim)
    with _layout_lock:
        cached = _layout_cache.get(key)
    if cached is not None:
        return cached
    layout = _infer_layout(store, space)
    with _layout_lock:
        _layout_cache[key] = layout
    return layout


_LAYOUT_META_PREFIX = "fusion_layout:"
_remembered: set[tuple[str, str]] = set()


def remember_layout(store: LibraryStore, layout) -> None:
    """Record a FusionLayout (rank/item_vector.py) under its model id, once per library and layout."""
    key = (str(store.path), layout.model_id)
    if key in _remembered:
        return
    spans = {modality: list(span) for modality, span in layout.offsets().items()}
    meta_key = _LAYOUT_META_PREFIX + layout.model_id
    if store.get_meta(meta_key) is None:
        store.set_meta(meta_key, json.dumps({"spans": spans, "dim": layout.dim}))
    _remembered.add(key)


def _infer_layout(store: LibraryStore, space: VectorSpace) -> BlockLayout:
    recorded = store.get_meta(_LAYOUT_META_PREFIX + space.model_id)
    if recorded is not None:
        data = json.loads(recorded)
        if data.get("dim") == space.dim:
            return BlockLayout(space, {m: tuple(span) for m, span in data["spans"].items()})
    options = [[None, *sorted({s.dim for s in store.spaces(modality)})] for modality in MODALITIES]
    fits = []
    for dims in itertools.product(*options):
        if sum(dim for dim in dims if dim) == space.dim and any(dims):
            fits.append(_spans(dims))
    if not fits:
        raise BlockLayoutError(
            f"The item vectors in {space.table_name} ({space.dim} numbers) match no combination of this "
            "library's frame, speech and audio spaces. Re-index the library: mediarec index FOLDER"
        )
    if len(fits) == 1:
        return BlockLayout(space, fits[0])
    return BlockLayout(space, _verified_layout(store, space, fits))


def _spans(dims: Sequence[int | None]) -> dict[str, tuple[int, int]]:
    spans, position = {}, 0
    for modality, dim in zip(MODALITIES, dims, strict=True):
        if dim:
            spans[modality] = (position, position + dim)
            position += dim
    return spans


def _verified_layout(store: LibraryStore, space: VectorSpace, fits: list[dict]) -> dict:
    """Several layouts add up: keep the one whose blocks equal the mean of a sample item's segment vectors."""
    ids, vectors = store.item_vectors(space, limit=20)
    best, best_agreement = fits[0], -np.inf
    for spans in fits:
        agreement = 0.0
        for item_id, vector in zip(ids, vectors, strict=True):
            agreement += _agreement(store, item_id, vector, spans)
        if agreement > best_agreement:
            best, best_agreement = spans, agreement
    return best


def _agreement(store: LibraryStore, item_id: int, vector: np.ndarray, spans: Mapping) -> float:
    encoded = store.encoded_spaces(item_id)
    total = 0.0
    for modality, (start, end) in spans.items():
        block = vector[start:end]
        if np.linalg.norm(block) < _ZERO_BLOCK:
            continue
        spaces = [s for s in store.spaces(modality) if s.id in encoded and s.dim == end - start]
        if not spaces:
            total -= 1.0
            continue
        _, segment_vectors = store.segment_vectors(spaces[-1], item_id)
        expected = modality_block(segment_vectors)
        total += float(expected @ (block / np.linalg.norm(block))) if expected is not None else -1.0
    return total


# -- reading blocks -----------------------------------------------------------------------------------------------


def split_blocks(layout: BlockLayout, ids: Sequence[int], fused: np.ndarray) -> tuple[dict, np.ndarray]:
    """Unit blocks and presence from stored fused vectors [n, dim]."""
    vectors, present = {}, np.zeros((len(ids), len(MODALITIES)), dtype=bool)
    for index, modality in enumerate(MODALITIES):
        span = layout.spans.get(modality)
        if span is None:
            vectors[modality] = np.zeros((len(ids), 1), dtype=np.float32)
            continue
        block = np.asarray(fused[:, span[0] : span[1]], dtype=np.float32)
        norms = np.linalg.norm(block, axis=1)
        present[:, index] = norms > _ZERO_BLOCK
        vectors[modality] = np.divide(
            block, norms[:, None], out=np.zeros_like(block), where=present[:, index][:, None]
        )
    return vectors, present


def load_blocks(
    store: LibraryStore,
    layout: BlockLayout,
    item_ids: Sequence[int] | None = None,
    *,
    limit: int | None = None,
    features: bool = True,
    evidence: bool = False,
) -> ItemBlocks:
    """Blocks of the given items (those without a vector in the space are left out), or of up to `limit` items
    spread over the space. `features=False` skips the per-item facts (three queries per item) and leaves them
    zero, for scorers that do not read them; `evidence=True` reads how much each block has to say (kept in
    memory, index.block_evidence) for the fusion's per-item weights."""
    matrix = item_matrix(store, layout.space)  # in memory: reading from sqlite-vec costs ~5 ms an item
    if item_ids is not None:
        ids, fused = matrix.vectors_of(item_ids)
    elif limit is not None:
        ids, fused = matrix.sample(limit)
    else:
        ids, fused = matrix.item_ids.tolist(), matrix.vectors
    if item_ids is not None:  # keep the caller's order
        order = {item_id: row for row, item_id in enumerate(ids)}
        wanted = [item_id for item_id in dict.fromkeys(item_ids) if item_id in order]
        fused = fused[[order[item_id] for item_id in wanted]] if wanted else fused[:0]
        ids = wanted
    vectors, present = split_blocks(layout, ids, fused)
    facts = (
        item_features(store, ids, present)
        if features
        else np.zeros((len(ids), len(FEATURE_NAMES)), dtype=np.float32)
    )
    weights = block_evidence(present, cached_block_facts(store, ids), ids) if evidence else None
    return ItemBlocks(tuple(ids), vectors, present, facts, weights)


def block_evidence(present: np.ndarray, facts: Mapping[int, BlockFacts], ids: Sequence[int]) -> np.ndarray:
    """[n, M] in [0, 1]: how much each present block of the items has to say, from what indexing found.

    Speech by the length of the accepted transcript, the picture by how much it changes (a still picture counts
    STILL_PICTURE) and how much of the time someone talks over it, the sound by the share of it that is not
    silent and, where the item has a speech block, not speech either: the speech block already compares what
    the voice says, and the voice's sound says who speaks on what line, not about what (two talks in one voice
    are 2.3 random-pair deviations alike in sound, the same talk in two voices 0.9, on the messy set). The
    voice's share is the audio model's, over the same windows the sound block is the mean of. A block whose
    facts are missing (a library indexed before they were recorded) counts fully, as before."""
    evidence = present.astype(np.float32)
    frame, speech, audio = (MODALITIES.index(m) for m in ("frame", "speech", "audio"))
    for row, item_id in enumerate(ids):
        fact = facts.get(item_id)
        if fact is None:
            continue
        variety = min(1.0, max(0, fact.shots - 1) / (VARIED_SHOTS - 1))
        talk = fact.spoken_share if present[row, speech] else 0.0
        backdrop = 1.0 - (1.0 - TALK_BACKDROP) * talk
        evidence[row, frame] *= (STILL_PICTURE + (1.0 - STILL_PICTURE) * variety) * backdrop
        if fact.transcript_characters > 0:  # speech vectors without transcript rows: nothing to judge by
            evidence[row, speech] *= min(1.0, fact.transcript_characters / FULL_TRANSCRIPT_CHARACTERS)
        if fact.silence_share is not None:
            voice = fact.speech_sound_share if present[row, speech] else None
            evidence[row, audio] *= max(0.0, 1.0 - _share(fact.silence_share) - _share(voice or 0.0))
    return evidence


def _share(value: float) -> float:
    return min(1.0, max(0.0, value))


def item_features(store: LibraryStore, ids: Sequence[int], present: np.ndarray) -> np.ndarray:
    """[n, len(FEATURE_NAMES)]: how much of the item is speech, how musical it sounds, how much the picture
    changes, and whether it is sound only. All in [0, 1]."""
    features = np.zeros((len(ids), len(FEATURE_NAMES)), dtype=np.float32)
    records = store.items_by_ids(list(ids))
    frame_column = MODALITIES.index("frame")
    for row, item_id in enumerate(ids):
        record = records.get(item_id)
        duration = (record.duration if record else None) or 0.0
        spoken = sum(line.end - line.start for line in store.transcript(item_id))
        features[row, 0] = min(1.0, spoken / duration) if duration > 0 else 0.0
        features[row, 1] = _music_score(store, item_id)
        if present[row, frame_column]:
            shots = len(store.shots(item_id))
            features[row, 2] = min(1.0, max(0, shots - 1) / 4.0)
        else:
            features[row, 3] = 1.0
    return features


def _music_score(store: LibraryStore, item_id: int) -> float:
    scores = [
        tag.score for tag in store.tags(item_id) if any(word in tag.name.lower() for word in MUSIC_TAG_WORDS)
    ]
    return float(min(1.0, max(scores))) if scores else 0.0


def synthetic_blocks(
    ids: Sequence[int], vectors: Mapping[str, np.ndarray], present: np.ndarray, features: np.ndarray
) -> ItemBlocks:
    """Blocks of things that are not stored items (a profile's interests), built from given unit vectors."""
    return ItemBlocks(tuple(ids), dict(vectors), np.asarray(present, dtype=bool), np.asarray(features))

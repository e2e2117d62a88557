"""The "heard" search channel: text queries for sounds, answered through the library's audio tags.

The offline profile's audio encoder (YAMNet) has no text tower, so "a dog barking" cannot be compared with its
vectors, and the exact-words channel needs every query word inside one tag. But the audio tags are words ("dog",
"bark", "beep, bleep"), so the text encoder can compare the query with each distinct tag name of the library.
With CLAP (the default profile) the query is also compared with the audio vectors (rank/search.py); this channel
stays beside it, since the text encoder is multilingual and CLAP's text tower reads English only.

Calibration is the same as for the vector channels: the query-tag similarity is turned into a z-score against
the similarities that the unrelated cohort sentences reach with the same tag names, and only tags clearly above
that chance level (``MIN_TAG_Z``) match. An item's strength is its best matching tag's similarity times the
tag's score (how sure the tagger was), so a confident "bark" beats a faint one; its moment is where that tag
was heard (the tag's stored span, else the whole item) and its snippet names the tags that matched.

Tag-name vectors are cached per (text model, tag name) in memory, so a search embeds only the query; the
calibration is cached per (text model, set of tag names) and measured again when the library's tags change.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from mediarec.index.records import APPLIED_TAG_SCORE
from mediarec.index.store import LibraryStore

# Tag sources searched through this channel, and the modality their moments report.
TAG_MODALITIES = {"audio": "audio"}
MIN_TAG_Z = 3.9  # dev set (64 tag names): true tag matches z >= 4.1, best unrelated tag z <= 3.6
MAX_SNIPPET_TAGS = 3
SNIPPET_PREFIX = {"audio": "sounds like"}


@dataclass(frozen=True)
class StoredTag:
    """One applied tag of one indexed item, with the moment it was found at (else the whole item)."""

    item_id: int
    name: str
    source: str
    score: float
    start: float
    end: float


@dataclass(frozen=True)
class TagMatch:
    """A tag name that matches the query: its raw cosine similarity and its calibrated z-score."""

    name: str
    similarity: float
    z: float


@dataclass(frozen=True)
class HeardHit:
    """One item found through its tags, best matching tag first."""

    item_id: int
    strength: float  # similarity x tag score of the best tag
    start: float
    end: float
    similarity: float
    z: float
    source: str
    names: tuple[str, ...]

    @property
    def modality(self) -> str:
        return TAG_MODALITIES.get(self.source, "text")

    @property
    def snippet(self) -> str:
        prefix = SNIPPET_PREFIX.get(self.source, f"{self.source} tags")
        return f"{prefix}: " + ", ".join(_display(name) for name in self.names[:MAX_SNIPPET_TAGS])


@dataclass(frozen=True)
class TagCalibration:
    mean: float
    std: float

    def z(self, similarities: np.ndarray) -> np.ndarray:
        return (similarities - self.mean) / self.std


class TagVectorCache:
    """Text vectors of tag names, per text model; thread-safe, shared by every search of a library."""

    def __init__(self) -> None:
        self._vectors: dict[tuple[str, str], np.ndarray] = {}
        self._calibrations: dict[tuple[str, str], TagCalibration] = {}
        self._lock = threading.Lock()

    def vectors(
        self, model_id: str, names: Sequence[str], encode: Callable[[list[str]], np.ndarray]
    ) -> np.ndarray:
        """[len(names), dim] in the order of ``names``; only names not seen before are embedded."""
        with self._lock:
            missing = [name for name in names if (model_id, name) not in self._vectors]
        if missing:
            embedded = np.asarray(encode(missing), dtype=np.float32)
            with self._lock:
                for name, vector in zip(missing, embedded, strict=True):
                    self._vectors[(model_id, name)] = vector
        with self._lock:
            return np.stack([self._vectors[(model_id, name)] for name in names])

    def calibration(
        self, model_id: str, names: Sequence[str], measure: Callable[[], TagCalibration]
    ) -> TagCalibration:
        key = (model_id, _digest(names))
        with self._lock:
            cached = self._calibrations.get(key)
        if cached is None:
            cached = measure()
            with self._lock:
                self._calibrations[key] = cached
        return cached


class TagChannel:
    """Compares a query with the library's tag names and ranks the items whose tags match."""

    def __init__(
        self,
        store: LibraryStore,
        model_id: str,
        encode_queries: Callable[[list[str]], np.ndarray],
        encode_passages: Callable[[list[str]], np.ndarray],
        cohort: Sequence[str],
        *,
        cache: TagVectorCache | None = None,
        sources: Iterable[str] = tuple(TAG_MODALITIES),
        min_z: float = MIN_TAG_Z,
    ):
        self.store = store
        self.model_id = model_id
        self.encode_queries = encode_queries
        self.encode_passages = encode_passages
        self.cohort = tuple(cohort)
        self.cache = cache if cache is not None else TagVectorCache()
        self.sources = tuple(sources)
        self.min_z = min_z

    def search(self, query: str, allowed_items: set[int] | None = None) -> list[HeardHit]:
        """Items whose tags match the query, strongest first; [] when no tag is clearly above chance."""
        tags = self.stored_tags()
        if not tags or not query.strip():
            return []
        matches = self.match(query, sorted({tag.name for tag in tags}))
        if not matches:
            return []
        by_item: dict[int, list[tuple[float, StoredTag, TagMatch]]] = {}
        for tag in tags:
            match = matches.get(tag.name)
            if match is None or (allowed_items is not None and tag.item_id not in allowed_items):
                continue
            by_item.setdefault(tag.item_id, []).append((match.similarity * tag.score, tag, match))
        hits = [_hit(item_id, found) for item_id, found in by_item.items()]
        return sorted(hits, key=lambda hit: (-hit.strength, -hit.z, hit.item_id))

    def match(self, query: str, names: Sequence[str]) -> dict[str, TagMatch]:
        """The tag names whose calibrated similarity to the query reaches ``min_z``."""
        vectors = self.cache.vectors(self.model_id, names, self.encode_passages)
        calibration = self.cache.calibration(self.model_id, names, lambda: self._calibrate(vectors))
        similarities = vectors @ np.asarray(self.encode_queries([query])[0], dtype=np.float32)
        zs = calibration.z(similarities)
        return {
            name: TagMatch(name, float(similarity), float(z))
            for name, similarity, z in zip(names, similarities, zs, strict=True)
            if z >= self.min_z
        }

    def stored_tags(self) -> list[StoredTag]:
        marks = ", ".join("?" for _ in self.sources)
        rows = self.store.query(
            # A tag without a stored moment stands for the whole item.
            "SELECT t.item_id, t.name, t.source, t.score, coalesce(t.start, 0.0), "
            "coalesce(t.end, i.duration, 0.0) FROM tags t "
            "JOIN items i ON i.id = t.item_id "
            f"WHERE i.status = 'indexed' AND t.score >= ? AND t.source IN ({marks})",
            (APPLIED_TAG_SCORE, *self.sources),
        )
        return [StoredTag(int(i), name, source, float(score), s, e) for i, name, source, score, s, e in rows]

    def _calibrate(self, vectors: np.ndarray) -> TagCalibration:
        # Chance level: how close sentences about nothing in particular come to these tag names.
        similarities = np.asarray(self.encode_queries(list(self.cohort)), dtype=np.float32) @ vectors.T
        return TagCalibration(float(similarities.mean()), max(float(similarities.std()), 0.02))


def _hit(item_id: int, found: list[tuple[float, StoredTag, TagMatch]]) -> HeardHit:
    found.sort(key=lambda entry: (-entry[0], entry[1].name))
    strength, best, match = found[0]
    names = tuple(dict.fromkeys(tag.name for _, tag, _ in found))
    return HeardHit(item_id, strength, best.start, best.end, match.similarity, match.z, best.source, names)


def _display(name: str) -> str:
    return name[:1].upper() + name[1:]


def _digest(names: Sequence[str]) -> str:
    return hashlib.sha1("\n".join(sorted(names)).encode("utf-8")).hexdigest()

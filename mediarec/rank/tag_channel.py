"""The "heard" search channel: text queries for sounds, answered through the library's audio tags.

The offline profile's audio encoder (YAMNet) has no text tower, so "a dog barking" cannot be compared with its
vectors, and the exact-words channel needs every query word inside one tag. But the audio tags are words ("dog",
"bark", "beep, bleep"), so the text encoder can compare the query with each distinct tag name of the library, and
with each of its Chinese names (狗叫) on its own: a Chinese query matches a Chinese name far better than it matches
the English one or the two run together.
With CLAP (the default profile) the query is also compared with the audio vectors (rank/search.py); this channel
stays beside it, since the text encoder is multilingual and CLAP's text tower reads English only.

Calibration is the same as for the vector channels (rank/calibration.py): the query-tag similarity is normalised
against how each tag name scores with the bank of unrelated queries (so a name close to everything, like "speech"
or "music", needs more to match), and a logistic fitted on the development sets turns that into the probability
that the name matches.
An item's probability is its best name's probability times the tag's score (how sure the tagger was), so a
confident "bark" beats a faint one; its moment is where that tag was heard (the tag's stored span, else the whole
item) and its snippet names the tags that matched.

Tag-name vectors and their bank statistics are cached per (text model, tag name) in memory, so a search embeds
only the query; a new tag name costs one embedding and its similarities to the bank.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from mediarec.index.records import APPLIED_TAG_SCORE
from mediarec.index.store import LibraryStore
from mediarec.index.tag_names import other_names
from mediarec.rank.calibration import (
    SearchCalibration,
    bank_similarities,
    cohort_of,
    cohort_z,
    search_calibration,
)
from mediarec.rank.lexical import closed_compound, name_parts, noun_forms, said_outright, word_forms
from mediarec.rank.text_vectors import PASSAGE, QUERY, TextVectors
from mediarec.understand.audio_tags import SHARE_CLASSES

# Tag sources searched through this channel, and the modality their moments report: sounds (the heard channel) and
# the image_labels model's visual tags (the seen channel: the offline profile's tiny CLIP cannot compare a query
# with real photos, but their tags, "dog", "castle", are words the text encoder can).
TAG_MODALITIES = {"audio": "audio", "visual": "frame"}
# A name matches when its calibrated probability reaches this (the search's own threshold then applies to the
# fused probability; this only keeps hopeless names out of the snippets and the lists).
MIN_TAG_PROBABILITY = 0.05
MAX_SNIPPET_TAGS = 3
# A sound name a query says outright matches as that word alone would only where the whole query is at least this
# close to the name (its normalised score): chosen on the messy and eval sets, where every name said outright below
# z 1.7 was said in passing ("cars racing on a track": car, "animals ate our telephone system": animal) and the
# names from z 2.8 up were what the query asked for; the unseen set held out.
SOUND_PASSING_Z = 2.5
# A sound name applied to more than this share of the library's sound-tagged items says nothing about which item
# a query means when it names it (the share recommend/explain.py's reasons stop at); nor do the names of how a file
# sounds overall, whatever their share: speech, music, silence (understand/audio_tags.py's shares).
GENERIC_SOUND_SHARE = 0.25
GENERIC_SOUND_NAMES = frozenset({*SHARE_CLASSES, "silence"})
# The match probability of a name the query says outright (before the tag's own score multiplies it): the query
# asks for that very thing, and whether the item holds it is the tagger's call, which the tag's score already
# says. The logistic of the name's normalised score, fitted on queries compared with names as wholes, gave "a
# bridge" 0.22 for the name "bridge" (normalised score 4.9, its most when said alone), and x 0.64, the bridge
# photos' label score, that fell under the match threshold while the one-word query "bridge" found them at 1.0
# through the tag text index.
NAMED_TAG_PROBABILITY = 1.0
SNIPPET_PREFIX = {"audio": "sounds like", "visual": "seen"}


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
    """A tag name that matches the query: its raw cosine similarity, normalised score and match probability."""

    name: str
    similarity: float
    z: float
    probability: float = 1.0


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
    probability: float = 0.0  # the best tag's match probability x its tag score

    @property
    def modality(self) -> str:
        return TAG_MODALITIES.get(self.source, "text")

    @property
    def snippet(self) -> str:
        prefix = SNIPPET_PREFIX.get(self.source, f"{self.source} tags")
        return f"{prefix}: " + ", ".join(_display(name) for name in self.names[:MAX_SNIPPET_TAGS])


class TagVectorCache:
    """Text vectors of tag names and their similarity to the query bank, per text model; thread-safe, shared by
    every search of a library."""

    def __init__(self, text_vectors: TextVectors | None = None) -> None:
        # Tag names' and the bank's vectors, kept across processes when given a folder (rank.text_vectors).
        self.text_vectors = text_vectors if text_vectors is not None else TextVectors()
        self._bank_rows: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def vectors(
        self, model_id: str, names: Sequence[str], encode: Callable[[list[str]], np.ndarray]
    ) -> np.ndarray:
        """[len(names), dim] in the order of ``names``; only names not seen before are embedded."""
        return self.text_vectors.vectors(model_id, PASSAGE, names, encode)

    def bank(
        self, model_id: str, queries: Sequence[str], encode: Callable[[list[str]], np.ndarray]
    ) -> np.ndarray:
        """The query bank embedded once per text model."""
        return self.text_vectors.vectors(model_id, QUERY, queries, encode)

    def bank_rows(
        self, model_id: str, names: Sequence[str], vectors: np.ndarray, bank: np.ndarray
    ) -> np.ndarray:
        """[len(names), bank]: each name's similarity to every bank query (``vectors`` in the order of
        ``names``)."""
        with self._lock:
            missing = [row for row, name in enumerate(names) if (model_id, name) not in self._bank_rows]
        if missing:
            rows = bank_similarities(bank, vectors[missing])
            with self._lock:
                for row, similarities in zip(missing, rows, strict=True):
                    self._bank_rows[(model_id, names[row])] = similarities
        with self._lock:
            return np.stack([self._bank_rows[(model_id, name)] for name in names])


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
        sources: Iterable[str] = ("audio",),
        calibration: SearchCalibration | None = None,
        min_probability: float = MIN_TAG_PROBABILITY,
        names: Mapping[str, Collection[str]] | None = None,
        texts: Mapping[str, str] | None = None,
        other_names: Callable[[str], Sequence[str]] | None = None,
        channel: str = "tags",
        said_by: Callable[[str], Iterable[tuple[str, str]]] | None = None,
        generic_share: float | None = None,
        generic_names: Collection[str] = (),
        passing_z: float | None = None,
    ):
        """``names``: per source, the only tag names searched (visual tags: the image labels' names, not the tiny
        CLIP's shapes); every name of a source not given. ``texts``: what is embedded for a name, where not the
        name itself (an image label with its Chinese name, "dog, 狗": a Chinese query then matches as surely as an
        English one). ``other_names``: a name's other names (its Chinese ones, index.tag_names.other_names), each
        embedded and matched on its own, the name matching as well as its best one does: 打鼾 is 0.45 from "snoring,
        打鼾" but 1.0 from "打鼾". ``channel``: the calibration's logistic for this channel's names ("tags" for sounds,
        "seen" for image labels). ``said_by``: per tag name, the (form, word) pairs a query may name it by
        outright, each form standing for the word it is compared by (a sound's "mooing" for "moo", an image label's
        "mountains" for "mountain", its Chinese name for itself); a query that holds a form word for word
        (rank/lexical.py's says_outright) matches the tag at least as that word alone would: 树枝上的蜥蜴 (a lizard
        on a branch) is only 0.43 from "lizard, 蜥蜴", 蜥蜴 alone much closer. ``generic_share``: a name applied to more than this share of the items that carry
        this channel's tags is not matched outright: a sound vocabulary has names a query says in passing ("a
        wedding speech", 古典音乐会 holds 音乐, music), and in a library where half the items are music, "music"
        says nothing about which; the bank already makes such names need more. ``generic_names``: never matched
        outright. ``passing_z``: a name said outright counts only where the whole query's normalised score for it
        reaches this ("a small track in the woods" says "wood" in passing); None for image labels, whose
        whole-query scores are low even when the query is about them (树枝上的蜥蜴 is 0.43 from "lizard, 蜥蜴")."""
        self.store = store
        self.model_id = model_id
        self.encode_queries = encode_queries
        self.encode_passages = encode_passages
        self.cohort = tuple(cohort)
        self.cache = cache if cache is not None else TagVectorCache()
        self.sources = tuple(sources)
        self.calibration = calibration if calibration is not None else search_calibration()
        self.min_probability = min_probability
        self.names = {source: frozenset(known) for source, known in (names or {}).items()}
        self.texts = dict(texts or {})
        self.other_names = other_names
        self.channel = channel
        self.said_by = said_by
        self.generic_share = generic_share
        self.generic_names = frozenset(generic_names)
        self.passing_z = passing_z

    def search(
        self, query: str, allowed_items: set[int] | None = None, *, min_probability: float | None = None
    ) -> list[HeardHit]:
        """Items whose tags match the query, most probable first; [] when no tag name is likely to match (its
        probability under ``min_probability``, the channel's own unless given)."""
        tags = self.stored_tags()
        if not tags or not query.strip():
            return []
        matches = self.match(query, sorted({tag.name for tag in tags}), min_probability, tags=tags)
        if not matches:
            return []
        by_item: dict[int, list[tuple[float, StoredTag, TagMatch]]] = {}
        for tag in tags:
            match = matches.get(tag.name)
            if match is None or (allowed_items is not None and tag.item_id not in allowed_items):
                continue
            by_item.setdefault(tag.item_id, []).append((match.similarity * tag.score, tag, match))
        hits = [_hit(item_id, found) for item_id, found in by_item.items()]
        return sorted(hits, key=lambda hit: (-hit.probability, -hit.strength, hit.item_id))

    def match(
        self,
        query: str,
        names: Sequence[str],
        min_probability: float | None = None,
        *,
        tags: Sequence[StoredTag] = (),
    ) -> dict[str, TagMatch]:
        """The tag names whose match probability for the query reaches ``min_probability``; a name the query says
        outright (``said_by``; not a generic one among ``tags``, _generic) with probability
        NAMED_TAG_PROBABILITY; with ``passing_z``, only where the whole query is at least that close to the
        name."""
        floor = self.min_probability if min_probability is None else min_probability
        scored = self._match_query(query, names, 0.0)
        best = {name: match for name, match in scored.items() if match.probability >= floor}
        said = self._said_outright(query, names)
        if said:  # which names are generic is counted over every stored tag: only when it matters
            generic = self._generic(tags)
            said = [(word, name) for word, name in said if name not in generic]
        for word, name in said:
            if self.passing_z is not None and (name not in scored or scored[name].z < self.passing_z):
                continue  # named in passing: "a small track in the woods" is not about the sound of wood
            named = scored[name] if word == query.strip() else None  # scored holds every name (floor 0)
            if named is None:  # its similarity and normalised score as that word alone, for the moment shown
                named = self._match_query(word, [name], 0.0, also={name: word})[name]
            best[name] = replace(named, probability=NAMED_TAG_PROBABILITY)
        return best

    def _said_outright(self, query: str, names: Sequence[str]) -> list[tuple[str, str]]:
        """(word, name) for each name the query says outright (the whole query too, when it is a name), by a word
        not said inside a longer name it says ("a hot dog stand" says "hot dog", not "dog")."""
        asked = query.strip()
        forms = {form: (word, name) for name in names for form, word in self._forms(name)}
        said = said_outright(asked, forms)  # the whole query among them when it is a name itself
        return [forms[form] for form in said if not any(form != other and form in other for other in said)]

    def _forms(self, name: str) -> Iterable[tuple[str, str]]:
        return self.said_by(name) if self.said_by is not None else ()

    def _generic(self, tags: Sequence[StoredTag]) -> frozenset[str]:
        """The names applied to more than ``generic_share`` of the items that carry any of the tags, and the
        ``generic_names``."""
        if self.generic_share is None:
            return frozenset(self.generic_names)
        items_by_name: dict[str, set[int]] = {}
        for tag in tags:
            items_by_name.setdefault(tag.name, set()).add(tag.item_id)
        tagged = len({tag.item_id for tag in tags})
        common = {name for name, items in items_by_name.items() if len(items) > self.generic_share * tagged}
        return frozenset(common | self.generic_names)

    def _match_query(
        self, query: str, names: Sequence[str], floor: float, also: Mapping[str, str] | None = None
    ) -> dict[str, TagMatch]:
        """The names whose probability for this query, by the text encoder, reaches ``floor``; ``also``: a further
        text a name is compared by (the word a query said it by, which "lizard, 蜥蜴" is further from than 蜥蜴)."""
        owners, texts = self._texts(names, also or {})
        vectors = self.cache.vectors(self.model_id, texts, self.encode_passages)
        query_vector = np.asarray(self.encode_queries([query])[0], dtype=np.float32)
        similarities = vectors @ query_vector
        zs = self.normalise(texts, vectors, query_vector, similarities)
        probabilities = np.atleast_1d(self.calibration.probability(self.channel, zs))
        best: dict[str, TagMatch] = {}
        for owner, similarity, z, probability in zip(owners, similarities, zs, probabilities, strict=True):
            name = names[owner]
            if probability >= floor and (name not in best or probability > best[name].probability):
                best[name] = TagMatch(name, float(similarity), float(z), float(probability))
        return best

    def _texts(self, names: Sequence[str], also: Mapping[str, str]) -> tuple[list[int], list[str]]:
        """What is embedded for the names: each name's text, then its other names; with the index of the name
        each text stands for."""
        owners, texts = [], []
        for index, name in enumerate(names):
            others = self.other_names(name) if self.other_names else ()
            alternatives = (self.texts.get(name, name), *others, *([also[name]] if name in also else []))
            for text in dict.fromkeys(alternatives):
                owners.append(index)
                texts.append(text)
        return owners, texts

    def normalise(
        self, names: Sequence[str], vectors: np.ndarray, query_vector: np.ndarray, similarities: np.ndarray
    ) -> np.ndarray:
        """z-scores against each name's own similarities to the bank queries nearest to the query."""
        bank = self.cache.bank(self.model_id, self.cohort, self.encode_queries)
        rows = self.cache.bank_rows(self.model_id, names, vectors, bank)
        return cohort_z(similarities, rows, cohort_of(bank, query_vector))

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
        return [
            StoredTag(int(i), name, source, float(score), s, e)
            for i, name, source, score, s, e in rows
            if source not in self.names or name in self.names[source]
        ]


class TagChannels:
    """Several tag channels searched as one (the heard and the seen channel): their hits, each channel's in its
    own order; the search fuses them by their modality."""

    def __init__(self, *channels: TagChannel) -> None:
        self.channels = channels

    def search(
        self, query: str, allowed_items: set[int] | None = None, *, min_probability: float | None = None
    ) -> list[HeardHit]:
        return [
            hit
            for channel in self.channels
            for hit in channel.search(query, allowed_items, min_probability=min_probability)
        ]


@lru_cache(maxsize=4096)
def sound_said_by(name: str) -> tuple[tuple[str, str], ...]:
    """How a query may name a sound tag outright: (form, word) for each name inside it (lexical.name_parts) in
    its English forms ("a cow mooing" names "moo", "a lion roaring" names "roar"), a two-word name also as one
    word ("birdsong in the woods" names "bird song"), and its Chinese names. Kept per name: every search asks it
    of every sound name of the library."""
    words = [*name_parts(name), *other_names(name)]
    forms = [(form, word) for word in dict.fromkeys(words) for form in word_forms(word)]
    for word in words:
        if compound := closed_compound(word):  # "birdsong", "birdsongs"
            forms += [(compound, word), (compound + "s", word)]
    return tuple(dict.fromkeys(forms))


def label_said_by(names: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """How a query may name an image label outright: (form, name) for each of its names (the label, its Chinese
    name, its synonyms) and, for a one-word English name, its plural or singular ("mountains" names "mountain")."""
    return tuple((form, name) for name in dict.fromkeys(names) for form in noun_forms(name))


def _hit(item_id: int, found: list[tuple[float, StoredTag, TagMatch]]) -> HeardHit:
    found.sort(key=lambda entry: (-entry[2].probability * entry[1].score, -entry[0], entry[1].name))
    strength, best, match = found[0]
    names = tuple(dict.fromkeys(tag.name for _, tag, _ in found))
    probability = match.probability * best.score
    return HeardHit(
        item_id, strength, best.start, best.end, match.similarity, match.z, best.source, names, probability
    )


def _display(name: str) -> str:
    return name[:1].upper() + name[1:]

"""Search: one retrieval per modality, hubness-corrected, calibrated to match probabilities, fused, thresholded,
grouped per item with its best moments.

Raw cosine similarities of different encoders live on different scales (a tiny CLIP's "match" may be 0.3, a
sentence encoder's 0.7), some vectors are close to every query (hubs), and every modality returns *something* for
every query. So each candidate's similarity is normalised against the query bank (rank/calibration.py:
a hub's high floor is divided out), each channel's normalised score becomes a match probability through a logistic
fitted on development sets, an item's probability is its channels' fused (the best one, raised by agreeing
others), and only items whose probability reaches the match threshold are returned. A query about something the
library does not hold therefore returns nothing, and the score every hit carries is a confidence in [0, 1].

What was said is found three ways: by meaning (the speech channel: transcript chunks against the query with the
text encoder), by the exact words (FTS5, every word spelt as transcribed), and by the words said (WORDS_CHANNEL: the
share of the query's character n-grams a chunk holds, Chinese also by its syllables' n-grams, rank/lexical.py,
calibrated on its own), so that a recording the transcriber got a word or two wrong (or wrote in homophones) still
comes before the same prompt in another language. Where that share is
high it also raises the speech channel's cosine (the calibration's words bonus): meaning alone rates both near 1.

Sounds are found two ways: through their tags (the heard channel, rank/tag_channel.py, always) and, when the audio
model has a text tower (CLAP in the default profile), by comparing the query with the audio vectors themselves.
The two are one "audio" channel in the fusion (the better of the two probabilities), so that a sound counts once
whichever audio model indexed it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from mediarec.index.records import SegmentRecord, VectorSpace
from mediarec.index.store import LibraryStore
from mediarec.index.vector_index import VectorIndex
from mediarec.rank.calibration import (
    BankStatistics,
    SearchCalibration,
    query_bank,
    query_closeness,
    search_calibration,
)
from mediarec.rank.hits import Moment, SearchHit
from mediarec.rank.lexical import overlaps
from mediarec.rank.moments import refine_spoken_moments
from mediarec.rank.query_language import query_language, same_language
from mediarec.rank.rank_fusion import reciprocal_rank_fusion
from mediarec.rank.tag_channel import HeardHit, TagChannel
from mediarec.rank.text_vectors import TextVectors

# Sentences about nothing in particular, in both interface languages (resources/query_bank.txt): each vector's and
# each tag name's "chance level".
COHORT_QUERIES = query_bank()
CALIBRATION = search_calibration()
# Hits whose fused match probability is below this are not returned ("show weak matches" lowers it to the weak
# threshold). Both were chosen with the channels' fit, on its part of the development queries; see the file.
MATCH_THRESHOLD = CALIBRATION.threshold
WEAK_MATCH_THRESHOLD = CALIBRATION.weak_threshold
# A moment enters its channel's list only when its normalised score is above chance (the bank's mean) and its
# probability is not negligible; this keeps the lists short, the threshold decides what is shown.
MIN_Z = 0.0
MIN_MOMENT_PROBABILITY = 0.01
CANDIDATES_PER_MODALITY = 200
# Channels whose moments carry the query's lexical overlap with their text (rank/lexical.py): the transcript chunks,
# where a word the transcriber got a letter wrong still says which recording it is. That overlap is a channel of
# its own in the fusion, WORDS_CHANNEL ("words said"), calibrated like the others (only when the calibration file
# has it): the exact-words index wants every word spelt as transcribed, and meaning alone ranks the same prompt in
# another language as high.
LEXICAL_CHANNELS = ("speech",)
WORDS_CHANNEL = "words"
RRF_K = 60.0


@dataclass(frozen=True)
class QueryChannel:
    """How to search one modality: its vector space and how to embed a query into it."""

    modality: str
    space: VectorSpace
    embed: Callable[[list[str]], np.ndarray]
    # Passages (not queries) into the same space, where the encoder tells them apart: the speech channel's
    # sentences re-scored against the query (rank/moments.py).
    embed_passages: Callable[[list[str]], np.ndarray] | None = None
    # The frame channel of an image_text model that sees drawings only (catalogue option ``sees``): keyframes
    # recorded as not looking drawn are left out (SearchEngine._seen_by_model).
    drawings_only: bool = False


@dataclass
class Candidate:
    item_id: int
    moments: list[Moment] = field(default_factory=list)
    channels: dict[str, float] = field(default_factory=dict)  # channel -> best probability

    def add(self, channel: str, moment: Moment) -> None:
        self.moments.append(moment)
        self.channels[channel] = max(self.channels.get(channel, 0.0), moment.score)


class SearchEngine:
    def __init__(
        self,
        store: LibraryStore,
        channels: Callable[[], list[QueryChannel]],
        tag_channel: Callable[[], TagChannel | None] | None = None,
        calibration: SearchCalibration | None = None,
        text_vectors: TextVectors | None = None,
    ):
        self.store = store
        self._channels = channels
        self._tag_channel = tag_channel
        self.calibration = calibration if calibration is not None else CALIBRATION
        self.bank = BankStatistics(store, COHORT_QUERIES, text_vectors)
        self._indexes: dict[int, VectorIndex] = {}
        self._lock = threading.Lock()

    def search(
        self,
        query: str,
        limit: int = 10,
        allowed_items: set[int] | None = None,
        min_score: float | None = None,
    ) -> list[SearchHit]:
        """Items whose fused match probability reaches ``min_score`` (the match threshold unless given), most
        probable first."""
        query = query.strip()
        if not query:
            return []
        threshold = MATCH_THRESHOLD if min_score is None else min_score
        channels = self._channels()
        candidates = self.candidates(query, threshold, allowed_items, channels)
        scores = {item_id: self.calibration.fuse(c.channels.values()) for item_id, c in candidates.items()}
        passing = [item_id for item_id, score in scores.items() if score >= threshold]
        items = self.store.items_by_ids(passing)
        hits = []
        for item_id in passing:
            item = items.get(item_id)
            if item is None or item.status != "indexed":
                continue
            moments = sorted(candidates[item_id].moments, key=lambda moment: (-moment.score, -moment.z))[:3]
            hits.append(SearchHit(item, scores[item_id], tuple(moments)))
        hits.sort(key=lambda hit: (-hit.score, -hit.best.score, hit.item.id))
        return refine_spoken_moments(self.store, hits[:limit], query, _sentence_encoder(channels))

    def candidates(
        self,
        query: str,
        threshold: float = MATCH_THRESHOLD,
        allowed_items: set[int] | None = None,
        channels: list[QueryChannel] | None = None,
    ) -> dict[int, Candidate]:
        """Every item some channel found for the query, with its moments and each channel's best probability,
        before fusion and the threshold (what ``search`` fuses; benchmarks/paraphrase_stages.py reads it)."""
        floor = min(
            MIN_MOMENT_PROBABILITY, threshold
        )  # a moment that cannot matter at this threshold is dropped
        candidates: dict[int, Candidate] = {}
        for channel in self._channels() if channels is None else channels:
            found = self._retrieve(channel, query, floor)
            self._collect(channel.modality, found, candidates, allowed_items)
            self._collect(WORDS_CHANNEL, self._words_said(found, floor), candidates, allowed_items)
        self._collect("text", self._exact_words(query), candidates, allowed_items)
        # Sounds and seen image labels (rank/tag_channel.py), each fused as the channel of its modality.
        for item_id, moment in self._heard(query, allowed_items):
            fused_as = "frame" if moment.modality == "frame" else "audio"
            self._collect(fused_as, [(item_id, moment)], candidates, None)
        return candidates

    def at_threshold(self, min_score: float) -> ThresholdedSearch:
        """This engine with another match threshold (``search_with_filters`` calls ``search(query, limit, ...)``)."""
        return ThresholdedSearch(self, min_score)

    def channel_moments(self, query: str) -> dict[str, list[tuple[int, Moment]]]:
        """Every channel's moments for a query before fusion, none left out by the gates (what
        benchmarks/calibrate_search.py fits on)."""
        moments = {channel.modality: self._retrieve(channel, query, None) for channel in self._channels()}
        moments[WORDS_CHANNEL] = self._words_said(moments.get("speech", []), None)
        moments["text"] = self._exact_words(query)
        tagged = self._heard(query, None, 0.0)  # sounds ("tags") and image labels ("seen"), fitted apart
        moments["tags"] = [(item, moment) for item, moment in tagged if moment.modality != "frame"]
        moments["seen"] = [(item, moment) for item, moment in tagged if moment.modality == "frame"]
        return moments

    def query_closeness(self, query: str) -> dict[str, float]:
        """Per vector channel, the query's closeness to the query bank in its space (rank/calibration.py's
        Logistic weighs it; benchmarks/calibrate_search.py fits on it)."""
        closeness = {}
        for channel in self._channels():
            query_vector = channel.embed([query])[0]
            closeness[channel.modality] = query_closeness(
                self.bank.bank_vectors(channel.space, channel.embed), query_vector
            )
        return closeness

    @staticmethod
    def _collect(
        channel: str,
        moments: list[tuple[int, Moment]],
        candidates: dict[int, Candidate],
        allowed_items: set[int] | None,
    ) -> None:
        for item_id, moment in moments:
            if allowed_items is None or item_id in allowed_items:
                candidates.setdefault(item_id, Candidate(item_id)).add(channel, moment)

    def _heard(
        self, query: str, allowed_items: set[int] | None, min_probability: float | None = None
    ) -> list[tuple[int, Moment]]:
        """The heard channel's moments; tag names count from the channel's own floor unless told otherwise."""
        channel = self._tag_channel() if self._tag_channel is not None else None
        if channel is None:
            return []
        hits = channel.search(query, allowed_items, min_probability=min_probability)
        return [(hit.item_id, _heard_moment(hit)) for hit in hits]

    def warm(self, space: VectorSpace) -> int:
        """Load a space's in-memory copy ahead of the first query; returns its size."""
        return self._index(space).size()

    def _index(self, space: VectorSpace) -> VectorIndex:
        with self._lock:
            if space.id not in self._indexes:
                self._indexes[space.id] = VectorIndex(self.store, space)
            return self._indexes[space.id]

    def _retrieve(self, channel: QueryChannel, query: str, floor: float | None) -> list[tuple[int, Moment]]:
        """The channel's moments for the query: those above chance (``MIN_Z``) whose probability reaches
        ``floor``, or whose words-said probability does; every candidate when ``floor`` is None."""
        index = self._index(channel.space)
        if index.size() == 0:
            return []
        query_vector = channel.embed([query])[0]
        hits = index.search(query_vector, CANDIDATES_PER_MODALITY)
        segments = self.store.segments([rowid for rowid, _, _ in hits])
        hits = self._seen_by_model(channel, hits, segments)
        zs = self.bank.normalise(channel.space, channel.embed, query_vector, hits, index.vectors_of)
        closeness = query_closeness(self.bank.bank_vectors(channel.space, channel.embed), query_vector)
        cosines = np.array([similarity for _, _, similarity in hits], dtype=np.float32)
        lexical = np.zeros(len(hits), np.float32)
        if channel.modality in LEXICAL_CHANNELS:
            texts = [segment.text if (segment := segments.get(rowid)) else None for rowid, _, _ in hits]
            lexical = np.array(overlaps(query, texts), np.float32)
        item_ids = [item_id for _, item_id, _ in hits]
        in_language = self._in_query_language(channel.modality, query, item_ids, for_fitting=floor is None)
        probabilities = np.atleast_1d(
            self.calibration.probability(channel.modality, zs, cosines, closeness, in_language, lexical)
        )
        said = self._words_probabilities(lexical)
        moments = []
        for (rowid, item_id, similarity), z, probability, overlap, words, same in zip(
            hits, zs, probabilities, lexical, said, in_language, strict=True
        ):
            segment = segments.get(rowid)
            passes = z >= MIN_Z and probability >= floor if floor is not None else True
            if segment is None or not (passes or (floor is not None and words >= floor)):
                continue
            moment = _moment(
                segment, channel.modality, similarity, float(z), float(probability), float(overlap)
            )
            moments.append((item_id, replace(moment, same_language=bool(same))))
        return moments

    def _seen_by_model(
        self,
        channel: QueryChannel,
        hits: list[tuple[int, int, float]],
        segments: Mapping[int, SegmentRecord],
    ) -> list[tuple[int, int, float]]:
        """The hits whose pictures the channel's model can see: for a model that sees drawings only (the offline
        tiny CLIP rates a pier photograph 0.5 for "thunder"), not the keyframes that do not look drawn. Items
        indexed without that record keep all their keyframes. ``segments``: the hits' segments, by rowid."""
        if not channel.drawings_only or not hits:
            return hits
        recorded = self.store.undrawn_frames(item_id for _, item_id, _ in hits)
        undrawn = {item_id: spans for item_id, spans in recorded.items() if spans}
        if not undrawn:
            return hits
        return [
            (rowid, item_id, similarity)
            for rowid, item_id, similarity in hits
            if (segment := segments.get(rowid)) is None
            or (segment.start, segment.end) not in undrawn.get(item_id, ())
        ]

    def _in_query_language(
        self, channel: str, query: str, item_ids: list[int], for_fitting: bool = False
    ) -> np.ndarray:
        """Per hit, whether its item's transcript is in the query's language; all False unless the query's
        language is clear and the channel's calibration has a language bonus (or the flags are for fitting one:
        speech candidates only). Only a library with transcripts gets here, so only one loads the detector."""
        flags = np.zeros(len(item_ids), bool)
        wanted = self.calibration.language_bonus(channel) or (for_fitting and channel in LEXICAL_CHANNELS)
        if not item_ids or not wanted:
            return flags
        language = query_language(query)
        if language is None:
            return flags
        languages = self.store.item_languages(sorted(set(item_ids)))
        for index, item_id in enumerate(item_ids):
            flags[index] = item_id in languages and same_language(language, languages[item_id])
        return flags

    def _words_probabilities(self, overlaps: np.ndarray) -> np.ndarray:
        """The words-said channel's probability of each overlap; 0 where the calibration has no such channel."""
        if WORDS_CHANNEL not in self.calibration.channels:
            return np.zeros(len(overlaps))
        return np.atleast_1d(self.calibration.probability(WORDS_CHANNEL, overlaps))

    def _words_said(self, moments: list[tuple[int, Moment]], floor: float | None) -> list[tuple[int, Moment]]:
        """The spoken moments as the words-said channel sees them: normalised score the overlap, probability its
        calibration's; those below ``floor`` left out (none when ``floor`` is None, for fitting)."""
        spoken = [(item_id, moment) for item_id, moment in moments if moment.modality == "speech"]
        said = self._words_probabilities(np.array([moment.overlap for _, moment in spoken], np.float32))
        return [
            (item_id, replace(moment, z=moment.overlap, score=float(probability)))
            for (item_id, moment), probability in zip(spoken, said, strict=True)
            if floor is None or probability >= floor
        ]

    def _exact_words(self, query: str) -> list[tuple[int, Moment]]:
        matches = self.store.text_search(query, limit=100)
        segments = self.store.segments(
            [segment_id for _, segment_id, _, _ in matches if segment_id is not None]
        )
        moments = []
        for item_id, segment_id, field_name, bm25 in matches:
            segment = segments.get(segment_id) if segment_id is not None else None
            probability = float(self.calibration.probability("text", float(bm25)))
            if segment is not None:  # words spoken at a known moment
                moments.append((item_id, _moment(segment, segment.modality, 1.0, float(bm25), probability)))
            else:
                moments.append(
                    (item_id, self._text_moment(item_id, field_name, query, float(bm25), probability))
                )
        return moments

    def _text_moment(
        self, item_id: int, field_name: str, query: str, bm25: float, probability: float
    ) -> Moment:
        """A title's words stand for the whole item; a tag's land where the tag was found (index.tags)."""
        tag = self.store.tag_at_text_row(item_id, query) if field_name == "tag" else None
        if tag is None or tag.start is None:
            return Moment(0.0, 0.0, "text", 1.0, bm25, f"{field_name}: {query}", None, probability)
        end = tag.start if tag.end is None else tag.end
        return Moment(tag.start, end, "text", 1.0, bm25, f"tag: {tag.name}", None, probability)


@dataclass(frozen=True)
class ThresholdedSearch:
    engine: SearchEngine
    min_score: float

    def search(self, query: str, limit: int = 10, allowed_items: set[int] | None = None) -> list[SearchHit]:
        return self.engine.search(query, limit, allowed_items, min_score=self.min_score)


def merge_ranked(*ranked: list[int]) -> list[int]:
    """Several ranked lists of the same modality as one (rank fusion, equal weights): an item found by both the
    audio vectors and the tags comes first; a single list comes back as it was."""
    present = [items for items in ranked if items]
    if len(present) <= 1:
        return list(present[0]) if present else []
    fused = reciprocal_rank_fusion({str(index): items for index, items in enumerate(present)}, None, RRF_K)
    first_rank: dict[int, int] = {}
    for items in present:
        for rank, item in enumerate(items):
            first_rank[item] = min(rank, first_rank.get(item, rank))
    return sorted(fused, key=lambda item: (-fused[item], first_rank[item], item))


def _sentence_encoder(channels: list[QueryChannel]) -> Callable[[list[str]], np.ndarray] | None:
    """What re-scores a spoken hit's sentences: the speech channel's passage encoder (its query encoder when it
    has none); None without a speech channel (the sentence sharing most words with the query is taken)."""
    speech = next((channel for channel in channels if channel.modality == "speech"), None)
    if speech is None:
        return None
    if speech.embed_passages is None:
        return speech.embed
    passages, queries = speech.embed_passages, speech.embed
    return lambda texts: np.vstack([queries(texts[:1]), passages(texts[1:])])


def _moment(
    segment: SegmentRecord,
    modality: str,
    similarity: float,
    z: float,
    probability: float,
    overlap: float = 0.0,
) -> Moment:
    return Moment(
        segment.start,
        segment.end,
        modality,
        similarity,
        z,
        segment.text,
        segment.thumbnail,
        probability,
        overlap=overlap,
    )


def _heard_moment(hit: HeardHit) -> Moment:
    return Moment(hit.start, hit.end, hit.modality, hit.similarity, hit.z, hit.snippet, None, hit.probability)

"""Search you can trust: hubness correction against a bank of unrelated queries, and calibrated match confidence.

Two things go wrong with raw cosine similarities (the "search you can trust" issue):

- Hubs. Some vectors are close to *every* query (a plain frame, a sound effect that speech-to-text made words up
  on, a transcript of "you you you"), so they top queries they have nothing to do with. Each candidate's
  similarity is therefore normalised against how that *vector* scores with a bank of unrelated queries
  (resources/query_bank.txt), as in query-bank normalisation (QB-Norm, Bogolin et al., CVPR 2022) and the cohort
  normalisation of speaker verification (adaptive s-norm with a top-N cohort): the normalised score is the z-score of the similarity
  against the vector's own mean and spread over the ``COHORT_SIZE`` bank queries nearest to the query, capped at
  ``BANK_MARGIN`` above its z-score against the whole bank. A hub's high floor is divided out, and so is a weak
  encoder's habit of matching a whole kind of query (the tiny CLIP rates every Chinese sentence close to some
  drawing: the Chinese bank queries, the cohort of a Chinese query, then rate it as close); the cap keeps a vector
  that the query's neighbours happen to dislike from passing for a match when the query itself is only as close
  to it as any bank query. On the development sets this separated matches from negative queries as well as or
  better than the whole bank alone, their minimum, their mean, a quantile of the bank, and a query-side z (the
  other half of s-norm, meaningless in a small library anyway, where the space is a few vectors).
  A vector's similarities to the bank are computed the first time it is a candidate and cached per vector space
  until a vector is deleted (the store's vector generation), so a search costs the bank's similarities to its new
  candidates only: a few hundred dot products.
- No "no match". Every modality returns *something* for every query. Each channel's normalised score is mapped to a
  match probability by a logistic calibration whose two parameters per channel were fitted on development sets
  (benchmarks/calibrate_search.py writes resources/search_calibration.json, naming the sets and the date; the
  speech channel's logistic also weighs the raw cosine, which tells paraphrases from "no match" queries better,
  while its small weight on the normalised score still counts against hubs, and the query's own closeness to the
  bank, so a short generic query needs a higher cosine than a specific one; the words-said channel's maps the
  query's lexical overlap with a transcript chunk; a fit may be moved to the operating point that serves the
  threshold best, recorded in the file's source); the
  channels' probabilities are fused (the best one, raised by the others' agreement), and only hits whose fused
  probability reaches the match threshold are returned, so a query about something absent gets an empty list.

"More like this" is calibrated the same way (``SimilarCalibration``): its fused or per-modality similarity is
mapped to [0, 1] by a logistic fitted on pairs of the development sets, and items no more alike than a random
pair of the library are left out.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

import mediarec
from mediarec.rank.text_vectors import QUERY, TextVectors

RESOURCES = Path(mediarec.__file__).resolve().parent.parent / "resources"
QUERY_BANK_FILE = RESOURCES / "query_bank.txt"
CALIBRATION_FILE = RESOURCES / "search_calibration.json"
# 2: a channel's fit may also weigh the raw cosine (Logistic.cosine_slope); 3: and the query's closeness to the
# query bank (Logistic.query_slope); 4: a same-language bonus on the cosine (Logistic.language_bonus); 5: a words-said
# bonus on the cosine (Logistic.words_bonus, words_cutoff); files without a version are 1
CALIBRATION_VERSION = 5
# Channels of search, as named in the calibration file: the vector channels (pictures, speech, sounds, on-screen
# text), the heard channel's tag names, the seen channel's image-label names, the exact-words index and the words
# said (the query's lexical overlap with a transcript chunk, rank/lexical.py).
CHANNELS = ("frame", "speech", "audio", "read", "tags", "seen", "text", "words")
STD_FLOOR = 0.02  # a spread below this is a constant: dividing by it would blow noise up
COHORT_SIZE = (
    30  # bank queries nearest to the query that normalise its scores (10, 30, 60 and all were tried)
)
BANK_MARGIN = 1.5  # the cohort z-score may exceed the whole-bank one by this much (1, 1.5 and 2 scored alike)
MAX_CACHED_ROWS = 50_000  # per space; ~20 MB of float16 bank similarities, measured again when exceeded


# -- the query bank --------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def query_bank(path: Path = QUERY_BANK_FILE) -> tuple[str, ...]:
    """The unrelated queries: one per line, blank lines and lines starting with "#" left out."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


def query_closeness(bank_vectors: np.ndarray, query_vector: np.ndarray) -> float:
    """The query's mean cosine to the bank queries (see Logistic): high for a short generic query."""
    return float(np.mean(np.asarray(bank_vectors, np.float32) @ np.asarray(query_vector, np.float32)))


def z_scores(similarities: np.ndarray, mean, std) -> np.ndarray:
    return (np.asarray(similarities, dtype=np.float32) - mean) / np.maximum(std, STD_FLOOR)


def cohort_of(bank_vectors: np.ndarray, query_vector: np.ndarray, size: int = COHORT_SIZE) -> np.ndarray:
    """Indices of the bank queries nearest to the query (the query's cohort)."""
    closeness = np.asarray(bank_vectors, np.float32) @ np.asarray(query_vector, np.float32)
    size = min(size, len(closeness))
    return np.argpartition(-closeness, size - 1)[:size]


def cohort_z(similarities: np.ndarray, bank_rows: np.ndarray, cohort: np.ndarray) -> np.ndarray:
    """The normalised score of each candidate (``bank_rows``: its similarities to every bank query, [candidates,
    bank]): its z-score against the cohort's bank queries, at most ``BANK_MARGIN`` above the whole bank's."""
    rows = np.asarray(bank_rows, np.float32)
    local = rows[:, cohort]
    return np.minimum(
        z_scores(similarities, local.mean(1), local.std(1)),
        z_scores(similarities, rows.mean(1), rows.std(1)) + BANK_MARGIN,
    )


# -- calibrated probabilities -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Logistic:
    """P(match | x) = 1 / (1 + exp(-(slope * (x - midpoint) + cosine_slope * (cosine - cosine_midpoint)
    + query_slope * (closeness - query_midpoint)))).

    ``x`` is the channel's normalised score; a channel fitted on two inputs (the speech channel, whose raw cosine
    tells a paraphrase of a recording from a "no match" query better than the normalised score does, while the
    normalised score keeps hubs out) also weighs the raw cosine. ``cosine_midpoint`` is the mean cosine of the
    candidates it was fitted on, so a caller without a cosine (a channel that borrows this fit) gets the z part
    alone. A one-input fit has ``cosine_slope`` 0 and is written as before.

    ``closeness`` is the query's own mean cosine to the query bank (``query_closeness``), one figure per query: a
    query much like the bank's sentences about nothing in particular ("a dog barking") comes as close to some
    transcript as a paraphrase does to its own, so a fit that weighs it (negatively: ``query_slope`` < 0) asks
    such a query for a higher cosine. That is the query's half of s-norm, taken against the fixed bank rather than
    the library's own vectors, so it does not depend on the library's size (benchmarks/paraphrase_stages.py).

    ``language_bonus`` is added to the cosine of a candidate whose transcript is in the query's language
    (rank/query_language.py): the sentence encoder rates a paraphrase and the same prompt read in another language
    almost alike, and a query typed in French most likely means the French recording.

    ``words_bonus`` is added to the cosine of a transcript chunk in proportion to how much of the query's wording it
    holds (rank/lexical.py's overlap) above ``words_cutoff``, reaching the full bonus when it holds every n-gram: the
    same prompt read in another language is as close in meaning as the recording of the query's own words, even
    where the transcriber misheard a word or two of them ("Inoltre ho chiamata su un risposta" for "Inoltro chiamata
    su non risposta"), and the words are what tells them apart. Below the cutoff nothing is added: a translation or
    a paraphrase shares a name, a number or a short common word with the query by chance."""

    slope: float
    midpoint: float
    cosine_slope: float = 0.0
    cosine_midpoint: float = 0.0
    query_slope: float = 0.0
    query_midpoint: float = 0.0
    language_bonus: float = 0.0
    words_bonus: float = 0.0
    words_cutoff: float = 0.0

    def probability(self, x, cosine=None, closeness=None, same_language=None, overlap=None):
        """``same_language``: per candidate (or one flag), whether it is in the query's language; ``overlap``: per
        candidate, the share of the query's n-grams its text holds."""
        value = self.slope * (np.asarray(x, dtype=np.float64) - self.midpoint)
        if self.cosine_slope and cosine is not None:
            cosine = np.asarray(cosine, dtype=np.float64) + self.bonuses(same_language, overlap)
            value = value + self.cosine_slope * (cosine - self.cosine_midpoint)
        if self.query_slope and closeness is not None:
            value = value + self.query_slope * (float(closeness) - self.query_midpoint)
        result = 1.0 / (1.0 + np.exp(-np.clip(value, -60.0, 60.0)))
        return float(result) if np.ndim(result) == 0 else result

    def bonuses(self, same_language=None, overlap=None):
        """What the cosine gains: the same-language bonus, and the words-said bonus above its cutoff."""
        gained = np.float64(0.0)
        if self.language_bonus and same_language is not None:
            gained = gained + self.language_bonus * np.asarray(same_language, dtype=np.float64)
        if self.words_bonus and overlap is not None:
            above = np.asarray(overlap, dtype=np.float64) - self.words_cutoff
            span = max(1.0 - self.words_cutoff, 1e-6)  # a cutoff of 1: only a chunk holding every n-gram
            gained = gained + self.words_bonus * np.clip(above / span, 0.0, 1.0)
        return gained

    def to_json(self) -> dict:
        data = {"slope": round(float(self.slope), 6), "midpoint": round(float(self.midpoint), 6)}
        if self.cosine_slope:
            data["cosine_slope"] = round(float(self.cosine_slope), 6)
            data["cosine_midpoint"] = round(float(self.cosine_midpoint), 6)
        if self.query_slope:
            data["query_slope"] = round(float(self.query_slope), 6)
            data["query_midpoint"] = round(float(self.query_midpoint), 6)
        if self.language_bonus:
            data["language_bonus"] = round(float(self.language_bonus), 6)
        if self.words_bonus:
            data["words_bonus"] = round(float(self.words_bonus), 6)
            data["words_cutoff"] = round(float(self.words_cutoff), 6)
        return data

    @classmethod
    def from_json(cls, data: Mapping) -> Logistic:
        return cls(
            float(data["slope"]),
            float(data["midpoint"]),
            float(data.get("cosine_slope", 0.0)),
            float(data.get("cosine_midpoint", 0.0)),
            float(data.get("query_slope", 0.0)),
            float(data.get("query_midpoint", 0.0)),
            float(data.get("language_bonus", 0.0)),
            float(data.get("words_bonus", 0.0)),
            float(data.get("words_cutoff", 0.0)),
        )


# Used only where the calibration file lacks a channel (the audio-text channel of CLAP is not in the offline
# development sets): the speech channel's fit, which is on the same normalised scale.
FALLBACK_CHANNEL = "speech"


@dataclass(frozen=True)
class SearchCalibration:
    channels: Mapping[str, Logistic]
    threshold: float  # the match threshold on the fused probability
    weak_threshold: float  # what "show weak matches" still shows
    agreement: float  # how much a second channel's probability counts in the fusion
    source: Mapping[str, object] = field(default_factory=dict)

    def probability(self, channel: str, x, cosine=None, closeness=None, same_language=None, overlap=None):
        """``x``: normalised scores; ``cosine``: their raw cosines, for a channel fitted on both; ``closeness``:
        the query's closeness to the query bank (``query_closeness``), for a channel fitted on it too;
        ``same_language``: whether each candidate is in the query's language, and ``overlap``: how much of the
        query's wording it holds, for a channel with those bonuses."""
        if channel not in self.channels:  # the fallback's cosine weight is of another model's cosines
            return self.channels[FALLBACK_CHANNEL].probability(x)
        return self.channels[channel].probability(x, cosine, closeness, same_language, overlap)

    def language_bonus(self, channel: str) -> float:
        fit = self.channels.get(channel)
        return fit.language_bonus if fit is not None else 0.0

    def fuse(self, probabilities: Iterable[float]) -> float:
        return fuse_probabilities(probabilities, self.agreement)


@dataclass(frozen=True)
class SimilarCalibration:
    """Per "more like this" modality ("fused", "frame", "audio", "speech"): similarity -> [0, 1], and the cutoff.

    The cutoff is on the similarity itself, in standard deviations above a random pair of the library's items:
    an item is only "like" another when the two are more alike than two items taken at random (a fitted cutoff
    on the probability, tried first, emptied the lists of small libraries, whose few pairs make every
    similarity look ordinary)."""

    modalities: Mapping[str, Logistic]
    min_similarity: float = 0.0

    def probability(self, modality: str, scores):
        return self.modalities[modality].probability(scores)


def fuse_probabilities(probabilities: Iterable[float], agreement: float = 0.5) -> float:
    """The best channel's probability, raised by the others: 1 - (1 - p_best) * prod(1 - agreement * p_other).
    With agreement 1 this is noisy-OR; with 0, the maximum. Always in [0, 1]."""
    ordered = sorted((min(max(float(p), 0.0), 1.0) for p in probabilities), reverse=True)
    if not ordered:
        return 0.0
    remaining = 1.0 - ordered[0]
    for other in ordered[1:]:
        remaining *= 1.0 - agreement * other
    return 1.0 - remaining


@lru_cache(maxsize=4)
def _calibration_file(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def search_calibration(path: Path = CALIBRATION_FILE) -> SearchCalibration:
    data = _calibration_file(path)
    if int(data.get("version", 1)) > CALIBRATION_VERSION:
        raise ValueError(f"{path} is of a newer mediarec (format {data['version']}); update mediarec")
    search = data["search"]
    return SearchCalibration(
        {name: Logistic.from_json(values) for name, values in search["channels"].items()},
        float(search["threshold"]),
        float(search["weak_threshold"]),
        float(search["agreement"]),
        dict(data.get("source", {})),
    )


def similar_calibration(path: Path = CALIBRATION_FILE) -> SimilarCalibration:
    similar = _calibration_file(path)["similar"]
    return SimilarCalibration(
        {name: Logistic.from_json(values) for name, values in similar["modalities"].items()},
        float(similar["min_similarity"]),
    )


# -- the statistics the normalisation needs ---------------------------------------------------------------------


class BankStatistics:
    """For one library: the query bank embedded per vector space and each vector's similarities to it. Thread-safe;
    cached until a vector is deleted (appends keep every cached row valid; a deletion may free a row id for a new
    vector)."""

    def __init__(self, store, bank: Sequence[str] | None = None, text_vectors: TextVectors | None = None):
        self.store = store
        self.bank = tuple(bank) if bank is not None else query_bank()
        # The bank's vectors per model, kept across processes when the caller gives a folder (rank.text_vectors).
        self.text_vectors = text_vectors if text_vectors is not None else TextVectors()
        self._bank_vectors: dict[int, np.ndarray] = {}
        self._rows: dict[int, dict[int, np.ndarray]] = {}
        self._deletions: int | None = None
        self._lock = threading.Lock()

    def normalise(
        self,
        space,
        embed: Callable[[list[str]], np.ndarray],
        query_vector: np.ndarray,
        hits: Sequence[tuple[int, int, float]],
        vectors_of: Callable[[list[int]], tuple] | None = None,
    ) -> np.ndarray:
        """The normalised scores of ``hits`` ((rowid, item_id, similarity) of one query in ``space``);
        ``vectors_of``: where the candidates' vectors are read (the search's index in memory), else the store."""
        if not hits:
            return np.zeros(0, np.float32)
        self._check_generation()
        bank = self.bank_vectors(space, embed)
        rows = self.bank_rows(space, embed, [rowid for rowid, _, _ in hits], vectors_of)
        similarities = np.array([similarity for _, _, similarity in hits], dtype=np.float32)
        return cohort_z(similarities, rows, cohort_of(bank, query_vector))

    def bank_rows(
        self,
        space,
        embed: Callable[[list[str]], np.ndarray],
        rowids: Sequence[int],
        vectors_of: Callable[[list[int]], tuple] | None = None,
    ) -> np.ndarray:
        """[len(rowids), bank]: each vector's similarity to every bank query (0 for a row no longer stored)."""
        with self._lock:
            known = self._rows.setdefault(space.id, {})
            if len(known) > MAX_CACHED_ROWS:
                known.clear()
            missing = [rowid for rowid in dict.fromkeys(rowids) if rowid not in known]
        if missing:
            bank = self.bank_vectors(space, embed)
            # From memory when the caller has the vectors there: at 10^4 items reading a query's 200 new
            # candidates from the database took ~35 ms a channel (benchmarks/bench_search.py).
            found, vectors = vectors_of(missing) if vectors_of else self.store.item_vectors(space, missing)
            if len(found):
                similarities = (vectors @ bank.T).astype(np.float16)
                with self._lock:
                    for rowid, row in zip(found, similarities, strict=True):
                        known[int(rowid)] = row
        empty = np.zeros(len(self.bank), np.float16)
        with self._lock:
            return np.stack([known.get(rowid, empty) for rowid in rowids]).astype(np.float32)

    def bank_vectors(self, space, embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        with self._lock:
            cached = self._bank_vectors.get(space.id)
        if cached is None:
            cached = self.text_vectors.vectors(space.model_id, QUERY, self.bank, embed)
            with self._lock:
                self._bank_vectors[space.id] = cached
        return cached

    def _check_generation(self) -> None:
        deletions = self.store.vector_generation()[1]
        with self._lock:
            if self._deletions != deletions:
                self._rows.clear()
                self._deletions = deletions


def bank_similarities(bank_vectors: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """[len(vectors), bank]: each vector's similarity to every bank query (tag names use this)."""
    return np.asarray(vectors, np.float32) @ np.asarray(bank_vectors, np.float32).T

"""Keywords and topics of what was said: embedding-based keyphrase selection over the transcript.

Candidates are the word n-grams (1-3 words) of the transcript without stop words (function words, fillers);
in Chinese, which has no spaces, the 2-4 character runs between stop characters and punctuation. Each
candidate is embedded with the library's (multilingual) text encoder and compared with the whole transcript;
phrases are then picked by maximal marginal relevance (close to the transcript, far from the phrases already
picked), as KeyBERT does, and a phrase sharing a word with a better one is dropped, so the tags name different
topics instead of five variants of one.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from mediarec.index.records import TranscriptLine
from mediarec.models.base import TextEncoder, l2_normalise
from mediarec.understand.found import FoundTag, merge_moments
from mediarec.understand.vocabulary import VOCABULARY_DIR

MAX_PHRASES = 5
# Below this cosine a phrase says little about the transcript.
MIN_SIMILARITY = 0.3
MMR_DIVERSITY = 0.4
MAX_CANDIDATES = 200
MIN_WORDS = 4  # transcripts shorter than this are too short to have a topic
_CLAUSE_BREAK = re.compile(r"[.,!?;:()\[\]\"“”«»…，。！？；：、（）《》「」『』\n]+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@lru_cache(maxsize=1)
def stopwords() -> dict[str, frozenset[str]]:
    document = json.loads((VOCABULARY_DIR / "stopwords.json").read_text(encoding="utf-8"))
    return {language: frozenset(words) for language, words in document.items() if isinstance(words, list)}


def _latin_stopwords() -> frozenset[str]:
    # Transcripts mix languages and a language guess can be wrong: every list applies.
    return frozenset().union(*(words for language, words in stopwords().items() if language != "zh"))


def candidate_phrases(text: str) -> Counter:
    """Candidate phrases (lower case) and how often each occurs."""
    latin_stop = _latin_stopwords()
    han_stop = stopwords().get("zh", frozenset())
    counts: Counter = Counter()
    for clause in _CLAUSE_BREAK.split(text):
        for run in _HAN.findall(clause):
            counts.update(_han_candidates(run, han_stop))
        words = [word.lower() for word in _WORD.findall(_HAN.sub(" ", clause))]
        counts.update(_word_candidates(words, latin_stop))
    return counts


def _word_candidates(words: list[str], stop: frozenset[str]) -> list[str]:
    found = []
    for size in (1, 2, 3):
        for start in range(len(words) - size + 1):
            gram = words[start : start + size]
            if any(word in stop for word in gram) or (size == 1 and len(gram[0]) < 3):
                continue
            found.append(" ".join(gram))
    return found


def _han_candidates(run: str, stop: frozenset[str]) -> list[str]:
    found = []
    for piece in re.split("|".join(map(re.escape, stop)) if stop else "$^", run):
        for size in (2, 3, 4):
            found += [piece[i : i + size] for i in range(len(piece) - size + 1)]
    return found


def select_by_mmr(
    similarity_to_document: np.ndarray, candidate_vectors: np.ndarray, count: int, diversity: float
) -> list[int]:
    """Indices of up to ``count`` candidates: relevant to the document and unlike each other."""
    chosen: list[int] = []
    remaining = list(range(len(similarity_to_document)))
    while remaining and len(chosen) < count:
        if chosen:
            redundancy = (candidate_vectors[remaining] @ candidate_vectors[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(remaining))
        gains = (1 - diversity) * similarity_to_document[remaining] - diversity * redundancy
        chosen.append(remaining.pop(int(np.argmax(gains))))
    return chosen


def keyphrases(
    encoder: TextEncoder,
    lines: Sequence[TranscriptLine],
    *,
    document_vector: np.ndarray | None = None,
    max_phrases: int = MAX_PHRASES,
) -> list[FoundTag]:
    """Keyphrase tags (source "speech") with the transcript lines they were said in as moments.

    ``document_vector`` may be the item's speech block (mean of its transcript chunk vectors) so a long
    transcript is not embedded again; otherwise the whole text is embedded as one passage.
    """
    text = " ".join(line.text.strip() for line in lines if line.text.strip())
    counts = candidate_phrases(text)
    if _word_count(text) < MIN_WORDS or not counts:
        return []
    candidates = [phrase for phrase, _ in counts.most_common(MAX_CANDIDATES)]
    if document_vector is None:
        document_vector = encoder.encode_passages([text])[0]
    vectors = l2_normalise(encoder.encode_queries(candidates))
    similarity = vectors @ l2_normalise(np.asarray(document_vector, np.float32)[None])[0]
    picked = select_by_mmr(similarity, vectors, 3 * max_phrases, MMR_DIVERSITY)
    found: list[FoundTag] = []
    taken_words: set[str] = set()
    for index in picked:
        phrase = candidates[index]
        words = set(phrase) if _HAN.fullmatch(phrase) else set(phrase.split())
        # "dog loves running" and "dog" are one topic: keep the first (more relevant) of them.
        if similarity[index] < MIN_SIMILARITY or words & taken_words or len(found) == max_phrases:
            continue
        taken_words |= words
        moments = merge_moments((line.start, line.end) for line in lines if phrase in line.text.lower())
        found.append(FoundTag(phrase, "speech", _confidence(float(similarity[index])), tuple(moments)))
    found.sort(key=lambda tag: -tag.score)
    return found


def _word_count(text: str) -> int:
    """Words, counting two Chinese characters as one word (a rough average)."""
    return len(_WORD.findall(_HAN.sub(" ", text))) + sum(len(run) for run in _HAN.findall(text)) // 2


def _confidence(similarity: float) -> float:
    """Map a picked phrase's similarity into [0.5, 1]: being picked is the decision, the rest is how sure."""
    return round(0.5 + 0.5 * min(1.0, (similarity - MIN_SIMILARITY) / (1.0 - MIN_SIMILARITY)), 4)

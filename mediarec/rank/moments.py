"""Land on the sentence: a "said" hit narrowed from its transcript chunk to the words or the sentence that matched.

Speech is searched by chunks of a few sentences (long enough to carry a topic), but a user wants the moment the
words were said. So, once the hits are known, each spoken moment is narrowed inside its chunk:

- exact words: the shortest run of the chunk's words (their own times, kept by the transcriber) that holds every
  word of the query; the moment is those words, its sentence the line(s) they are in;
- meaning: the chunk's sentences re-scored against the query with the text encoder; the moment is the best one.

The snippet becomes that sentence with the query's words marked ``[like this]``, the chunk stays as context, and
``Moment.play_from`` is the sentence's start less a short lead-in, where the player opens. Lines indexed before word
times were kept narrow to the sentence only.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from mediarec.index.chinese_script import simplified
from mediarec.index.records import TranscriptLine, TranscriptWord
from mediarec.index.store import LibraryStore

if TYPE_CHECKING:
    from mediarec.rank.hits import Moment, SearchHit

# The player opens this long before the sentence, so its first word is not clipped.
LEAD_IN_SECONDS = 0.5
# A meaning hit marks the query's words it shares with the sentence, but only words this long: "a", "of", "the"
# would mark half of any sentence. Chinese (any CJK script) has no spaces: a run of characters the query also holds is
# marked from this many characters on; one character shared is seldom one word (天 of 天气, weather, in 明天,
# tomorrow).
MIN_MARKED_LETTERS = 4
MIN_MARKED_CJK_RUN = 2
# English function words that long, which a query and a sentence share without sharing a subject.
UNMARKED_WORDS = frozenset(
    {
        "about", "also", "been", "before", "could", "from", "have", "into", "just", "more", "only", "over",
        "should", "some", "such", "than", "that", "their", "them", "then", "there", "these", "they", "this",
        "very", "were", "what", "when", "where", "which", "will", "with", "would", "your",
    }
)  # fmt: skip
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+", re.UNICODE)
_CJK_CHAR = re.compile(f"[{_CJK}]")
_CORE = re.compile(r"\w(?:.*\w)?", re.UNICODE | re.DOTALL)  # a word's text without its spaces and punctuation

Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class SpokenSpan:
    """Where inside a chunk the query was said: ``start``/``end`` are the matched words (exact) or the sentence
    (meaning); the sentence is the line(s) around them, ``snippet`` that sentence with the query's words marked."""

    start: float
    end: float
    sentence_start: float
    sentence_end: float
    snippet: str


def tokens(text: str) -> list[str]:
    """The words of a text as the exact-word search sees them: folded case, one token per CJK character."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def exact_span(lines: Sequence[TranscriptLine], query: str) -> SpokenSpan | None:
    """The shortest run of words holding every word of the query (by the words' own times), or, for lines
    without word times, the first line that holds them all; None when the chunk does not hold them all."""
    wanted = set(tokens(query))
    if not wanted or not lines:
        return None
    if not all(line.words for line in lines):
        return _line_holding(lines, wanted)
    words = [(index, word) for index, line in enumerate(lines) for word in line.words]
    window = _shortest_window([set(tokens(word.text)) & wanted for _, word in words], wanted, words)
    if window is None:
        return None
    first, last = window
    first_line, last_line = words[first][0], words[last][0]
    matched = {id(word) for _, word in words[first : last + 1] if set(tokens(word.text)) & wanted}
    snippet = " ".join(
        marked_words(lines[index].words, lambda word: id(word) in matched)
        for index in range(first_line, last_line + 1)
    )
    return SpokenSpan(
        words[first][1].start, words[last][1].end, lines[first_line].start, lines[last_line].end, snippet
    )


def _shortest_window(
    found: list[set[str]], wanted: set[str], words: list[tuple[int, TranscriptWord]]
) -> tuple[int, int] | None:
    """(first, last) word indexes of the shortest-lasting run whose words hold every wanted token."""
    held: Counter[str] = Counter()
    best: tuple[int, int] | None = None
    left = 0
    for right, tokens_here in enumerate(found):
        held.update(tokens_here)
        while len(held) == len(wanted):
            duration = words[right][1].end - words[left][1].start
            if best is None or duration < words[best[1]][1].end - words[best[0]][1].start:
                best = (left, right)
            held.subtract(found[left])
            held += Counter()  # drop the tokens no longer held
            left += 1
    return best


def _line_holding(lines: Sequence[TranscriptLine], wanted: set[str]) -> SpokenSpan | None:
    for line in lines:
        if wanted <= set(tokens(line.text)):
            return SpokenSpan(line.start, line.end, line.start, line.end, marked_text(line.text, wanted))
    return None


def marked_words(words: Sequence[TranscriptWord], is_marked: Callable[[TranscriptWord], bool]) -> str:
    """The words joined as the transcriber wrote them, each run of marked words in brackets (outside the
    punctuation around it): "Mix the [flour and water], knead the dough."."""
    flags = [is_marked(word) for word in words]
    pieces = []
    for index, word in enumerate(words):
        text = word.text
        core = _CORE.search(text)
        if flags[index] and core is not None:
            opens = index == 0 or not flags[index - 1]
            closes = index == len(words) - 1 or not flags[index + 1]
            text = (
                text[: core.start()]
                + ("[" if opens else "")
                + core.group()
                + ("]" if closes else "")
                + text[core.end() :]
            )
        pieces.append(text)
    return "".join(pieces).strip()


def marked_text(text: str, wanted: set[str]) -> str:
    """A line without word times, its words that are in ``wanted`` in brackets (each on its own)."""
    return _TOKEN.sub(
        lambda match: f"[{match.group()}]" if match.group().casefold() in wanted else match.group(), text
    )


def sentence_span(line: TranscriptLine, query: str) -> SpokenSpan:
    """A meaning hit's sentence, its words that the query shares (long enough to mean something) marked: words
    of MIN_MARKED_LETTERS letters or more but UNMARKED_WORDS, and runs of MIN_MARKED_CJK_RUN CJK characters or
    more."""
    shared = {
        token
        for token in tokens(query)
        if len(token) >= MIN_MARKED_LETTERS and not _CJK_CHAR.match(token) and token not in UNMARKED_WORDS
    }
    if not line.words:
        return SpokenSpan(line.start, line.end, line.start, line.end, _marked_line(line.text, query, shared))
    in_run = shared_cjk_runs("".join(word.text for word in line.words), query)
    marked, offset = set(), 0
    for word in line.words:
        if set(tokens(word.text)) & shared or any(in_run[offset : offset + len(word.text)]):
            marked.add(id(word))
        offset += len(word.text)
    snippet = marked_words(line.words, lambda word: id(word) in marked)
    return SpokenSpan(line.start, line.end, line.start, line.end, snippet)


def shared_cjk_runs(text: str, query: str) -> list[bool]:
    """For each character of ``text``: whether it lies in a run of at least MIN_MARKED_CJK_RUN CJK characters
    that the query holds too, both compared in Simplified script (whisper often writes Traditional)."""
    seen, wanted = simplified(text), simplified(query)
    # A conversion that changed the length cannot be mapped back to the characters shown: compare as written.
    if len(seen) != len(text):
        seen = text
    in_run = [False] * len(text)
    for start in range(len(seen)):
        end = start
        while end < len(seen) and _CJK_CHAR.match(seen[end]) and seen[start : end + 1] in wanted:
            end += 1
        if end - start >= MIN_MARKED_CJK_RUN:
            in_run[start:end] = [True] * (end - start)
    return in_run


def _marked_line(text: str, query: str, shared: set[str]) -> str:
    """A line without word times with the shared words (``shared``) and the shared CJK runs in brackets."""
    in_run = shared_cjk_runs(text, query)
    pieces, index = [], 0
    for match in _TOKEN.finditer(text):
        pieces.append(text[index : match.start()])
        token = match.group()
        wanted = in_run[match.start()] if _CJK_CHAR.match(token) else token.casefold() in shared
        pieces.append(f"[{token}]" if wanted else token)
        index = match.end()
    pieces.append(text[index:])
    return "".join(pieces).replace("][", "")  # one pair of brackets around a run of characters


def best_sentences(
    query: str, candidates: Sequence[Sequence[TranscriptLine]], embed: Embed | None
) -> list[TranscriptLine | None]:
    """For each chunk's lines, the line closest in meaning to the query (one encoder call for all chunks); the
    line sharing the most query words when there is no encoder; None for a chunk without lines."""
    texts = [line.text for lines in candidates if len(lines) > 1 for line in lines]
    vectors = np.asarray(embed([query, *texts]), dtype=np.float32) if texts and embed is not None else None
    chosen: list[TranscriptLine | None] = []
    row = 1
    for lines in candidates:
        if len(lines) <= 1:
            chosen.append(lines[0] if lines else None)
            continue
        if vectors is None:
            wanted = set(tokens(query))
            chosen.append(max(lines, key=lambda line: len(wanted & set(tokens(line.text)))))
            continue
        scores = vectors[row : row + len(lines)] @ vectors[0]
        chosen.append(lines[int(np.argmax(scores))])
        row += len(lines)
    return chosen


def refine_spoken_moments(
    store: LibraryStore, hits: Sequence[SearchHit], query: str, embed: Embed | None
) -> list[SearchHit]:
    """The hits with each spoken moment narrowed to its words or sentence (see the module's docstring); the other
    moments, and the hits' order and scores, unchanged."""
    spoken = [
        (hit_index, moment_index, moment)
        for hit_index, hit in enumerate(hits)
        for moment_index, moment in enumerate(hit.moments)
        if moment.modality == "speech" and moment.end > moment.start
    ]
    if not spoken:
        return list(hits)
    lines = [store.transcript(hits[h].item.id, moment.start, moment.end) for h, _, moment in spoken]
    spans: list[SpokenSpan | None] = [exact_span(chunk, query) for chunk in lines]
    unmatched = [index for index, span in enumerate(spans) if span is None]
    for index, line in zip(
        unmatched, best_sentences(query, [lines[i] for i in unmatched], embed), strict=True
    ):
        spans[index] = sentence_span(line, query) if line is not None else None
    moments = [list(hit.moments) for hit in hits]
    for (hit_index, moment_index, moment), span in zip(spoken, spans, strict=True):
        if span is not None:
            moments[hit_index][moment_index] = narrowed(moment, span)
    return [
        replace(hit, moments=_distinct(hit_moments)) for hit, hit_moments in zip(hits, moments, strict=True)
    ]


def narrowed(moment: Moment, span: SpokenSpan) -> Moment:
    return replace(
        moment,
        start=span.start,
        end=span.end,
        snippet=span.snippet,
        sentence=(span.sentence_start, span.sentence_end),
        context=(moment.start, moment.end, moment.snippet or ""),
    )


def _distinct(moments: list[Moment]) -> tuple[Moment, ...]:
    """One moment per span (the exact words and the meaning channel often land on the same sentence)."""
    seen: set[tuple[str, float, float]] = set()
    kept = []
    for moment in moments:
        key = (moment.modality, round(moment.start, 2), round(moment.end, 2))
        if key not in seen:
            seen.add(key)
            kept.append(moment)
    return tuple(kept)


def play_from(start: float, sentence: tuple[float, float] | None) -> float:
    """Where the player opens for a moment: its sentence's start (or its own) less the lead-in."""
    return max(0.0, (sentence[0] if sentence is not None else start) - LEAD_IN_SECONDS)

"""Search filters typed into the query: ``tag:beach kind:video lang:zh dur:<5m dog running``.

``parse_query`` splits a query into its semantic text and its Filters; ``resolve_filters`` turns Filters into
the set of item ids that pass them, which the search engine then searches within. The words:

    tag:NAME       the item has the tag (any source, applied: score >= 0.5). English or Chinese names of
                   vocabulary terms and sound tags, any case (tag:狗叫 finds "bark"); an AudioSet name matches
                   by any of its alternatives (tag:beep finds "beep, bleep"). Quote names with spaces:
                   tag:"city street". -tag:NAME excludes.
    kind:KIND      video or audio (kind:video,audio for either)
    lang:CODE      spoken language: zh, en, ... or its name (lang:chinese, lang:中文)
    dur:RANGE      duration: dur:<5m, dur:>=30s, dur:10s-2m (also a bare 10s-2m); units s, m, h or 1:30

A comma inside one filter means "or" (tag:dog,cat); several filters must all hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from mediarec.errors import MediarecError
from mediarec.index.records import APPLIED_TAG_SCORE
from mediarec.index.store import LibraryStore
from mediarec.rank.hits import Moment, SearchHit
from mediarec.understand.spoken_languages import spoken_languages

KINDS = ("video", "audio")
# What `lang:` accepts besides a code: every spoken-language tag's name in English and Chinese
# (understand.spoken_languages), and other names people use.
LANGUAGE_ALIASES = {
    **{language.name: language.code for language in spoken_languages()},
    **{language.zh: language.code for language in spoken_languages()},
    "mandarin": "zh", "汉语": "zh", "普通话": "zh", "zh-cn": "zh", "zh-tw": "zh", "英文": "en",
}  # fmt: skip
_FILTER = re.compile(r'(?<!\S)(-?)(tag|kind|lang|language|dur|duration):("[^"]*"|\S+)', re.IGNORECASE)
_TIME = r"(?:\d+(?:\.\d+)?[smh])+|\d+:\d{1,2}(?::\d{1,2})?|\d+(?:\.\d+)?"
_UNIT_TIME = r"(?:\d+(?:\.\d+)?[smh])+|\d+:\d{1,2}(?::\d{1,2})?"
_BARE_RANGE = re.compile(rf"(?<!\S)({_UNIT_TIME})-({_UNIT_TIME})(?!\S)", re.IGNORECASE)
_COMPARISON = re.compile(rf"^(<=|>=|<|>)({_TIME})$", re.IGNORECASE)
_RANGE = re.compile(rf"^({_TIME})-({_TIME})$", re.IGNORECASE)


class FilterError(MediarecError, ValueError):
    """A filter the user typed cannot be understood; the message shows the right way to write it."""


@dataclass(frozen=True)
class Filters:
    # Each inner tuple is one filter whose alternatives are or-ed (tag:dog,cat); filters are and-ed.
    tags: tuple[tuple[str, ...], ...] = ()
    excluded_tags: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    min_duration: float | None = None
    max_duration: float | None = None

    @property
    def empty(self) -> bool:
        return self == Filters()

    def describe(self) -> str:
        parts = [f"tag:{'|'.join(group)}" for group in self.tags]
        parts += [f"-tag:{name}" for name in self.excluded_tags]
        parts += [f"kind:{','.join(self.kinds)}"] if self.kinds else []
        parts += [f"lang:{','.join(self.languages)}"] if self.languages else []
        if self.min_duration is not None or self.max_duration is not None:
            parts.append(f"dur:{self.min_duration or 0:g}s-{self.max_duration or float('inf'):g}s")
        return " ".join(parts)


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    filters: Filters = field(default_factory=Filters)


def parse_query(query: str) -> ParsedQuery:
    filters = Filters()
    for negated, key, value in _FILTER.findall(query):
        filters = _apply(filters, key.lower(), value.strip('"').strip(), bool(negated))
    text = _FILTER.sub(" ", query)
    for low, high in _BARE_RANGE.findall(text):
        filters = _with_duration(filters, parse_seconds(low), parse_seconds(high))
    text = " ".join(_BARE_RANGE.sub(" ", text).split())
    return ParsedQuery(text, filters)


def _apply(filters: Filters, key: str, value: str, negated: bool) -> Filters:
    if not value:
        raise FilterError(f"{key}: needs a value, e.g. tag:beach, kind:video, lang:zh, dur:<5m")
    alternatives = tuple(part.strip() for part in value.split(",") if part.strip())
    if key == "tag":
        if negated:
            return replace(filters, excluded_tags=filters.excluded_tags + alternatives)
        return replace(filters, tags=(*filters.tags, alternatives))
    if negated:
        raise FilterError(f"-{key}: is not supported; only tags can be excluded (-tag:NAME)")
    if key == "kind":
        kinds = tuple(kind.lower() for kind in alternatives)
        unknown = [kind for kind in kinds if kind not in KINDS]
        if unknown:
            raise FilterError(f"kind:{','.join(unknown)} is not a kind; use kind:video or kind:audio")
        return replace(filters, kinds=filters.kinds + kinds)
    if key in ("lang", "language"):
        languages = tuple(LANGUAGE_ALIASES.get(lang.lower(), lang.lower()) for lang in alternatives)
        return replace(filters, languages=filters.languages + languages)
    return _duration_filter(filters, value)


def _duration_filter(filters: Filters, value: str) -> Filters:
    comparison = _COMPARISON.match(value)
    if comparison:
        operator, amount = comparison.groups()
        seconds = parse_seconds(amount)
        if operator.startswith("<"):
            return _with_duration(filters, None, seconds)
        return _with_duration(filters, seconds, None)
    span = _RANGE.match(value)
    if span:
        return _with_duration(filters, parse_seconds(span.group(1)), parse_seconds(span.group(2)))
    raise FilterError(f"dur:{value} is not a duration range; write dur:<5m, dur:>30s or dur:10s-2m")


def _with_duration(filters: Filters, low: float | None, high: float | None) -> Filters:
    if low is not None and high is not None and low > high:
        raise FilterError(f"the duration range {low:g}s-{high:g}s is empty (the start is after the end)")
    if low is not None:
        filters = replace(filters, min_duration=max(low, filters.min_duration or 0.0))
    if high is not None:
        current = filters.max_duration
        filters = replace(filters, max_duration=high if current is None else min(high, current))
    return filters


def parse_seconds(text: str) -> float:
    """ "90", "90s", "1.5m", "1h30m", "1:30" or "1:02:03" -> seconds."""
    text = text.strip().lower()
    if ":" in text:
        seconds = 0.0
        for part in text.split(":"):
            seconds = seconds * 60 + float(part)
        return seconds
    units = re.findall(r"(\d+(?:\.\d+)?)([smh]?)", text)
    if not units or "".join(a + b for a, b in units) != text:
        raise FilterError(f"{text!r} is not a duration; write e.g. 90s, 5m, 1h30m or 1:30")
    return sum(float(amount) * {"": 1, "s": 1, "m": 60, "h": 3600}[unit] for amount, unit in units)


# -- resolving filters to items ----------------------------------------------------------------------------------


def resolve_filters(filters: Filters, store: LibraryStore) -> set[int]:
    """Ids of the indexed items that pass every filter."""
    facts = store.item_facets()
    allowed = {
        item_id for item_id, kind, duration, language in facts if _passes(filters, kind, duration, language)
    }
    if filters.tags or filters.excluded_tags:
        names = [name for name, _ in store.tag_names()]
        for group in filters.tags:
            allowed &= _items_with_any_tag(store, names, group)
        for name in filters.excluded_tags:
            allowed -= _items_with_any_tag(store, names, (name,))
    return allowed


def _passes(filters: Filters, kind: str | None, duration: float | None, language: str | None) -> bool:
    if filters.kinds and kind not in filters.kinds:
        return False
    if filters.languages and (language or "").lower() not in filters.languages:
        return False
    if filters.min_duration is not None and (duration is None or duration < filters.min_duration):
        return False
    return not (filters.max_duration is not None and (duration is None or duration > filters.max_duration))


def matching_tag_names(wanted: str, stored_names: list[str]) -> list[str]:
    """Stored tag names that ``wanted`` means: same name in any case, an AudioSet alternative, or the
    English name of a vocabulary term or sound tag given in Chinese."""
    keys = {wanted.casefold(), *(name.casefold() for name in _vocabulary_names(wanted))}
    matches = []
    for name in stored_names:
        folded = name.casefold()
        alternatives = {part.strip() for part in folded.split(",")}
        if folded in keys or alternatives & keys:
            matches.append(name)
    return matches


def _items_with_any_tag(store: LibraryStore, stored_names: list[str], group: tuple[str, ...]) -> set[int]:
    items: set[int] = set()
    for wanted in group:
        for name in matching_tag_names(wanted, stored_names):
            items |= store.items_with_tag(name, APPLIED_TAG_SCORE)
    return items


@lru_cache(maxsize=256)
def _vocabulary_names(words: str) -> tuple[str, ...]:
    """English names of the vocabulary terms called ``words`` (in Chinese or English) in any vocabulary, and of
    the sound tags whose Chinese name it is."""
    from mediarec.understand.vocabulary import (
        VOCABULARY_DIR,
        VocabularyError,
        english_tag_names,
        load_vocabulary,
    )

    names = list(english_tag_names(words))
    for path in sorted(VOCABULARY_DIR.glob("*.json")):
        try:
            term = load_vocabulary(path.stem).find(words)
        except VocabularyError:
            continue  # not a vocabulary (stopwords.json) or a broken one: it simply does not match
        if term is not None:
            names.append(term.name)
    return tuple(names)


# -- searching with filters ------------------------------------------------------------------------------------


def search_with_filters(engine, store: LibraryStore, query: str, limit: int = 10) -> list:
    """Semantic search within the items that pass the query's filters; a query of filters alone lists them
    (best tag score first, then by title)."""
    parsed = parse_query(query)
    if parsed.filters.empty:
        return engine.search(parsed.text, limit)
    allowed = resolve_filters(parsed.filters, store)
    if not allowed:
        return []
    if parsed.text:
        return engine.search(parsed.text, limit, allowed_items=allowed)
    return list_items(store, parsed.filters, allowed, limit)


def list_items(store: LibraryStore, filters: Filters, allowed: set[int], limit: int) -> list:
    """Search hits for the items of a filter-only query; a tag filter lands each hit on the tag's moment."""
    wanted = [name for group in filters.tags for name in group]
    records = store.items_by_ids(sorted(allowed))
    hits = []
    for item_id, item in records.items():
        tag = _best_matching_tag(store, item_id, wanted)
        if tag is not None:
            moment = Moment(tag.start or 0.0, tag.end or 0.0, "text", tag.score, 0.0, f"tag: {tag.name}")
            score = tag.score
        else:
            moment = Moment(0.0, 0.0, "text", 1.0, 0.0, filters.describe())
            score = 1.0
        hits.append(SearchHit(item, score, (moment,)))
    hits.sort(key=lambda hit: (-hit.score, hit.item.display_title.casefold()))
    return hits[:limit]


def _best_matching_tag(store: LibraryStore, item_id: int, wanted: list[str]):
    if not wanted:
        return None
    tags = store.tags(item_id)
    names = [tag.name for tag in tags]
    matching = {name for want in wanted for name in matching_tag_names(want, names)}
    candidates = [tag for tag in tags if tag.name in matching and tag.score >= APPLIED_TAG_SCORE]
    return max(candidates, key=lambda tag: tag.score, default=None)

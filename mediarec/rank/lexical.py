"""How much of a query's wording a transcript chunk holds, tolerant to transcription errors.

The exact-words index (FTS5) wants every word of the query, spelt as the transcriber spelt it: "Inoltro chiamata su
non risposta" misses the chunk the transcriber wrote as "Inoltre ho chiamata su un risposta", and a Russian query
misses "Пере адресации" for "Переадресация". Meaning alone (the sentence encoder) then ranks the same prompt in
another language first, since it is as close in meaning. So the speech channel also weighs the share of the query's
character n-grams that the chunk holds (its containment in the chunk): a word with one letter wrong keeps most of
its trigrams, a word split in two keeps all but the ones across the gap, and a translation keeps almost none.

- Words are folded first: Unicode compatibility forms, accents and case ("réponse" = "reponse" = "RÉPONSE"; "ё" =
  "е"), so a diacritic the transcriber dropped or added costs nothing; Chinese in Simplified characters ("開" =
  "开": whisper writes Mandarin in either script).
- A word counts by its trigrams with a space on either side (" train", "ain "), so a word's start and end weigh
  like its middle. Words of one or two letters ("a", "to", "de", "su") do not count: every language says them,
  and a "no match" query of four such words and a noun half-matched any sentence holding them.
- Text without spaces (Chinese, Japanese, Korean) counts by character bigrams: a run of CJK characters is a
  phrase, not one word, and two characters are the usual length of a Chinese word.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from mediarec.index.chinese_script import simplified

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(f"[^\\W{_CJK}]+", re.UNICODE)
MIN_WORD_LETTERS = 3  # shorter words are left out (see the module's docstring); digits count as letters


def folded(text: str) -> str:
    """Compatibility forms unified, accents dropped, case folded, Chinese in Simplified characters."""
    decomposed = unicodedata.normalize("NFKD", simplified(text))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def grams(text: str) -> Counter[str]:
    """The text's n-grams as counted here: padded trigrams of its words of MIN_WORD_LETTERS or more, CJK character
    bigrams (a lone character alone)."""
    text = folded(text)
    found: Counter[str] = Counter()
    for run in _CJK_RUN.findall(text):
        found.update([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
    for word in _WORD.findall(_CJK_RUN.sub(" ", text)):
        if len(word) < MIN_WORD_LETTERS:
            continue
        padded = f" {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def containment(query_grams: Counter[str], text: str) -> float:
    """The share of the query's n-grams (``grams(query)``) that ``text`` holds, each at most as often as there:
    1.0 when the text says the query word for word, 0.0 when it shares nothing (or the query has no words)."""
    total = sum(query_grams.values())
    if total == 0:
        return 0.0
    held = grams(text)
    return sum(min(count, held[gram]) for gram, count in query_grams.items()) / total


def overlaps(query: str, texts: list[str | None]) -> list[float]:
    """``containment`` of the query in each text (0.0 for a text that is None)."""
    wanted = grams(query)
    return [containment(wanted, text) if text else 0.0 for text in texts]


def says_outright(query: str, name: str) -> bool:
    """Whether the query holds ``name`` word for word: a Chinese (or other CJK) name of two or more characters
    anywhere in it, any other name as whole words ("a lizard on a branch" says "lizard", "lizards" does not). A
    one-character Chinese name is no word on its own: 山 (mountain) is in 山里 (in the hills), 花 (flower) in 花园."""
    return bool(said_outright(query, [name]))


def said_outright(query: str, names: Iterable[str]) -> list[str]:
    """The names the query says outright (``says_outright``), in their order; the query is folded once and each
    name once per process, since a search asks this of every image label of the library."""
    asked = folded(query)
    return [name for name in names if _holds(asked, _folded_name(name))]


@lru_cache(maxsize=8192)
def _folded_name(name: str) -> str:
    return folded(name).strip()


def _holds(query: str, name: str) -> bool:
    if not name or name not in query:  # a plain substring test first: most names are not in the query at all
        return False
    if _CJK_RUN.fullmatch(name):
        return len(name) >= 2
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", query) is not None

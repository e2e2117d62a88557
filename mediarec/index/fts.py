"""Text preparation for the FTS5 index.

unicode61 treats a run of CJK characters as one token, so "我喜欢海边的狗" would only match itself. We index CJK
text one character per token and turn a CJK query into phrase queries, which gives exact-word matching for Chinese
without a segmenter. Chinese is indexed in Simplified characters (index.chinese_script: whisper often writes
Traditional), and a Chinese query matches either its own script or Simplified, so text indexed before this folding
still matches a query in the script it was written in.
"""

from __future__ import annotations

import re

from mediarec.index.chinese_script import simplified

_CJK = (
    "\u3040-\u30ff"  # kana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # hangul syllables
    "\uf900-\ufaff"  # compatibility ideographs
)
_CJK_CHAR = re.compile(f"([{_CJK}])")
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(r"\w+", re.UNICODE)


def text_for_index(text: str) -> str:
    """Space out CJK characters so each becomes a token, Chinese in Simplified characters."""
    return _spaced(simplified(text))


def _spaced(text: str) -> str:
    return _CJK_CHAR.sub(r" \1 ", text)


def index_spellings(text: str) -> tuple[str, ...]:
    """How the index may hold ``text``: as written now (Simplified) and, where that differs, as written before the
    Chinese folding; for finding and forgetting a row written by either."""
    return tuple(dict.fromkeys((text_for_index(text), _spaced(text))))


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression: every word (or CJK run, as a phrase) must appear. None when nothing to match."""
    terms = []
    for run in _CJK_RUN.findall(query):
        phrases = dict.fromkeys('"' + " ".join(spelling) + '"' for spelling in (run, simplified(run)))
        terms.append(next(iter(phrases)) if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")")
    remainder = _CJK_RUN.sub(" ", query)
    for word in _WORD.findall(remainder):
        terms.append('"' + word.replace('"', "") + '"')
    return " AND ".join(terms) if terms else None

"""Text preparation for the FTS5 index.

unicode61 treats a run of CJK characters as one token, so "我喜欢海边的狗" would only match itself. We index CJK
text one character per token and turn a CJK query into phrase queries, which gives exact-word matching for Chinese
without a segmenter.
"""

from __future__ import annotations

import re

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
    """Space out CJK characters so each becomes a token."""
    return _CJK_CHAR.sub(r" \1 ", text)


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression: every word (or CJK run, as a phrase) must appear. None when nothing to match."""
    terms = []
    for run in _CJK_RUN.findall(query):
        terms.append('"' + " ".join(run) + '"')
    remainder = _CJK_RUN.sub(" ", query)
    for word in _WORD.findall(remainder):
        terms.append('"' + word.replace('"', "") + '"')
    return " AND ".join(terms) if terms else None

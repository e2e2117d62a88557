"""Traditional Chinese characters written as Simplified, for matching words.

Whisper writes Mandarin in either script, often Traditional ("開往上海" for 开往上海), while a user in mainland China
types Simplified; a transcript and a query about the same words then share no character. The text index and the
"words said" channel compare both sides in Simplified (OpenCC's t2s tables, phrase-aware: 頭髮 -> 头发). What is
shown stays as the transcriber wrote it.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Only text holding Han characters is converted: the conversion is pure Python, and most transcripts are not Chinese.
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC  # opencc-python-reimplemented; its tables load on first use (~10 ms)

    return OpenCC("t2s")


def simplified(text: str) -> str:
    """``text`` with its Traditional Chinese characters in Simplified; anything else unchanged."""
    if not _HAN.search(text):
        return text
    return str(_converter().convert(text))

"""Which one-character Chinese words a query says, by a word segmenter (jieba).

A two-character Chinese name is a word wherever it stands in a query, but one character often is not: 花 (flower)
is in 花园 (garden), 马 (horse) in 马路 (road), 猫 (cat) in 熊猫 (panda). Yet 狗 (dog), 桥 (bridge), 鸟 (bird) and 马
are the everyday names of things a library's tags hold (AudioSet's "dog", an image label's "bridge"), and a query
says them alone: 花园里的狗 (a dog in the garden), 夜晚的桥 (a bridge at night), 一匹马在跑 (a horse running). jieba's
dictionary segmentation tells the two apart: 花园里/的/狗, 马路上/的/汽车.

jieba builds its prefix dictionary on first use (~0.5 s, then a cache file in the user's cache folder, ~0.3 s), so
it is asked only for a query that holds a one-character name at all; without jieba installed no lone character
counts, as before.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import platformdirs

from mediarec.config import APP_NAME, ENV_CACHE_DIR

_lock = threading.Lock()
_tokenizer: Any = None


def available() -> bool:
    return importlib.util.find_spec("jieba") is not None


@lru_cache(maxsize=1024)
def single_character_words(query: str) -> frozenset[str]:
    """The one-character words of a (folded, Simplified Chinese) query, as jieba segments it; empty without jieba."""
    tokenizer = _jieba()
    if tokenizer is None:
        return frozenset()
    return frozenset(word for word in tokenizer.cut(query) if len(word) == 1)


def _jieba() -> Any:
    global _tokenizer
    with _lock:
        if _tokenizer is None and available():
            with warnings.catch_warnings():  # it imports pkg_resources, which newer setuptools warn about
                warnings.simplefilter("ignore")
                import jieba

            jieba.setLogLevel(logging.WARNING)  # it logs "Building prefix dict..." at INFO on every first use
            _tokenizer = jieba.Tokenizer()
            _tokenizer.tmp_dir = _cache_dir()
        return _tokenizer


def _cache_dir() -> str | None:
    """Where jieba keeps its dictionary cache: mediarec's cache folder (MEDIAREC_CACHE_DIR where set, as for the
    models), not jieba's default, the system's temporary folder that every user of the machine shares."""
    cache = os.environ.get(ENV_CACHE_DIR)
    folder = (
        Path(cache).expanduser() if cache else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    ) / "jieba"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return str(folder)

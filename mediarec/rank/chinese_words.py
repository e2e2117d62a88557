"""Which one-character Chinese words a query says, by a word segmenter (jieba).

A two-character Chinese name is a word wherever it stands in a query, but one character often is not: 花 (flower)
is in 花园 (garden), 马 (horse) in 马路 (road), 猫 (cat) in 熊猫 (panda). Yet 狗 (dog), 桥 (bridge), 鸟 (bird) and 马
are the everyday names of things a library's tags hold (AudioSet's "dog", an image label's "bridge"), and a query
says them alone: 花园里的狗 (a dog in the garden), 夜晚的桥 (a bridge at night), 一匹马在跑 (a horse running). jieba's
dictionary segmentation tells the two apart: 花园里/的/狗, 马路上/的/汽车.

jieba is asked only for a query that holds a one-character name at all; without jieba installed no lone character
counts, as before. Its own start loads its whole prefix dictionary (~350,000 words, 0.6-0.8 s even from its cache
file), which a desktop user would feel on their first such query. Segmenting a query reads only the dictionary
entries of the query's own substrings (jieba's DAG and route look up nothing else), so those are kept in an SQLite
file in the cache folder, built once from jieba's dictionary by jieba's own code, and a query loads only its
entries: the same words, in about a millisecond. Where that file cannot be written, jieba loads whole as before.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sqlite3
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import closing
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
    tokenizer = _tokenizer_for(query)
    if tokenizer is None:
        return frozenset()
    return frozenset(word for word in tokenizer.cut(query) if len(word) == 1)


def _tokenizer_for(query: str) -> Any:
    """A jieba tokenizer that knows the dictionary entries ``query`` can use: from the word file when there is one,
    else jieba's whole dictionary (None without jieba)."""
    if not available():
        return None
    jieba = _import_jieba()
    words = _word_file()
    if words is not None:
        try:
            entries = _entries(words, query)
        except sqlite3.Error:
            # damaged: jieba's own dictionary answers this query, and the next one builds the file anew
            words.unlink(missing_ok=True)
            entries = None
        if entries is not None:
            tokenizer = jieba.Tokenizer()
            tokenizer.FREQ, tokenizer.total = entries
            tokenizer.initialized = True  # so jieba does not load its whole dictionary over these entries
            return tokenizer
    return _whole_jieba()


def _import_jieba() -> Any:
    with warnings.catch_warnings():  # it imports pkg_resources, which newer setuptools warn about
        warnings.simplefilter("ignore")
        import jieba

    jieba.setLogLevel(logging.WARNING)  # it logs "Building prefix dict..." at INFO on every first use
    return jieba


def _substrings(text: str, longest: int) -> Iterator[str]:
    for start in range(len(text)):
        for end in range(start + 1, min(len(text), start + longest) + 1):
            yield text[start:end]


def _entries(words: Path, query: str) -> tuple[dict[str, int], int]:
    """The word file's entries for every substring of ``query`` (words and word prefixes, a prefix at 0, as in
    jieba's own prefix dictionary) and the dictionary's total count."""
    with closing(sqlite3.connect(f"{words.as_uri()}?mode=ro", uri=True)) as connection:
        total, longest = connection.execute("SELECT total, longest FROM about").fetchone()
        pieces = list(dict.fromkeys(_substrings(query, longest)))
        found: dict[str, int] = {}
        for start in range(0, len(pieces), 500):  # under SQLite's oldest limit of 999 parameters
            batch = pieces[start : start + 500]
            marks = ",".join("?" * len(batch))
            found.update(connection.execute(f"SELECT word, count FROM words WHERE word IN ({marks})", batch))
    return found, total


def _word_file() -> Path | None:
    """jieba's prefix dictionary as an SQLite file in the cache folder, built on first use (atomically: a killed
    build leaves no half file); None where the cache folder cannot hold it."""
    folder = _cache_dir()
    if folder is None:
        return None
    jieba = _import_jieba()
    path = Path(folder) / f"words-jieba-{jieba.__version__}.sqlite3"
    with _lock:
        if path.is_file():
            return path
        try:
            _build_word_file(jieba, path)
        except (OSError, sqlite3.Error):
            return None  # a full disk or a read-only cache: jieba's whole dictionary instead
    return path


def _build_word_file(jieba: Any, path: Path) -> None:
    tokenizer = jieba.Tokenizer()
    # jieba's own reading of its dictionary, so the entries are exactly those its start would load
    frequencies, total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
    handle, partial = tempfile.mkstemp(prefix=path.name, suffix=".partial", dir=path.parent)
    os.close(handle)
    try:
        with sqlite3.connect(partial) as connection:
            connection.execute("CREATE TABLE words (word TEXT PRIMARY KEY, count INTEGER) WITHOUT ROWID")
            connection.execute("CREATE TABLE about (total INTEGER, longest INTEGER)")
            connection.executemany("INSERT INTO words VALUES (?, ?)", frequencies.items())
            connection.execute("INSERT INTO about VALUES (?, ?)", (total, max(map(len, frequencies))))
        connection.close()
        os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)


def _whole_jieba() -> Any:
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            _tokenizer = _import_jieba().Tokenizer()
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

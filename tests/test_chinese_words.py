"""rank/chinese_words.py's word file: a query is segmented from only its own substrings' entries of jieba's
dictionary, kept in SQLite in the cache folder, instead of jieba loading all ~350,000 words (0.6-0.8 s).

Real parts: jieba and its packaged dictionary, SQLite."""

from __future__ import annotations

import pytest

from mediarec.rank import chinese_words

pytest.importorskip("jieba")

# Everyday queries, a one-character name standing alone or inside a word, and mixed scripts and digits.
PHRASES = [
    "花园里的狗",
    "一匹马在跑",
    "夜晚的桥",
    "马路上的汽车",
    "熊猫",
    "一只热狗",
    "春天在花园向阳的墙边种西红柿和豆子",
    "小明硕士毕业于中国科学院计算所，后在日本京都大学深造",
    "下雨天的街道 car 123",
    "喷气式飞机起飞",
]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIAREC_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_queries_are_segmented_as_jieba_with_its_whole_dictionary_segments_them(cache):
    whole = chinese_words._import_jieba().Tokenizer()
    whole.tmp_dir = str(cache)
    for phrase in PHRASES:
        assert list(chinese_words._tokenizer_for(phrase).cut(phrase)) == list(whole.cut(phrase)), phrase
    # and from the word file, not from jieba's whole dictionary loaded behind it
    assert len(chinese_words._tokenizer_for("夜晚的桥").FREQ) < 20


def test_the_word_file_is_built_once_and_rebuilt_when_damaged(cache):
    chinese_words._tokenizer_for("夜晚的桥")
    (words,) = (cache / "jieba").glob("words-jieba-*.sqlite3")
    built = words.stat().st_mtime_ns
    chinese_words._tokenizer_for("花园里的狗")
    assert words.stat().st_mtime_ns == built
    assert not list((cache / "jieba").glob("*.partial"))

    words.write_bytes(b"not a database" * 100)
    # the damaged file's query is answered by jieba's whole dictionary, and the file is built anew for the next one
    assert "桥" in set(chinese_words._tokenizer_for("夜晚的桥").cut("夜晚的桥"))
    assert set(chinese_words._tokenizer_for("一匹马在跑").cut("一匹马在跑")) >= {"马"}
    assert len(chinese_words._tokenizer_for("一匹马在跑").FREQ) < 30


def test_without_a_writable_cache_folder_jieba_loads_its_whole_dictionary(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("the cache folder's place is taken by a file")
    monkeypatch.setenv("MEDIAREC_CACHE_DIR", str(blocked))
    tokenizer = chinese_words._tokenizer_for("夜晚的桥")
    assert "桥" in set(tokenizer.cut("夜晚的桥"))
    assert len(tokenizer.FREQ) > 100_000

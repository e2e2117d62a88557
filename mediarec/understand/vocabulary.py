"""Curated tag vocabularies for zero-shot visual tagging (resources/vocabulary/*.json).

A vocabulary is a list of terms, each with an English name (the tag name), a Simplified Chinese name, a
category (scene, object, animal, activity, event...) and either explicit prompts or a phrase that fills the
category's prompt templates. Terms of one category compete with each other and with the vocabulary's
"background" prompts (a generic "a photo."), so a frame with no animal in it does not get the least unlikely
animal. The image_text model's spec option ``vocabulary`` names the file (default "visual").

Beside the vocabularies, audioset_zh.json gives each AudioSet class (the audio model's tags) its Simplified
Chinese name; ``chinese_tag_names`` and ``english_tag_names`` translate tag names both ways with all of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mediarec.index import tag_names
from mediarec.models.base import ModelError
from mediarec.understand.audio_tags import tag_name

VOCABULARY_DIR = tag_names.VOCABULARY_DIR
DEFAULT_VOCABULARY = "visual"
AUDIO_CHINESE_NAMES = tag_names.AUDIO_CHINESE_NAMES


class VocabularyError(ModelError):
    """A vocabulary file is missing or malformed; the message names the file and the fix.

    A ModelError, because the image_text model's options choose the vocabulary: indexing reports it per file
    like any other model problem.
    """


@dataclass(frozen=True)
class Term:
    name: str
    zh: str
    category: str
    prompts: tuple[str, ...]


@dataclass(frozen=True)
class Calibration:
    """How prompt similarities become tag decisions (see visual_tags)."""

    logit_scale: float = 100.0
    min_probability: float = 0.5
    max_tags: int = 8


@dataclass(frozen=True)
class Vocabulary:
    name: str
    terms: tuple[Term, ...]
    background: tuple[str, ...]
    calibration: Calibration
    source: Path

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(term.category for term in self.terms))

    def term(self, name: str) -> Term | None:
        return self._by_name().get(name.casefold())

    def find(self, words: str) -> Term | None:
        """The term named ``words`` in English or Chinese, ignoring case."""
        key = words.strip().casefold()
        return self._by_name().get(key) or self._by_chinese().get(key)

    def _by_name(self) -> dict[str, Term]:
        return {term.name.casefold(): term for term in self.terms}

    def _by_chinese(self) -> dict[str, Term]:
        return {term.zh: term for term in self.terms if term.zh}


def vocabulary_path(name: str) -> Path:
    """A bare name is a file in resources/vocabulary/; anything with a suffix or a slash is a path."""
    if name.endswith(".json") or "/" in name or "\\" in name:
        return Path(name).expanduser()
    return VOCABULARY_DIR / f"{name}.json"


@lru_cache(maxsize=8)
def load_vocabulary(name: str = DEFAULT_VOCABULARY) -> Vocabulary:
    path = vocabulary_path(name)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = ", ".join(sorted(p.stem for p in VOCABULARY_DIR.glob("*.json")))
        raise VocabularyError(
            f"There is no tag vocabulary {name!r} ({path}); the vocabularies are: {known}. "
            "Fix the image_text model's `vocabulary` option in the config."
        ) from None
    except (OSError, json.JSONDecodeError) as error:
        raise VocabularyError(f"Cannot read the tag vocabulary {path}: {error}") from error
    return _parse(document, path)


def _parse(document: dict, path: Path) -> Vocabulary:
    templates = document.get("templates", {})
    terms = []
    for entry in document.get("terms", []):
        try:
            name, category = entry["name"], entry["category"]
        except (KeyError, TypeError):
            raise VocabularyError(f"{path}: every term needs a name and a category; got {entry!r}") from None
        prompts = entry.get("prompts") or [
            template.format(entry.get("phrase", name)) for template in templates.get(category, ["{}"])
        ]
        terms.append(Term(name.strip().lower(), entry.get("zh", ""), category, tuple(prompts)))
    if not terms:
        raise VocabularyError(f"{path} has no terms.")
    names = [term.name for term in terms]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise VocabularyError(f"{path} names these terms twice: {', '.join(duplicates)}")
    calibration = Calibration(**document.get("calibration", {}))
    return Vocabulary(
        document.get("name", path.stem),
        tuple(terms),
        tuple(document.get("background", ())),
        calibration,
        path,
    )


# -- tag names in Chinese ----------------------------------------------------------------------------------------


def audio_chinese_names() -> dict[str, str]:
    """AudioSet class display name ("Beep, bleep") -> its Simplified Chinese name (audioset_zh.json)."""
    names = tag_names.audio_class_chinese_names()
    if not names:
        raise VocabularyError(
            f"Cannot read the Chinese names of the sound tags {AUDIO_CHINESE_NAMES}: the file is missing, not "
            "JSON, or names nothing; restore it from the mediarec source."
        )
    return names


@lru_cache(maxsize=1)
def chinese_tag_names() -> dict[str, str]:
    """Tag name (lower case, as tags are stored) -> Simplified Chinese name, from every vocabulary and the sound
    tags (index.tag_names reads them); a vocabulary's name wins over a sound tag's of the same English name
    ("rain": 雨 rather than 雨声)."""
    names = {tag_name(display): zh for display, zh in audio_chinese_names().items()}
    names.update(tag_names.vocabulary_chinese_names())
    return names


@lru_cache(maxsize=256)
def english_tag_names(words: str) -> tuple[str, ...]:
    """The tag names (lower case) whose Chinese name is ``words``: 狗叫 -> ("bark",), 船 -> ("boat", "boat,
    water vehicle"). Nothing for words that are no tag's Chinese name."""
    key = words.strip().casefold()
    if not key:
        return ()
    return tuple(sorted({name for name, zh in _all_chinese_names() if zh.casefold() == key}))


def _all_chinese_names() -> list[tuple[str, str]]:
    """Every (tag name, Chinese name) pair, including those that chinese_tag_names overrides."""
    return list(tag_names.all_chinese_names())

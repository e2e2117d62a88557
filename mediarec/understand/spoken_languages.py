"""The spoken languages an item is tagged with: the transcriber's language code -> the tag's name, and its
Simplified Chinese name (resources/vocabulary/spoken_languages.json).

The file sits with the tag vocabularies, so the Chinese names reach everything that reads theirs
(index.tag_names): the desktop shows the tag "english" as 英语 in Chinese, `tag:英语` filters by it, and the
exact-words index finds it by either name.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import NamedTuple

from mediarec.index.tag_names import VOCABULARY_DIR

SPOKEN_LANGUAGES_FILE = VOCABULARY_DIR / "spoken_languages.json"


class SpokenLanguage(NamedTuple):
    code: str  # whisper's ("en", "yue")
    name: str  # the tag ("english")
    zh: str  # its Chinese name (英语)


@lru_cache(maxsize=1)
def spoken_languages() -> tuple[SpokenLanguage, ...]:
    try:
        document = json.loads(SPOKEN_LANGUAGES_FILE.read_text(encoding="utf-8"))
        return tuple(
            SpokenLanguage(term["code"], term["name"].strip().lower(), term["zh"])
            for term in document["terms"]
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        # Imported here: the vocabulary module imports the models package, which a search need not load.
        from mediarec.understand.vocabulary import VocabularyError

        raise VocabularyError(
            f"Cannot read the spoken languages {SPOKEN_LANGUAGES_FILE} ({error}); restore it from the mediarec "
            "source."
        ) from error


# Whisper's language codes for the languages users are most likely to have, as tag names.
LANGUAGE_NAMES = {language.code: language.name for language in spoken_languages()}

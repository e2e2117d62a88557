"""Speech-to-text word error rate against the manifest's reference transcripts, per language.

Both sides are normalised the same way before counting: Unicode NFKC, lower case, punctuation removed (apostrophes
inside words kept), and the numbers 0-20 written as digits or words made equal (prompts say "press 1", models
write "press one"). Chinese and Japanese are written without spaces, so each ideograph or kana counts as a word
there (a character error rate). Corpus WER = all word errors / all reference words; the mean per item is reported too.

Transcripts on non-speech: items whose manifest type says they hold no speech (music, instrument, effect, video)
and that have no reference transcript should get neither a transcript nor a spoken-language tag ("english", ...);
speech-to-text models make words up on music and noise. Counted per item and per type.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from mediarec.evaluation.manifest import Manifest, ManifestItem
from mediarec.evaluation.metrics import mean, word_errors
from mediarec.understand.spoken_languages import LANGUAGE_NAMES

NON_SPEECH_TYPES = ("music", "instrument", "effect", "video")
_LANGUAGE_TAGS = set(LANGUAGE_NAMES.values())

# fmt: off
_NUMBERS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
]
# fmt: on
_NUMBER_WORDS = {word: str(value) for value, word in enumerate(_NUMBERS)}
_WORD = re.compile(r"[\w]+(?:'[\w]+)*", re.UNICODE)
# CJK ideographs (with extension A and compatibility ideographs), hiragana and katakana: one word each
_CJK = re.compile("([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")


def normalise_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = _CJK.sub(r" \1 ", text)
    return [_NUMBER_WORDS.get(word, word) for word in _WORD.findall(text)]


def evaluate_asr(store, manifest: Manifest, item_ids: dict) -> dict:
    per_item: list[dict] = []
    for item in manifest.items:
        if not item.transcript or item.path not in item_ids:
            continue
        reference = normalise_words(item.transcript)
        if not reference:
            continue
        hypothesis_text = " ".join(line.text.strip() for line in store.transcript(item_ids[item.path]))
        hypothesis = normalise_words(hypothesis_text)
        errors = word_errors(reference, hypothesis)
        per_item.append(
            {
                "path": item.written_path,
                "language": item.language or "unknown",
                "reference": item.transcript,
                "hypothesis": hypothesis_text,
                "errors": errors,
                "words": len(reference),
                "wer": round(errors / len(reference), 4),
            }
        )
    by_language: dict[str, list[dict]] = defaultdict(list)
    for outcome in per_item:
        by_language[outcome["language"]].append(outcome)
    summary = {
        language: {
            "items": len(outcomes),
            "words": sum(o["words"] for o in outcomes),
            "wer": round(sum(o["errors"] for o in outcomes) / sum(o["words"] for o in outcomes), 4),
            "mean_item_wer": round(mean([o["wer"] for o in outcomes]), 4),
        }
        for language, outcomes in sorted(by_language.items())
    }
    return {
        "by_language": summary,
        "items": per_item,
        "non_speech": non_speech_summary(non_speech_outcomes(store, manifest, item_ids)),
    }


def is_non_speech(item: ManifestItem) -> bool:
    return item.type in NON_SPEECH_TYPES and not item.transcript


def non_speech_outcomes(store, manifest: Manifest, item_ids: dict) -> list[dict]:
    """What the library heard in each indexed non-speech item: its transcript text and spoken-language tags (tags
    from speech naming a language, or the item's language, which indexing sets only from a transcript)."""
    outcomes = []
    for item in manifest.items:
        if not is_non_speech(item) or item.path not in item_ids:
            continue
        item_id = item_ids[item.path]
        heard = " ".join(line.text.strip() for line in store.transcript(item_id)).strip()
        languages = sorted(
            {tag.name for tag in store.tags(item_id) if tag.source == "speech" and tag.name in _LANGUAGE_TAGS}
        )
        record = store.item(item_id)
        if record is not None and record.language:
            languages = sorted({*languages, LANGUAGE_NAMES.get(record.language, record.language)})
        outcomes.append(
            {"path": item.written_path, "type": item.type, "heard": heard, "languages": languages}
        )
    return outcomes


def non_speech_summary(outcomes: list[dict]) -> dict:
    """Counts and shares of non-speech items given a transcript, a spoken-language tag, or either (the headline),
    overall and per type; `examples` lists the items that got either."""

    def figures(group: list[dict]) -> dict:
        transcribed = sum(1 for o in group if o["heard"])
        tagged = sum(1 for o in group if o["languages"])
        either = sum(1 for o in group if o["heard"] or o["languages"])
        return {
            "items": len(group),
            "with_transcript": transcribed,
            "with_language_tag": tagged,
            "with_either": either,
            "share": round(either / len(group), 4) if group else float("nan"),
        }

    by_type: dict[str, list[dict]] = defaultdict(list)
    for outcome in outcomes:
        by_type[outcome["type"]].append(outcome)
    return {
        **figures(outcomes),
        "by_type": {kind: figures(group) for kind, group in sorted(by_type.items())},
        "examples": [o for o in outcomes if o["heard"] or o["languages"]],
    }

"""Speech-to-text word error rate against the manifest's reference transcripts, per language.

Both sides are normalised the same way before counting: Unicode NFKC, lower case, punctuation removed (apostrophes
inside words kept), and the numbers 0-20 written as digits or words made equal (prompts say "press 1", models
write "press one"). Corpus WER = all word errors / all reference words; the mean per item is reported too.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from mediarec.evaluation.manifest import Manifest
from mediarec.evaluation.metrics import mean, word_errors

# fmt: off
_NUMBERS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
]
# fmt: on
_NUMBER_WORDS = {word: str(value) for value, word in enumerate(_NUMBERS)}
_WORD = re.compile(r"[\w]+(?:'[\w]+)*", re.UNICODE)


def normalise_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
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
    return {"by_language": summary, "items": per_item}

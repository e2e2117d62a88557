"""The development sets' topic queries (benchmarks/devsets/topic_queries.py): each names a subject in English and
Chinese, every recording of the subject's groups answers it, and adding them to a built set's manifest keeps
everything else and can be repeated."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "devsets"))

import topic_queries  # noqa: E402  (benchmarks/devsets is not a package)

from mediarec.evaluation.manifest import load_manifest  # noqa: E402


def _item(path: str, group: str) -> dict:
    return {"kind": "item", "path": path, "type": "speech", "group": group}


def _write_manifest(folder: Path, lines: list[dict]) -> Path:
    for line in lines:
        if line["kind"] == "item":
            (folder / line["path"]).parent.mkdir(parents=True, exist_ok=True)
            (folder / line["path"]).write_bytes(b"")
    path = folder / "manifest.jsonl"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_topic_query_is_answered_by_every_item_of_its_groups(tmp_path):
    items = [
        _item("media/en1.mp3", "speech-en/voicemail"),
        _item("media/fr1.flac", "speech-fr/voicemail"),
        _item("media/en2.mp3", "speech-en/directory"),
        _item("media/t1.mp4", "talk/cooking"),
        _item("media/t2.mp4", "talk/beach"),
        _item("media/t3.mp4", "talk/football"),
        _item("media/t4.mp4", "talk/space"),
        _item("media/c1.mp3", "speech-en/conference"),
        _item("media/q1.mp3", "speech-fr/agent-queue"),
    ]
    path = _write_manifest(tmp_path, items)
    assert topic_queries.add_to_manifest(path, "eval") == 2 * len(topic_queries.TOPICS["eval"])
    queries = {query.text: query for query in load_manifest(path).queries}
    voicemail = {p.name for p in queries["voicemail"].relevant}
    assert voicemail == {"en1.mp3", "fr1.flac"}  # "speech-*/voicemail": both languages' groups
    assert {p.name for p in queries["语音信箱"].relevant} == voicemail
    assert {p.name for p in queries["cooking"].relevant} == {"t1.mp4"}
    assert all(query.type == "topic" and query.relevant for query in queries.values())


def test_adding_topics_again_replaces_them_and_keeps_the_rest(tmp_path):
    lines = [
        _item("media/a.mp3", "speech/bicycles"),
        _item("media/b.mp3", "speech/museum"),
        _item("media/c.mp3", "speech/post"),
        _item("media/d.mp3", "speech/swimming pool"),
        {
            "kind": "query",
            "type": "negative",
            "negative": True,
            "language": "en",
            "text": "a basketball game",
        },
    ]
    path = _write_manifest(tmp_path, lines)
    topic_queries.add_to_manifest(path, "unseen")
    once = path.read_text(encoding="utf-8")
    topic_queries.add_to_manifest(path, "unseen")
    assert path.read_text(encoding="utf-8") == once
    written = [json.loads(text) for text in once.splitlines()]
    assert written[: len(lines)] == lines
    assert [line["text"] for line in written[len(lines) :]][:2] == ["bicycles", "自行车"]


def test_a_topic_whose_group_is_missing_stops_the_build(tmp_path):
    path = _write_manifest(tmp_path, [_item("media/a.mp3", "speech/bicycles")])
    with pytest.raises(SystemExit, match="speech/museum"):
        topic_queries.add_to_manifest(path, "unseen")
    assert "topic" not in path.read_text(encoding="utf-8")  # the manifest is left as it was

"""The library database: real SQLite, real sqlite-vec, real FTS5."""

from __future__ import annotations

import numpy as np
import pytest

from mediarec.index.fts import match_expression, text_for_index
from mediarec.index.migrations import MIGRATIONS
from mediarec.index.records import ItemIndexResult, NewSegment, TagRecord, TranscriptLine
from mediarec.index.store import LibraryStore


@pytest.fixture
def store(tmp_path):
    library = LibraryStore(tmp_path / "library.sqlite3")
    yield library
    library.close()


def _unit(dim: int, hot: int) -> np.ndarray:
    vector = np.zeros(dim, dtype=np.float32)
    vector[hot] = 1.0
    return vector


def _result(model: str = "clip-a", dim: int = 8, text: str = "hello world", hot: int = 0) -> ItemIndexResult:
    return ItemIndexResult(
        metadata={"kind": "video", "duration": 10.0, "title": "Holiday"},
        segments=[
            NewSegment("frame", 0.0, 5.0, _unit(dim, hot), thumbnail="t0.jpg", shot_index=0),
            NewSegment("frame", 5.0, 10.0, _unit(dim, hot + 1), thumbnail="t1.jpg", shot_index=1),
            NewSegment("speech", 1.0, 4.0, _unit(4, 0), text=text),
        ],
        shots=[(0.0, 5.0), (5.0, 10.0)],
        transcript=[TranscriptLine(1.0, 4.0, text)],
        encoded_by={"frame": (model, dim), "speech": ("speech-model", 4)},
        tags=[TagRecord(0, "beach", "visual", 0.9)],
    )


def test_schema_is_migrated_once_with_wal_and_sqlite_vec(tmp_path):
    first = LibraryStore(tmp_path / "db.sqlite3")
    facts = first.describe()
    assert facts["journal_mode"] == "wal"
    assert facts["schema_version"] == len(MIGRATIONS)
    assert facts["sqlite_vec_version"].startswith("v")
    first.close()
    again = LibraryStore(tmp_path / "db.sqlite3")
    names = [row[0] for row in again.query("SELECT name FROM schema_migrations")]
    assert names == [name for name, _ in MIGRATIONS]
    again.close()


def test_written_item_is_searchable_by_vector_and_exact_words(store):
    item_id = store.add_item("/media/a.mp4", "fp-a", 10, 1.0)
    store.write_index_result(item_id, _result())
    frame_space = store.space("frame", "clip-a")
    hits = store.knn(frame_space, _unit(8, 1), 2)
    assert hits[0][1] == item_id and hits[0][2] == pytest.approx(1.0)
    assert store.item(item_id).status == "indexed"
    assert [match[0] for match in store.text_search("hello")] == [item_id]
    assert store.text_search("beach")[0][2] == "tag"
    assert store.transcript(item_id)[0].text == "hello world"


def test_every_vector_records_its_model_and_a_model_change_keeps_user_data(store):
    item_id = store.add_item("/media/a.mp4", "fp-a", 10, 1.0)
    store.write_index_result(item_id, _result("clip-a"))
    store.set_tags([TagRecord(item_id, "grandma", "user", 1.0)])
    store.record_play(item_id, seconds=9.5)
    store.set_feedback(item_id, 1)
    store.write_index_result(item_id, _result("clip-b", dim=16))
    models = {(space.modality, space.model_id, space.dim) for space in store.spaces()}
    assert ("frame", "clip-a", 8) in models and ("frame", "clip-b", 16) in models
    assert store.space_size(store.space("frame", "clip-a")) == 0  # old vectors replaced, not mixed
    assert store.space_size(store.space("frame", "clip-b")) == 2
    assert {tag.name for tag in store.tags(item_id) if tag.source == "user"} == {"grandma"}
    assert len(store.plays(item_id)) == 1 and store.plays(item_id)[0].finished
    assert store.feedback() == {item_id: 1}


def test_missing_file_leaves_results_but_keeps_history_and_user_tags(store):
    item_id = store.add_item("/media/a.mp4", "fp-a", 10, 1.0)
    store.write_index_result(item_id, _result())
    store.set_tags([TagRecord(item_id, "grandma", "user", 1.0)])
    store.record_play(item_id, seconds=2.0)
    store.mark_missing([item_id])
    assert store.knn(store.space("frame", "clip-a"), _unit(8, 0), 5) == []
    assert store.text_search("hello") == []
    assert store.item(item_id).status == "missing"
    assert len(store.plays(item_id)) == 1
    assert [tag.name for tag in store.tags(item_id)] == ["grandma"]


def test_a_failed_write_leaves_nothing_behind(store):
    item_id = store.add_item("/media/a.mp4", "fp-a", 10, 1.0)
    broken = ItemIndexResult(
        metadata={"kind": "video"},
        segments=[NewSegment("frame", 0.0, 1.0, _unit(8, 0)), NewSegment("frame", 1.0, 2.0, _unit(4, 0))],
        encoded_by={"frame": ("clip-a", 8)},
    )
    with pytest.raises(Exception):  # noqa: B017 - the vec0 dimension check is what fails; any error will do
        store.write_index_result(item_id, broken)
    assert store.query("SELECT count(*) FROM segments")[0][0] == 0
    assert store.item(item_id).status == "pending"


def test_cjk_text_is_indexed_per_character(store):
    item_id = store.add_item("/media/b.mp4", "fp-b", 10, 1.0)
    store.write_index_result(item_id, _result(text="我喜欢海边的狗"))
    assert [match[0] for match in store.text_search("海边")] == [item_id]
    assert store.text_search("山上") == []
    assert match_expression("red 海边") == '"海 边" AND "red"'
    assert text_for_index("a海b").split() == ["a", "海", "b"]
    assert match_expression("  ") is None


def test_chinese_in_traditional_characters_matches_a_query_in_simplified_and_the_reverse(store):
    # whisper often writes Mandarin in Traditional characters; a user in mainland China types Simplified
    spoken = store.add_item("/media/t.mp4", "fp-t", 10, 1.0)
    store.write_index_result(spoken, _result(text="開往上海的高鐵早上八點出發"))
    assert [match[0] for match in store.text_search("开往上海的高铁")] == [spoken]
    assert [match[0] for match in store.text_search("高鐵")] == [
        spoken
    ]  # the script it was said in matches too
    assert store.text_search("高山") == []
    assert text_for_index("頭髮").split() == ["头", "发"]
    assert match_expression("高鐵 train") == '("高 鐵" OR "高 铁") AND "train"'


def test_history_records_completion_skips_and_finishes(store):
    item_id = store.add_item("/media/c.mp4", "fp-c", 10, 1.0)
    store.write_index_result(item_id, _result())
    finished = store.record_play(item_id, seconds=9.5)
    skipped = store.record_play(item_id, seconds=0.5)
    assert finished.finished and not finished.skipped and finished.completion == pytest.approx(0.95)
    assert skipped.skipped and not skipped.finished


def test_vector_index_matches_sqlite_vec_and_follows_writes_and_deletions(store):
    from mediarec.index.vector_index import VectorIndex

    rng = np.random.default_rng(3)
    ids = []
    for number in range(30):
        item_id = store.add_item(f"/media/{number}.mp4", f"fp{number}", 1, 1.0)
        vectors = rng.standard_normal((3, 8)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store.write_index_result(
            item_id,
            ItemIndexResult(
                metadata={"kind": "video"},
                segments=[NewSegment("frame", float(k), k + 1.0, vectors[k]) for k in range(3)],
                encoded_by={"frame": ("clip-a", 8)},
            ),
        )
        ids.append(item_id)
    space = store.space("frame", "clip-a")
    index = VectorIndex(store, space)
    query = rng.standard_normal(8).astype(np.float32)
    query /= np.linalg.norm(query)
    in_memory = index.search(query, 10)
    reference = store.knn(space, query, 10)
    assert [row[0] for row in in_memory] == [row[0] for row in reference]
    assert np.allclose([row[2] for row in in_memory], [row[2] for row in reference], atol=1e-5)
    assert store.vector_chunks(space) is not None, "the chunk reader must understand this sqlite-vec"

    store.mark_missing([ids[0]])
    assert index.size() == 87
    assert all(item_id != ids[0] for _, item_id, _ in index.search(query, 90))
    new_id = store.add_item("/media/new.mp4", "fp-new", 1, 1.0)
    store.write_index_result(
        new_id,
        ItemIndexResult(
            metadata={"kind": "video"},
            segments=[NewSegment("frame", 0.0, 1.0, query)],
            encoded_by={"frame": ("clip-a", 8)},
        ),
    )
    best = index.search(query, 1)[0]
    assert best[1] == new_id and best[2] == pytest.approx(1.0)

"""Every name a tag can be found by is in the text index (index.tag_names): a tag's Chinese names from the
vocabularies and the AudioSet table, written with the tag, rewritten in libraries indexed before, forgotten with
the tag; an exact-words hit on a tag knows which tag and its moment. Real SQLite, no model."""

from __future__ import annotations

import numpy as np
import pytest

from mediarec.index import fts, tag_names
from mediarec.index.records import ItemIndexResult, TagRecord
from mediarec.index.store import LibraryStore
from mediarec.index.tags import TAG_NAMES_META_KEY, item_text_rowids
from mediarec.understand.audio_tags import AudioScores, audio_tags


@pytest.fixture
def store(tmp_path):
    library = LibraryStore(tmp_path / "library.sqlite3")
    yield library
    library.close()


def add_item(store: LibraryStore, name: str, tags: list[TagRecord]) -> int:
    item_id = store.add_item(f"/media/{name}", f"fp-{name}", 10, 1.0)
    result = ItemIndexResult(metadata={"kind": "video", "duration": 12.0, "title": name}, tags=tags)
    store.write_index_result(item_id, result)
    return item_id


def found(store: LibraryStore, query: str) -> set[int]:
    return {item_id for item_id, _, field, _ in store.text_search(query) if field == "tag"}


def test_every_name_of_a_tag_is_in_the_table():
    assert tag_names.other_names("red circle") == ("红色圆形",)  # a vocabulary term (shapes.json)
    assert tag_names.other_names("bark") == ("狗叫",)  # an AudioSet class (audioset_zh.json)
    assert "雨" in tag_names.other_names("rain") and "雨声" in tag_names.other_names("rain")  # both tables
    assert tag_names.other_names("grandma's birthday") == ()
    assert tag_names.indexed_text("bark") == "bark\n狗叫"


def test_a_tag_is_found_by_its_chinese_names_and_forgotten_with_them(store):
    circle = add_item(store, "circle.mp4", [TagRecord(0, "red circle", "visual", 0.9, 2.0, 5.0)])
    dog = add_item(store, "dog.ogg", [TagRecord(0, "bark", "audio", 0.8, 4.32, 5.28)])
    assert found(store, "红色圆形") == {circle}
    assert found(store, "圆形") == {circle}  # a part of a Chinese name, as any words of a name
    assert found(store, "red circle") == {circle}
    assert found(store, "狗叫") == {dog}
    assert found(store, "bark") == {dog}
    store.remove_tag(dog, "bark")
    assert found(store, "狗叫") == found(store, "bark") == set()


def test_a_faint_tag_is_not_findable_by_any_name(store):
    add_item(store, "faint.ogg", [TagRecord(0, "bark", "audio", 0.3, 1.0, 2.0)])
    assert found(store, "狗叫") == set()


def test_the_tag_an_exact_words_hit_found_lands_on_its_finest_moment(store):
    item = add_item(
        store,
        "walk.mp4",
        [
            TagRecord(0, "dog", "visual", 0.9, 0.0, 12.0),
            TagRecord(0, "dog", "audio", 0.7, 6.24, 7.2),
            TagRecord(0, "dog", "metadata", 0.2, 6.5, 6.6),  # too faint to be applied: not where a hit lands
            TagRecord(0, "bark", "audio", 0.8, 6.72, 7.68),
            TagRecord(0, "red circle", "visual", 0.9, 2.0, 5.0),
        ],
    )
    tag = store.tag_at_text_row(item, "狗叫")
    assert (tag.name, tag.start, tag.end) == ("bark", 6.72, 7.68)
    dog = store.tag_at_text_row(item, "狗")
    assert (dog.name, dog.source, dog.start, dog.end) == ("dog", "audio", 6.24, 7.2)  # the sound's window
    assert store.tag_at_text_row(item, "圆形").name == "red circle"
    assert store.tag_at_text_row(item, "猫") is None


def test_a_library_indexed_before_gets_its_tag_rows_rewritten_once(store):
    item = add_item(store, "circle.mp4", [TagRecord(0, "red circle", "visual", 0.9, 2.0, 5.0)])
    first, last = item_text_rowids(item)
    with store.transaction() as connection:  # the row as an older mediarec wrote it: the name alone
        connection.execute(
            "UPDATE text_fts SET body = ? WHERE rowid BETWEEN ? AND ? AND field = 'tag'",
            ("red circle", first, last),
        )
        connection.execute("DELETE FROM meta WHERE key = ?", (TAG_NAMES_META_KEY,))
    assert found(store, "红色圆形") == set()
    assert store.refresh_tag_text() == 1
    assert found(store, "红色圆形") == {item}
    assert store.get_meta(TAG_NAMES_META_KEY) == tag_names.names_version()
    assert store.refresh_tag_text() == 0  # current now: nothing to do
    rows = store.query(
        "SELECT body FROM text_fts WHERE rowid BETWEEN ? AND ? AND field = 'tag'", (first, last)
    )
    assert [body for (body,) in rows] == [fts.text_for_index("red circle\n红色圆形")]


def test_a_tag_in_traditional_characters_written_before_the_folding_is_found_and_forgotten(store):
    item = add_item(store, "trip.mp4", [TagRecord(0, "奶奶的生日", "user", 1.0, None, None)])
    add_item(store, "other.mp4", [TagRecord(0, "高鐵", "user", 1.0, 1.0, 2.0)])
    first, last = item_text_rowids(item)
    with store.transaction() as connection:  # the row as a mediarec without the folding wrote it
        connection.execute("DELETE FROM text_fts WHERE rowid BETWEEN ? AND ?", (first, last))
        connection.execute(
            "INSERT INTO text_fts(rowid, body, item_id, segment_id, field) VALUES (?, ?, ?, NULL, 'tag')",
            (first, " 高  鐵 ", item),
        )
        connection.execute(
            "INSERT INTO tags(item_id, name, source, score, created_at) VALUES (?, '高鐵', 'user', 1, 0)",
            (item,),
        )
    assert item in found(store, "高鐵")
    assert store.tag_at_text_row(item, "高鐵").name == "高鐵"
    store.remove_tag(item, "高鐵")
    assert item not in found(store, "高鐵") and item not in found(store, "高铁")
    assert len(found(store, "高铁")) == 1  # the other item's, written now: found in Simplified too


def test_a_sound_tag_is_stored_at_the_window_where_it_peaked():
    # 0.96 s windows every 0.48 s; the class is heard from 1.44 s to 4.8 s and peaks in the window at 3.36 s.
    starts = np.arange(0.0, 9.6, 0.48)
    column = np.zeros(len(starts), np.float32)
    column[3:9] = [0.3, 0.5, 0.6, 0.8, 0.9, 0.4]
    scores = AudioScores(starts, column[:, None], ("Bark",), 0.96)
    (tag,) = audio_tags(scores, duration=10.0)
    assert tag.name == "bark"
    assert tag.moments[0] == (1.44, 4.8)  # where it was heard, merged, for chapters and the details
    record = tag.record(7)
    assert (record.start, record.end) == (3.36, 4.32)  # where a search hit on it lands


def test_a_long_window_is_narrowed_to_the_half_its_silent_neighbour_does_not_share():
    # CLAP-sized windows: 10 s every 5 s. The class is heard in the windows at 10 s and 15 s, best at 15 s; the
    # window at 20 s (sharing 20-25 s with the best) heard nothing, so the sound was in 15-20 s.
    starts = np.arange(0.0, 40.0, 5.0)
    column = np.array([0.0, 0.0, 0.6, 0.9, 0.02, 0.0, 0.0, 0.0], np.float32)
    scores = AudioScores(starts, column[:, None], ("Applause",), 10.0)
    (tag,) = audio_tags(scores, duration=45.0)
    assert tag.moments[0] == (10.0, 25.0)
    record = tag.record(3)
    assert (record.start, record.end) == (15.0, 20.0)

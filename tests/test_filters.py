"""Search filters typed into the query (tag:, kind:, lang:, dur:), alone and with a semantic query."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import json_lines, run_cli

from mediarec.errors import MediarecError
from mediarec.index.records import ItemIndexResult, TagRecord
from mediarec.index.store import LibraryStore
from mediarec.rank.filters import (
    FilterError,
    Filters,
    matching_tag_names,
    parse_query,
    parse_seconds,
    resolve_filters,
)


def test_parse_query_separates_filters_from_the_semantic_text():
    parsed = parse_query('dog running tag:beach -tag:"city street" kind:audio,video lang:中文 dur:<5m 10s-2m')
    assert parsed.text == "dog running"
    assert parsed.filters == Filters(
        tags=(("beach",),),
        excluded_tags=("city street",),
        kinds=("audio", "video"),
        languages=("zh",),
        min_duration=10.0,
        max_duration=120.0,  # the tighter of <5m and 10s-2m
    )
    assert parse_query("covid-19 news at 10:30").filters.empty
    assert parse_query("tag:dog,cat tag:beach").filters.tags == (("dog", "cat"), ("beach",))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("1.5m", 90), ("1h30m", 5400), ("1:30", 90), ("1:02:03", 3723)],
)
def test_durations(text, seconds):
    assert parse_seconds(text) == seconds


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("dur:5m", "not a duration range"),
        ("kind:picture", "not a kind"),
        ("dur:2m-10s", "empty"),
        ("-kind:video", "only tags can be excluded"),
    ],
)
def test_bad_filters_say_how_to_write_them(query, message):
    with pytest.raises(FilterError, match=message):
        parse_query(query)


def test_tag_names_match_in_any_case_by_alternative_and_in_chinese():
    stored = ["beep, bleep", "Red Circle", "speech"]
    assert matching_tag_names("beep", stored) == ["beep, bleep"]
    assert matching_tag_names("red circle", stored) == ["Red Circle"]
    assert matching_tag_names("红色圆形", stored) == ["Red Circle"]
    assert matching_tag_names("music", stored) == []


def test_sound_tags_match_by_their_chinese_name():
    stored = ["bark", "dog", "beep, bleep", "speech", "boat", "boat, water vehicle"]
    assert matching_tag_names("狗叫", stored) == ["bark"]
    assert matching_tag_names("哔哔声", stored) == ["beep, bleep"]
    assert matching_tag_names("语音", stored) == ["speech"]
    # A picture term and a sound class with the same Chinese name: both are meant.
    assert matching_tag_names("船", stored) == ["boat", "boat, water vehicle"]
    assert matching_tag_names("猫叫春", stored) == []


def test_tag_filter_in_chinese_finds_the_items_tagged_in_english(tmp_path):
    store = LibraryStore(tmp_path / "library.sqlite3")
    try:
        ids = {}
        for name, tags in (("barking", ("bark", "dog")), ("quiet", ("dog",)), ("beep", ("beep, bleep",))):
            ids[name] = store.add_item(f"/media/{name}.ogg", f"fp-{name}", 10, 1.0)
            result = ItemIndexResult(
                metadata={"kind": "audio", "duration": 3.0},
                tags=[TagRecord(0, tag, "audio", 0.8) for tag in tags],
            )
            store.write_index_result(ids[name], result)
        assert resolve_filters(parse_query("tag:狗叫").filters, store) == {ids["barking"]}
        assert resolve_filters(parse_query("tag:狗").filters, store) == {ids["barking"], ids["quiet"]}
        assert resolve_filters(parse_query("tag:狗 -tag:狗叫").filters, store) == {ids["quiet"]}
        assert resolve_filters(parse_query("tag:哔哔声,狗叫").filters, store) == {ids["barking"], ids["beep"]}
    finally:
        store.close()


def paths(hits) -> set[str]:
    return {Path(hit.item.path).name for hit in hits}


def test_filters_alone_list_the_matching_items(indexed):
    library = indexed.library
    assert paths(library.search("kind:audio")) == {"podcast_beach.m4a", "beep_tone.ogg"}
    assert paths(library.search("tag:circle")) == {"shapes_red_circle.mp4", "red_circle_again.mkv"}
    assert paths(library.search("tag:红色圆形")) == paths(library.search('tag:"red circle"'))
    assert paths(library.search("tag:circle -tag:green")) == {"red_circle_again.mkv"}
    assert paths(library.search("lang:en")) == {"podcast_beach.m4a", "baking_lesson.mp4"}
    short = library.search("dur:<4s")
    assert short and all(hit.item.duration < 4 for hit in short)
    assert paths(library.search("kind:video dur:>6s")) == {"shapes_red_circle.mp4", "baking_lesson.mp4"}
    hit = next(h for h in library.search('tag:"red circle"') if h.item.path.endswith("shapes_red_circle.mp4"))
    assert hit.best.start == pytest.approx(2.0, abs=0.5), "a tag filter lands on the tag's moment"
    assert library.search("tag:no-such-tag") == []
    spoken = paths(library.search("tag:speech"))
    assert "podcast_beach.m4a" in spoken and paths(library.search("tag:语音")) == spoken


def test_filters_narrow_a_semantic_query(indexed):
    library = indexed.library
    assert "baking_lesson.mp4" in paths(library.search("bread in the oven"))
    assert "baking_lesson.mp4" not in paths(library.search("bread in the oven kind:audio"))
    assert paths(library.search("a red circle kind:video tag:yellow")) <= {
        "red_circle_again.mkv",
        "baking_lesson.mp4",
    }
    with pytest.raises(MediarecError, match="dur:<5m"):
        library.search("bread dur:5m")


def test_search_command_takes_filters(indexed, offline_env, capsys):
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(indexed.library.settings.data_dir))
    code, out, _ = run_cli(["search", "tag:triangle kind:video", "--json"], env, capsys)
    assert code == 0
    hits = json_lines(out)[0]
    assert {Path(hit["path"]).name for hit in hits} == {"shapes_red_circle.mp4", "green_triangle.mp4"}
    code, _, err = run_cli(["search", "kind:picture"], env, capsys)
    assert code == 1 and "kind:video" in err

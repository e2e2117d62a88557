"""Search you can trust, on the generated library indexed with the real offline models: nonsense and absent things
find nothing, a hub (an item whose transcript is "you" over and over) tops no unrelated query, every score is a
confidence in [0, 1], and "more like this" is not the whole library."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from conftest import copy_of_indexed, json_lines, run_cli

from mediarec.index.records import ItemIndexResult, NewSegment, TranscriptLine
from mediarec.index.vector_index import VectorIndex
from mediarec.models.model_set import speech_space_model_id
from mediarec.rank.calibration import Logistic, fuse_probabilities, query_bank

GENERIC_TRANSCRIPT = " ".join(["you"] * 40)
UNRELATED = (
    "a concert in a stadium",
    "stock market news",
    "古典音乐会",
    "一只猫在睡觉",
    "a lecture about volcanoes",
)


def _names(hits) -> list[str]:
    return [Path(hit.item.path).name for hit in hits]


def _scores(hits) -> list[float]:
    return [hit.score for hit in hits] + [moment.score for hit in hits for moment in hit.moments]


@pytest.mark.parametrize("query", ["zzzz", "qwxv plorf"])
def test_nonsense_finds_nothing(indexed, query):
    assert indexed.library.search(query, limit=10) == []


@pytest.mark.parametrize("query", ["a concert in a stadium", "古典音乐会", "a wedding speech", "篮球比赛"])
def test_a_query_about_something_absent_finds_nothing(indexed, query):
    assert indexed.library.search(query, limit=10) == []


def test_every_score_is_a_confidence_and_weak_matches_are_only_shown_when_asked(indexed, offline_env, capsys):
    library = indexed.library
    for query in (
        "a red circle",
        "someone explaining how to bake bread",
        "Podcast person",
        "a sine wave",
        "zzzz",
    ):
        hits = library.search(query, limit=10)
        weak = library.search(query, limit=10, include_weak=True)
        assert all(0.0 <= score <= 1.0 for score in _scores(hits) + _scores(weak)), query
        assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
        assert set(_names(hits)) <= set(_names(weak))  # weak matches add to the list, never take away
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(library.settings.data_dir))
    code, out, _ = run_cli(["search", "a red circle", "--json", "--weak"], env, capsys)
    assert code == 0
    assert all(0.0 <= hit["score"] <= 1.0 for hit in json_lines(out)[0])


def test_the_command_line_says_why_nothing_was_found(indexed, offline_env, capsys):
    library = indexed.library
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(library.settings.data_dir))
    candidates = ("the sea", "the ocean", "a chord", "cooking")  # each had weak matches only when written
    weak_only = [
        q for q in candidates if not library.search(q, 10) and library.search(q, 10, include_weak=True)
    ]
    assert weak_only, "no candidate query has weak matches only"
    query = weak_only[0]
    found = len(library.search(query, 10, include_weak=True))
    code, out, _ = run_cli(["search", query], env, capsys)
    assert code == 0 and f"No matches for “{query}”. {found} weak match" in out, out
    assert "mediarec search --weak" in out
    code, out, _ = run_cli(["search", "zzzz"], env, capsys)
    assert code == 0 and "not even weak ones" in out, out
    code, out, _ = run_cli(["search", query, "--json"], env, capsys)
    assert json_lines(out) == [[]]  # JSON stays a plain empty list
    # more like this, where nothing is more alike than a random pair (fused, in this small library)
    assert library.similar(indexed.media.bread_speech_video, limit=10) == []
    code, out, _ = run_cli(["similar", str(indexed.media.bread_speech_video)], env, capsys)
    assert code == 0 and "more like it than two files picked at random" in out, out


def test_the_queries_the_end_to_end_tests_ask_still_find_their_items(indexed):
    library = indexed.library
    assert _names(library.search("a red circle", 5))[0] in {"shapes_red_circle.mp4", "red_circle_again.mkv"}
    assert _names(library.search("Podcast person", 5))[0] == "podcast_beach.m4a"
    assert _names(library.search("someone explaining how to bake bread", 5))[0] == "baking_lesson.mp4"
    assert _names(library.search("a sine wave", 5))[0] == "beep_tone.ogg"


@pytest.fixture
def library_with_a_hub(indexed, offline_env, tmp_path):
    """A copy of the session's library (SQLite's VACUUM INTO) with one more item whose transcript is "you" forty
    times, embedded by the real text encoder into the real speech space: a generic vector close to everything."""

    library = copy_of_indexed(indexed, tmp_path, offline_env)
    vector = np.asarray(library.models.get("text").encode_passages([GENERIC_TRANSCRIPT]))[0]
    item_id = library.store.add_item(str(tmp_path / "generic.mp3"), "fp-generic-you", 1000, time.time())
    library.store.write_index_result(
        item_id,
        ItemIndexResult(
            metadata={"kind": "audio", "duration": 30.0, "title": "generic"},
            segments=[NewSegment("speech", 0.0, 30.0, vector, GENERIC_TRANSCRIPT)],
            transcript=[TranscriptLine(0.0, 30.0, GENERIC_TRANSCRIPT)],
            encoded_by={"speech": (speech_space_model_id(library.models), len(vector))},
            language="en",
        ),
    )
    yield library, item_id
    library.close()


def test_an_item_with_a_generic_transcript_tops_no_unrelated_query(library_with_a_hub):
    library, hub = library_with_a_hub
    text = library.models.get("text")
    space = library.store.space("speech", speech_space_model_id(library.models))
    raw_tops = [
        VectorIndex(library.store, space).search(text.encode_queries([q])[0], 1)[0][1] for q in UNRELATED
    ]
    assert hub in raw_tops, "by raw cosine the generic transcript is the best answer to some unrelated query"
    for query in UNRELATED:
        assert hub not in [hit.item.id for hit in library.search(query, limit=10)], query
        weak = library.search(query, limit=10, include_weak=True)
        assert not weak or weak[0].item.id != hub, query
    # and the library's own answers stay where they were
    assert _names(library.search("someone explaining how to bake bread", 5))[0] == "baking_lesson.mp4"
    assert _names(library.search("Podcast person", 5))[0] == "podcast_beach.m4a"


def test_more_like_this_is_not_the_whole_library_and_never_negative(indexed):
    library = indexed.library
    others = len(indexed.media.good_files) - 1
    for path in indexed.media.good_files:
        for modality in ("fused", "looks", "sounds", "talks"):
            try:
                hits = library.similar(path, limit=20, modality=modality)
            except (
                Exception
            ) as error:  # an item without that modality says so; that is another test's subject
                assert "no " in str(error)
                continue
            assert all(0.0 <= hit.score <= 1.0 for hit in hits), (path, modality)
            assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    # A silent drawing and a sound-only podcast share nothing to compare: the drawing's list leaves it out.
    fused = _names(library.similar(indexed.media.red_circle_video, limit=20))
    assert len(fused) < others
    assert "podcast_beach.m4a" not in fused and "red_circle_again.mkv" in fused


def test_the_calibration_pieces():
    assert len(query_bank()) >= 150
    assert any("\u4e00" <= char <= "\u9fff" for line in query_bank() for char in line)
    logistic = Logistic(2.0, 1.0)
    assert logistic.probability(1.0) == pytest.approx(0.5)
    assert 0.0 <= logistic.probability(-1e9) < logistic.probability(0.0) < logistic.probability(1e9) <= 1.0
    assert fuse_probabilities([]) == 0.0
    assert fuse_probabilities([0.6]) == pytest.approx(0.6)
    assert fuse_probabilities([0.6, 0.5], agreement=0.5) == pytest.approx(1 - 0.4 * 0.75)
    assert fuse_probabilities([0.6, 0.5], agreement=0.0) == pytest.approx(0.6)
    assert fuse_probabilities([1.5, -0.2]) == 1.0  # clipped into [0, 1]

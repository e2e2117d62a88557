"""The speech channel's two-input calibration (normalised score and raw cosine): its file format, which older
one-input files still load into, its use in search, and the fit benchmarks/calibrate_search.py makes of it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from mediarec.rank.calibration import (
    CALIBRATION_FILE,
    CALIBRATION_VERSION,
    Logistic,
    SearchCalibration,
    search_calibration,
)
from mediarec.rank.hits import Moment

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import calibrate_search  # noqa: E402


def test_a_one_input_fit_loads_and_scores_as_before():
    old = {"slope": 2.0, "midpoint": 1.0}
    logistic = Logistic.from_json(old)
    assert logistic.to_json() == old  # written back without the cosine's keys
    assert logistic.probability(1.0, cosine=0.9) == pytest.approx(0.5)  # a cosine changes nothing
    assert logistic.probability(np.array([0.0, 2.0])) == pytest.approx(
        [1 / (1 + np.e**2), 1 / (1 + np.e**-2)]
    )


def test_a_two_input_fit_weighs_the_cosine_and_round_trips():
    logistic = Logistic(0.5, 4.0, cosine_slope=10.0, cosine_midpoint=0.2)
    assert Logistic.from_json(json.loads(json.dumps(logistic.to_json()))) == logistic
    assert logistic.probability(4.0, cosine=0.2) == pytest.approx(0.5)
    assert logistic.probability(4.0, cosine=0.4) > 0.85 > 0.15 > logistic.probability(4.0, cosine=0.0)
    assert logistic.probability(4.0) == pytest.approx(0.5)  # no cosine: the z part alone
    both = logistic.probability(np.array([2.0, 6.0]), cosine=np.array([0.5, 0.1]))
    assert both.shape == (2,) and np.all((both > 0) & (both < 1))


def test_a_channel_without_a_fit_borrows_the_speech_fit_without_its_cosine_weight():
    speech = Logistic(0.5, 4.0, cosine_slope=10.0, cosine_midpoint=0.2)
    calibration = SearchCalibration({"speech": speech}, 0.15, 0.05, 0.5)
    assert calibration.probability("speech", 4.0, 0.6) > 0.95
    assert calibration.probability("audio", 4.0, 0.6) == pytest.approx(0.5)  # CLAP's cosines are not speech's


def test_the_shipped_file_is_current_and_a_newer_one_is_refused_with_a_message(tmp_path):
    data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    assert data["version"] == CALIBRATION_VERSION
    assert search_calibration().channels["speech"].cosine_slope > 0
    assert search_calibration().channels["frame"].cosine_slope == 0  # the other channels keep one input
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**data, "version": CALIBRATION_VERSION + 1}), encoding="utf-8")
    with pytest.raises(ValueError, match="newer mediarec"):
        search_calibration(newer)


def test_the_fit_recovers_both_weights_and_keeps_z_when_the_likelihood_would_drop_it():
    rng = np.random.default_rng(7)
    z = rng.normal(3.0, 2.0, 4000)
    cosine = rng.normal(0.25, 0.12, 4000)
    truth = 1 / (1 + np.exp(-(0.6 * (z - 3.0) + 12.0 * (cosine - 0.25) - 1.0)))
    matches = rng.random(4000) < truth
    fitted = calibrate_search.fit_two_inputs(z, cosine, matches)
    assert fitted.slope == pytest.approx(0.6, rel=0.25)
    assert fitted.cosine_slope == pytest.approx(12.0, rel=0.25)
    # matches that rise with the cosine only: z's weight stays at the floor, so hubs stay penalised
    only_cosine = calibrate_search.fit_two_inputs(
        z, cosine, rng.random(4000) < 1 / (1 + np.exp(-20 * (cosine - 0.3)))
    )
    assert only_cosine.slope == calibrate_search.MIN_SLOPE and only_cosine.cosine_slope > 10
    rows = [
        {"x": float(a), "cosine": float(b), "match": bool(m)}
        for a, b, m in zip(z, cosine, matches, strict=True)
    ]
    assert "cosine_slope" in calibrate_search.fit_channel("speech", rows)
    assert "cosine_slope" not in calibrate_search.fit_channel("frame", rows)  # one input, as before


def test_the_two_input_candidates_include_the_items_of_highest_cosine():
    def moment(z: float, cosine: float) -> Moment:
        return Moment(0.0, 1.0, "speech", cosine, z)

    moments = [(item, moment(20.0 - item, 0.1)) for item in range(calibrate_search.TOP)]
    moments += [(99, moment(-1.0, 0.8)), (99, moment(0.5, 0.3))]  # a hub: near in cosine, ordinary in z
    assert 99 not in dict(calibrate_search.top_candidates(moments, by_cosine_too=False))
    both = dict(calibrate_search.top_candidates(moments, by_cosine_too=True))
    assert both[99] == (-1.0, 0.8)  # its best-cosine moment
    assert both[0] == (20.0, 0.1)

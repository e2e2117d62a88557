"""The tag and share rule for a zero-shot tagger's softmax scores (CLAP), on constructed score arrays.

The rule is reasoned, not calibrated on the real CLAP weights (see mediarec/understand/zero_shot_audio.py); these
tests pin down what it does, and that YAMNet-style sigmoid scores still take the calibrated threshold.
"""

from __future__ import annotations

import numpy as np
import pytest

from mediarec.understand.audio_tags import MIN_AUDIO_SCORE, AudioScores, audio_shares, audio_tags
from mediarec.understand.zero_shot_audio import (
    MUSIC_RANGE,
    SPEECH_LABELS,
    TOP_LABELS,
    min_probability,
    present,
    share_columns,
)

LABELS = 521
BAR = min_probability(LABELS)
# 521 names like the AudioSet class map's: the Speech branch first, the Music branch in one run, then others.
NAMES = (
    *SPEECH_LABELS,
    "Dog",
    "Bark",
    "Rain",
    MUSIC_RANGE[0],
    "Pop music",
    MUSIC_RANGE[1],
    *(f"Sound {index}" for index in range(LABELS - len(SPEECH_LABELS) - 6)),
)
SPEECH, NARRATION, DOG, BARK, RAIN, MUSIC, POP = 0, 3, 6, 7, 8, 9, 10


def softmax_rows(*rows: dict[int, float]) -> np.ndarray:
    """Windows whose listed labels have these probabilities and whose remaining mass is spread evenly."""
    scores = np.zeros((len(rows), LABELS), np.float32)
    for window, row in enumerate(rows):
        rest = (1.0 - sum(row.values())) / (LABELS - len(row))
        scores[window] = rest
        for label, probability in row.items():
            scores[window, label] = probability
    return scores


def analysis(scores: np.ndarray, window_seconds: float = 10.0) -> AudioScores:
    return AudioScores(np.arange(len(scores)) * 5.0, scores, NAMES, window_seconds, exclusive=True)


def test_the_bar_is_halfway_from_uniform_to_certain():
    assert min_probability(LABELS) == pytest.approx(1 / np.sqrt(521))  # 4.4 %, about 23 times uniform
    assert 20 < BAR * LABELS < 25
    assert min_probability(4) == pytest.approx(0.5)  # the bar follows the label count, not one tuned list
    assert len(NAMES) == LABELS


def test_the_audio_model_says_which_rule_reads_its_scores():
    from mediarec.models.audio import YamnetAudioEncoder
    from mediarec.models.clap import ClapAudioEncoder

    assert ClapAudioEncoder.exclusive_scores and not YamnetAudioEncoder.exclusive_scores


def test_a_label_is_present_above_the_bar_and_among_the_top_few():
    # Five labels clear the bar, but only the window's top three count.
    row = {DOG: 0.30, BARK: 0.20, RAIN: 0.10, MUSIC: 0.08, POP: 0.06}
    mask = present(softmax_rows(row))[0]
    assert list(np.flatnonzero(mask)) == [DOG, BARK, RAIN]
    assert TOP_LABELS == 3
    # The top label of a flat window is still below the bar: nothing is present.
    assert not present(softmax_rows({RAIN: BAR * 0.9})).any()
    assert present(softmax_rows({RAIN: BAR * 1.1}))[0, RAIN]


def test_item_tags_need_one_window_and_take_the_best_probability():
    scores = softmax_rows(
        {SPEECH: 0.40, NARRATION: 0.30},  # 0-5 s speech
        {DOG: 0.25, BARK: 0.08},  # 5-10 s a dog; 8 % is below YAMNet's 0.10 but 42 times uniform
        {RAIN: 0.03},  # 10-15 s rain below the bar: no tag
        {SPEECH: 0.60},  # 15-20 s speech again
    )
    tags = {tag.name: tag for tag in audio_tags(analysis(scores, window_seconds=5.0), 20.0)}
    assert set(tags) == {"speech", "narration, monologue", "dog", "bark"}
    assert MIN_AUDIO_SCORE > 0.08  # so a YAMNet-style threshold would have dropped "bark"
    # The stored scores are rescaled so that the bar is 0.5 and certainty 1.0.
    assert tags["speech"].score == pytest.approx(0.5 + 0.5 * (0.60 - BAR) / (1 - BAR), abs=1e-4)
    assert tags["speech"].score > tags["dog"].score >= 0.5
    assert tags["dog"].moments == ((5.0, 10.0),)
    assert tags["speech"].moments == ((15.0, 20.0), (0.0, 5.0))  # the best window first


def test_the_tag_cap_still_applies():
    scores = softmax_rows(*({label: 0.5} for label in (DOG, BARK, RAIN, MUSIC, POP, SPEECH, NARRATION)))
    assert len(audio_tags(analysis(scores), 40.0, max_tags=6)) == 6


def test_shares_follow_the_best_present_label_branch():
    scores = softmax_rows(
        {NARRATION: 0.30, MUSIC: 0.10},  # speech over quiet music: speech
        {POP: 0.40, SPEECH: 0.20},  # a song with words: music (its best label is in the Music branch)
        {DOG: 0.50},  # other
        {RAIN: 0.01},  # nothing present: other
        {SPEECH: 0.9},  # silent window (by loudness), whatever the scores say
    )
    columns = share_columns(scores, NAMES)
    np.testing.assert_array_equal(columns["speech"], [1, 0, 0, 0, 1])
    np.testing.assert_array_equal(columns["music"], [0, 1, 0, 0, 0])
    audio = np.concatenate([np.full(16000 * 20, 0.3, np.float32), np.zeros(16000 * 10, np.float32)])
    shares = audio_shares(audio, analysis(scores, window_seconds=5.0))
    assert shares == {"speech": 0.2, "music": 0.2, "silence": 0.2, "other": 0.4}


def test_music_is_only_the_music_label_for_another_label_list():
    names = ("Speech", "Music", "Dog", "Scary music")[::-1]  # the range is backwards: not AudioSet's order
    scores = np.array([[0.1, 0.1, 0.1, 0.7], [0.7, 0.1, 0.1, 0.1]], np.float32)
    columns = share_columns(scores, names)
    np.testing.assert_array_equal(columns["music"], [0, 0])  # "Scary music" does not count alone
    np.testing.assert_array_equal(columns["speech"], [1, 0])


def test_sigmoid_scores_keep_the_calibrated_threshold():
    names = ("Speech", "Music", "Dog")
    scores = np.zeros((4, 3), np.float32)
    scores[:, 2] = MIN_AUDIO_SCORE + 0.02  # a faint but sustained dog: a YAMNet tag
    tags = audio_tags(AudioScores(np.arange(4) * 0.48, scores, names, 0.96), 3.0)
    assert [tag.name for tag in tags] == ["dog"]

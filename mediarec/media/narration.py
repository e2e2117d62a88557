"""Long recordings made of known sentences: espeak-ng reads each one, with pauses between them and a low noise
floor, and the time of every sentence is known. The moment tests and benchmarks/devsets/build_moments_devset.py
measure where a search lands against these times."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mediarec.media.samples import SPEECH_RATE, silence, synthesize_speech

# Noise this far below full scale (RMS) is audible under the voice but leaves the words clear: a quiet room.
NOISE_RMS = 0.003


@dataclass(frozen=True)
class SpokenSentence:
    text: str
    start: float  # seconds from the start of the recording: when the voice starts ...
    end: float  # ... and stops


@dataclass(frozen=True)
class SpokenRecording:
    audio: np.ndarray  # float32 mono at SPEECH_RATE
    sentences: tuple[SpokenSentence, ...]

    @property
    def duration(self) -> float:
        return len(self.audio) / SPEECH_RATE


def spoken_recording(
    sentences: Sequence[str],
    *,
    voice: str = "en-us",
    pauses: Sequence[float] = (1.5, 2.5, 2.0),
    lead: float = 1.0,
    noise_rms: float = NOISE_RMS,
    seed: int = 0,
    words_per_minute: int = 150,
) -> SpokenRecording:
    """The sentences read one after another (``pauses`` cycled between them, ``lead`` seconds of room before the
    first) over noise; each sentence's span is where espeak-ng's own samples rise above its silence."""
    pieces, spoken, position = [silence(lead)], [], lead
    for index, text in enumerate(sentences):
        voice_samples = synthesize_speech(text, voice=voice, words_per_minute=words_per_minute)
        first, last = _voiced_bounds(voice_samples)
        spoken.append(SpokenSentence(text, position + first, position + last))
        pause = pauses[index % len(pauses)]
        pieces += [voice_samples, silence(pause)]
        position += len(voice_samples) / SPEECH_RATE + pause
    audio = np.concatenate(pieces)
    audio = audio + np.random.default_rng(seed).normal(0.0, noise_rms, audio.size).astype(np.float32)
    return SpokenRecording(np.clip(audio, -1.0, 1.0).astype(np.float32), tuple(spoken))


def _voiced_bounds(samples: np.ndarray, threshold: float = 0.01) -> tuple[float, float]:
    """Seconds from the start of ``samples`` to its first and past its last sample louder than ``threshold``."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if loud.size == 0:
        return 0.0, len(samples) / SPEECH_RATE
    return loud[0] / SPEECH_RATE, (loud[-1] + 1) / SPEECH_RATE

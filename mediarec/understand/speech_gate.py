"""Speech only where there is speech: the audio encoder's per-window speech evidence decides what whisper hears.

Whisper writes a transcript for whatever it is given: for a dog, a flute or a door it often writes "you",
"MUSIC" or "Woo hoo!", and the item then carries a speech segment and a spoken-language tag. Its own voice
activity filter (Silero) passes most such sounds. The audio encoder already scores every window for speech (YAMNet's
AudioSet classes, in the same pass that makes the audio vectors), so before transcribing:

* a file without a window of speech evidence is not transcribed at all (which also saves whisper's time on music
  and effects);
* in a file with some, the audio outside the speech spans (padded, and joined across short gaps) is silenced, so
  whisper's voice activity filter skips it and its timestamps still count from the start of the file.

Whisper's own confidence then filters what it writes (models.whisper.segment_rejection).
"""

from __future__ import annotations

import numpy as np

from mediarec.understand import zero_shot_audio
from mediarec.understand.audio_tags import AudioScores

SAMPLE_RATE = 16_000
# The AudioSet classes (YAMNet's display names) that are evidence of words being said: the Speech branch (Male and
# Female speech are AudioSet classes that YAMNet's 521 do not have) and whispering. Babbling (a baby's), singing,
# shouting and laughter are left out: whisper has no words to write for them and is where it makes some up.
SPEECH_CLASSES = (
    "Speech",
    "Child speech, kid speaking",
    "Conversation",
    "Narration, monologue",
    "Speech synthesizer",
    "Whispering",
)
# A window is speech when its best speech class reaches this. Measured on devsets/messy (the quantised YAMNet's
# scores come in coarse steps): the 46 speech files (telephone prompts in four languages, espeak-ng English and
# Chinese) reach 0.99 at best, and in each of them as many windows clear 0.3 as clear 0.1; 53 of the 55 music,
# instrument and effect files never reach 0.2 (two game "losing" effects reach 0.32 and 0.82). 0.3 is also where audio_tags counts a window
# as speech in an item's audio shares, so "some speech share" and "transcribed" agree. Set low on purpose: speech
# missed here is lost, while a window let through only costs whisper's time and still has to pass its filter.
SPEECH_EVIDENCE = 0.3
# Each speech window is widened by this on both sides (YAMNet's windows are 0.96 s long, hop 0.48 s: a word at
# a window's edge may score low in it) ...
SPAN_PADDING_SECONDS = 0.5
# ... and spans closer than this are joined, so a pause between two sentences is not cut out.
JOIN_GAP_SECONDS = 1.0


def speech_windows(scores: AudioScores) -> np.ndarray | None:
    """[W] bool: the windows with speech evidence; None when the audio model has no speech class to tell by."""
    # CLAP: a window is speech when its most probable present label is of the Speech branch.
    if scores.exclusive:
        column = zero_shot_audio.share_columns(scores.scores, scores.names)["speech"]
        indices = [index for index, name in enumerate(scores.names) if name in zero_shot_audio.SPEECH_LABELS]
        return column > 0 if indices else None
    indices = [index for index, name in enumerate(scores.names) if name in SPEECH_CLASSES]
    if not indices:
        return None
    if scores.windows == 0:
        return np.zeros(0, bool)
    return np.asarray(scores.scores)[:, indices].max(axis=1) >= SPEECH_EVIDENCE


def speech_spans(scores: AudioScores, duration: float) -> list[tuple[float, float]] | None:
    """(start, end) seconds of the speech in the audio, padded and joined; None when the model cannot tell."""
    windows = speech_windows(scores)
    if windows is None:
        return None
    spans: list[tuple[float, float]] = []
    for window in np.flatnonzero(windows):
        start = max(0.0, float(scores.starts[window]) - SPAN_PADDING_SECONDS)
        end = min(duration, float(scores.starts[window]) + scores.window_seconds + SPAN_PADDING_SECONDS)
        if spans and start - spans[-1][1] <= JOIN_GAP_SECONDS:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def gated_audio(audio: np.ndarray, scores: AudioScores | None) -> np.ndarray | None:
    """What the transcriber should hear: None when there is no speech evidence (do not transcribe), else the audio
    with everything outside the speech spans silenced (the audio itself when the spans cover all of it, or when
    the audio model has no speech class to tell by)."""
    if scores is None:
        return audio
    duration = len(audio) / SAMPLE_RATE
    spans = speech_spans(scores, duration)
    if spans is None:
        return audio
    if not spans:
        return None
    if len(spans) == 1 and spans[0][0] <= 0.0 and spans[0][1] >= duration:
        return audio
    kept = np.zeros_like(audio)
    for start, end in spans:
        first, last = round(start * SAMPLE_RATE), round(end * SAMPLE_RATE)
        kept[first:last] = audio[first:last]
    return kept

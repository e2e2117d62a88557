"""Reading a zero-shot audio tagger's scores (CLAP): one softmax over all labels per window.

YAMNet scores every AudioSet class on its own (a sigmoid), so a class is there when its score is high whatever
the others do, and audio_tags.py reads them with one calibrated threshold. CLAP instead compares a window with
the prompt of every label ("the sound of rain") and takes the softmax over all 521 prompts: a window's scores add
up to 1. A clear sound whose label has near-synonyms ("rain", "raindrop", "rain on surface") splits its mass
between them, and a fixed probability means something else with 521 labels than with 5, so a YAMNet-style
threshold on these scores is wrong. The rule used instead:

- Per window, a label is *present* when its probability is at least ``1 / N ** MIN_EVIDENCE`` (N labels) and it
  is among the window's ``TOP_LABELS`` most probable. With ``MIN_EVIDENCE`` = 0.5 the bar is the geometric mean
  of "no opinion" (the uniform 1/N) and "certain" (1): halfway from one to the other in log-probability, for
  521 labels p >= 1/sqrt(521) = 4.4 %, about 23 times uniform. The bar scales with the label count instead of
  being a number tuned for one list, and at most ``TOP_LABELS`` of the (at most sqrt(N)) labels that clear it
  count, since one 10 s window rarely holds more than a few distinct sounds.
- Over windows, a label is an item tag when it is present in at least one window: CLAP's windows are 10 s long
  and overlap by half, so one window is already sustained evidence (YAMNet's ~1 s windows are smoothed over two).
  Its score is its best present probability, its moments the windows where it is present.
- A window counts as speech or music when its most probable present label belongs to AudioSet's Speech or
  Music branch (CLAP may well call narration "Narration, monologue" or a song "Pop music" rather than "Speech"
  or "Music").

Not calibrated: the real CLAP weights cannot be downloaded where this was written, so MIN_EVIDENCE and TOP_LABELS
are reasoned, not measured. The probabilities also depend on CLAP's learned temperature. The development set
that chose YAMNet's threshold (benchmarks/calibrate_audio_tags.py) is the way to check both on the real model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# The bar a label's probability must reach in a window: 1 / N ** MIN_EVIDENCE of N labels (see above).
MIN_EVIDENCE = 0.5
# ... and it must be among the window's most probable labels.
TOP_LABELS = 3
# AudioSet's Speech branch, and the first and last class of its Music branch (contiguous in the class map).
SPEECH_LABELS = (
    "Speech",
    "Child speech, kid speaking",
    "Conversation",
    "Narration, monologue",
    "Babbling",
    "Speech synthesizer",
)
MUSIC_RANGE = ("Music", "Scary music")


def min_probability(labels: int) -> float:
    """The probability a label needs in a window to be present, among ``labels`` labels."""
    return float(labels) ** -MIN_EVIDENCE


def present(scores: np.ndarray) -> np.ndarray:
    """[W, C] bool: the labels present in each window (probability bar and top ``TOP_LABELS``)."""
    scores = np.asarray(scores, dtype=np.float32)
    if scores.size == 0:
        return np.zeros(scores.shape, bool)
    top = min(TOP_LABELS, scores.shape[1])
    ranked = np.zeros(scores.shape, bool)
    np.put_along_axis(ranked, np.argsort(-scores, axis=1, kind="stable")[:, :top], True, axis=1)
    return ranked & (scores >= min_probability(scores.shape[1]))


def present_scores(scores: np.ndarray) -> np.ndarray:
    """[W, C] each label's probability where it is present, 0 elsewhere: a present label's score is never below
    ``min_probability``, an absent one's always is, so that bar reads these scores like a sigmoid threshold."""
    scores = np.asarray(scores, dtype=np.float32)
    return np.where(present(scores), scores, 0.0).astype(np.float32)


def share_columns(scores: np.ndarray, names: Sequence[str]) -> dict[str, np.ndarray]:
    """{"speech", "music"} -> [W] 1.0 where the window's most probable present label is of that branch, else 0."""
    gated = present_scores(scores)
    best = gated.argmax(axis=1) if gated.size else np.zeros(len(gated), int)
    heard = gated.max(axis=1) > 0 if gated.size else np.zeros(len(gated), bool)
    branches = {"speech": _indices(names, SPEECH_LABELS), "music": _music_indices(names)}
    return {
        key: (heard & np.isin(best, list(indices))).astype(np.float32) for key, indices in branches.items()
    }


def _indices(names: Sequence[str], wanted: Sequence[str]) -> set[int]:
    return {index for index, name in enumerate(names) if name in wanted}


def _music_indices(names: Sequence[str]) -> set[int]:
    first, last = MUSIC_RANGE
    if first in names and last in names and names.index(first) <= names.index(last):
        return set(range(names.index(first), names.index(last) + 1))
    return _indices(names, (first,))  # another label list: the one "Music" label

"""Where PageDown / PageUp (next / previous chapter) go from a playing position, and which chapter a position is in.

Plain functions over the chapters' start times in seconds (sorted), so the player page and any other front end step
the same way and the rules are tested without Qt.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

# PageUp within this many seconds of a chapter's start goes to the chapter before (as in most players); later, it
# goes back to the start of the current chapter.
CHAPTER_RESTART_SECONDS = 2.0
# A position this close past a start is still at that start: a seek lands a few milliseconds off, and PageDown
# right after a step must not pick the chapter it just reached.
AT_START_TOLERANCE = 0.05


def next_chapter_start(starts: Sequence[float], position: float) -> float | None:
    """The start of the chapter after the one playing, or None in the last chapter."""
    index = bisect.bisect_right(starts, position + AT_START_TOLERANCE)
    return starts[index] if index < len(starts) else None


def previous_chapter_start(starts: Sequence[float], position: float) -> float:
    """The start of the current chapter, or of the one before when playback is within CHAPTER_RESTART_SECONDS of
    the current start; 0 (the beginning of the file) when no chapter starts early enough."""
    index = bisect.bisect_left(starts, position - CHAPTER_RESTART_SECONDS)
    return starts[index - 1] if index > 0 else 0.0


def chapter_index_at(starts: Sequence[float], position: float) -> int:
    """The index of the chapter playing at `position`; -1 before the first chapter starts."""
    return bisect.bisect_right(starts, position + AT_START_TOLERANCE) - 1

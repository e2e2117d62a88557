"""A player that plays nothing but keeps time like a real one: for tests, benchmarks and machines without VLC."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from mediarec.player.base import PlaybackState, PlayerBackend, PlayerError, clamp_volume


class NullPlayer(PlayerBackend):
    """Position advances with ``clock`` while playing and stops at the duration, where the state turns ENDED.

    ``clock`` is injectable so a test can move time by hand instead of sleeping.
    """

    name = "null"

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._path: Path | None = None
        self._duration: float | None = None
        self._state = PlaybackState.EMPTY
        self._offset = 0.0  # position when the clock last started or stopped
        self._started_at: float | None = None
        self._volume = 100
        self._muted = False

    def load(self, path: str | Path, *, start: float = 0.0, duration: float | None = None) -> None:
        self._path = Path(path)
        self._duration = duration if duration is not None else _probe_duration(self._path)
        self._offset = max(0.0, start)
        self._started_at = None
        self._state = PlaybackState.STOPPED

    def play(self) -> None:
        self._require_loaded()
        if self._state is PlaybackState.ENDED:
            self._offset = 0.0
        if self._state is not PlaybackState.PLAYING:
            self._started_at = self._clock()
            self._state = PlaybackState.PLAYING

    def pause(self) -> None:
        if self.state is PlaybackState.PLAYING:
            self._offset = self.position
            self._started_at = None
            self._state = PlaybackState.PAUSED

    def stop(self) -> None:
        if self._path is not None:
            self._offset = 0.0
            self._started_at = None
            self._state = PlaybackState.STOPPED

    def seek(self, seconds: float) -> None:
        self._require_loaded()
        target = max(0.0, seconds)
        if self._duration is not None:
            target = min(target, self._duration)
        self._offset = target
        if self._started_at is not None:
            self._started_at = self._clock()
        elif self._state is PlaybackState.ENDED:
            self._state = PlaybackState.PAUSED

    @property
    def position(self) -> float:
        if self._started_at is None:
            return self._offset
        position = self._offset + (self._clock() - self._started_at)
        if self._duration is not None and position >= self._duration:
            # Reaching the end is noticed when someone looks, like polling a real player.
            self._offset, self._started_at, self._state = self._duration, None, PlaybackState.ENDED
            return self._duration
        return position

    @property
    def duration(self) -> float | None:
        return self._duration

    @property
    def state(self) -> PlaybackState:
        self.position  # noqa: B018 - updates ENDED
        return self._state

    @property
    def volume(self) -> int:
        return self._volume

    def set_volume(self, volume: int) -> None:
        self._volume = clamp_volume(volume)

    @property
    def muted(self) -> bool:
        return self._muted

    def set_muted(self, muted: bool) -> None:
        self._muted = bool(muted)

    def release(self) -> None:
        self._path = None
        self._state = PlaybackState.EMPTY

    def _require_loaded(self) -> None:
        if self._path is None:
            raise PlayerError("Nothing to play: open a file first.")


def _probe_duration(path: Path) -> float | None:
    from mediarec.media.errors import MediaError
    from mediarec.media.probe import probe

    try:
        return probe(path).duration
    except MediaError as error:
        raise PlayerError(str(error)) from error

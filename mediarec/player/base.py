"""The interface every player backend offers, with the state names the app shows."""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from pathlib import Path

from mediarec.errors import MediarecError


class PlayerError(MediarecError):
    """Playback is unavailable or failed; the message is ready for the user (and says what to install)."""


class PlaybackState(str, enum.Enum):
    EMPTY = "empty"  # nothing loaded
    OPENING = "opening"
    PLAYING = "playing"
    PAUSED = "paused"
    STOPPED = "stopped"
    ENDED = "ended"
    ERROR = "error"


class PlayerBackend(ABC):
    """One media player. Times are seconds; volume is 0-100.

    Backends are polled (position, state) by their user, about five times a second, instead of calling back
    from their own threads: a libVLC event arrives on a libVLC thread, where neither Qt nor libVLC itself may
    be called safely.
    """

    name: str = ""

    @abstractmethod
    def load(self, path: str | Path, *, start: float = 0.0, duration: float | None = None) -> None:
        """Open a file, ready to play from ``start``; ``duration`` is a hint when the caller already knows it."""

    @abstractmethod
    def play(self) -> None: ...

    @abstractmethod
    def pause(self) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    def toggle(self) -> None:
        if self.state is PlaybackState.PLAYING:
            self.pause()
        else:
            self.play()

    @abstractmethod
    def seek(self, seconds: float) -> None: ...

    @property
    @abstractmethod
    def position(self) -> float: ...

    @property
    @abstractmethod
    def duration(self) -> float | None: ...

    @property
    @abstractmethod
    def state(self) -> PlaybackState: ...

    @property
    @abstractmethod
    def volume(self) -> int: ...

    @abstractmethod
    def set_volume(self, volume: int) -> None: ...

    @property
    @abstractmethod
    def muted(self) -> bool: ...

    @abstractmethod
    def set_muted(self, muted: bool) -> None: ...

    def attach_window(self, window_id: int) -> None:  # noqa: B027 - optional for backends without video
        """Draw video into the native window ``window_id`` (X11 window, HWND or NSView pointer)."""

    @abstractmethod
    def release(self) -> None:
        """Free the player; the object is unusable afterwards."""


def clamp_volume(volume: int) -> int:
    return max(0, min(100, int(volume)))

"""Playback behind one interface: a libVLC backend for the desktop and a null backend for tests and headless use.

No Qt here: libVLC draws into a native window whose id the desktop app passes in (see PlayerBackend.attach_window).
"""

from mediarec.player.base import PlaybackState, PlayerBackend, PlayerError
from mediarec.player.null_backend import NullPlayer
from mediarec.player.session import PlaySession

__all__ = ["NullPlayer", "PlaySession", "PlaybackState", "PlayerBackend", "PlayerError"]

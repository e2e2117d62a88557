"""Choosing the player backend: libVLC first, QtMultimedia when libVLC is missing, else none (the app says why).

The config key ``player`` ("auto", "vlc", "qt" or "none") overrides the choice, for a machine where one of them
misbehaves.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtWidgets import QWidget

from mediarec.config import Settings
from mediarec.player.base import PlaybackState, PlayerBackend, PlayerError, clamp_volume


class QtMultimediaPlayer(PlayerBackend):
    """QMediaPlayer with a QVideoWidget: plays what the platform's codecs (FFmpeg in Qt 6) can play."""

    name = "qt"

    def __init__(self) -> None:
        try:
            from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
            from PySide6.QtMultimediaWidgets import QVideoWidget
        except ImportError as error:
            raise PlayerError(f"QtMultimedia is not available ({error}).") from error
        self._statuses = QMediaPlayer.MediaStatus
        self._states = QMediaPlayer.PlaybackState
        self._player = QMediaPlayer()
        self._audio = QAudioOutput()
        self._player.setAudioOutput(self._audio)
        self.video_widget = QVideoWidget()
        self._player.setVideoOutput(self.video_widget)
        self._pending_seek: float | None = None
        self._duration_hint: float | None = None
        self._loaded = False

    def load(self, path: str | Path, *, start: float = 0.0, duration: float | None = None) -> None:
        media_path = Path(path)
        if not media_path.is_file():
            raise PlayerError(f"{media_path} is no longer on disk.")
        self._player.setSource(QUrl.fromLocalFile(str(media_path)))
        self._pending_seek = start if start > 0 else None
        self._duration_hint = duration
        self._loaded = True

    def play(self) -> None:
        if not self._loaded:
            raise PlayerError("Nothing to play: open a file first.")
        if self.state is PlaybackState.ENDED:
            self._player.setPosition(0)
        self._player.play()

    def pause(self) -> None:
        self._player.pause()

    def stop(self) -> None:
        self._player.stop()

    def seek(self, seconds: float) -> None:
        self._pending_seek = max(0.0, seconds)
        self._apply_pending_seek()

    def _apply_pending_seek(self) -> None:
        ready = self._player.mediaStatus() in (
            self._statuses.LoadedMedia,
            self._statuses.BufferedMedia,
            self._statuses.BufferingMedia,
            self._statuses.EndOfMedia,
        )
        if self._pending_seek is not None and ready:
            self._player.setPosition(int(self._pending_seek * 1000))
            self._pending_seek = None

    @property
    def position(self) -> float:
        self._apply_pending_seek()
        if self._pending_seek is not None:
            return self._pending_seek
        return self._player.position() / 1000.0

    @property
    def duration(self) -> float | None:
        length = self._player.duration()
        return length / 1000.0 if length > 0 else self._duration_hint

    @property
    def state(self) -> PlaybackState:
        if not self._loaded:
            return PlaybackState.EMPTY
        status = self._player.mediaStatus()
        if status == self._statuses.EndOfMedia:
            return PlaybackState.ENDED
        if status == self._statuses.InvalidMedia:
            return PlaybackState.ERROR
        if status == self._statuses.LoadingMedia:
            return PlaybackState.OPENING
        return {
            self._states.PlayingState: PlaybackState.PLAYING,
            self._states.PausedState: PlaybackState.PAUSED,
        }.get(self._player.playbackState(), PlaybackState.STOPPED)

    @property
    def volume(self) -> int:
        return clamp_volume(round(self._audio.volume() * 100))

    def set_volume(self, volume: int) -> None:
        self._audio.setVolume(clamp_volume(volume) / 100.0)

    @property
    def muted(self) -> bool:
        return self._audio.isMuted()

    def set_muted(self, muted: bool) -> None:
        self._audio.setMuted(bool(muted))

    def release(self) -> None:
        self._player.stop()
        self._loaded = False


def create_player_backend(settings: Settings) -> tuple[PlayerBackend | None, str]:
    """The backend to use and, when there is none (or only the fallback), a sentence telling the user why."""
    from mediarec.player.vlc_backend import VlcPlayer, install_hint

    choice = str(settings.raw.get("player", "auto")).lower()
    if choice == "none":
        return None, QCoreApplication.translate(
            "PlayerBackends", 'Playback is turned off in the config file (player = "none").'
        )
    vlc_problem = ""
    if choice in ("auto", "vlc"):
        try:
            return VlcPlayer(), ""
        except PlayerError as error:
            vlc_problem = str(error)
    try:
        backend = QtMultimediaPlayer()
    except PlayerError as error:
        reason = vlc_problem or str(error)
        return None, QCoreApplication.translate(
            "PlayerBackends", "Playback is not available: %1\nTo play files, %2."
        ).replace("%1", reason).replace("%2", install_hint())
    notice = ""
    if vlc_problem:
        notice = QCoreApplication.translate(
            "PlayerBackends",
            "libVLC was not found, so Qt's own player is used; it plays fewer formats. To use VLC, %1.",
        )
        notice = notice.replace("%1", install_hint())
    return backend, notice


def video_widget_of(backend: PlayerBackend | None) -> QWidget | None:
    """A backend that brings its own video widget (QtMultimedia) instead of drawing into a native window."""
    return getattr(backend, "video_widget", None)

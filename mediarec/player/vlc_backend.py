"""libVLC through python-vlc: plays nearly every format and draws into a window the desktop app hands over."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from mediarec.player.base import PlaybackState, PlayerBackend, PlayerError, clamp_volume

INSTALL_HINT = {
    "linux": "install VLC's library: sudo apt install libvlc5 vlc-plugin-base (Debian/Ubuntu), "
    "sudo dnf install vlc-libs (Fedora)",
    "darwin": "install VLC from https://www.videolan.org/vlc/ (the app bundles libVLC)",
    "win32": "install VLC (64-bit) from https://www.videolan.org/vlc/",
}


def install_hint() -> str:
    return INSTALL_HINT.get(sys.platform, INSTALL_HINT["linux"])


def _import_vlc():
    try:
        import vlc
    except ImportError as error:
        raise PlayerError(f"Playback needs python-vlc ({error}): pip install python-vlc") from error
    except OSError as error:  # python-vlc is there but libVLC is not
        raise PlayerError(
            f"Playback needs libVLC, which was not found ({error}); {install_hint()}."
        ) from error
    return vlc


class VlcPlayer(PlayerBackend):
    """``video_output`` / ``audio_output`` name libVLC modules; "dummy" plays with no screen or sound card."""

    name = "vlc"

    def __init__(
        self,
        *,
        video_output: str | None = None,
        audio_output: str | None = None,
        extra_arguments: Sequence[str] = (),
    ):
        vlc = _import_vlc()
        self._vlc = vlc
        # --no-xlib: libVLC must not call XInitThreads behind Qt's back; its xcb video output needs no Xlib.
        arguments = ["--quiet", "--no-xlib", "--no-video-title-show", "--no-osd", *extra_arguments]
        if video_output:
            arguments.append(f"--vout={video_output}")
        if audio_output:
            arguments.append(f"--aout={audio_output}")
        self._instance = vlc.Instance(arguments)
        if self._instance is None:
            raise PlayerError(
                "libVLC is installed but could not start (are its plugins missing?); " + install_hint() + "."
            )
        self._player = self._instance.media_player_new()
        self._player.video_set_mouse_input(False)  # clicks and keys go to the app, not to libVLC
        self._player.video_set_key_input(False)
        self._duration_hint: float | None = None
        self._pending_seek: float | None = None
        self._opening_at = 0.0  # reported until libVLC has a time of its own
        self._volume = 100  # kept here: libVLC reports -1 or 0 until an audio output is open
        self._loaded = False

    def attach_window(self, window_id: int) -> None:
        if sys.platform.startswith("linux"):
            self._player.set_xwindow(int(window_id))
        elif sys.platform == "win32":
            self._player.set_hwnd(int(window_id))
        elif sys.platform == "darwin":
            self._player.set_nsobject(int(window_id))

    def load(self, path: str | Path, *, start: float = 0.0, duration: float | None = None) -> None:
        media_path = Path(path)
        if not media_path.is_file():
            raise PlayerError(f"{media_path} is no longer on disk.")
        media = self._instance.media_new_path(str(media_path))
        if start > 0:
            # Opening at the right time avoids a flash of the first frame and a seek before the stream is ready.
            media.add_option(f":start-time={start:.3f}")
        self._player.set_media(media)
        media.release()
        self._duration_hint = duration
        self._pending_seek = None
        self._opening_at = max(0.0, start)
        self._loaded = True

    def play(self) -> None:
        if not self._loaded:
            raise PlayerError("Nothing to play: open a file first.")
        if self.state is PlaybackState.ENDED:
            self._player.stop()  # libVLC replays an ended media only after a stop
            self._opening_at = 0.0
        if self._player.play() == -1:
            raise PlayerError("libVLC could not play this file.")
        self._player.audio_set_volume(self._volume)

    def pause(self) -> None:
        self._player.set_pause(1)

    def stop(self) -> None:
        self._player.stop()

    def seek(self, seconds: float) -> None:
        target = max(0.0, seconds)
        if self.state in (PlaybackState.PLAYING, PlaybackState.PAUSED) and self._player.is_seekable():
            self._player.set_time(int(target * 1000))
            self._pending_seek = None
            self._opening_at = target
        else:
            # libVLC ignores a seek while the stream is still opening; apply it at the next poll once it plays.
            self._pending_seek = target

    @property
    def position(self) -> float:
        if self._pending_seek is not None:
            if self.state in (PlaybackState.PLAYING, PlaybackState.PAUSED) and self._player.is_seekable():
                self.seek(self._pending_seek)
            else:
                return self._pending_seek
        if self.state is PlaybackState.ENDED and self.duration:
            return self.duration
        milliseconds = self._player.get_time()
        if milliseconds is None or milliseconds <= 0:
            return self._opening_at
        self._opening_at = 0.0
        return milliseconds / 1000.0

    @property
    def stream_time(self) -> float | None:
        """libVLC's own clock, None until the stream runs (``position`` reports the start time until then)."""
        milliseconds = self._player.get_time()
        return milliseconds / 1000.0 if milliseconds is not None and milliseconds > 0 else None

    @property
    def duration(self) -> float | None:

        length = self._player.get_length()
        if length and length > 0:
            return length / 1000.0
        return self._duration_hint

    @property
    def state(self) -> PlaybackState:
        if not self._loaded:
            return PlaybackState.EMPTY
        states = self._vlc.State
        return {
            states.NothingSpecial: PlaybackState.STOPPED,
            states.Opening: PlaybackState.OPENING,
            states.Buffering: PlaybackState.PLAYING,
            states.Playing: PlaybackState.PLAYING,
            states.Paused: PlaybackState.PAUSED,
            states.Stopped: PlaybackState.STOPPED,
            states.Ended: PlaybackState.ENDED,
            states.Error: PlaybackState.ERROR,
        }.get(self._player.get_state(), PlaybackState.STOPPED)

    @property
    def volume(self) -> int:
        return self._volume

    def set_volume(self, volume: int) -> None:
        self._volume = clamp_volume(volume)
        self._player.audio_set_volume(self._volume)

    @property
    def muted(self) -> bool:
        return bool(self._player.audio_get_mute() == 1)

    def set_muted(self, muted: bool) -> None:
        self._player.audio_set_mute(bool(muted))

    def release(self) -> None:
        self._player.stop()
        self._player.release()
        self._instance.release()
        self._loaded = False

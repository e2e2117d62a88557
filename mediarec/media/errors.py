"""The one exception the media layer raises, with a message a user can read."""

from __future__ import annotations

import os
import struct

from mediarec.errors import MediarecError

# The problems a user is told about. Callers may compare MediaError.problem with these.
NOT_FOUND = "file not found"
NOT_READABLE = "cannot be read"
EMPTY = "empty file"
NOT_MEDIA = "not a media file"
CORRUPT = "corrupt or truncated"
NO_STREAMS = "no audio or video stream"
CANNOT_WRITE = "cannot be written"
MISSING_TOOL = "a required program is missing"
CORRUPT_HEADER = "corrupt header"
TRUNCATED = "truncated"


class MediaError(MediarecError):
    """A media file cannot be read or written.

    ``str(error)`` names the file and the problem, e.g. ``"clip.mp4: corrupt or truncated (moov atom not
    found)"``, so it can be shown to a user as is.
    """

    def __init__(self, path: str | os.PathLike[str] | None, problem: str, detail: str = "") -> None:
        self.path = os.fspath(path) if path is not None else None
        self.problem = problem
        self.detail = detail
        message = problem if self.path is None else f"{self.path}: {problem}"
        if detail:
            message = f"{message} ({detail})"
        super().__init__(message)

    def __reduce__(self):
        # Keep the error picklable (worker processes send it back to the job).
        return (type(self), (self.path, self.problem, self.detail))


# -- what a user is told about a file that failed -----------------------------------------------------------------

# Bump when decoding changes in a way that may read files it could not read before: files that failed under
# another decoder version (this number, or another PyAV or FFmpeg) are tried again (decoder_version).
DECODER_REVISION = 1

# The lowest and highest audio sample rates a real file has; outside them the header is damaged.
MIN_SAMPLE_RATE = 1000
MAX_SAMPLE_RATE = 768_000

# FFmpeg's own sentences (in PyAV errors and in MediaError details) in the words a user is shown.
_FFMPEG_SENTENCES = (
    ("moov atom not found", "truncated: the index (moov atom) is missing, as in an unfinished download"),
    ("end of file", TRUNCATED),
    ("invalid data found", CORRUPT_HEADER),
    ("decoder not found", "uses a codec PyAV cannot decode"),
    ("patch welcome", "uses a feature FFmpeg does not support"),
    ("not yet implemented", "uses a feature FFmpeg does not support"),
)
# The details media/probe.py, audio.py and keyframes.py write themselves: already in user words.
_OWN_DETAILS = ("it is a folder", "no decoder for its", "no decodable", "no audio frame", "no video frame")
_TRUNCATED_DETAIL = "data ends before the indexed length of "
_STRUCTURAL = (ValueError, IndexError, KeyError, OverflowError, ZeroDivisionError, UnicodeError)


def decoder_version() -> str:
    """The decoding that a failure happened under: PyAV's and FFmpeg's versions and DECODER_REVISION."""
    import av

    ffmpeg = getattr(av, "ffmpeg_version_info", None) or ".".join(
        map(str, av.library_versions["libavformat"])
    )
    return f"pyav {av.__version__}, ffmpeg {ffmpeg}, mediarec decoder {DECODER_REVISION}"


def clock(seconds: float) -> str:
    """0:07, 12:34 or 1:02:03."""
    minutes, secs = divmod(int(round(max(0.0, seconds))), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def truncated_reason(ends_at: float, declared: float) -> str:
    return f"{TRUNCATED}: ends at {clock(ends_at)} of a declared {clock(declared)}"


def user_reason(error: BaseException) -> str | None:
    """Why one file could not be read, in a few words a user understands and without the file's path (the caller
    shows it once), e.g. "not a media file PyAV can read" or "truncated: ends at 0:12 of a declared 1:30:00".

    None when the error is not one that reading a broken file is known to raise: then it is a bug, reported as
    "unexpected error (see the log)". Internal exception text never reaches the user.
    """
    if isinstance(error, MediaError):
        return _media_reason(error)
    if isinstance(error, MemoryError):
        return "too large to read (it asks for more memory than there is)"
    import av.error

    if isinstance(error, av.error.FFmpegError):
        return _ffmpeg_words(error.strerror or str(error)) or "corrupt: PyAV could not decode it"
    if isinstance(error, (struct.error, *_STRUCTURAL)):
        return CORRUPT_HEADER
    if isinstance(error, EOFError):
        return TRUNCATED
    if isinstance(error, OSError):
        return f"{NOT_READABLE} ({(error.strerror or 'input/output error').lower()})"
    return None


def _ffmpeg_words(sentence: str) -> str | None:
    lowered = sentence.lower()
    for words, reason in _FFMPEG_SENTENCES:
        if words in lowered:
            return reason
    return None


def _media_reason(error: MediaError) -> str:
    problem, detail = error.problem, error.detail.strip()
    if problem == NOT_MEDIA:
        return (
            "a folder, not a media file" if detail == "it is a folder" else "not a media file PyAV can read"
        )
    if problem == EMPTY:
        return "empty file (0 bytes)"
    if not detail:
        return problem
    if problem in (CORRUPT_HEADER, TRUNCATED):
        return f"{problem}: {detail}"
    if detail.startswith(_TRUNCATED_DETAIL):
        declared = _leading_number(detail[len(_TRUNCATED_DETAIL) :])
        ends_at = readable_seconds(error.path) if error.path else None
        if declared is not None and ends_at is not None:
            return truncated_reason(ends_at, declared)
        return "truncated: the data ends before its declared length"
    if detail.startswith(_OWN_DETAILS) or problem in (NOT_READABLE, NOT_FOUND, CANNOT_WRITE, MISSING_TOOL):
        return f"{problem} ({detail})"
    for what in ("audio", "video"):
        if detail.startswith(f"{what} cannot be decoded"):
            return f"corrupt {what} data"
    return _ffmpeg_words(detail) or problem


def _leading_number(text: str) -> float | None:
    try:
        return float(text.split()[0])
    except (IndexError, ValueError):
        return None


def readable_seconds(path: str | os.PathLike[str]) -> float | None:
    """How far into a damaged file its packets reach (the end of the last packet that can be read), or None."""
    import av
    import av.error

    end = 0.0
    try:
        with av.open(os.fspath(path), metadata_errors="replace") as container:
            streams = [s for s in container.streams if s.type in ("audio", "video")]
            for packet in container.demux(streams):
                if packet.pts is not None and packet.time_base is not None and packet.size > 0:
                    end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    except (av.error.FFmpegError, OSError, ValueError):
        pass  # the reading stops where the damage starts: what was read so far is the answer
    return end

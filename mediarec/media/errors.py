"""The one exception the media layer raises, with a message a user can read."""

from __future__ import annotations

import os

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

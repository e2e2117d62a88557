"""What every command prints with: JSON lines on stdout, times as a clock, input lines from a file or stdin."""

from __future__ import annotations

import json
import sys
import tempfile
import time
import traceback
from pathlib import Path

from mediarec.errors import MediarecError
from mediarec.scan.paths import display_text

CRASH_LOG_NAME = "mediarec-errors.log"


class UsageError(MediarecError):
    """Bad input on the command line: a missing argument, a file that cannot be read."""

    exit_code = 2


def print_json(value: object) -> None:
    """One JSON document on one line (non-ASCII kept as is, so Chinese stays readable), flushed at once. A file
    name with undecodable bytes is shown as scan.paths.display_path shows it (``\\xff``)."""
    sys.stdout.write(json.dumps(_printable(value), ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def _printable(value: object) -> object:
    if isinstance(value, str):
        return display_text(value)
    if isinstance(value, dict):
        return {_printable(key): _printable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable(item) for item in value]
    return value


def tolerate_unprintable_names() -> None:
    """Let plain-text output show a name with undecodable bytes (as ``\\udcff``) instead of failing on it."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def clock(seconds: float | None) -> str:
    """0:07, 12:34 or 1:02:03; a dash when there is no time."""
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def read_lines(path: str) -> list[str]:
    """The lines of a file, or of standard input for "-", without their line ends."""
    try:
        source = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    try:
        return [line.rstrip("\n") for line in source]
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text (one query or path per line)") from None
    finally:
        if source is not sys.stdin:
            source.close()


def write_crash_log(data_dir: Path) -> Path:
    """Append the traceback being handled to the library's error log (the terminal gets one line); falls back
    to the temporary folder when the data folder cannot be written."""
    entry = f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} mediarec {' '.join(sys.argv[1:])}\n{traceback.format_exc()}"
    for folder in (Path(data_dir), Path(tempfile.gettempdir())):
        log = folder / CRASH_LOG_NAME
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8", errors="backslashreplace") as stream:
                stream.write(entry)
            return log
        except OSError:
            continue
    return Path(tempfile.gettempdir()) / CRASH_LOG_NAME

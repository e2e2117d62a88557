"""What every command prints with: JSON lines on stdout, times as a clock, input lines from a file or stdin."""

from __future__ import annotations

import json
import sys


def print_json(value: object) -> None:
    """One JSON document on one line (non-ASCII kept as is, so Chinese stays readable), flushed at once."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def clock(seconds: float | None) -> str:
    """0:07, 12:34 or 1:02:03; a dash when there is no time."""
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def read_lines(path: str) -> list[str]:
    """The lines of a file, or of standard input for "-", without their line ends."""
    source = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        return [line.rstrip("\n") for line in source]
    finally:
        if source is not sys.stdin:
            source.close()

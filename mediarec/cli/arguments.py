"""Argument types that reject bad values with a one-line message (argparse turns it into exit code 2)."""

from __future__ import annotations

import argparse
import math


def positive_int(text: str) -> int:
    """A count such as --limit: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a count (it must be at least 1)")
    return value


def seconds(text: str) -> float:
    """A time in seconds: a finite number, not negative (nan, inf and -5 are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text} is not a time (a finite number of seconds, 0 or more)")
    return value


def fraction(text: str) -> float:
    """A number from 0 to 1, such as --diversity."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value

"""File names as the user sees them, and why an entry could not be read.

A name that is not valid UTF-8 (common on old drives) reaches Python as a str with lone surrogates: os.fsdecode's
'surrogateescape' turns each undecodable byte into U+DC80-U+DCFF (Windows gives an unpaired UTF-16 half as is).
That str is the real name: open() and PyAV take it and find the file. It cannot be printed on a UTF-8 terminal or
written as JSON, so what the user sees is display_path: each such byte as ``\\xff``, other lone halves as
``\\udc00``. The library database keeps the name losslessly (index/items.py, stored_path).
"""

from __future__ import annotations

import os
import re

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_BYTE = re.compile(r"\\x([89a-fA-F][0-9a-fA-F])")
# Control characters in a name (a newline, a tab, a terminal's escape): legal in a POSIX file name, but printed as they
# are they break a line of output in two, or make the terminal run an escape sequence.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_ESCAPED_CONTROL = re.compile(r"\\x([01][0-9a-fA-F]|7[fF])")


def display_path(path: str | bytes | os.PathLike) -> str:
    """``path`` as text that any terminal and any JSON reader take: undecodable bytes shown as ``\\xNN``."""
    return display_text(os.fsdecode(path))


def display_text(text: str) -> str:
    """Text that may hold a file name (an error message, a title made from a name), made printable and storable
    the way display_path shows the name."""
    if _LONE_SURROGATE.search(text) is None:
        return text
    return _LONE_SURROGATE.sub(_escape, text)


def one_line(text: str) -> str:
    """display_text for a line of plain-text output: control characters shown too (``\\x0a`` for a newline,
    ``\\u0085`` for the C1 ones), so a name stays on its line and cannot drive the terminal."""
    return _CONTROL.sub(_escape_control, display_text(text))


def _escape_control(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}"


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def path_from_display(text: str) -> str:
    """The on-disk name that display_path or one_line showed as ``text`` (``\\xff`` back to the byte it stands for,
    ``\\x0a`` to the control character). A name that itself contains a backslash, x and two hex digits reads the
    same, so callers try the text as it is first."""
    undecodable = _ESCAPED_BYTE.sub(lambda match: chr(0xDC00 + int(match[1], 16)), text)
    return _ESCAPED_CONTROL.sub(lambda match: chr(int(match[1], 16)), undecodable)


def error_reason(error: OSError) -> str:
    """Why a file or folder could not be read, in a few words: "permission denied", "no such file or directory"."""
    reason = error.strerror or str(error) or type(error).__name__
    return reason[:1].lower() + reason[1:]

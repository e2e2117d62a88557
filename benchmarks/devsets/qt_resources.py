"""Files inside a compiled Qt resource bundle (.rcc), as GCompris ships its pictures (gcompris-qt-data).

The format (Qt's rcc, versions 1-3): a "qres" header with the offsets of a tree of 14- or 22-byte entries, of
the file data (each a 4-byte length, zlib-compressed when flagged, behind a 4-byte size) and of the names
(UTF-16). Only reading; nothing of Qt is needed.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

_COMPRESSED, _DIRECTORY, _ZSTD = 1, 2, 4


def rcc_files(path: Path) -> Iterator[tuple[str, bytes]]:
    """(path inside the bundle, content) of every file in the .rcc at ``path``."""
    blob = Path(path).read_bytes()
    if blob[:4] != b"qres":
        raise ValueError(f"{path} is not a Qt resource bundle")
    version, tree, data, names = struct.unpack(">IIII", blob[4:20])
    entry_size = 14 if version == 1 else 22

    def name_at(offset: int) -> str:
        (length,) = struct.unpack(">H", blob[names + offset : names + offset + 2])
        return blob[names + offset + 6 : names + offset + 6 + 2 * length].decode("utf-16-be")

    def walk(index: int, prefix: str) -> Iterator[tuple[str, bytes]]:
        entry = tree + index * entry_size
        name_offset, flags = struct.unpack(">IH", blob[entry : entry + 6])
        name = name_at(name_offset) if index else ""
        if flags & _DIRECTORY:
            count, first = struct.unpack(">II", blob[entry + 6 : entry + 14])
            for child in range(first, first + count):
                yield from walk(child, f"{prefix}{name}/")
            return
        (offset,) = struct.unpack(">I", blob[entry + 10 : entry + 14])
        (length,) = struct.unpack(">I", blob[data + offset : data + offset + 4])
        payload = blob[data + offset + 4 : data + offset + 4 + length]
        if flags & _ZSTD:
            raise ValueError(f"{path}: {prefix}{name} is zstd-compressed, which this reader does not handle")
        yield f"{prefix}{name}", zlib.decompress(payload[4:]) if flags & _COMPRESSED else payload

    yield from walk(0, "")

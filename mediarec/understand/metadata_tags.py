"""Tags from what the file says about itself (container tags) and, weakly, from the folder it lives in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePath

from mediarec.understand.found import FoundTag

CONTAINER_SCORE = 1.0
# Folder names are often right ("Holidays 2019/Beach") and often meaningless ("New folder"): a weak signal,
# below the 0.5 at which a tag counts as applied for filters, so it informs without deciding.
FOLDER_SCORE = 0.3
# Folder names that say nothing about the content.
GENERIC_FOLDERS = frozenset(
    [
        "videos",
        "video",
        "movies",
        "movie",
        "music",
        "audio",
        "sounds",
        "sound",
        "media",
        "downloads",
        "download",
        "desktop",
        "documents",
        "home",
        "pictures",
        "photos",
        "camera",
        "dcim",
        "100media",
        "100andro",
        "100apple",
        "new folder",
        "untitled",
        "tmp",
        "temp",
        "files",
        "misc",
        "other",
        "stuff",
        "backup",
        "recordings",
        "records",
        "library",
        "volumes",
        "users",
        "mnt",
        "storage",
        "sdcard",
        "emulated",
        "private",
        "var",
    ]
)
_YEAR = re.compile(r"\b(1[89]\d\d|2[01]\d\d)\b")
_GENRE_SEPARATORS = re.compile(r"\s*[;/,|]\s*")


def metadata_tags(metadata: Mapping, path: str) -> list[FoundTag]:
    found: dict[str, FoundTag] = {}
    for genre in _GENRE_SEPARATORS.split(str(metadata.get("genre") or "")):
        _add(found, genre.strip().lower(), CONTAINER_SCORE)
    for key in ("artist", "album"):
        _add(found, str(metadata.get(key) or "").strip(), CONTAINER_SCORE)
    year = _YEAR.search(str(metadata.get("date") or ""))
    if year:
        _add(found, year.group(1), CONTAINER_SCORE)
    folder = folder_tag(path)
    if folder:
        _add(found, folder, FOLDER_SCORE)
    return list(found.values())


def folder_tag(path: str) -> str | None:
    """The parent folder's name as a tag, unless it is generic or only a number."""
    name = PurePath(path).parent.name
    cleaned = re.sub(r"[_\s]+", " ", name).strip().lower()
    if not cleaned or cleaned in GENERIC_FOLDERS or cleaned.isdigit() or len(cleaned) < 3:
        return None
    return cleaned


def _add(found: dict[str, FoundTag], name: str, score: float) -> None:
    # Container tags outrank a folder with the same name; names compare without case.
    if name and (name.casefold() not in found or found[name.casefold()].score < score):
        found[name.casefold()] = FoundTag(name, "metadata", score)

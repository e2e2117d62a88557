"""Debian packages as a source of labelled media for the development sets: download, unpack, read the licence.

Used by build_eval_devset.py and build_tags_devset.py (run as scripts, so this is imported as a sibling module).
Nothing is installed: `apt-get download` fetches the .deb and `dpkg-deb -x` unpacks it into a folder of its own.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Unpacked:
    folder: Path  # the package's files, as under / once installed
    version: str
    licence: str  # licence names from its copyright file


def fetch_package(name: str, debs: Path) -> Unpacked:
    """Download (once) and unpack (once) the package ``name`` under ``debs``."""
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{name}_*.deb"))
    if not found:
        subprocess.run(["apt-get", "download", name], cwd=debs, check=True, capture_output=True)
        found = sorted(debs.glob(f"{name}_*.deb"))
    deb = found[-1]
    folder = debs / name
    if not folder.is_dir():
        staging = debs / f".{name}.partial"  # unpacked fully, then renamed: never a half folder
        shutil.rmtree(staging, ignore_errors=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(staging)], check=True)
        staging.rename(folder)
    version = deb.stem.split("_")[1]
    return Unpacked(folder, version, licence_of(folder, name))


def licence_of(folder: Path, package: str) -> str:
    """The licence names in the package's machine-readable copyright file ("unknown" without one)."""
    copyright_file = folder / "usr" / "share" / "doc" / package / "copyright"
    if not copyright_file.is_file():
        return "unknown"
    text = copyright_file.read_text(encoding="utf-8", errors="replace")
    found = re.findall(r"^License:\s*(\S.*)$", text, flags=re.MULTILINE)
    names = dict.fromkeys(
        name.strip() for name in found if len(name.split()) <= 4
    )  # names, not licence prose
    return ", ".join(names) or "unknown"

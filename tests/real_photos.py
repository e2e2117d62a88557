"""Real photographs for tests, from GCompris's data (Debian package gcompris-qt-data, installed by
installers/setup.sh dev): public-domain and CC photos its makers named (see each bundle's README). Read from the
installed Qt resource bundles, never copied into the repository."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
from conftest import require_installed

GCOMPRIS_RCC = Path("/usr/share/gcompris-qt/rcc")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "devsets"))

from qt_resources import rcc_files  # noqa: E402  (benchmarks/devsets is not a package)


def gcompris_photo(bundle: str, name: str) -> np.ndarray:
    """The picture ``name`` (a file name such as "dog.webp") of the GCompris bundle ``bundle`` as RGB; the test is
    skipped where gcompris-qt-data is not installed."""
    from PIL import Image

    path = GCOMPRIS_RCC / f"{bundle}.rcc"
    require_installed(path.is_file(), "gcompris-qt-data (its photos)")
    for inner, content in rcc_files(path):
        if inner.rsplit("/", 1)[-1] == name:
            return np.asarray(Image.open(io.BytesIO(content)).convert("RGB"))
    raise FileNotFoundError(f"{bundle}.rcc holds no {name}")

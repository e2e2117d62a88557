"""Render resources/icons/mediarec.svg into the PNG sizes the desktops ask for, plus Windows' .ico and macOS' .icns.

Run it after changing the SVG: `.venv/bin/python installers/render_icons.py`. The outputs are committed, so a
build needs neither this script nor Qt's SVG module. Qt (the gui extra) renders the SVG; Pillow packs the .ico
and .icns from the PNGs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SOURCE = ICONS / "mediarec.svg"
# freedesktop's hicolor sizes (16..512); Windows takes 16-256 in one .ico, macOS 16-512 in one .icns.
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def png_path(size: int) -> Path:
    return ICONS / "png" / f"mediarec-{size}.png"


def render_pngs() -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _application = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"Qt cannot read {SOURCE}")
    written = []
    for size in PNG_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = png_path(size)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(path), "PNG"):
            raise SystemExit(f"Could not write {path}")
        written.append(path)
    return written


def pack_ico_and_icns() -> list[Path]:
    from PIL import Image

    largest = Image.open(png_path(max(PNG_SIZES))).convert("RGBA")
    ico, icns = ICONS / "mediarec.ico", ICONS / "mediarec.icns"
    # Each size from its own rendering (small sizes are not a shrunk 512 px image in Qt's rendering either).
    ico_images = [Image.open(png_path(size)).convert("RGBA") for size in ICO_SIZES]
    ico_images[-1].save(
        ico, format="ICO", sizes=[(size, size) for size in ICO_SIZES], append_images=ico_images
    )
    largest.save(icns, format="ICNS")
    return [ico, icns]


def main() -> int:
    for path in [*render_pngs(), *pack_ico_and_icns()]:
        print(f"{path.relative_to(ICONS.parent.parent)}  {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Thumbnails decoded off the GUI thread and kept in a bounded cache, so thousands of cards scroll smoothly.

Views ask for a thumbnail while painting; the first ask starts a decode on the thumbnail pool and returns None
(the card paints a placeholder); when the picture is ready, ``loaded`` tells the models to repaint those rows.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QObject, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from mediarec.ui.bridge import run_task


def _read_scaled(path: str, size: QSize) -> QImage | None:
    # QImageReader scales while decoding the JPEG, which is several times cheaper than decoding then scaling.
    reader = QImageReader(path)
    original = reader.size()
    if original.isValid():
        reader.setScaledSize(original.scaled(size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else image


class ThumbnailCache(QObject):
    loaded = Signal(str)

    def __init__(self, pool: QThreadPool, size: QSize, capacity: int = 800, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = pool
        self._size = size
        self._capacity = capacity
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._pending: set[str] = set()
        self._failed: set[str] = set()

    @property
    def size(self) -> QSize:
        return self._size

    def get(self, path: str | None) -> QPixmap | None:
        """The thumbnail if it is decoded; otherwise None, after starting its decode."""
        if not path or path in self._failed:
            return None
        pixmap = self._pixmaps.get(path)
        if pixmap is not None:
            self._pixmaps.move_to_end(path)
            return pixmap
        if path not in self._pending:
            self._pending.add(path)
            run_task(
                self._pool,
                _read_scaled,
                path,
                self._size,
                on_result=lambda image, path=path: self._store(path, image),
                on_error=lambda _error, path=path: self._store(path, None),
                owner=self,
            )
        return None

    def _store(self, path: str, image: QImage | None) -> None:
        self._pending.discard(path)
        if image is None:
            self._failed.add(
                path
            )  # a missing or broken JPEG keeps its placeholder instead of retrying forever
            return
        self._pixmaps[path] = QPixmap.fromImage(image)  # QPixmap only on the GUI thread
        while len(self._pixmaps) > self._capacity:
            self._pixmaps.popitem(last=False)
        self.loaded.emit(path)

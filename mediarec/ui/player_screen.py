"""What the player page shows above its controls: the video, cover art (or a note) for audio, or a notice saying why
nothing can play. libVLC draws into a native child window (VideoSurface); QtMultimedia brings its own video widget."""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QPalette, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QStackedWidget, QWidget

from mediarec.player.base import PlayerBackend
from mediarec.ui.player_backends import video_widget_of


class VideoSurface(QFrame):
    """A native child window that libVLC draws into (its id goes to PlayerBackend.attach_window)."""

    double_clicked = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(0, 0, 0))
        self.setPalette(palette)
        self.setAutoFillBackground(True)
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def mouseDoubleClickEvent(self, event) -> None:
        self.double_clicked.emit()


class PlayerScreen(QStackedWidget):
    double_clicked = Signal()  # on the video: full screen

    def __init__(self, backend: PlayerBackend | None, unavailable_reason: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.surface = VideoSurface(self)
        self.surface.double_clicked.connect(self.double_clicked)
        self.audio_art = QLabel(self)
        self.audio_art.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.audio_art.setObjectName("audioArt")
        self.audio_art.setStyleSheet("#audioArt { background: #302a46; color: #d8d4f0; }")
        self.audio_art.setWordWrap(True)
        self.audio_art.setMinimumSize(320, 180)
        self.audio_art.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._art = QPixmap()  # the cover as it came, scaled to the pane whenever the pane changes size
        self.notice = QLabel(unavailable_reason, self)
        self.notice.setWordWrap(True)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setObjectName("playerNotice")
        self.notice.setStyleSheet("#playerNotice { background: #222; color: #eee; padding: 24px; }")
        self.video = video_widget_of(backend) or self.surface
        self.addWidget(self.video)
        self.addWidget(self.audio_art)
        self.addWidget(self.notice)
        if backend is None:
            self.setCurrentWidget(self.notice)

    @property
    def draws_natively(self) -> bool:
        """Whether the backend draws into VideoSurface's native window (libVLC), not a widget of its own."""
        return self.video is self.surface

    def show_video(self) -> None:
        self.setCurrentWidget(self.video)

    def show_audio_art(self, thumbnail: str | None, title: str = "") -> None:
        """The cover art, scaled to the pane; without one a note with the title (not a bare glyph)."""
        self._art = QPixmap(thumbnail) if thumbnail else QPixmap()
        if self._art.isNull():
            self.audio_art.setPixmap(QPixmap())
            self.audio_art.setText(
                '<div style="font-size: 56px;">♪</div>'
                f'<div style="font-size: 15px; font-weight: bold;">{html.escape(title)}</div>'
            )
        else:
            self._scale_art()
        self.setCurrentWidget(self.audio_art)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if not self._art.isNull():
            self._scale_art()

    def _scale_art(self) -> None:
        size = self.size() - QSize(24, 24)  # the stack's: its pages take its size
        if size.width() > 0 and size.height() > 0:
            self.audio_art.setPixmap(
                self._art.scaled(
                    size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            )

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.setCurrentWidget(self.notice)

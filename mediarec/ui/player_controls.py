"""The player's control bar: the timeline with the clock above the transport buttons, the chapter list, mute,
volume and full screen. One widget, so that full screen hides and shows it as a whole (ui/idle_hider.py).

It shows what the player page tells it and says what the user asked for; the page owns the playback."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mediarec.player.chapter_steps import chapter_index_at
from mediarec.ui import icons
from mediarec.ui.formatting import clock
from mediarec.ui.timeline import Timeline

SEEK_STEP_SECONDS = 5.0


class PlayerControls(QWidget):
    play_clicked = Signal()
    step_requested = Signal(float)  # seconds to move by, negative for back
    seek_requested = Signal(float)  # a time picked on the timeline
    chapter_chosen = Signal(float)  # the start of the chapter picked in the chapter list
    mute_clicked = Signal()
    volume_changed = Signal(int)  # 0-100
    fullscreen_clicked = Signal()

    def __init__(self, volume: int, parent: QWidget | None = None):
        super().__init__(parent)
        self._showing_pause = False
        self.timeline = Timeline(self)
        self.timeline.seek_requested.connect(self.seek_requested)
        self.time_label = QLabel("0:00 / 0:00", self)
        self.time_label.setMinimumWidth(
            self.time_label.fontMetrics().horizontalAdvance("00:00:00 / 00:00:00")
        )
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        timeline_row = QHBoxLayout()
        timeline_row.addWidget(self.timeline, 1)
        timeline_row.addWidget(self.time_label)

        self.play_button = tool_button(
            "", self.tr("Play / pause (Space)"), QStyle.StandardPixmap.SP_MediaPlay
        )
        self.play_button.clicked.connect(self.play_clicked)
        self.back_step = tool_button(
            "", self.tr("Back 5 seconds (Left)"), QStyle.StandardPixmap.SP_MediaSeekBackward
        )
        self.back_step.clicked.connect(lambda: self.step_requested.emit(-SEEK_STEP_SECONDS))
        self.forward_step = tool_button(
            "", self.tr("Forward 5 seconds (Right)"), QStyle.StandardPixmap.SP_MediaSeekForward
        )
        self.forward_step.clicked.connect(lambda: self.step_requested.emit(SEEK_STEP_SECONDS))
        self.mute_button = tool_button("", self.tr("Mute (M)"), QStyle.StandardPixmap.SP_MediaVolume)
        self.mute_button.setCheckable(True)
        self.mute_button.clicked.connect(self.mute_clicked)
        self.volume = QSlider(Qt.Orientation.Horizontal, self)
        self.volume.setRange(0, 100)
        self.volume.setValue(volume)
        self.volume.setFixedWidth(110)
        self.volume.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.volume.setToolTip(self.tr("Volume (Up / Down)"))
        self.volume.valueChanged.connect(self.volume_changed)
        self.fullscreen_button = tool_button("", self.tr("Full screen (F)"))
        self.fullscreen_button.setIcon(icons.fullscreen())
        self.fullscreen_button.clicked.connect(self.fullscreen_clicked)
        self.chapter_combo = QComboBox(self)
        self.chapter_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.chapter_combo.setToolTip(self.tr("Chapters (PageUp / PageDown: previous / next)"))
        self.chapter_combo.setAccessibleName(self.tr("Chapters"))
        self.chapter_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.chapter_combo.setMaximumWidth(360)
        self.chapter_combo.activated.connect(self._chapter_chosen)
        self.chapter_combo.hide()
        buttons = QHBoxLayout()
        for widget in (self.play_button, self.back_step, self.forward_step):
            buttons.addWidget(widget)
        buttons.addSpacing(8)
        buttons.addWidget(self.chapter_combo)
        buttons.addStretch(1)
        buttons.addWidget(self.mute_button)
        buttons.addWidget(self.volume)
        buttons.addWidget(self.fullscreen_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(timeline_row)
        layout.addLayout(buttons)

    def show_time(self, position: float, duration: float | None) -> None:
        self.timeline.set_duration(duration)
        self.timeline.set_position(position)
        self.time_label.setText(f"{clock(position)} / {clock(duration)}")

    def show_playing(self, playing: bool) -> None:
        # Called on every poll: the icon is only set when the state changed.
        if playing != self._showing_pause:
            self._showing_pause = playing
            self.play_button.setIcon(
                icons.standard(
                    QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
                )
            )

    def show_muted(self, muted: bool) -> None:
        self.mute_button.setChecked(muted)
        self.mute_button.setIcon(
            icons.standard(
                QStyle.StandardPixmap.SP_MediaVolumeMuted if muted else QStyle.StandardPixmap.SP_MediaVolume
            )
        )

    def show_fullscreen(self, fullscreen: bool) -> None:
        self.fullscreen_button.setIcon(icons.fullscreen(leave=fullscreen))
        self.fullscreen_button.setToolTip(
            self.tr("Leave full screen (Esc)") if fullscreen else self.tr("Full screen (F)")
        )

    def set_chapters(self, chapters: Sequence[tuple[float, str]]) -> None:
        """(start, title) of each chapter; none hides the chapter list."""
        self.timeline.set_chapters(chapters)
        self.chapter_combo.clear()
        for number, (start, title) in enumerate(chapters, start=1):
            self.chapter_combo.addItem(f"{number}. {title}  ({clock(start)})", start)
        self.chapter_combo.setVisible(bool(chapters))

    def follow_chapter(self, starts: Sequence[float], position: float) -> None:
        """Show the chapter playing at `position` in the chapter list."""
        index = chapter_index_at(starts, position)
        if index >= 0 and index != self.chapter_combo.currentIndex():
            self.chapter_combo.setCurrentIndex(index)

    def _chapter_chosen(self, index: int) -> None:
        start = self.chapter_combo.itemData(index)
        if start is not None:
            self.chapter_chosen.emit(float(start))


def tool_button(text: str, tooltip: str, icon: QStyle.StandardPixmap | None = None) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tooltip)
    button.setAccessibleName(tooltip)
    if icon is not None:
        button.setIcon(icons.standard(icon))
    button.setIconSize(QSize(22, 22))
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the player's shortcuts, not to the buttons
    button.setAutoRaise(True)
    button.setMinimumSize(36, 32)
    return button

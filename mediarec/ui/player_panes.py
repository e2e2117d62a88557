"""The player page's panes: the screen (video, or cover art for audio) beside the transcript or chapters list.

The room goes to what there is to see: a video gets most of the width, with its transcript beside it only when it
has one; for audio the transcript (or the chapters) is the main pane, with the cover art beside it, and the cover
art (or its placeholder) fills the page only when there is nothing else. No pane is ever shown empty."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QWidget

from mediarec.ui.player_screen import PlayerScreen
from mediarec.ui.screen_text_list import ScreenTextList
from mediarec.ui.transcript_list import TranscriptList

# Audio with a transcript: the cover art's pane beside the words (the screen's smallest width).
AUDIO_ART_SIDE_WIDTH = 320
# A video's transcript beside the picture: this share of the width, at least TRANSCRIPT_MIN_WIDTH.
TRANSCRIPT_SHARE = 0.28
TRANSCRIPT_MIN_WIDTH = 240


class PlayerPanes(QSplitter):
    def __init__(self, screen: PlayerScreen, transcript_panel: TranscriptList, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.screen = screen
        self.transcript_panel = transcript_panel
        transcript_panel.setMinimumWidth(TRANSCRIPT_MIN_WIDTH)
        transcript_panel.hide()  # until the open file has lines to show
        self.addWidget(screen)
        self.addWidget(transcript_panel)
        self.setChildrenCollapsible(False)
        self.setSizes([700, 280])
        # The lines the open video showed on screen, under its transcript (set by the player page).
        self.screen_text: ScreenTextList | None = None

    def arrange(self, *, audio: bool, fullscreen: bool) -> None:
        """Share the room between the screen and the list for what the open file has (`audio`: a file that plays,
        with cover art instead of a picture)."""
        has_list = self.transcript_panel.showing != "nothing" or (
            self.screen_text is not None and self.screen_text.has_lines
        )
        self.transcript_panel.setVisible(has_list and not fullscreen)
        width = max(self.width(), AUDIO_ART_SIDE_WIDTH + TRANSCRIPT_MIN_WIDTH)
        if audio and has_list and not fullscreen:
            # Listening: the words are what there is to look at; the cover art is a picture beside them.
            self.screen.setMaximumWidth(AUDIO_ART_SIDE_WIDTH)
            self.setStretchFactor(0, 0)
            self.setStretchFactor(1, 1)
            self.setSizes([AUDIO_ART_SIDE_WIDTH, width - AUDIO_ART_SIDE_WIDTH])
            return
        self.screen.setMaximumWidth(16777215)  # QWIDGETSIZE_MAX: the picture takes what it is given
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 0)
        if has_list:
            side = max(TRANSCRIPT_MIN_WIDTH, int(width * TRANSCRIPT_SHARE))
            self.setSizes([width - side, side])

    @property
    def layout_mode(self) -> str:
        """How the room is shared now: "screen" (the picture or cover art alone), "screen+list" (a video with its
        transcript or chapters beside it) or "list+art" (audio: the transcript or chapters, the art beside)."""
        if not self.transcript_panel.isVisibleTo(self):
            return "screen"
        return "list+art" if self.screen.maximumWidth() == AUDIO_ART_SIDE_WIDTH else "screen+list"

"""The player page's header: "Back", the title of the open file, and like / dislike (what the user says of it,
which the page saves and the recommendations learn from). Full screen hides it whole."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from mediarec.ui import icons
from mediarec.ui.player_controls import tool_button


class PlayerHeader(QWidget):
    back_clicked = Signal()
    feedback_clicked = Signal(int)  # 1 like, -1 dislike, 0 taken back

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.back_button = tool_button(self.tr("← Back"), self.tr("Back to the list (Esc)"))
        self.back_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.back_button.clicked.connect(self.back_clicked)
        self.title = QLabel(self)
        self.title.setObjectName("playerTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.like_button = tool_button(self.tr("Like"), self.tr("I like this: recommend more like it"))
        self.like_button.setIcon(icons.thumb(up=True))
        self.dislike_button = tool_button(self.tr("Dislike"), self.tr("Not for me: recommend less like it"))
        self.dislike_button.setIcon(icons.thumb(up=False))
        for button, value in ((self.like_button, 1), (self.dislike_button, -1)):
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.clicked.connect(
                lambda checked, value=value: self.feedback_clicked.emit(value if checked else 0)
            )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)  # the page's margins are the header's
        layout.addWidget(self.back_button)
        layout.addWidget(self.title, 1)
        layout.addWidget(self.like_button)
        layout.addWidget(self.dislike_button)

    def show_title(self, title: str, path: str) -> None:
        self.title.setText(title)
        self.title.setToolTip(path)

    def show_feedback(self, value: int) -> None:
        self.like_button.setChecked(value > 0)
        self.dislike_button.setChecked(value < 0)

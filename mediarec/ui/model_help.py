"""The way out when a model cannot be had (no network for a download, a model folder that lacks the model): what
happened in the interface language, and buttons that fix it: use the offline models (installed with mediarec), a
folder with the model on this computer, or try again. The welcome dialog, the window (indexing) and the search
page show it; each connects the buttons to what fixes the problem where it is shown."""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

_log = logging.getLogger("mediarec.ui")


class ModelHelp(QFrame):
    offline_requested = Signal()  # use the offline model set (Settings, then the window reopens)
    folder_requested = Signal()  # choose a folder with the missing model(s)
    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("modelHelp")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#modelHelp { background: #fff4e0; border: 1px solid #e0b060; border-radius: 4px; }"
            " #modelHelp QLabel { color: #3a2c10; }"
        )
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setObjectName("modelHelpMessage")
        self.offline_button = QPushButton(self.tr("Use the offline models"), self)
        self.offline_button.setToolTip(
            self.tr(
                "Smaller models installed with mediarec: nothing to download. Settings keeps this choice."
            )
        )
        self.folder_button = QPushButton(self.tr("Choose a model folder…"), self)
        self.folder_button.setToolTip(self.tr("Use a model that is already on this computer, in a folder"))
        self.retry_button = QPushButton(self.tr("Try again"), self)
        self.offline_button.clicked.connect(self.offline_requested)
        self.folder_button.clicked.connect(self.folder_requested)
        self.retry_button.clicked.connect(self.retry_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.offline_button)
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.retry_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.hide()

    def show_problem(self, error: str, *, offline_possible: bool = True) -> None:
        """Say what went wrong (``error`` is the library's English message: logged, worded here again) and offer
        the ways out; the offline models only where they are not the ones in use already."""
        _log.warning("Models not available: %s", error)
        explained = self.explain(error)
        gap = "" if explained.endswith("。") else " "  # Chinese puts no space between sentences
        self.message.setText(explained + gap + self._what_still_works())
        self.offline_button.setVisible(offline_possible)
        self.show()

    def explain(self, error: str) -> str:
        """The problem behind one of the models layer's messages, in the interface language."""
        text = error.lower()
        if "gated" in text or "access token" in text:
            return self.tr("A model needs an account on the model hub to download.")
        if "there is no model" in text:
            return self.tr("A model chosen in Settings does not exist on the model hub.")
        if "could not download" in text or "internet" in text or "download" in text and "hub" in text:
            return self.tr(
                "The models could not be downloaded: this computer seems to be offline, or the model hub cannot "
                "be reached."
            )
        if "the folder" in text and ("does not exist" in text or "lacks" in text):
            return self.tr("A model folder chosen in Settings does not hold the model.")
        if "not installed" in text:
            return self.tr("A model that comes with mediarec is not installed.")
        return self.tr("A model could not be loaded.")

    def _what_still_works(self) -> str:
        return self.tr(
            "Your files are listed and play without it; finding what is seen, said or heard in them needs the "
            "models."
        )

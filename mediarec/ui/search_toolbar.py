"""The window's toolbar: the search box, then the filters (sort order, kind of file, and the library page's tag
filter), with room at the end for the window's own actions (Rescan, Settings)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QSizePolicy, QToolBar, QWidget


class SearchToolbar(QToolBar):
    def __init__(self, tag_filter: QComboBox, parent: QWidget | None = None):
        super().__init__(self.tr("Search and filters"), parent)
        self.setMovable(False)
        self.setObjectName("mainToolbar")
        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText(self.tr("Search what is seen, said or heard…"))
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumWidth(320)
        self.search_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.search_box.setAccessibleName(self.tr("Search"))
        self.addWidget(self.search_box)
        self.addSeparator()
        self.sort_combo = QComboBox(self)
        for label, key in (
            (self.tr("Recently added"), "added"),
            (self.tr("Name"), "name"),
            (self.tr("Length"), "duration"),
            (self.tr("Recently played"), "played"),
        ):
            self.sort_combo.addItem(label, key)
        self.sort_combo.setToolTip(self.tr("Sort the library"))
        self.kind_combo = QComboBox(self)
        for label, kind in (
            (self.tr("Video and audio"), ""),
            (self.tr("Video"), "video"),
            (self.tr("Audio"), "audio"),
        ):
            self.kind_combo.addItem(label, kind)
        self.kind_combo.setToolTip(self.tr("Show only one kind of file"))
        self.tag_combo = tag_filter
        for label, combo in (
            (self.tr("Sort:"), self.sort_combo),
            (self.tr("Show:"), self.kind_combo),
            (self.tr("Tag:"), self.tag_combo),
        ):
            caption = QLabel(label, self)
            caption.setContentsMargins(8, 0, 4, 0)
            self.addWidget(caption)
            self.addWidget(combo)
        self.addSeparator()

"""The details panel: metadata, tags (with source and score; the user adds and removes them), the transcript, and
"More like this" with thumbnails."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mediarec.app.items import USER_TAG_SOURCE, ItemDetails, add_user_tag, item_details, remove_tag
from mediarec.app.shelf import kind_from_name, row_for_item
from mediarec.index.records import TagRecord
from mediarec.ui.bridge import WorkerPools, run_task
from mediarec.ui.formatting import clock, codec_label, kind_label, language_name, tag_label
from mediarec.ui.library_model import (
    COMPACT_ROW_HEIGHT,
    ITEM_ID_ROLE,
    CompactDelegate,
    LibraryModel,
    repaint_when_pictures_arrive,
)
from mediarec.ui.screen_text_list import ScreenTextList
from mediarec.ui.thumbnails import ThumbnailCache

SIMILAR_LIMIT = 8


class DetailsPanel(QWidget):
    play_requested = Signal(object, float)  # ItemRecord, start seconds
    item_selected = Signal(int)

    def __init__(
        self, library, pools: WorkerPools, thumbnails: ThumbnailCache, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self._library = library
        self._pools = pools
        self._item_id: int | None = None
        self.details: ItemDetails | None = None
        self.setMinimumWidth(300)

        self.placeholder = QLabel(self._placeholder_text(), self)
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setContentsMargins(16, 16, 16, 16)
        content = QWidget(self)
        self._build_content(content, thumbnails)
        scroll = QScrollArea(self)
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.placeholder)
        self.pages.addWidget(scroll)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    def _build_content(self, content: QWidget, thumbnails: ThumbnailCache) -> None:
        self.title = QLabel(content)
        self.title.setWordWrap(True)
        self.title.setObjectName("detailsTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.title.setFont(font)
        self.play_button = QPushButton("▶  " + self.tr("Play"), content)
        self.play_button.clicked.connect(lambda: self._play(0.0))
        self.play_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

        self.facts = QFormLayout()
        self.facts.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.facts.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.tags_view = QTreeWidget(content)
        self.tags_view.setColumnCount(3)
        self.tags_view.setHeaderLabels([self.tr("Tag"), self.tr("Source"), self.tr("Score")])
        self.tags_view.setRootIsDecorated(False)
        header = self.tags_view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tags_view.setMinimumHeight(90)
        self.tags_view.setMaximumHeight(170)
        self.tags_view.itemSelectionChanged.connect(self._tag_selection_changed)
        self.tag_input = QLineEdit(content)
        self.tag_input.setPlaceholderText(self.tr("New tag"))
        self.tag_input.returnPressed.connect(self._add_tag)
        self.add_tag_button = QPushButton(self.tr("Add"), content)
        self.add_tag_button.clicked.connect(self._add_tag)
        self.remove_tag_button = QPushButton(self.tr("Remove"), content)
        self.remove_tag_button.setEnabled(False)
        self.remove_tag_button.clicked.connect(self._remove_selected_tag)
        tag_row = QHBoxLayout()
        tag_row.addWidget(self.tag_input, 1)
        tag_row.addWidget(self.add_tag_button)
        tag_row.addWidget(self.remove_tag_button)

        self.transcript_view = QListWidget(content)
        self.transcript_view.setWordWrap(True)
        self.transcript_view.setMaximumHeight(170)
        self.transcript_view.itemClicked.connect(self._transcript_clicked)
        self.screen_text = ScreenTextList(content, max_height=140)  # what the video showed on screen
        self.screen_text.seek_requested.connect(self._play)

        self.similar_model = LibraryModel(thumbnails, self, sort_key="given")
        self.similar_view = QListView(content)
        self.similar_view.setModel(self.similar_model)
        self.similar_view.setItemDelegate(CompactDelegate(self.similar_view))
        repaint_when_pictures_arrive(self.similar_view, thumbnails)
        self.similar_view.setUniformItemSizes(True)
        self.similar_view.setMouseTracking(True)
        self.similar_view.setFrameShape(QListView.Shape.NoFrame)
        self.similar_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.similar_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.similar_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.similar_view.clicked.connect(self._similar_clicked)
        self.similar_view.setToolTip(self.tr("Click to see this file; double-click to play it"))
        self.similar_view.doubleClicked.connect(self._similar_double_clicked)
        self.similar_empty = QLabel(content)
        self.similar_empty.setWordWrap(True)

        layout = QVBoxLayout(content)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.title)
        layout.addWidget(self.play_button)
        layout.addLayout(self.facts)
        layout.addWidget(_heading(self.tr("More like this")))
        layout.addWidget(self.similar_empty)
        layout.addWidget(self.similar_view)
        layout.addWidget(_heading(self.tr("Tags")))
        layout.addWidget(self.tags_view)
        layout.addLayout(tag_row)
        self.transcript_heading = _heading(self.tr("Transcript"))
        layout.addWidget(self.transcript_heading)
        layout.addWidget(self.transcript_view)
        layout.addWidget(self.screen_text)
        layout.addStretch(1)

    # -- showing an item ---------------------------------------------------------------------------------------

    @property
    def item_id(self) -> int | None:
        return self._item_id

    def _placeholder_text(self) -> str:
        return self.tr("Select a file to see what mediarec knows about it.")

    def show_item(self, item_id: int | None, *, refresh: bool = False) -> None:
        """Show this item's details (loaded on a worker); None shows nothing (nothing matched, say). The item shown
        already is loaded again only with ``refresh`` (its play count changed, say)."""
        if not refresh and item_id is not None and item_id == self._item_id and self.details is not None:
            return  # already shown (a page change back to the same item): keep the panel as it is
        self._item_id = item_id
        if item_id is None:
            self.details = None
            self.placeholder.setText(self._placeholder_text())
            self.pages.setCurrentWidget(self.placeholder)
            return
        run_task(
            self._pools.search,
            item_details,
            self._library,
            item_id,
            SIMILAR_LIMIT,
            on_result=self._loaded,
            on_error=self._failed,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        from mediarec.errors import MediarecError

        if not isinstance(error, MediarecError):
            raise error
        self.placeholder.setText(str(error))
        self.pages.setCurrentWidget(self.placeholder)

    def _loaded(self, details: ItemDetails) -> None:
        if details.item.id != self._item_id:
            return  # the user has moved on to another item
        self.details = details
        item = details.item
        self.title.setText(item.display_title)
        self._fill_facts(details)
        self._fill_tags(details.tags)
        self._fill_transcript(details)
        self.screen_text.set_lines(details.screen_text)
        self.similar_model.set_rows([row_for_item(hit.item) for hit in details.similar])
        self.similar_view.setFixedHeight(COMPACT_ROW_HEIGHT * len(details.similar) + 2)
        self.similar_view.setVisible(bool(details.similar))
        self.similar_empty.setVisible(not details.similar)
        if item.status == "pending":
            self.similar_empty.setText(
                self.tr(
                    "Not indexed yet: it plays now; “more like this”, tags and search come once it is indexed."
                )
            )
        else:
            self.similar_empty.setText(self.tr("Nothing similar yet: index more files."))
        self.pages.setCurrentIndex(1)

    def _fill_facts(self, details: ItemDetails) -> None:
        item = details.item
        while self.facts.rowCount():
            self.facts.removeRow(0)
        picture = ""
        if item.width and item.height:
            codec = codec_label(item.video_codec)
            picture = f"{item.width} × {item.height}" + (f", {codec}" if codec else "")
        facts = [
            (self.tr("Status"), self.tr("not indexed yet") if item.status == "pending" else ""),
            (self.tr("Kind"), kind_label(item.kind or kind_from_name(item.path))),
            (self.tr("Length"), clock(item.duration)),
            (self.tr("Picture"), picture),
            (self.tr("Sound"), codec_label(item.audio_codec)),
            (self.tr("Artist"), item.artist or ""),
            (self.tr("Album"), item.album or ""),
            (self.tr("Date"), item.date or ""),
            (self.tr("Genre"), item.genre or ""),
            (self.tr("Spoken language"), language_name(item.language)),
            (self.tr("Played"), self._play_count(details.play_count)),
            (self.tr("Folder"), str(Path(item.path).parent)),
            (self.tr("File"), Path(item.path).name),
        ]
        for label, value in facts:
            if value:
                field = QLabel(value)
                field.setWordWrap(True)
                field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                field.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
                self.facts.addRow(label + ":", field)

    def _fill_tags(self, tags) -> None:
        self.tags_view.clear()
        for tag in tags:
            label = tag_label(tag.name)
            row = QTreeWidgetItem([label, self._source_label(tag.source), f"{tag.score:.2f}"])
            row.setData(0, Qt.ItemDataRole.UserRole, tag)
            if label != tag.name:
                row.setToolTip(0, tag.name)
            row.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tags_view.addTopLevelItem(row)
        if not tags:
            empty = QTreeWidgetItem([self.tr("No tags yet: add your own below.")])
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            empty.setFirstColumnSpanned(True)
            self.tags_view.addTopLevelItem(empty)
        self.remove_tag_button.setEnabled(False)

    def _fill_transcript(self, details: ItemDetails) -> None:
        self.transcript_view.clear()
        for line in details.transcript:
            row = QListWidgetItem(f"{clock(line.start)}   {line.text.strip()}")
            row.setData(Qt.ItemDataRole.UserRole, line.start)
            row.setToolTip(self.tr("Play from %1").replace("%1", clock(line.start)))
            self.transcript_view.addItem(row)
        self.transcript_view.setVisible(bool(details.transcript))
        # No heading over nothing: a file without speech has no transcript section (the facts say its kind).
        self.transcript_heading.setVisible(bool(details.transcript))

    def _source_label(self, source: str) -> str:
        """Where a tag came from, in plain words (unknown sources are shown as they are stored)."""
        labels = {
            USER_TAG_SOURCE: self.tr("you"),
            "visual": self.tr("picture"),
            "speech": self.tr("speech"),
            "audio": self.tr("sound"),
            "metadata": self.tr("file info"),
        }
        return labels.get(source, source)

    def _play_count(self, count: int) -> str:
        if count == 0:
            return self.tr("never")
        if count == 1:
            return self.tr("once")
        return self.tr("%1 times").replace("%1", str(count))

    # -- actions -----------------------------------------------------------------------------------------------

    def _play(self, start: float) -> None:
        if self.details is not None:
            self.play_requested.emit(self.details.item, start)

    def _transcript_clicked(self, row: QListWidgetItem) -> None:
        start = row.data(Qt.ItemDataRole.UserRole)
        if start is not None:
            self._play(float(start))

    def _similar_double_clicked(self, index: QModelIndex) -> None:
        item_id = index.data(ITEM_ID_ROLE)
        similar = self.details.similar if self.details is not None else ()
        hit = next((hit for hit in similar if hit.item.id == item_id), None)
        if hit is not None:
            self.play_requested.emit(hit.item, 0.0)

    def _similar_clicked(self, index: QModelIndex) -> None:
        item_id = index.data(ITEM_ID_ROLE)
        if item_id is not None:
            self.item_selected.emit(int(item_id))

    def _add_tag(self) -> None:
        name = self.tag_input.text().strip()
        if not name or self._item_id is None:
            return
        self.tag_input.clear()
        self._write_tags(add_user_tag, name)

    def _tag_selection_changed(self) -> None:
        self.remove_tag_button.setEnabled(self.selected_tag() is not None)

    def shown_tags(self) -> list[TagRecord]:
        rows = (self.tags_view.topLevelItem(index) for index in range(self.tags_view.topLevelItemCount()))
        return [tag for row in rows if (tag := row.data(0, Qt.ItemDataRole.UserRole)) is not None]

    def selected_tag(self) -> TagRecord | None:
        rows = self.tags_view.selectedItems()
        return rows[0].data(0, Qt.ItemDataRole.UserRole) if rows else None

    def _remove_selected_tag(self) -> None:
        tag = self.selected_tag()
        if tag is not None and self._item_id is not None:
            self._write_tags(remove_tag, tag.name, tag.source)

    def _write_tags(self, operation, *args) -> None:
        item_id = self._item_id
        run_task(
            self._pools.writes,
            operation,
            self._library,
            item_id,
            *args,
            on_result=lambda tags: self._fill_tags(tags) if item_id == self._item_id else None,
            owner=self,
        )


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setContentsMargins(0, 10, 0, 2)
    return label

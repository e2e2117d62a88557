"""The player page: video (or cover art for audio), timeline with chapter, hit and scene markers, controls (with a
chapter list and PageUp / PageDown for the previous / next chapter), a transcript that follows playback,
like/dislike, and the viewing history written when a viewing ends. In full screen the controls and the pointer
hide while the mouse and the keyboard rest, as in VLC and mpv."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QCursor, QGuiApplication, QKeySequence, QPalette, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStackedWidget,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mediarec.app import LibraryError
from mediarec.app.items import item_chapters, item_details, record_viewing, set_feedback
from mediarec.index.records import TranscriptLine
from mediarec.player.base import PlaybackState, PlayerBackend, PlayerError
from mediarec.player.session import PlaySession, PlaySummary
from mediarec.ui import icons
from mediarec.ui.bridge import WorkerPools, run_task
from mediarec.ui.formatting import clock, interface_in_chinese
from mediarec.ui.player_backends import video_widget_of

POLL_MILLISECONDS = 200
SEEK_STEP_SECONDS = 5.0
VOLUME_STEP = 10
# PageUp within this many seconds of a chapter's start goes to the chapter before (as in most players); later, it
# goes back to the start of the current chapter.
CHAPTER_RESTART_SECONDS = 2.0
# In full screen the controls and the pointer hide after this long without a mouse move or a key press.
CONTROLS_HIDE_MILLISECONDS = 2500
# How often full screen looks where the pointer is: libVLC's own window inside the video surface may keep pointer
# motion from ever reaching Qt, so a moved pointer is noticed from its position too.
POINTER_POLL_MILLISECONDS = 200
# Left, top, right, bottom around the page; in full screen the video goes to the edges and only the controls keep them.
WINDOW_MARGINS = (8, 6, 8, 6)


@dataclass(frozen=True)
class OpenRequest:
    """What the player needs to start at once; the transcript and scenes arrive after, from a worker."""

    item_id: int
    path: str
    title: str
    kind: str
    duration: float | None
    start: float = 0.0
    hits: tuple[tuple[float, float], ...] = ()
    thumbnail: str | None = None


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


class IdleHider(QObject):
    """Hides some widgets and the pointer once the mouse and the keyboard have rested for ``delay_ms``, and shows
    them again on the next mouse move, click, wheel turn or key press (full-screen controls, as in VLC and mpv).

    Input is seen through an application event filter while active; the pointer position is also polled, because
    the native window libVLC draws into can keep pointer motion from Qt. Nothing hides while the pointer is over one
    of the widgets or a popup (the chapter list) is open."""

    _ACTIVITY = frozenset(
        {
            QEvent.Type.MouseMove,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.Wheel,
            QEvent.Type.KeyPress,
            QEvent.Type.ShortcutOverride,  # the only trace of a key that a shortcut takes (Space, arrows)
        }
    )

    def __init__(
        self, widgets: Sequence[QWidget], parent: QObject, delay_ms: int = CONTROLS_HIDE_MILLISECONDS
    ):
        super().__init__(parent)
        self.delay_ms = delay_ms
        self._widgets = list(widgets)
        self._active = False
        self._hidden = False
        self._pointer = QPoint()
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._hide)
        self._poll = QTimer(self, interval=POINTER_POLL_MILLISECONDS)
        self._poll.timeout.connect(lambda: self._pointer_at(QCursor.pos()))

    @property
    def active(self) -> bool:
        return self._active

    @property
    def hidden(self) -> bool:
        """Whether the widgets and the pointer are hidden now."""
        return self._hidden

    def start(self) -> None:
        if self._active:
            return
        self._active = True
        self._pointer = QCursor.pos()
        QApplication.instance().installEventFilter(self)
        self._poll.start()
        self._timer.start(self.delay_ms)

    def stop(self) -> None:
        if not self._active:
            return
        self._active = False
        QApplication.instance().removeEventFilter(self)
        self._poll.stop()
        self._timer.stop()
        self._show()

    def wake(self) -> None:
        """Show everything and count the delay again from now."""
        if self._active:
            self._show()
            self._timer.start(self.delay_ms)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in self._ACTIVITY:
            if kind == QEvent.Type.MouseMove:
                self._pointer_at(event.globalPosition().toPoint())
            else:
                self.wake()
        return False

    def _pointer_at(self, position: QPoint) -> None:
        # Only a real move counts: widgets appearing under a still pointer send synthetic moves.
        if position != self._pointer:
            self._pointer = position
            self.wake()

    def _hide(self) -> None:
        if not self._active:
            return
        if QApplication.activePopupWidget() is not None or self._pointer_over_widgets():
            self._timer.start(self.delay_ms)
            return
        for widget in self._widgets:
            widget.hide()
        if not self._hidden:
            QGuiApplication.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
            self._hidden = True

    def _show(self) -> None:
        if not self._hidden:
            return
        self._hidden = False
        QGuiApplication.restoreOverrideCursor()
        for widget in self._widgets:
            widget.show()

    def _pointer_over_widgets(self) -> bool:
        pointer = QCursor.pos()
        return any(
            widget.isVisible() and widget.rect().contains(widget.mapFromGlobal(pointer))
            for widget in self._widgets
        )


class PlayerView(QWidget):
    back_requested = Signal()
    fullscreen_requested = Signal(bool)
    play_recorded = Signal(object)  # mediarec.index.records.PlayRecord
    feedback_changed = Signal(int, int)  # item id, 1 / 0 / -1
    opened = Signal(int)  # item id

    def __init__(
        self,
        library,
        pools: WorkerPools,
        backend: PlayerBackend | None,
        unavailable_reason: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._library = library
        self._pools = pools
        self.backend = backend
        self._request: OpenRequest | None = None
        self._session: PlaySession | None = None
        self._transcript: list[TranscriptLine] = []
        self._transcript_starts: list[float] = []
        self._chapters: list[tuple[float, str]] = []  # (start, title) of the open item, when it has several
        self._feedback = 0
        self._feedback_set_here = False
        self._fullscreen = False
        self._showing_pause = False
        self._poll = QTimer(self, interval=POLL_MILLISECONDS)
        self._poll.timeout.connect(self.poll)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._build(unavailable_reason)
        self._build_shortcuts()
        if backend is not None and self.video is self.surface:
            backend.attach_window(int(self.surface.winId()))

    # -- layout ------------------------------------------------------------------------------------------------

    def _build(self, unavailable_reason: str) -> None:
        self.back_button = _button(self.tr("← Back"), self.tr("Back to the list (Esc)"))
        self.back_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.back_button.clicked.connect(self._back)
        self.title = QLabel(self)
        self.title.setObjectName("playerTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.like_button = _button(self.tr("Like"), self.tr("I like this: recommend more like it"))
        self.like_button.setIcon(icons.thumb(up=True))
        self.dislike_button = _button(self.tr("Dislike"), self.tr("Not for me: recommend less like it"))
        self.dislike_button.setIcon(icons.thumb(up=False))
        for button, value in ((self.like_button, 1), (self.dislike_button, -1)):
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.clicked.connect(lambda checked, value=value: self._set_feedback(value if checked else 0))
        header = QHBoxLayout()
        header.addWidget(self.back_button)
        header.addWidget(self.title, 1)
        header.addWidget(self.like_button)
        header.addWidget(self.dislike_button)

        self.surface = VideoSurface(self)
        self.surface.double_clicked.connect(self.toggle_fullscreen)
        self.audio_art = QLabel(self)
        self.audio_art.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.audio_art.setObjectName("audioArt")
        self.audio_art.setStyleSheet("#audioArt { background: #302a46; color: #d8d4f0; font-size: 64px; }")
        self.audio_art.setMinimumSize(320, 180)
        self.notice = QLabel(unavailable_reason, self)
        self.notice.setWordWrap(True)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setObjectName("playerNotice")
        self.notice.setStyleSheet("#playerNotice { background: #222; color: #eee; padding: 24px; }")
        # QtMultimedia brings its own video widget; libVLC draws into the native surface.
        self.video = video_widget_of(self.backend) or self.surface
        self.screen = QStackedWidget(self)
        self.screen.addWidget(self.video)
        self.screen.addWidget(self.audio_art)
        self.screen.addWidget(self.notice)
        if self.backend is None:
            self.screen.setCurrentWidget(self.notice)

        self.transcript_title = QLabel(self.tr("Transcript"), self)
        self.transcript_title.setStyleSheet("font-weight: bold; padding: 2px 4px;")
        self.transcript_view = QListWidget(self)
        self.transcript_view.setWordWrap(True)
        self.transcript_view.setAlternatingRowColors(True)
        self.transcript_view.itemClicked.connect(self._transcript_clicked)
        self.transcript_view.setAccessibleName(self.tr("Transcript"))
        transcript_panel = QWidget(self)
        transcript_layout = QVBoxLayout(transcript_panel)
        transcript_layout.setContentsMargins(0, 0, 0, 0)
        transcript_layout.addWidget(self.transcript_title)
        transcript_layout.addWidget(self.transcript_view, 1)
        self.transcript_panel = transcript_panel
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.screen)
        self.splitter.addWidget(transcript_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([700, 280])

        from mediarec.ui.timeline import Timeline

        self.timeline = Timeline(self)
        self.timeline.seek_requested.connect(self.seek)
        self.time_label = QLabel("0:00 / 0:00", self)
        self.time_label.setMinimumWidth(
            self.time_label.fontMetrics().horizontalAdvance("00:00:00 / 00:00:00")
        )
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        timeline_row = QHBoxLayout()
        timeline_row.addWidget(self.timeline, 1)
        timeline_row.addWidget(self.time_label)

        self.play_button = _button("", self.tr("Play / pause (Space)"), QStyle.StandardPixmap.SP_MediaPlay)
        self.play_button.clicked.connect(self.toggle_play)
        self.back_step = _button(
            "", self.tr("Back 5 seconds (Left)"), QStyle.StandardPixmap.SP_MediaSeekBackward
        )
        self.back_step.clicked.connect(lambda: self.step(-SEEK_STEP_SECONDS))
        self.forward_step = _button(
            "", self.tr("Forward 5 seconds (Right)"), QStyle.StandardPixmap.SP_MediaSeekForward
        )
        self.forward_step.clicked.connect(lambda: self.step(SEEK_STEP_SECONDS))
        self.mute_button = _button("", self.tr("Mute (M)"), QStyle.StandardPixmap.SP_MediaVolume)
        self.mute_button.setCheckable(True)
        self.mute_button.clicked.connect(self.toggle_mute)
        self.volume = QSlider(Qt.Orientation.Horizontal, self)
        self.volume.setRange(0, 100)
        self.volume.setValue(self.backend.volume if self.backend else 100)
        self.volume.setFixedWidth(110)
        self.volume.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.volume.setToolTip(self.tr("Volume (Up / Down)"))
        self.volume.valueChanged.connect(self._volume_changed)
        self.fullscreen_button = _button("", self.tr("Full screen (F)"))
        self.fullscreen_button.setIcon(icons.fullscreen())
        self.fullscreen_button.clicked.connect(self.toggle_fullscreen)
        self.chapter_combo = QComboBox(self)
        self.chapter_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.chapter_combo.setToolTip(self.tr("Chapters (PageUp / PageDown: previous / next)"))
        self.chapter_combo.setAccessibleName(self.tr("Chapters"))
        self.chapter_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.chapter_combo.setMaximumWidth(360)
        self.chapter_combo.activated.connect(self._chapter_chosen)
        self.chapter_combo.hide()
        controls = QHBoxLayout()
        for widget in (self.play_button, self.back_step, self.forward_step):
            controls.addWidget(widget)
        controls.addSpacing(8)
        controls.addWidget(self.chapter_combo)
        controls.addStretch(1)
        controls.addWidget(self.mute_button)
        controls.addWidget(self.volume)
        controls.addWidget(self.fullscreen_button)

        # Timeline and buttons in one bar: full screen hides and shows them together.
        self.controls_bar = QWidget(self)
        bar_layout = QVBoxLayout(self.controls_bar)
        bar_layout.setContentsMargins(0, 0, 0, 0)
        bar_layout.addLayout(timeline_row)
        bar_layout.addLayout(controls)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(*WINDOW_MARGINS)
        layout.addLayout(header)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.controls_bar)
        self._header_widgets = [self.back_button, self.title, self.like_button, self.dislike_button]
        self.idle_hider = IdleHider([self.controls_bar], self)

    def _build_shortcuts(self) -> None:
        bindings = {
            Qt.Key.Key_Space: self.toggle_play,
            Qt.Key.Key_Left: lambda: self.step(-SEEK_STEP_SECONDS),
            Qt.Key.Key_Right: lambda: self.step(SEEK_STEP_SECONDS),
            Qt.Key.Key_Up: lambda: self.volume.setValue(self.volume.value() + VOLUME_STEP),
            Qt.Key.Key_Down: lambda: self.volume.setValue(self.volume.value() - VOLUME_STEP),
            Qt.Key.Key_F: self.toggle_fullscreen,
            Qt.Key.Key_M: self.toggle_mute,
            Qt.Key.Key_Escape: self._escape,
            Qt.Key.Key_PageDown: self.next_chapter,
            Qt.Key.Key_PageUp: self.previous_chapter,
        }
        self._shortcuts = []
        for key, action in bindings.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(action)
            self._shortcuts.append(shortcut)

    # -- opening -----------------------------------------------------------------------------------------------

    @property
    def current(self) -> OpenRequest | None:
        return self._request

    def open(self, request: OpenRequest) -> None:
        """Play ``request``'s file from its start time; transcript and scenes load in the background."""
        self.finish_viewing()
        self._request = request
        self.title.setText(request.title)
        self.title.setToolTip(request.path)
        self.timeline.set_duration(request.duration)
        self.timeline.set_hits(request.hits)
        self.timeline.set_scenes([])
        self._set_chapters([])
        self.timeline.set_position(request.start)
        self._set_transcript([])
        self._show_feedback(0)
        self._feedback_set_here = False
        self._show_art(request)
        self.opened.emit(request.item_id)
        self.setFocus()
        if self.backend is None:
            return
        try:
            self.backend.load(request.path, start=request.start, duration=request.duration)
            self.backend.play()
        except PlayerError as error:
            self.notice.setText(str(error))
            self.screen.setCurrentWidget(self.notice)
            return
        self._session = PlaySession(request.item_id, request.start)
        self._poll.start()
        run_task(
            self._pools.search,
            item_details,
            self._library,
            request.item_id,
            0,
            on_result=self._details_loaded,
            on_error=lambda _error: None,  # the player works without transcript and scenes
            owner=self,
        )
        item_id = request.item_id
        run_task(
            self._pools.search,
            item_chapters,
            self._library,
            item_id,
            on_result=lambda chapters: self._chapters_loaded(item_id, chapters),
            on_error=_ignore_library_error,  # no chapters (the file left the library): the timeline has none
            owner=self,
        )

    def _show_art(self, request: OpenRequest) -> None:
        if self.backend is None:
            return
        if request.kind == "audio":
            pixmap = QPixmap(request.thumbnail) if request.thumbnail else QPixmap()
            if pixmap.isNull():
                self.audio_art.setPixmap(QPixmap())
                self.audio_art.setText("♪")
            else:
                self.audio_art.setPixmap(pixmap.scaled(QSize(480, 270), Qt.AspectRatioMode.KeepAspectRatio))
            self.screen.setCurrentWidget(self.audio_art)
        else:
            self.screen.setCurrentWidget(self.video)

    def _details_loaded(self, details) -> None:
        if self._request is None or details.item.id != self._request.item_id:
            return
        self.timeline.set_scenes([start for start, _ in details.shots])
        if details.item.duration:
            self.timeline.set_duration(details.item.duration)
        self._set_transcript(details.transcript)
        if not self._feedback_set_here:  # a click made while the details loaded is newer than what they say
            self._show_feedback(details.feedback)

    def _chapters_loaded(self, item_id: int, chapter_list) -> None:
        if self._request is None or self._request.item_id != item_id:
            return
        chapters = chapter_list.chapters
        if len(chapters) < 2:  # one chapter is the whole file: nothing to mark or jump between
            return
        self._set_chapters([(chapter.start, self._chapter_title(chapter)) for chapter in chapters])

    def _chapter_title(self, chapter) -> str:
        title = chapter.title_zh if interface_in_chinese() and chapter.title_zh else chapter.title
        return title or self.tr("Chapter %1").replace("%1", str(chapter.index + 1))

    def _set_chapters(self, chapters: Sequence[tuple[float, str]]) -> None:
        self._chapters = list(chapters)
        self.timeline.set_chapters(self._chapters)
        self.chapter_combo.clear()
        for number, (start, title) in enumerate(self._chapters, start=1):
            self.chapter_combo.addItem(f"{number}. {title}  ({clock(start)})", start)
        self.chapter_combo.setVisible(bool(self._chapters))
        if self._chapters and self.backend is not None:
            self._follow_chapter(self.backend.position)

    @property
    def chapters(self) -> list[tuple[float, str]]:
        return list(self._chapters)

    def next_chapter(self) -> None:
        if self.backend is None or not self._chapters:
            return
        position = self.backend.position
        later = [start for start, _ in self._chapters if start > position + 0.05]
        if later:
            self.seek(later[0])

    def previous_chapter(self) -> None:
        if self.backend is None or not self._chapters:
            return
        position = self.backend.position
        earlier = [start for start, _ in self._chapters if start < position - CHAPTER_RESTART_SECONDS]
        self.seek(earlier[-1] if earlier else 0.0)

    def _chapter_chosen(self, index: int) -> None:
        start = self.chapter_combo.itemData(index)
        if start is not None:
            self.seek(float(start))
        self.setFocus()  # keys go back to the player's shortcuts

    def _follow_chapter(self, position: float) -> None:
        starts = [start for start, _ in self._chapters]
        index = bisect.bisect_right(starts, position + 0.05) - 1
        if index >= 0 and index != self.chapter_combo.currentIndex():
            self.chapter_combo.setCurrentIndex(index)

    def _set_transcript(self, lines: Sequence[TranscriptLine]) -> None:
        self._transcript = list(lines)
        self._transcript_starts = [line.start for line in self._transcript]
        self.transcript_view.clear()
        for line in self._transcript:
            item = QListWidgetItem(f"{clock(line.start)}   {line.text.strip()}")
            item.setData(Qt.ItemDataRole.UserRole, line.start)
            self.transcript_view.addItem(item)
        if not self._transcript:
            placeholder = QListWidgetItem(self.tr("No speech in this file."))
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.transcript_view.addItem(placeholder)

    # -- transport ---------------------------------------------------------------------------------------------

    def toggle_play(self) -> None:
        if self.backend is not None and self._request is not None:
            if self.backend.state is PlaybackState.ENDED:
                self._session = PlaySession(self._request.item_id, 0.0)
            self.backend.toggle()
            self.poll()

    def seek(self, seconds: float) -> None:
        if self.backend is None or self._request is None:
            return
        if self.backend.state is PlaybackState.ENDED:
            self._session = PlaySession(self._request.item_id, seconds)
            self.backend.play()
        self.backend.seek(seconds)
        if self._session is not None:
            self._session.seeked(seconds)
        self.timeline.set_position(seconds)
        self.poll()

    def step(self, seconds: float) -> None:
        if self.backend is not None and self._request is not None:
            self.seek(max(0.0, self.backend.position + seconds))

    def toggle_mute(self) -> None:
        if self.backend is not None:
            self.backend.set_muted(not self.backend.muted)
            self.mute_button.setChecked(self.backend.muted)
            self.mute_button.setIcon(
                icons.standard(
                    QStyle.StandardPixmap.SP_MediaVolumeMuted
                    if self.backend.muted
                    else QStyle.StandardPixmap.SP_MediaVolume
                )
            )

    def _volume_changed(self, value: int) -> None:
        if self.backend is not None:
            self.backend.set_volume(value)

    def toggle_fullscreen(self) -> None:
        """Full screen: the video alone, edge to edge, with the controls shown until the mouse and keys rest."""
        self._fullscreen = not self._fullscreen
        for widget in [*self._header_widgets, self.transcript_panel]:
            widget.setVisible(not self._fullscreen)
        self.layout().setContentsMargins(*((0, 0, 0, 0) if self._fullscreen else WINDOW_MARGINS))
        self.controls_bar.setContentsMargins(*(WINDOW_MARGINS if self._fullscreen else (0, 0, 0, 0)))
        if self._fullscreen:
            self.setFocus()  # Esc and the other keys reach the player's shortcuts
            self.idle_hider.start()
        else:
            self.idle_hider.stop()
        self.fullscreen_button.setIcon(icons.fullscreen(leave=self._fullscreen))
        self.fullscreen_button.setToolTip(
            self.tr("Leave full screen (Esc)") if self._fullscreen else self.tr("Full screen (F)")
        )
        self.fullscreen_requested.emit(self._fullscreen)

    @property
    def is_fullscreen(self) -> bool:
        return self._fullscreen

    def _escape(self) -> None:
        if self._fullscreen:
            self.toggle_fullscreen()
        else:
            self._back()

    def _back(self) -> None:
        if self.backend is not None:
            self.backend.pause()
        self.finish_viewing()
        self.back_requested.emit()

    def _transcript_clicked(self, item: QListWidgetItem) -> None:
        start = item.data(Qt.ItemDataRole.UserRole)
        if start is not None:
            self.seek(float(start))

    # -- polling -----------------------------------------------------------------------------------------------

    def poll(self) -> None:
        """Follow the backend: timeline, clock, transcript line, play button; end the viewing at the end."""
        if self.backend is None or self._request is None:
            return
        state = self.backend.state
        position = self.backend.position
        duration = self.backend.duration or self._request.duration
        self.timeline.set_duration(duration)
        self.timeline.set_position(position)
        self.time_label.setText(f"{clock(position)} / {clock(duration)}")
        playing = state is PlaybackState.PLAYING
        if playing != self._showing_pause:
            self._showing_pause = playing
            self.play_button.setIcon(
                icons.standard(
                    QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
                )
            )
        self._follow_transcript(position)
        if self._chapters:
            self._follow_chapter(position)
        if self._session is not None:
            # At the end the player has stopped, but it played up to there.
            self._session.update(position, state in (PlaybackState.PLAYING, PlaybackState.ENDED))
            if state is PlaybackState.ENDED:
                self._session.mark_ended()
                self.finish_viewing()

    def _follow_transcript(self, position: float) -> None:
        if not self._transcript:
            return
        line = bisect.bisect_right(self._transcript_starts, position) - 1
        if line >= 0 and line != self.transcript_view.currentRow():
            self.transcript_view.setCurrentRow(line)
            self.transcript_view.scrollToItem(
                self.transcript_view.item(line), QListWidget.ScrollHint.PositionAtCenter
            )

    @property
    def transcript(self) -> list[TranscriptLine]:
        return list(self._transcript)

    @property
    def current_transcript_row(self) -> int:
        return self.transcript_view.currentRow()

    # -- history and feedback ----------------------------------------------------------------------------------

    def finish_viewing(self) -> PlaySummary | None:
        """End the current viewing and write it to the history (nothing is written for a viewing of 0 s)."""
        session, self._session = self._session, None
        if session is None:
            return None
        viewing = session.summary()
        if viewing.seconds <= 0 and not viewing.reached_end:
            return None
        run_task(
            self._pools.writes,
            record_viewing,
            self._library,
            viewing,
            on_result=lambda play: self.play_recorded.emit(play),
            owner=self,
        )
        return viewing

    def _set_feedback(self, value: int) -> None:
        if self._request is None:
            return
        item_id = self._request.item_id
        self._feedback_set_here = True
        self._show_feedback(value)
        run_task(
            self._pools.writes,
            set_feedback,
            self._library,
            item_id,
            value,
            on_result=lambda saved: self.feedback_changed.emit(item_id, saved),
            owner=self,
        )

    def _show_feedback(self, value: int) -> None:
        self._feedback = value
        self.like_button.setChecked(value > 0)
        self.dislike_button.setChecked(value < 0)

    def shutdown(self) -> None:
        """Stop playback and write the open viewing (the caller waits for the writes pool)."""
        self._poll.stop()
        self.idle_hider.stop()  # gives the pointer back
        if self.backend is not None:
            self.backend.pause()
        self.finish_viewing()
        if self.backend is not None:
            self.backend.release()
            self.backend = None


def _ignore_library_error(error: BaseException) -> None:
    if not isinstance(error, LibraryError):
        raise error


def _button(text: str, tooltip: str, icon: QStyle.StandardPixmap | None = None) -> QToolButton:
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

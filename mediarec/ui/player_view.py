"""The player page: the header with Back, the title and like/dislike (ui/player_header.py), the screen (video, or
cover art for audio: ui/player_screen.py) beside the transcript (ui/transcript_list.py), shared between them for
what the open file has (ui/player_panes.py), the control bar with the timeline and its chapter, hit and scene
markers (ui/player_controls.py), PageUp / PageDown for the previous / next chapter
(mediarec/player/chapter_steps.py), and the viewing history and feedback written from a worker. In full screen the
control bar and the pointer hide while the mouse and the keyboard rest (ui/idle_hider.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QVBoxLayout, QWidget

from mediarec.app.items import item_chapters, item_details, record_viewing, set_feedback
from mediarec.app.shelf import LibraryRow
from mediarec.errors import MediarecError
from mediarec.index.records import TranscriptLine
from mediarec.player.base import PlaybackState, PlayerBackend, PlayerError
from mediarec.player.chapter_steps import next_chapter_start, previous_chapter_start
from mediarec.player.session import PlaySession, PlaySummary
from mediarec.ui.bridge import WorkerPools, run_task
from mediarec.ui.formatting import interface_in_chinese
from mediarec.ui.idle_hider import IdleHider
from mediarec.ui.player_controls import SEEK_STEP_SECONDS, PlayerControls
from mediarec.ui.player_header import PlayerHeader
from mediarec.ui.player_panes import PlayerPanes
from mediarec.ui.player_screen import PlayerScreen
from mediarec.ui.screen_text_list import ScreenTextList
from mediarec.ui.transcript_list import TranscriptList

POLL_MILLISECONDS = 200
VOLUME_STEP = 10
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

    @classmethod
    def from_row(cls, row: LibraryRow, start: float = 0.0) -> OpenRequest:
        """Play a library card (the grid's, the "For you" shelf's or the details panel's item) from `start`."""
        return cls(
            item_id=row.id,
            path=row.path,
            title=row.title,
            kind=row.kind,
            duration=row.duration or None,
            start=start,
            thumbnail=row.thumbnail,
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
        self._chapters: list[tuple[float, str]] = []  # (start, title) of the open item, when it has several
        self._feedback_set_here = False
        self._fullscreen = False
        self._poll = QTimer(self, interval=POLL_MILLISECONDS)
        self._poll.timeout.connect(self.poll)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._build(unavailable_reason)
        self._build_shortcuts()
        if backend is not None and self.screen.draws_natively:
            backend.attach_window(int(self.surface.winId()))

    # -- layout ------------------------------------------------------------------------------------------------

    def _build(self, unavailable_reason: str) -> None:
        self.header = PlayerHeader(self)
        self.header.back_clicked.connect(self._back)
        self.header.feedback_clicked.connect(self._set_feedback)
        # The header's parts that the tests reach through the page.
        self.back_button, self.title = self.header.back_button, self.header.title
        self.like_button, self.dislike_button = self.header.like_button, self.header.dislike_button

        self.screen = PlayerScreen(self.backend, unavailable_reason, self)
        self.screen.double_clicked.connect(self.toggle_fullscreen)
        # The screen's parts that the tests reach through the page.
        self.surface, self.video, self.notice = self.screen.surface, self.screen.video, self.screen.notice

        self.transcript_panel = TranscriptList(self)
        self.transcript_panel.seek_requested.connect(self.seek)
        self.transcript_view = self.transcript_panel.view
        # What the video showed on screen, under its transcript (ui/screen_text_list.py).
        self.screen_text_panel = ScreenTextList(self.transcript_panel)
        self.screen_text_panel.seek_requested.connect(self.seek)
        self.transcript_panel.layout().addWidget(self.screen_text_panel, 1)
        self.panes = PlayerPanes(self.screen, self.transcript_panel, self)
        self.panes.screen_text = self.screen_text_panel

        # Timeline and buttons in one bar: full screen hides and shows them together.
        self.controls_bar = PlayerControls(self.backend.volume if self.backend else 100, self)
        self.controls_bar.play_clicked.connect(self.toggle_play)
        self.controls_bar.step_requested.connect(self.step)
        self.controls_bar.seek_requested.connect(self.seek)
        self.controls_bar.chapter_chosen.connect(self._chapter_chosen)
        self.controls_bar.mute_clicked.connect(self.toggle_mute)
        self.controls_bar.volume_changed.connect(self._volume_changed)
        self.controls_bar.fullscreen_clicked.connect(self.toggle_fullscreen)
        # The bar's parts that the window and the tests reach through the page.
        self.timeline = self.controls_bar.timeline
        self.play_button = self.controls_bar.play_button
        self.volume = self.controls_bar.volume
        self.fullscreen_button = self.controls_bar.fullscreen_button
        self.chapter_combo = self.controls_bar.chapter_combo

        layout = QVBoxLayout(self)
        layout.setContentsMargins(*WINDOW_MARGINS)
        layout.addWidget(self.header)
        layout.addWidget(self.panes, 1)
        layout.addWidget(self.controls_bar)
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
        self.header.show_title(request.title, request.path)
        self.timeline.set_duration(request.duration)
        self.timeline.set_hits(request.hits)
        self.timeline.set_scenes([])
        self._set_chapters([])
        self.timeline.set_position(request.start)
        self.transcript_panel.set_lines([])
        self.screen_text_panel.set_lines([])
        self.header.show_feedback(0)
        self._feedback_set_here = False
        self._show_art(request)
        self._arrange()
        self.opened.emit(request.item_id)
        self.setFocus()
        if self.backend is None:
            return
        try:
            self.backend.load(request.path, start=request.start, duration=request.duration)
            self.backend.play()
        except PlayerError as error:
            self.screen.show_notice(str(error))
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
            return  # the screen keeps saying why nothing plays
        if request.kind == "audio":
            self.screen.show_audio_art(request.thumbnail, request.title)
        else:
            self.screen.show_video()

    def _details_loaded(self, details) -> None:
        if self._request is None or details.item.id != self._request.item_id:
            return
        self.timeline.set_scenes([start for start, _ in details.shots])
        if details.item.duration:
            self.timeline.set_duration(details.item.duration)
        self.transcript_panel.set_lines(details.transcript)
        self.screen_text_panel.set_lines(details.screen_text)
        if not details.transcript and self._chapters and self._request.kind == "audio":
            self.transcript_panel.show_chapters(self._chapters)
        self._arrange()
        if not self._feedback_set_here:  # a click made while the details loaded is newer than what they say
            self.header.show_feedback(details.feedback)

    def _chapters_loaded(self, item_id: int, chapter_list) -> None:
        if self._request is None or self._request.item_id != item_id:
            return
        chapters = chapter_list.chapters
        if len(chapters) < 2:  # one chapter is the whole file: nothing to mark or jump between
            return
        self._set_chapters([(chapter.start, self._chapter_title(chapter)) for chapter in chapters])
        if self._request.kind == "audio":  # audio without speech lists its chapters where the words would be
            self.transcript_panel.show_chapters(self._chapters)
        self._arrange()

    def _chapter_title(self, chapter) -> str:
        title = chapter.title_zh if interface_in_chinese() and chapter.title_zh else chapter.title
        return title or self.tr("Chapter %1").replace("%1", str(chapter.index + 1))

    def _set_chapters(self, chapters: Sequence[tuple[float, str]]) -> None:
        self._chapters = list(chapters)
        self.controls_bar.set_chapters(self._chapters)
        if self._chapters and self.backend is not None:
            self.controls_bar.follow_chapter(self._chapter_starts(), self.backend.position)

    @property
    def chapters(self) -> list[tuple[float, str]]:
        return list(self._chapters)

    def _chapter_starts(self) -> list[float]:
        return [start for start, _ in self._chapters]

    def next_chapter(self) -> None:
        if self.backend is None or not self._chapters:
            return
        start = next_chapter_start(self._chapter_starts(), self.backend.position)
        if start is not None:
            self.seek(start)

    def previous_chapter(self) -> None:
        if self.backend is None or not self._chapters:
            return
        self.seek(previous_chapter_start(self._chapter_starts(), self.backend.position))

    # -- layout of the open file ------------------------------------------------------------------------------

    def _arrange(self) -> None:
        """Share the page between the screen and the transcript (or chapters) for what the open file has."""
        audio = self._request is not None and self._request.kind == "audio" and self.backend is not None
        # A video without speech but with text on screen lists only those lines (no empty transcript above).
        listed = self.transcript_panel.showing != "nothing"
        self.transcript_panel.title.setVisible(listed)
        self.transcript_panel.view.setVisible(listed)
        self.panes.arrange(audio=audio, fullscreen=self._fullscreen)

    @property
    def layout_mode(self) -> str:
        """How the page is shared now: "screen", "screen+list" or "list+art" (see PlayerPanes.layout_mode)."""
        return self.panes.layout_mode

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

    def _chapter_chosen(self, start: float) -> None:
        self.seek(start)
        self.setFocus()  # keys go back to the player's shortcuts

    def toggle_mute(self) -> None:
        if self.backend is not None:
            self.backend.set_muted(not self.backend.muted)
            self.controls_bar.show_muted(self.backend.muted)

    def _volume_changed(self, value: int) -> None:
        if self.backend is not None:
            self.backend.set_volume(value)

    def toggle_fullscreen(self) -> None:
        """Full screen: the video alone, edge to edge, with the controls shown until the mouse and keys rest."""
        self._fullscreen = not self._fullscreen
        self.header.setVisible(not self._fullscreen)
        self._arrange()  # the transcript goes in full screen, and comes back after it only when there is one
        self.layout().setContentsMargins(*((0, 0, 0, 0) if self._fullscreen else WINDOW_MARGINS))
        self.controls_bar.setContentsMargins(*(WINDOW_MARGINS if self._fullscreen else (0, 0, 0, 0)))
        if self._fullscreen:
            self.setFocus()  # Esc and the other keys reach the player's shortcuts
            self.idle_hider.start()
        else:
            self.idle_hider.stop()
        self.controls_bar.show_fullscreen(self._fullscreen)
        self.fullscreen_requested.emit(self._fullscreen)

    @property
    def is_fullscreen(self) -> bool:
        return self._fullscreen

    def _escape(self) -> None:
        if self._fullscreen:
            self.toggle_fullscreen()
        else:
            self._back()

    def leave(self) -> None:
        """Stop watching while the window shows another page (the search results over the player, say): out of
        full screen, paused, and the viewing written to the history."""
        if self._fullscreen:
            self.toggle_fullscreen()
        if self.backend is not None:
            self.backend.pause()
        self.finish_viewing()

    def _back(self) -> None:
        self.leave()
        self.back_requested.emit()

    # -- polling -----------------------------------------------------------------------------------------------

    def poll(self) -> None:
        """Follow the backend: timeline, clock, transcript line, play button; end the viewing at the end."""
        if self.backend is None or self._request is None:
            return
        state = self.backend.state
        position = self.backend.position
        # The length the library measured, which the details panel and the cards show: a decoder's own length
        # can differ by its padding (6.46 s indexed, "0:07" from libVLC on an MP3). The player's when unknown.
        duration = self._request.duration or self.backend.duration
        self.controls_bar.show_time(min(position, duration) if duration else position, duration)
        self.controls_bar.show_playing(state is PlaybackState.PLAYING)
        self.transcript_panel.follow(position)
        self.screen_text_panel.follow(position)
        if self._chapters:
            self.controls_bar.follow_chapter(self._chapter_starts(), position)
        if self._session is not None:
            # At the end the player has stopped, but it played up to there.
            self._session.update(position, state in (PlaybackState.PLAYING, PlaybackState.ENDED))
            if state is PlaybackState.ENDED:
                self._session.mark_ended()
                self.finish_viewing()

    @property
    def transcript(self) -> list[TranscriptLine]:
        return self.transcript_panel.lines

    @property
    def current_transcript_row(self) -> int:
        return self.transcript_panel.current_row

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
        self.header.show_feedback(value)
        run_task(
            self._pools.writes,
            set_feedback,
            self._library,
            item_id,
            value,
            on_result=lambda saved: self.feedback_changed.emit(item_id, saved),
            owner=self,
        )

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
    if not isinstance(error, MediarecError):
        raise error

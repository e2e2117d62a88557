"""The main window on an indexed sample library (offscreen Qt): grid, search as you type, player, history, details."""

from __future__ import annotations

from pathlib import Path

import pytest
from ui_helpers import ManualClock, close_window, indexed_sample_library, make_window

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QPixmap  # noqa: E402

from mediarec.player.base import PlaybackState  # noqa: E402
from mediarec.player.null_backend import NullPlayer  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def sample(tmp_path_factory, offline_env):
    return indexed_sample_library(tmp_path_factory, offline_env)


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def window(qtbot, sample, clock):
    window = make_window(qtbot, sample, NullPlayer(clock))
    yield window
    close_window(window)


def _search(qtbot, window, text: str):
    window.search_box.clear()
    with qtbot.waitSignal(window.search_panel.results_shown, timeout=60000) as blocker:
        qtbot.keyClicks(window.search_box, text)
    return blocker.args[0]


def _click(qtbot, view, index) -> None:
    view.scrollTo(index)
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _results(window) -> list[tuple[str, list[tuple[str, str]]]]:
    from mediarec.ui.search_panel import PRIMARY_ROLE, SECONDARY_ROLE

    model = window.search_panel.model
    rows = []
    for row in range(model.rowCount()):
        parent = model.index(row, 0)
        moments = [
            (
                model.index(child, 0, parent).data(PRIMARY_ROLE),
                model.index(child, 0, parent).data(SECONDARY_ROLE),
            )
            for child in range(model.rowCount(parent))
        ]
        rows.append((parent.data(PRIMARY_ROLE), moments))
    return rows


def test_library_grid_lists_every_indexed_file_sorts_and_filters(qtbot, window, sample):
    from mediarec.ui.library_model import ROW_ROLE

    model = window.library_model
    assert model.rowCount() == len(sample.clips)
    assert window.library_stack.currentWidget() is window.grid
    window.sort_combo.setCurrentIndex(window.sort_combo.findData("name"))
    titles = [model.index(row).data(ROW_ROLE).title for row in range(model.rowCount())]
    assert titles == sorted(titles, key=str.casefold)
    window.kind_combo.setCurrentIndex(window.kind_combo.findData("audio"))
    kinds = {model.index(row).data(ROW_ROLE).kind for row in range(model.rowCount())}
    assert kinds == {"audio"}
    assert model.rowCount() == sum(1 for clip in sample.clips if clip.kind == "audio")
    window.kind_combo.setCurrentIndex(window.kind_combo.findData("video"))
    window.sort_combo.setCurrentIndex(window.sort_combo.findData("duration"))
    durations = [model.index(row).data(ROW_ROLE).duration for row in range(model.rowCount())]
    assert durations == sorted(durations, reverse=True)
    # Thumbnails arrive from the thumbnail pool after the first paint asked for them.
    first = model.index(0)
    model.data(first, Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(
        lambda: isinstance(model.data(first, Qt.ItemDataRole.DecorationRole), QPixmap), timeout=5000
    )


def test_typing_a_query_shows_results_grouped_by_item_with_why_they_matched(qtbot, window, sample):
    count = _search(qtbot, window, "bake bread in the oven")
    assert count >= 1
    assert window.pages.currentWidget() is window.search_panel
    results = _results(window)
    title, moments = results[0]
    assert title == "blue square speech"
    assert moments, "an item's matching moments are listed under it"
    said = [snippet for label, snippet in moments if "said" in label]
    # The clip's two sentences are chunks of their own: either is the baking one ("... bake it in a hot oven").
    assert said and ("bread" in said[0].lower() or "oven" in said[0].lower())


def test_debounce_runs_one_search_for_a_burst_of_keys(qtbot, window):
    shown = []
    window.search_panel.results_shown.connect(shown.append)
    _search(qtbot, window, "a red circle")
    qtbot.wait(600)
    assert len(shown) == 1
    names = [title for title, _ in _results(window)]
    assert names[0].startswith("red circle")


def test_clearing_the_search_returns_to_the_library(qtbot, window):
    _search(qtbot, window, "green")
    window.search_box.clear()
    assert window.pages.currentWidget() is window.library_page


def test_clicking_a_moment_opens_the_player_at_the_hit_time(qtbot, window, sample):
    _search(qtbot, window, "a green circle")
    model = window.search_panel.model
    hit = next(hit for hit in model.hits if Path(hit.item.path).name == "shapes_sequence.mp4")
    item_row = model.hits.index(hit)
    moment = hit.moments[0]
    assert moment.modality == "frame"
    assert 1.0 <= moment.start <= 5.0, "the green circle is on screen from 2 s to 5 s"
    _click(qtbot, window.search_panel.view, window.search_panel.moment_index(item_row, 0))
    assert window.pages.currentWidget() is window.player
    player = window.player
    assert player.current.item_id == hit.item.id
    assert player.backend.state is PlaybackState.PLAYING
    assert player.backend.position == pytest.approx(moment.start)
    assert (moment.start, max(moment.end, moment.start)) in player.timeline.hits
    # Scene boundaries arrive from the store: the yellow square / green circle / blue triangle cuts at 2 s and 5 s.
    qtbot.waitUntil(lambda: len(player.timeline.scenes) == 2, timeout=5000)
    assert player.timeline.scenes == pytest.approx([2.0, 5.0], abs=0.2)


def test_clicking_a_moment_seeks_libvlc_to_the_hit_time(qtbot, sample):
    from mediarec.player.vlc_backend import VlcPlayer

    backend = VlcPlayer(video_output="dummy", audio_output="dummy")
    window = make_window(qtbot, sample, backend)
    try:
        _search(qtbot, window, "a blue triangle")
        model = window.search_panel.model
        hit = next(hit for hit in model.hits if Path(hit.item.path).name == "shapes_sequence.mp4")
        moment = hit.moments[0]
        assert moment.start >= 4.0, "the blue triangle is on screen from 5 s to 7 s"
        _click(qtbot, window.search_panel.view, window.search_panel.moment_index(model.hits.index(hit), 0))
        qtbot.waitUntil(lambda: backend.state is PlaybackState.PLAYING and backend.position > 0, timeout=5000)
        qtbot.waitUntil(lambda: backend.stream_time is not None, timeout=5000)
        assert moment.start - 0.3 <= backend.position <= moment.start + 2.0
    finally:
        close_window(window)


def test_history_row_is_written_when_playback_ends(qtbot, window, sample, clock):
    from mediarec.ui.player_view import OpenRequest

    store = sample.library.store
    item_id = sample.item_id("red_circle.mp4")
    before = len(store.plays(item_id))
    item = store.item(item_id)
    window.open_player(OpenRequest(item_id, item.path, item.display_title, "video", item.duration))
    clock.advance(item.duration + 1.0)
    with qtbot.waitSignal(window.player.play_recorded, timeout=5000) as blocker:
        window.player.poll()
    play = blocker.args[0]
    assert play.finished and not play.skipped
    assert play.seconds == pytest.approx(item.duration, abs=0.01)
    plays = store.plays(item_id)
    assert len(plays) == before + 1 and plays[-1].finished


def test_leaving_early_is_recorded_as_a_skip(qtbot, window, sample, clock):
    from mediarec.ui.player_view import OpenRequest

    item_id = sample.item_id("red_circle_2.mp4")
    item = sample.library.store.item(item_id)
    window.open_player(OpenRequest(item_id, item.path, item.display_title, "video", item.duration))
    clock.advance(0.1)
    window.player.poll()
    with qtbot.waitSignal(window.player.play_recorded, timeout=5000) as blocker:
        window.player.back_button.click()
    play = blocker.args[0]
    assert play.skipped and not play.finished
    assert window.pages.currentWidget() is window.library_page


def test_transcript_follows_playback_and_a_click_seeks_there(qtbot, window, sample, clock):
    from mediarec.ui.player_view import OpenRequest

    item_id = sample.item_id("beach_weather.m4a")
    item = sample.library.store.item(item_id)
    window.open_player(OpenRequest(item_id, item.path, item.display_title, "audio", item.duration))
    player = window.player
    qtbot.waitUntil(lambda: len(player.transcript) >= 2, timeout=5000)
    lines = player.transcript
    clock.advance(lines[1].start + 0.1)
    player.poll()
    assert player.current_transcript_row == 1
    last = player.transcript_view.item(len(lines) - 1)
    qtbot.mouseClick(
        player.transcript_view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=player.transcript_view.visualItemRect(last).center(),
    )
    assert player.backend.position == pytest.approx(lines[-1].start)
    assert player.current_transcript_row == len(lines) - 1


class PaddedPlayer(NullPlayer):
    """A backend whose decoder reports the file longer than the library measured (MP3 padding; a whole second,
    so the two always read differently)."""

    @property
    def duration(self):
        known = super().duration
        return None if known is None else known + 1.0


def test_the_player_shows_the_length_the_details_show(qtbot, sample, clock):
    from mediarec.ui.formatting import clock as clock_text
    from mediarec.ui.player_view import OpenRequest

    window = make_window(qtbot, sample, PaddedPlayer(clock))
    try:
        item = sample.library.store.item(sample.item_id("beach_weather.m4a"))
        window.open_player(OpenRequest(item.id, item.path, item.display_title, "audio", item.duration))
        window.player.poll()
        shown = window.player.controls_bar.time_label.text()
        assert shown.endswith(f"/ {clock_text(item.duration)}"), (shown, item.duration)
        clock.advance(item.duration + 0.9)  # past the measured end, before the decoder's
        window.player.poll()
        assert (
            window.player.controls_bar.time_label.text()
            == f"{clock_text(item.duration)} / {clock_text(item.duration)}"
        )
    finally:
        close_window(window)


def test_keyboard_shortcuts_control_the_player(qtbot, window, sample, clock):
    from mediarec.ui.player_view import OpenRequest

    item_id = sample.item_id("shapes_sequence.mp4")
    item = sample.library.store.item(item_id)
    window.open_player(OpenRequest(item_id, item.path, item.display_title, "video", item.duration, start=1.0))
    player, backend = window.player, window.player.backend
    player.setFocus()
    qtbot.waitUntil(player.hasFocus)
    qtbot.keyClick(player, Qt.Key.Key_Space)
    assert backend.state is PlaybackState.PAUSED
    qtbot.keyClick(player, Qt.Key.Key_Right)
    assert backend.position == pytest.approx(6.0)
    qtbot.keyClick(player, Qt.Key.Key_Left)
    assert backend.position == pytest.approx(1.0)
    qtbot.keyClick(player, Qt.Key.Key_M)
    assert backend.muted
    qtbot.keyClick(player, Qt.Key.Key_Down)
    assert backend.volume == 90
    qtbot.keyClick(player, Qt.Key.Key_F)
    assert player.is_fullscreen and not window.details.isVisible()
    qtbot.keyClick(player, Qt.Key.Key_Escape)
    assert not player.is_fullscreen and window.details.isVisible()
    qtbot.keyClick(player, Qt.Key.Key_Space)
    assert backend.state is PlaybackState.PLAYING


def test_like_button_saves_feedback(qtbot, window, sample):
    from mediarec.ui.player_view import OpenRequest

    item_id = sample.item_id("green_triangle.mp4")
    item = sample.library.store.item(item_id)
    window.open_player(OpenRequest(item_id, item.path, item.display_title, "video", item.duration))
    with qtbot.waitSignal(window.player.feedback_changed, timeout=5000):
        window.player.like_button.click()
    assert sample.library.store.feedback()[item_id] == 1
    with qtbot.waitSignal(window.player.feedback_changed, timeout=5000):
        window.player.dislike_button.click()
    assert sample.library.store.feedback()[item_id] == -1
    assert not window.player.like_button.isChecked()


def test_details_show_metadata_more_like_this_and_edit_tags(qtbot, window, sample):
    details = window.details
    item_id = sample.item_id("red_circle.mp4")
    window.select_item(item_id)
    qtbot.waitUntil(lambda: details.details is not None and details.details.item.id == item_id, timeout=10000)
    similar_titles = [hit.item.display_title for hit in details.details.similar]
    assert similar_titles and similar_titles[0] == "red circle 2", similar_titles
    assert details.similar_model.rowCount() == len(similar_titles)
    details.tag_input.setText("  Favourite  Clip ")
    details.add_tag_button.click()
    qtbot.waitUntil(lambda: any(tag.name == "favourite clip" for tag in details.shown_tags()), timeout=5000)
    row = next(
        details.tags_view.topLevelItem(index)
        for index in range(details.tags_view.topLevelItemCount())
        if details.tags_view.topLevelItem(index).text(0) == "favourite clip"
    )
    assert row.text(1) == "you" and row.text(2) == "1.00"
    details.tags_view.setCurrentItem(row)
    assert details.remove_tag_button.isEnabled()
    details.remove_tag_button.click()
    qtbot.waitUntil(
        lambda: not any(tag.name == "favourite clip" for tag in details.shown_tags()), timeout=5000
    )
    assert all(tag.name != "favourite clip" for tag in sample.library.store.tags(item_id))


def test_tag_filter_shows_only_items_with_that_tag(qtbot, window, sample):
    from mediarec.ui.library_model import ROW_ROLE

    store = sample.library.store
    tags = store.tag_names()
    assert tags, "the sample library is tagged by the indexer"
    name, count = min(tags, key=lambda pair: pair[1])
    qtbot.waitUntil(lambda: window.tag_combo.findData(name) >= 0, timeout=5000)
    window.tag_combo.setCurrentIndex(window.tag_combo.findData(name))
    expected = store.items_with_tag(name)
    model = window.library_model
    qtbot.waitUntil(lambda: model.rowCount() == len(expected), timeout=5000)
    assert {model.index(row).data(ROW_ROLE).id for row in range(model.rowCount())} == expected
    assert f"{name} ({count})" == window.tag_combo.currentText()
    window.tag_combo.setCurrentIndex(0)
    assert model.rowCount() == len(sample.clips)


def test_recently_played_sort_puts_the_last_viewing_first(qtbot, window, sample, clock):
    from mediarec.ui.library_model import ROW_ROLE
    from mediarec.ui.player_view import OpenRequest

    item_id = sample.item_id("c_major_chord.flac")
    item = sample.library.store.item(item_id)
    window.open_player(OpenRequest(item_id, item.path, item.display_title, "audio", item.duration))
    clock.advance(1.0)
    window.player.poll()
    with qtbot.waitSignal(window.player.play_recorded, timeout=5000):
        window.player.back_button.click()
    with qtbot.waitSignal(window.library_loaded, timeout=5000):
        pass  # the grid reloads after a viewing is recorded
    window.sort_combo.setCurrentIndex(window.sort_combo.findData("played"))
    assert window.library_model.index(0).data(ROW_ROLE).id == item_id


def test_without_a_player_the_page_says_how_to_install_one(qtbot, sample):
    from mediarec.ui.app_window import MainWindow
    from mediarec.ui.player_backends import create_player_backend
    from mediarec.ui.player_view import OpenRequest

    settings = sample.settings.with_updates(raw={"player": "none"})
    backend, notice = create_player_backend(settings)
    assert backend is None and "player" in notice
    window = MainWindow(
        sample.library, settings, player_backend=None, player_notice="Install VLC to play files."
    )
    qtbot.addWidget(window)
    window.show()
    item_id = sample.item_id("red_circle.mp4")
    item = sample.library.store.item(item_id)
    window.open_player(OpenRequest(item_id, item.path, item.display_title, "video", item.duration))
    assert window.player.screen.currentWidget() is window.player.notice
    assert window.player.notice.text() == "Install VLC to play files."
    qtbot.keyClick(window.player, Qt.Key.Key_Space)  # nothing to play, nothing breaks
    close_window(window)


def test_config_can_choose_the_qt_multimedia_player(qtbot, sample):
    pytest.importorskip("PySide6.QtMultimedia")
    from mediarec.ui.player_backends import QtMultimediaPlayer, create_player_backend

    backend, notice = create_player_backend(sample.settings.with_updates(raw={"player": "qt"}))
    assert isinstance(backend, QtMultimediaPlayer) and notice == ""
    window = make_window(qtbot, sample, backend)
    try:
        assert window.player.video is backend.video_widget
        _search(qtbot, window, "a red circle")
        _click(qtbot, window.search_panel.view, window.search_panel.moment_index(0, 0))
        assert window.player.screen.currentWidget() is backend.video_widget
        qtbot.waitUntil(lambda: backend.state is PlaybackState.PLAYING, timeout=5000)
    finally:
        close_window(window)


# -- the details panel follows what the user looks at; typing in the player shows the results -----------------


def _open(window, sample, filename: str, start: float = 0.0):
    from mediarec.ui.player_view import OpenRequest

    item = sample.library.store.item(sample.item_id(filename))
    window.open_player(
        OpenRequest(item.id, item.path, item.display_title, item.kind, item.duration, start=start)
    )
    return item


def _details_show(qtbot, window, item_id) -> None:
    details = window.details

    def shown() -> bool:
        if item_id is None:
            return details.item_id is None
        return (
            details.item_id == item_id and details.details is not None and details.details.item.id == item_id
        )

    qtbot.waitUntil(shown, timeout=10000)


def test_details_follow_the_playing_file_when_the_grid_reloads_behind_it(qtbot, window, sample, clock):
    other = sample.item_id("green_triangle.mp4")
    window.select_item(other)
    _details_show(qtbot, window, other)
    playing = _open(window, sample, "red_circle_2.mp4")
    _details_show(qtbot, window, playing.id)
    # A viewing recorded reloads the grid, which restores its current card (the other file) behind the player.
    clock.advance(1.5)
    window.player.poll()
    with qtbot.waitSignal(window.library_loaded, timeout=10000):
        window.library_page.reload_rows()
    qtbot.wait(300)
    assert window.grid.currentIndex().data(Qt.ItemDataRole.UserRole + 1) == other
    assert window.details.item_id == playing.id
    assert window.details.details.item.id == playing.id
    # Back in the library, the details show the card the grid has.
    window.player.back_button.click()
    _details_show(qtbot, window, other)


def test_details_follow_the_selected_result_and_show_nothing_when_nothing_matched(qtbot, window, sample):
    count = _search(qtbot, window, "bake bread in the oven")
    assert count >= 1
    best = window.search_panel.model.hits[0].item.id
    _details_show(qtbot, window, best)
    assert window.search_panel.selected_item() == best
    window.search_box.clear()
    with qtbot.waitSignal(window.search_panel.results_shown, timeout=60000) as shown:
        qtbot.keyClicks(window.search_box, "qqxj zzvw")
    assert shown.args[0] == 0
    _details_show(qtbot, window, None)
    assert window.details.pages.currentWidget() is window.details.placeholder


def test_typing_while_the_player_is_open_shows_the_results_over_it(qtbot, window, sample, clock):
    item = _open(window, sample, "green_triangle.mp4")
    assert window.pages.currentWidget() is window.player
    clock.advance(1.0)
    window.player.poll()
    with qtbot.waitSignal(window.player.play_recorded, timeout=5000) as recorded:
        qtbot.keyClicks(window.search_box, "b")  # the first key already leaves the player
    assert recorded.args[0].item_id == item.id
    assert window.pages.currentWidget() is window.search_panel
    assert window.player.backend.state is PlaybackState.PAUSED
    with qtbot.waitSignal(window.search_panel.results_shown, timeout=60000):
        qtbot.keyClicks(window.search_box, "ake bread in the oven")
    assert window.pages.currentWidget() is window.search_panel
    assert window.search_panel.model.hits
    _details_show(qtbot, window, window.search_panel.model.hits[0].item.id)
    window.search_box.clear()
    assert window.pages.currentWidget() is window.library_page


# -- the player gives the room to what there is to see --------------------------------------------------------


def _arranged(qtbot, window, sample, filename: str) -> str:
    item = _open(window, sample, filename)
    player = window.player
    _details_show(qtbot, window, item.id)  # loaded on the same pool as the player's transcript and chapters
    qtbot.wait(400)
    assert player.current.item_id == item.id
    return player.layout_mode


def test_audio_with_speech_puts_the_transcript_in_the_main_pane(qtbot, window, sample):
    assert _arranged(qtbot, window, sample, "beach_weather.m4a") == "list+art"
    player = window.player
    assert player.transcript and player.transcript_panel.isVisible()
    assert player.screen.width() <= 320 < player.transcript_panel.width()
    assert player.transcript_panel.width() > player.width() / 2


def test_audio_without_speech_shows_its_cover_alone_and_no_empty_transcript(qtbot, window, sample):
    assert _arranged(qtbot, window, sample, "c_major_chord.flac") == "screen"
    player = window.player
    assert not player.transcript_panel.isVisible()
    assert player.screen.currentWidget() is player.screen.audio_art
    assert "C Major Chord" in player.screen.audio_art.text()  # a placeholder that says what plays
    assert player.screen.width() > player.width() * 0.9


def test_a_video_without_speech_gets_the_whole_width(qtbot, window, sample):
    assert _arranged(qtbot, window, sample, "red_circle.mp4") == "screen"
    player = window.player
    assert not player.transcript_panel.isVisible()
    assert player.screen.width() > player.width() * 0.9


def test_a_video_with_speech_keeps_most_of_the_width_for_the_picture(qtbot, window, sample):
    assert _arranged(qtbot, window, sample, "blue_square_speech.mp4") == "screen+list"
    player = window.player
    assert player.transcript_panel.isVisible()
    assert player.screen.width() > 2 * player.transcript_panel.width()


# -- file facts in words people use -------------------------------------------------------------------------


def test_details_name_the_sound_format_and_the_spoken_language(qtbot, window, sample):
    from PySide6.QtWidgets import QFormLayout

    item_id = sample.item_id("beach_weather.m4a")
    window.select_item(item_id)
    _details_show(qtbot, window, item_id)
    facts = window.details.facts
    shown = {}
    for row in range(facts.rowCount()):
        label = facts.itemAt(row, QFormLayout.ItemRole.LabelRole).widget().text()
        shown[label] = facts.itemAt(row, QFormLayout.ItemRole.FieldRole).widget().text()
    assert shown["Sound:"] == "AAC"
    assert shown["Spoken language:"] == "English"


def test_codec_and_language_names():
    from mediarec.ui.formatting import codec_label, language_name

    assert codec_label("mp3float") == "MP3"
    assert codec_label("h264") == "H.264"
    assert codec_label("pcm_s16le") == "PCM (uncompressed)"
    assert codec_label("vorbis") == "Vorbis"
    assert language_name("en") == "English"
    assert language_name("zh") == "Chinese"
    assert language_name("xx") == "xx"


# -- the grid keeps its order while indexing -----------------------------------------------------------------


def test_the_grid_keeps_its_order_while_files_are_indexed(qtbot, window, sample):
    from dataclasses import replace

    from mediarec.ui.library_model import ROW_ROLE

    model = window.library_model
    window.sort_combo.setCurrentIndex(window.sort_combo.findData("added"))
    before = [model.index(row).data(ROW_ROLE) for row in range(model.rowCount())]
    window.library_page.set_indexing(True)
    newest = replace(before[-1], id=10**6, title="arrived while indexing", added_at=before[0].added_at + 100)
    retitled = replace(before[1], title="A title found by indexing")  # sorts first by name, keeps its place
    model.set_rows([*before[:1], retitled, *before[2:], newest])
    ids = [model.index(row).data(ROW_ROLE).id for row in range(model.rowCount())]
    assert ids == [row.id for row in before] + [newest.id], "cards moved while indexing"
    window.library_page.set_indexing(False)  # done: the newest first again
    assert model.index(0).data(ROW_ROLE).id == newest.id
    with qtbot.waitSignal(window.library_loaded, timeout=10000):
        window.reload_library()

"""The "For you" shelf and the player's chapters (offscreen Qt) on a private copy of the indexed sample library."""

from __future__ import annotations

import pytest
from ui_helpers import ManualClock, close_window, indexed_sample_library, make_window, private_copy

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, Qt  # noqa: E402

from mediarec.player.base import PlaybackState  # noqa: E402
from mediarec.player.null_backend import NullPlayer  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def sample(tmp_path_factory, offline_env):
    """Its own copy: these tests start from an empty history and must know every viewing in it."""
    return private_copy(indexed_sample_library(tmp_path_factory, offline_env), tmp_path_factory, offline_env)


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def window(qtbot, sample, clock):
    window = make_window(qtbot, sample, NullPlayer(clock), start=False)
    with qtbot.waitSignal(window.for_you_loaded, timeout=10000):
        window.reload_library()
    yield window
    close_window(window)


def _shelf(window) -> list[tuple[str, str]]:
    from mediarec.ui.for_you import REASON_ROLE

    model = window.for_you.model
    return [(model.index(row).data(), model.index(row).data(REASON_ROLE)) for row in range(model.rowCount())]


def _watch(qtbot, window, sample, clock, filename: str, seconds: float | None = None):
    """Play ``filename`` for ``seconds`` (to the end when None) and wait for the shelf to follow the new history."""
    from mediarec.ui.player_view import OpenRequest

    item = sample.library.store.item(sample.item_id(filename))
    window.open_player(OpenRequest(item.id, item.path, item.display_title, item.kind, item.duration))
    clock.advance(item.duration + 1.0 if seconds is None else seconds)
    window.player.poll()
    with qtbot.waitSignals([window.player.play_recorded, window.for_you_loaded], timeout=10000):
        if seconds is not None:
            window.player.back_button.click()  # leaving part way: a viewing to continue
    return item


def test_cold_start_shows_new_and_varied_items(window, sample):
    # The module's first test: no history yet.
    assert not sample.library.store.plays()
    shelf = _shelf(window)
    assert window.for_you.isVisible()
    assert len(shelf) == len(sample.clips)  # a small library: every item, newest first and spread out
    reasons = {reason for _, reason in shelf}
    assert reasons <= {"new in your library (added today)", "a different corner of your library"}, reasons
    assert "New and varied" in window.for_you.subtitle.text()


def test_shelf_explains_its_picks_after_a_recorded_viewing(qtbot, window, sample, clock):
    _watch(qtbot, window, sample, clock, "red_circle.mp4")
    _watch(qtbot, window, sample, clock, "beach_weather.m4a", seconds=4.0)
    shelf = dict(_shelf(window))
    assert "red circle" not in shelf, "a finished item is not suggested again"
    # Named after what was watched, or after the tags it shares with it (which one clears the calibrated bar
    # depends on the rest of the sample library).
    assert shelf["red circle 2"].startswith(("because you watched red circle", "you like: "))
    assert "red" in shelf["red circle 2"]
    # 4 s of a 15 s clip is a look, not something to continue (at least 30 s and 10 % in: app/shelf.py).
    assert not any(reason.startswith("continue watching") for reason in shelf.values()), shelf
    assert not any(card.source == "continue" for card in window.for_you.model.cards())
    assert any(reason.startswith("you like: ") for title, reason in shelf.items() if title != "red circle 2")
    assert "what you watch" in window.for_you.subtitle.text()


def test_only_a_viewing_that_got_somewhere_is_offered_to_continue():
    from mediarec.app.shelf import worth_continuing

    assert not worth_continuing(4.0, 30.0), "4 s of a 30 s clip"
    assert not worth_continuing(29.0, 60.0), "under 30 s in"
    assert not worth_continuing(40.0, 3600.0), "30 s in, but not 10 % of an hour"
    assert worth_continuing(400.0, 3600.0)
    assert worth_continuing(45.0, 300.0)


@pytest.fixture
def short_continue(monkeypatch):
    """The sample clips are seconds long: continue from any point, to test the card itself."""
    from mediarec.app import shelf

    monkeypatch.setattr(shelf, "CONTINUE_MIN_SECONDS", 0.0)
    monkeypatch.setattr(shelf, "CONTINUE_MIN_SHARE", 0.0)


def test_clicking_a_shelf_card_opens_the_player_and_continues_where_it_stopped(
    qtbot, window, sample, clock, short_continue
):
    if not any(card.source == "continue" for card in window.for_you.model.cards()):
        _watch(qtbot, window, sample, clock, "beach_weather.m4a", seconds=4.0)
        window.pages.setCurrentWidget(window.library_page)
    assert dict(_shelf(window))["Weather at the Beach"].startswith(
        "continue watching: you stopped at 0:04 of 0:1"
    )
    cards = window.for_you.model.cards()
    row = next(row for row, card in enumerate(cards) if card.source == "continue")
    view = window.for_you.view
    assert window.pages.currentWidget() is window.library_page and view.isVisible()
    rect = view.visualRect(window.for_you.card_index(row))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    player = window.player
    assert window.pages.currentWidget() is player
    assert player.current.item_id == sample.item_id("beach_weather.m4a")
    assert player.backend.state is PlaybackState.PLAYING
    assert player.backend.position == pytest.approx(cards[row].resume_at)
    # A card without a saved position starts at the beginning.
    window.pages.setCurrentWidget(window.library_page)
    other = next(row for row, card in enumerate(cards) if card.resume_at is None)
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.visualRect(window.for_you.card_index(other)).center(),
    )
    assert player.current.item_id == cards[other].row.id and player.backend.position == 0.0


def test_variety_slider_asks_again(qtbot, window):
    with qtbot.waitSignal(window.for_you_loaded, timeout=5000):
        window.for_you.variety.setValue(90)
    assert window.for_you.diversity == pytest.approx(0.9)
    assert window.for_you.model.rowCount() > 0


def test_the_chosen_variety_is_kept_for_the_next_start(qtbot, window, sample):
    from mediarec.app import shelf

    with qtbot.waitSignal(window.for_you_loaded, timeout=5000):
        window.for_you.variety.setValue(70)
    qtbot.waitUntil(lambda: shelf.for_you_variety(sample.library) == pytest.approx(0.7), timeout=5000)
    window.for_you.variety.setValue(10)  # as if the app had been closed with another value on screen
    with qtbot.waitSignal(window.for_you_loaded, timeout=10000):
        window.reload_library()
    assert window.for_you.variety.value() == 70


def test_chapters_become_timeline_markers_and_page_keys_jump_between_them(qtbot, window, sample, clock):
    from mediarec.ui.player_view import OpenRequest

    item = sample.library.store.item(sample.item_id("shapes_sequence.mp4"))
    expected = sample.library.chapters(item.path).chapters
    assert len(expected) == 3, "the yellow square, green circle and blue triangle shots are three chapters"
    window.open_player(OpenRequest(item.id, item.path, item.display_title, "video", item.duration, start=0.5))
    player, timeline = window.player, window.player.timeline
    qtbot.waitUntil(lambda: len(player.chapters) == 3, timeout=5000)
    assert timeline.chapter_marks == pytest.approx([2.0, 5.0], abs=0.2)
    assert timeline.chapter_marks == pytest.approx([chapter.start for chapter in expected[1:]])
    assert [title for _, title in player.chapters] == [chapter.title for chapter in expected]
    assert player.chapter_combo.isVisible() and player.chapter_combo.count() == 3
    # Hovering names the chapter under the pointer.
    x = int(timeline._x_for(3.5))
    qtbot.mouseMove(timeline, QPoint(x, timeline.height() // 2))
    assert timeline.hover_text(3.5).endswith(expected[1].title)
    player.setFocus()
    qtbot.waitUntil(player.hasFocus)
    qtbot.keyClick(player, Qt.Key.Key_PageDown)
    assert player.backend.position == pytest.approx(expected[1].start)
    assert player.chapter_combo.currentIndex() == 1
    qtbot.keyClick(player, Qt.Key.Key_PageDown)
    assert player.backend.position == pytest.approx(expected[2].start)
    qtbot.keyClick(player, Qt.Key.Key_PageDown)  # no chapter after the last: stays
    assert player.backend.position == pytest.approx(expected[2].start)
    qtbot.keyClick(player, Qt.Key.Key_PageUp)  # just after a chapter start: the chapter before
    assert player.backend.position == pytest.approx(expected[1].start)
    player.chapter_combo.activated.emit(0)  # choosing from the chapter list seeks there
    assert player.backend.position == pytest.approx(0.0)


def test_a_single_chapter_file_shows_no_chapter_markers(qtbot, window, sample):
    from mediarec.ui.player_view import OpenRequest

    player = window.player
    several = sample.library.store.item(sample.item_id("shapes_sequence.mp4"))
    window.open_player(
        OpenRequest(several.id, several.path, several.display_title, "video", several.duration)
    )
    qtbot.waitUntil(lambda: len(player.chapters) == 3, timeout=5000)
    item = sample.library.store.item(sample.item_id("red_circle_2.mp4"))
    window.open_player(OpenRequest(item.id, item.path, item.display_title, "video", item.duration))
    assert player.chapters == [] and player.timeline.chapter_marks == []  # the last file's are gone at once
    qtbot.wait(500)  # and none arrive: one chapter is the whole file
    assert player.chapters == [] and player.timeline.chapter_marks == []
    assert not player.chapter_combo.isVisible()


def _card(title: str, watched_title: str, tags: tuple[str, ...]):
    import time

    from mediarec.app.shelf import ForYouCard, LibraryRow
    from mediarec.recommend.explain import Reason

    row = LibraryRow(1, f"/media/{title}.mp4", title, "video", 95.0, time.time(), 0.0, None, None)
    reasons = (
        Reason("watched", f"because you watched {watched_title}", item_id=2),
        Reason("tags", "you like: " + ", ".join(tags), tags=tags),
    )
    return ForYouCard(row, "interest", reasons, ((2, watched_title),), None)


def _shelf_with(qtbot, card):
    """A shelf of its own showing ``card``; the card's reason as the shelf words it, and where it is drawn."""
    from PySide6.QtCore import QSize, QThreadPool
    from PySide6.QtWidgets import QStyleOptionViewItem

    from mediarec.ui.for_you import REASON_ROLE, ForYouShelf
    from mediarec.ui.thumbnails import ThumbnailCache

    shelf = ForYouShelf(ThumbnailCache(QThreadPool(), QSize(320, 180)))
    qtbot.addWidget(shelf)
    shelf.resize(900, 280)
    shelf.show()
    shelf.set_cards([card])
    index = shelf.card_index(0)
    option = QStyleOptionViewItem()
    option.rect = shelf.view.visualRect(index)
    option.font = shelf.view.font()
    shelf.view.grab()  # paints the card: a failure in the delegate fails the test
    return shelf, index.data(REASON_ROLE), option


def _check_lines_fit(option, box, lines, text) -> None:
    from PySide6.QtGui import QFontMetrics

    from mediarec.ui.for_you import reason_font

    metrics = QFontMetrics(reason_font(option.font))
    assert option.rect.contains(box), "the reason is drawn outside its card"
    assert len(lines) * metrics.lineSpacing() <= box.height(), "more lines than the card has room for"
    for line in lines:
        assert metrics.horizontalAdvance(line) <= box.width(), f"{line!r} is wider than the card"
    # Nothing is lost between lines; only the end of a reason too long for the card gives way to an ellipsis.
    shown = "".join(lines[:-1]) + lines[-1].removesuffix("…")
    assert text.replace(" ", "").startswith(shown.replace(" ", "")), (shown, text)


def test_a_long_chinese_reason_wraps_over_lines_inside_the_card(qtbot, qapp):
    from PySide6.QtCore import QLocale

    from mediarec.ui.i18n import install_translators, remove_translators

    translators = install_translators(qapp, "zh_CN")
    try:
        assert translators, "mediarec_zh_CN.qm did not load"
        card = _card("海边的狗", "我家的狗在海边跑来跑去的那个下午", ("beach", "dog", "red circle"))
        shelf, text, option = _shelf_with(qtbot, card)
        # Tags are stored by their English names; the shelf names them as the details panel does.
        assert text == "因为你看过《我家的狗在海边跑来跑去的那个下午》；你喜欢：海滩、狗、红色圆形"
        assert " " not in text, "no space: a word wrap has nowhere to break"
        box, lines = shelf.view.itemDelegate().reason_lines(option, text)
        assert len(lines) > 1, lines
        _check_lines_fit(option, box, lines, text)
        # Longer than the card holds: as many full lines as fit, and an ellipsis on the last.
        longer = "；".join([text] * 4)
        box, lines = shelf.view.itemDelegate().reason_lines(option, longer)
        assert len(lines) == box.height() // _line_spacing(option) and lines[-1].endswith("…")
        _check_lines_fit(option, box, lines, longer)
    finally:
        remove_translators(qapp, translators)
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


def test_an_english_reason_wraps_between_words(qtbot):
    card = _card("Weather at the Beach", "My Dog on the Beach in Summer", ("beach", "dog", "waves"))
    shelf, text, option = _shelf_with(qtbot, card)
    box, lines = shelf.view.itemDelegate().reason_lines(option, text)
    assert len(lines) > 1
    _check_lines_fit(option, box, lines, text)
    words = set(text.replace(";", " ").replace(",", " ").split())
    assert all(line.split()[-1].strip(";,") in words for line in lines[:-1]), f"a word was cut: {lines}"


def _line_spacing(option) -> int:
    from PySide6.QtGui import QFontMetrics

    from mediarec.ui.for_you import reason_font

    return QFontMetrics(reason_font(option.font)).lineSpacing()


def test_a_name_too_long_for_a_line_is_broken_inside(qtbot):
    card = _card("clip", "holiday_2024_beach_with_the_dog_and_the_kids_final_v2", ("beach",))
    shelf, text, option = _shelf_with(qtbot, card)
    box, lines = shelf.view.itemDelegate().reason_lines(option, text)
    assert len(lines) > 1
    _check_lines_fit(option, box, lines, text)


@pytest.mark.parametrize("point_size", [9, 12, 16])
def test_a_card_has_room_for_three_lines_of_reason_in_any_font(qtbot, point_size):
    """Under a font taller than the developer's the card kept its fixed height and cut the reason to one line
    ("new in your library (added t…"): the card grows with the font."""
    from PySide6.QtGui import QFont

    from mediarec.ui.for_you import REASON_LINES

    card = _card("Weather at the Beach", "My Dog on the Beach in Summer", ("beach", "dog", "waves"))
    shelf, _text, option = _shelf_with(qtbot, card)
    font = QFont(shelf.view.font())
    font.setPointSize(point_size)
    option.font = font
    option.rect.setSize(shelf.view.itemDelegate().sizeHint(option, shelf.card_index(0)))
    box, lines = shelf.view.itemDelegate().reason_lines(option, "new in your library (added today)")
    assert box.height() >= REASON_LINES * _line_spacing(option)
    assert not lines[-1].endswith("…"), lines
    assert "".join(lines).replace(" ", "") == "newinyourlibrary(addedtoday)"

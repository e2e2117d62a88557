"""Player backends behind one interface: the null player's clock, viewing sessions, libVLC with dummy outputs and the
QtMultimedia fallback, each playing a clip made here."""

from __future__ import annotations

import time

import pytest
from ui_helpers import ManualClock

from mediarec.player.base import PlaybackState, PlayerError
from mediarec.player.chapter_steps import chapter_index_at, next_chapter_start, previous_chapter_start
from mediarec.player.null_backend import NullPlayer
from mediarec.player.session import PlaySession


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """Six seconds: a red circle for 3 s, then a blue square, with a tone."""
    from mediarec.media.samples import ShapeShot, tone, write_shapes_video

    path = tmp_path_factory.mktemp("player") / "clip.mp4"
    return write_shapes_video(
        path, [ShapeShot("circle", "red", 3.0), ShapeShot("square", "blue", 3.0)], audio=tone(6.0)
    )


def _wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


# -- null player -----------------------------------------------------------------------------------------------


def test_null_player_keeps_time_like_a_real_player(clip):
    clock = ManualClock()
    player = NullPlayer(clock)
    assert player.state is PlaybackState.EMPTY
    player.load(clip, start=1.0)
    assert player.duration == pytest.approx(6.0, abs=0.1), "the duration is probed from the file"
    assert player.position == 1.0 and player.state is PlaybackState.STOPPED
    player.play()
    clock.advance(1.5)
    assert player.position == pytest.approx(2.5)
    player.pause()
    clock.advance(10)
    assert player.position == pytest.approx(2.5) and player.state is PlaybackState.PAUSED
    player.seek(5.0)
    player.play()
    clock.advance(5.0)
    assert player.state is PlaybackState.ENDED
    assert player.position == pytest.approx(player.duration)
    player.play()  # playing an ended file starts it over
    assert player.position == 0.0 and player.state is PlaybackState.PLAYING


def test_null_player_volume_is_clamped_and_mute_is_kept():
    player = NullPlayer()
    player.set_volume(150)
    assert player.volume == 100
    player.set_volume(-3)
    assert player.volume == 0
    player.set_muted(True)
    assert player.muted


def test_null_player_refuses_a_file_that_is_not_media(tmp_path):
    broken = tmp_path / "notes.mp4"
    broken.write_text("not a video\n" * 20)
    with pytest.raises(PlayerError, match="notes.mp4"):
        NullPlayer().load(broken)
    with pytest.raises(PlayerError, match="open a file first"):
        NullPlayer().play()


# -- viewing sessions ------------------------------------------------------------------------------------------


def test_session_counts_watching_but_not_seeks_or_pauses():
    session = PlaySession(item_id=7, start_position=10.0)
    session.update(10.2, playing=True)
    session.update(12.0, playing=True)
    session.seeked(40.0)  # jumping ahead is not watching
    session.update(40.0, playing=True)
    session.update(41.0, playing=True)
    session.update(41.0, playing=False)  # paused
    session.update(45.0, playing=False)  # position moved while paused (a seek through the timeline)
    session.update(46.0, playing=True)
    session.seeked(5.0)
    session.update(6.0, playing=True)
    summary = session.summary()
    assert summary.seconds == pytest.approx(2.0 + 1.0 + 1.0 + 1.0)
    assert summary.start_position == 10.0 and not summary.reached_end
    session.mark_ended()
    assert session.summary().reached_end


# -- chapter steps ---------------------------------------------------------------------------------------------


def test_chapter_steps_go_to_the_next_start_and_back_like_other_players():
    starts = [0.0, 30.0, 75.0]
    assert next_chapter_start(starts, 10.0) == 30.0
    assert next_chapter_start(starts, 30.02) == 75.0, (
        "just after a start (a seek lands a little off) is at it"
    )
    assert next_chapter_start(starts, 80.0) is None, "nothing after the last chapter"
    assert previous_chapter_start(starts, 50.0) == 30.0, "well into a chapter: back to its start"
    assert previous_chapter_start(starts, 31.0) == 0.0, "just after a start: the chapter before"
    assert previous_chapter_start(starts, 1.0) == 0.0 and previous_chapter_start([20.0], 10.0) == 0.0
    assert [chapter_index_at(starts, t) for t in (0.0, 29.9, 29.97, 74.0, 500.0)] == [0, 0, 1, 1, 2]
    assert chapter_index_at([5.0], 1.0) == -1 and chapter_index_at([], 1.0) == -1


# -- libVLC ----------------------------------------------------------------------------------------------------


@pytest.fixture
def vlc_player():
    from conftest import IN_CI

    from mediarec.player.vlc_backend import VlcPlayer

    try:
        player = VlcPlayer(video_output="dummy", audio_output="dummy")
    except PlayerError as error:
        if IN_CI:
            pytest.fail(f"libVLC must be installed in CI: {error}")
        pytest.skip(str(error))
    yield player
    player.release()


def test_libvlc_opens_at_the_start_time_seeks_pauses_and_ends(vlc_player, clip):
    vlc_player.load(clip, start=2.0)
    assert vlc_player.position == pytest.approx(2.0), "the start time is reported while the file opens"
    vlc_player.play()
    _wait_until(lambda: vlc_player.state is PlaybackState.PLAYING and vlc_player.stream_time is not None)
    assert 1.7 <= vlc_player.position <= 3.5
    assert vlc_player.duration == pytest.approx(6.0, abs=0.2)
    vlc_player.seek(4.5)
    _wait_until(lambda: vlc_player.position >= 4.4)
    vlc_player.pause()
    _wait_until(lambda: vlc_player.state is PlaybackState.PAUSED)
    paused_at = vlc_player.position
    time.sleep(0.4)
    assert vlc_player.position == pytest.approx(paused_at, abs=0.05)
    vlc_player.set_volume(40)
    assert vlc_player.volume == 40
    vlc_player.play()
    _wait_until(lambda: vlc_player.state is PlaybackState.ENDED, timeout=6.0)
    assert vlc_player.position == pytest.approx(vlc_player.duration)


def test_libvlc_says_when_the_file_is_gone(vlc_player, tmp_path):
    with pytest.raises(PlayerError, match="no longer on disk"):
        vlc_player.load(tmp_path / "gone.mp4")


# -- QtMultimedia fallback -------------------------------------------------------------------------------------


@pytest.mark.gui
def test_qt_multimedia_fallback_plays_from_the_start_time(qapp, clip):
    pytest.importorskip("PySide6.QtMultimedia")
    from mediarec.ui.player_backends import QtMultimediaPlayer

    player = QtMultimediaPlayer()
    player.load(clip, start=3.0)
    player.set_volume(0)
    player.play()
    deadline = time.monotonic() + 5
    while (
        not (player.state is PlaybackState.PLAYING and player.position > 3.0) and time.monotonic() < deadline
    ):
        qapp.processEvents()
        time.sleep(0.02)
    assert player.state is PlaybackState.PLAYING
    assert 3.0 < player.position < 5.0
    player.release()

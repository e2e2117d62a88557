"""Indexing from the window (offscreen Qt): progress, pause, resume, cancel, folder watching, and the first-run
welcome that makes the sample library."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ui_helpers import close_window, fresh_settings

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from mediarec.player.null_backend import NullPlayer  # noqa: E402

pytestmark = pytest.mark.gui
FILES = 6


@pytest.fixture(scope="module")
def media_folder(tmp_path_factory) -> Path:
    """Six two-second clips with a tone (each one goes through every encoder, transcriber included)."""
    from mediarec.media.samples import ShapeShot, tone, write_shapes_video

    folder = tmp_path_factory.mktemp("indexing") / "clips"
    folder.mkdir()
    shapes = [("circle", "red"), ("square", "blue"), ("triangle", "green"), ("circle", "yellow")]
    for number in range(FILES):
        shape, colour = shapes[number % len(shapes)]
        write_shapes_video(
            folder / f"clip_{number}.mp4",
            [ShapeShot(shape, colour, 2.0)],
            audio=tone(2.0, 300.0 + 50 * number),
            seed=number,
        )
    return folder


@pytest.fixture
def fresh(tmp_path, offline_env, media_folder):
    """A new library watching a private copy of the clips."""
    from mediarec.app import Library

    folder = tmp_path / "media"
    shutil.copytree(media_folder, folder)
    settings = fresh_settings(tmp_path, offline_env)
    library = Library(settings, models_in_helper=True)  # as `mediarec gui` opens it
    yield library, settings, folder
    library.close()


@pytest.fixture
def window(qtbot, fresh):
    from mediarec.ui.app_window import MainWindow

    library, settings, _ = fresh
    window = MainWindow(library, settings, player_backend=NullPlayer())
    qtbot.addWidget(window)
    window.show()
    yield window
    close_window(window)


def _run_to_end(qtbot, window, timeout=120000):
    with qtbot.waitSignal(window.indexing.finished, timeout=timeout) as blocker:
        pass
    return blocker.args[0]


def test_progress_counts_files_and_names_the_current_one(qtbot, window, fresh):
    library, _, folder = fresh
    library.add_folders([folder])
    events, labels = [], []

    def seen(progress):
        events.append(progress)
        labels.append(window.indexing_status.label.text())

    window.indexing.progress.connect(seen)
    with qtbot.waitSignal(window.indexing.finished, timeout=120000) as finished:
        window.start(welcome=False)
    summary = finished.args[0]
    assert len(summary.indexed) == FILES
    assert events[0].stage == "scanning"
    counts = [event.done for event in events if event.stage == "indexing"]
    assert counts == sorted(counts) and counts[-1] == FILES
    assert {event.total for event in events if event.stage == "indexing"} == {FILES}
    assert events[-1].stage == "finished"
    assert any(f"of {FILES}: clip_" in label for label in labels), labels
    assert not window.indexing_status.isVisible(), "the progress widget goes away when the job is done"
    qtbot.waitUntil(lambda: window.library_model.rowCount() == FILES, timeout=5000)
    assert "up to date" in window.statusBar().currentMessage()


def test_pause_holds_the_job_and_resume_finishes_it(qtbot, window, fresh):
    _, _, folder = fresh
    done = []
    window.indexing.progress.connect(lambda progress: done.append(progress.done))
    window.indexing.start([folder])
    window.indexing_status.pause_button.click()
    assert window.indexing.state == "paused"
    assert window.indexing_status.pause_button.text() == "Resume"
    qtbot.wait(2500)
    assert max(done, default=0) <= 1, "a paused job finishes at most the file in flight"
    assert window.indexing.state == "paused"
    window.indexing_status.pause_button.click()
    summary = _run_to_end(qtbot, window)
    assert len(summary.indexed) == FILES and not summary.cancelled


def test_cancel_stops_after_the_current_file_and_keeps_it(qtbot, window, fresh):
    library, _, folder = fresh
    window.indexing.start([folder])
    qtbot.waitUntil(lambda: (window.indexing.last_progress or _Nothing).done >= 1, timeout=60000)
    window.indexing_status.cancel_button.click()
    assert window.indexing.state == "stopping"
    summary = _run_to_end(qtbot, window)
    assert summary.cancelled
    assert 1 <= len(summary.indexed) < FILES
    assert {item.path for item in library.store.items()} == set(summary.indexed)
    assert "Indexing stopped" in window.statusBar().currentMessage()


class _Nothing:
    done = 0


def test_a_new_file_in_a_watched_folder_is_indexed(qtbot, window, fresh, media_folder):
    library, _, folder = fresh
    only = folder / "only"
    only.mkdir()
    shutil.move(str(folder / "clip_0.mp4"), only / "clip_0.mp4")
    library.add_folders([only])
    window.watcher.set_delay(300)
    with qtbot.waitSignal(window.indexing.finished, timeout=120000):
        window.start(welcome=False)
    qtbot.waitUntil(lambda: window.watcher.directories == [str(only)], timeout=5000)
    shutil.copy(media_folder / "clip_1.mp4", only / "new_arrival.mp4")
    with qtbot.waitSignal(window.indexing.finished, timeout=120000) as finished:
        pass
    assert finished.args[0].indexed == [str(only / "new_arrival.mp4")]
    qtbot.waitUntil(lambda: window.library_model.total_count == 2, timeout=5000)


def test_first_run_welcome_makes_a_sample_library_that_search_finds(qtbot, window, fresh):
    library, _, _ = fresh
    window.start()
    qtbot.waitUntil(lambda: getattr(window.setup_actions, "welcome_dialog", None) is not None, timeout=5000)
    dialog = window.setup_actions.welcome_dialog
    assert dialog.isVisible()
    # Every role of the offline profile, each with a plain name (not the role's id).
    qtbot.waitUntil(lambda: len(dialog.statuses) >= 4, timeout=10000)
    assert {"image_text", "transcriber", "text", "audio"} <= {status.role for status in dialog.statuses}
    from mediarec.ui.formatting import role_label

    assert all(role_label(status.role) != status.role for status in dialog.statuses)
    assert all(status.ready for status in dialog.statuses), "the offline profile needs no download"
    assert "nothing needs downloading" in dialog.models_note.text()
    with qtbot.waitSignal(window.indexing.finished, timeout=180000) as finished:
        dialog.sample_button.click()
    summary = finished.args[0]
    assert len(summary.indexed) >= 6 and not summary.failed
    assert library.store.get_meta("ui.welcome_done") == "1"
    with qtbot.waitSignal(window.search_panel.results_shown, timeout=60000):
        qtbot.keyClicks(window.search_box, "weather at the beach")
    assert window.search_panel.model.hits[0].item.display_title == "Weather at the Beach"


def test_models_that_cannot_be_downloaded_stop_the_job_without_failing_files(
    qtbot, tmp_path, offline_env, fresh
):
    """The product profile with no network (HF_HUB_OFFLINE here): one clear message, no file marked as failed."""
    from mediarec.app import Library
    from mediarec.ui.app_window import MainWindow

    _, _, folder = fresh
    settings = fresh_settings(tmp_path / "product", offline_env).with_updates(
        profile="default", cache_dir=tmp_path / "empty-cache"
    )
    library = Library(settings)
    library.add_folders([folder])
    window = MainWindow(library, settings, player_backend=NullPlayer())
    qtbot.addWidget(window)
    try:
        with qtbot.waitSignal(window.indexing.models_failed, timeout=60000) as failed:
            window.start(welcome=False)
        assert "download" in failed.args[0].lower()
        # The ways out are buttons over the pages (tests/test_ui_models_missing.py follows each).
        assert not window.model_help.isHidden() and not window.model_help.offline_button.isHidden()
        assert "Indexing waits for the models" in window.statusBar().currentMessage()
        assert library.store.items(statuses=("error",)) == []
        assert len(library.store.items(statuses=("pending",))) == FILES, "listed, to play before indexing"
        assert window.indexing.state == "idle"
    finally:
        close_window(window)
        library.close()

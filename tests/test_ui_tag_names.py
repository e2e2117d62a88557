"""Tag names in the desktop app: Chinese names when the interface is in Chinese, the stored English names as the
data (so removing a tag and filtering by it keep working), and English names in an English interface."""

from __future__ import annotations

import pytest
from ui_helpers import close_window, indexed_sample_library, make_window

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QLocale, Qt  # noqa: E402

from mediarec.player.null_backend import NullPlayer  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def sample(tmp_path_factory, offline_env):
    return indexed_sample_library(tmp_path_factory, offline_env)


@pytest.fixture
def chinese(qapp):
    from mediarec.ui.i18n import install_translators, remove_translators

    translators = install_translators(qapp, "zh_CN")
    assert translators, "mediarec_zh_CN.qm did not load"
    yield
    remove_translators(qapp, translators)
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


def _shown_tags(qtbot, window, sample, filename: str) -> dict[tuple[str, str], object]:
    """(source, stored name) -> the row of the details panel's tag list, for the file's tags."""
    details = window.details
    item_id = sample.item_id(filename)
    window.select_item(item_id)
    qtbot.waitUntil(lambda: details.details is not None and details.details.item.id == item_id, timeout=10000)
    rows = (details.tags_view.topLevelItem(index) for index in range(details.tags_view.topLevelItemCount()))
    return {
        (tag.source, tag.name): row
        for row in rows
        if (tag := row.data(0, Qt.ItemDataRole.UserRole)) is not None
    }


def test_details_show_tag_names_in_chinese_in_a_chinese_interface(qtbot, sample, chinese):
    from mediarec.ui.formatting import tag_label

    assert tag_label("bark") == "狗叫" and tag_label("red circle") == "红色圆形"
    assert tag_label("my own words") == "my own words"  # no Chinese name: shown as stored
    window = make_window(qtbot, sample, NullPlayer())
    try:
        heard = _shown_tags(qtbot, window, sample, "beach_weather.m4a")
        speech = heard[("audio", "speech")]
        assert speech.text(0) == "语音" and speech.toolTip(0) == "speech"
        assert speech.text(1) == window.details.tr("sound") != "sound"  # the interface is in Chinese
        seen = _shown_tags(qtbot, window, sample, "red_circle.mp4")
        assert seen[("visual", "red circle")].text(0) == "红色圆形"
        # The library's tag filter: Chinese names shown, the stored names kept as the data it filters by.
        combo = window.tag_combo
        qtbot.waitUntil(lambda: combo.findData("speech") > 0, timeout=10000)
        assert combo.itemText(combo.findData("speech")).startswith("语音 (")
    finally:
        close_window(window)


def test_details_show_the_stored_names_in_an_english_interface(qtbot, sample):
    from mediarec.ui.formatting import tag_label

    QLocale.setDefault(
        QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    )  # whatever the system's

    assert tag_label("bark") == "bark"
    window = make_window(qtbot, sample, NullPlayer())
    try:
        heard = _shown_tags(qtbot, window, sample, "beach_weather.m4a")
        assert heard[("audio", "speech")].text(0) == "speech"
    finally:
        close_window(window)

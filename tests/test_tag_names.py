"""One rule for the names of the user's tags, whichever front end adds them: `mediarec tag add` and the
desktop's "Add tag" (mediarec.app.items.add_user_tag) store the same name and clear the same state."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import run_cli

from mediarec.app import Library
from mediarec.app.items import add_user_tag
from mediarec.config import load_settings
from mediarec.index.records import TagRecord
from mediarec.understand.taught_tags import TaughtTagError, tag_name


def test_tag_name_collapses_space_and_case():
    assert tag_name("  Beach \t Day ") == "beach day"
    assert tag_name("海滩") == "海滩"
    with pytest.raises(TaughtTagError):
        tag_name("   ")


@pytest.fixture
def copied_library(indexed, offline_env, tmp_path):
    """A writable copy of the session's indexed library (that one must not change)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    settings = load_settings(data_dir=data_dir, environ=offline_env)
    source = sqlite3.connect(indexed.library.settings.database_path)
    target = sqlite3.connect(settings.database_path)
    source.backup(target)
    source.close()
    target.close()
    library = Library(settings)
    yield library, dict(offline_env, MEDIAREC_DATA_DIR=str(data_dir))
    library.close()


def _user_tags(library: Library, item_id: int) -> list[str]:
    return [tag.name for tag in library.store.tags(item_id) if tag.source == "user"]


def test_command_line_and_desktop_store_the_same_name(copied_library, indexed, capsys):
    library, env = copied_library
    cli_item = library.resolve(indexed.media.red_circle_video)
    desktop_item = library.resolve(indexed.media.green_triangle_video)
    # A suggested copy of the tag sits on the desktop's item: adding the tag by hand replaces it, as on the CLI.
    library.store.set_tags([TagRecord(desktop_item.id, "beach day", "suggested", 0.8)])

    code, _, err = run_cli(["tag", "add", str(cli_item.path), "  Beach   Day "], env, capsys)
    assert code == 0, err
    add_user_tag(library, desktop_item.id, "BEACH day")

    assert _user_tags(library, cli_item.id) == ["beach day"]
    assert _user_tags(library, desktop_item.id) == ["beach day"]
    assert not [tag for tag in library.store.tags(desktop_item.id) if tag.source == "suggested"]
    assert {hit.item.id for hit in library.search('tag:"Beach Day"')} >= {cli_item.id, desktop_item.id}

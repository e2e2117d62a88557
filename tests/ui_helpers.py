"""Helpers of the desktop-app tests: the app's own sample library, indexed once per test session with the offline
models, and a clock the null player can be driven with."""

from __future__ import annotations

import atexit
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

_shared: dict[str, object] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class SampleLibrary:
    library: object  # mediarec.app.Library (shared: tests add plays, likes and tags, never remove items)
    settings: object  # mediarec.config.Settings
    folder: Path
    clips: tuple  # mediarec.media.samples.SampleClip

    def path_of(self, filename: str) -> str:
        return str((self.folder / filename).absolute())

    def item_id(self, filename: str) -> int:
        item = self.library.store.item_by_path(self.path_of(filename))
        assert item is not None, f"{filename} is not in the sample library"
        return item.id


def indexed_sample_library(
    tmp_path_factory: pytest.TempPathFactory, offline_env: dict[str, str]
) -> SampleLibrary:
    """The sample library the app offers to newcomers, indexed once per session (about 15 s)."""
    with _lock:
        if "library" not in _shared:
            _shared["library"] = _build(tmp_path_factory, offline_env)
        return _shared["library"]


def _build(tmp_path_factory, offline_env) -> SampleLibrary:
    from conftest import require_command

    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.media.sample_library import build_sample_library

    require_command("espeak-ng")
    root = tmp_path_factory.mktemp("ui-library")
    folder = root / "Sample library"
    clips = build_sample_library(folder)
    settings = load_settings(data_dir=root / "data", environ=_environ(offline_env, root))
    library = Library(settings)
    library.add_folders([folder])
    indexer = library.indexer()
    for _ in indexer.run([folder]):
        pass
    assert not indexer.summary.failed, indexer.summary.failed
    atexit.register(library.close)
    return SampleLibrary(library, settings, folder, tuple(clips))


def private_copy(
    sample: SampleLibrary, tmp_path_factory: pytest.TempPathFactory, offline_env: dict[str, str]
) -> SampleLibrary:
    """A copy of the indexed sample library's database with no viewing history and no likes, for tests that need
    to know the whole history (the shared library collects the plays of every other test). Same media folder."""
    from mediarec.app import Library
    from mediarec.config import load_settings

    root = tmp_path_factory.mktemp("ui-library-copy")
    settings = load_settings(data_dir=root / "data", environ=_environ(offline_env, root))
    settings.database_path.parent.mkdir(parents=True, exist_ok=True)
    # Copied through the shared library's own connection: a second SQLite library in this process (the standard
    # sqlite3 module beside the store's driver) would break the other's file locks and corrupt the database.
    sample.library.store.connection().execute("VACUUM INTO ?", (str(settings.database_path),))
    library = Library(settings)
    with library.store.transaction() as connection:
        connection.execute("DELETE FROM plays")
        connection.execute("DELETE FROM feedback")
    atexit.register(library.close)
    return SampleLibrary(library, settings, sample.folder, sample.clips)


def _environ(offline_env: dict[str, str], root: Path) -> dict[str, str]:
    env = dict(offline_env)
    env["MEDIAREC_CONFIG"] = str(root / "config.toml")
    return env


def fresh_settings(tmp_path: Path, offline_env: dict[str, str]):
    """Settings of an empty library in ``tmp_path`` on the offline profile."""
    from mediarec.config import load_settings

    return load_settings(data_dir=tmp_path / "data", environ=_environ(offline_env, tmp_path))


class ManualClock:
    """Time that moves only when the test says so (for the null player)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_window(qtbot, sample: SampleLibrary, backend, *, start: bool = True):
    """The main window on the sample library, started without the welcome, with its library loaded."""
    from mediarec.ui.app_window import MainWindow

    window = MainWindow(sample.library, sample.settings, player_backend=backend)
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.show()
    if start:
        with qtbot.waitSignal(window.library_loaded, timeout=10000):
            window.reload_library()
    return window


def close_window(window) -> None:
    window.shutdown()
    window.close()


def xvfb_available() -> bool:
    from shutil import which

    return which("Xvfb") is not None and os.name == "posix"

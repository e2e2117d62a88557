"""Setting a library up: watched folders, the first run and its sample library, search warm-up, preferences.

Which models are here, and fetching the missing ones, live in models.availability (the welcome dialog and the
indexing job import them from there).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from mediarec.app.library import Library
from mediarec.config import Settings, read_config_file, save_config_values
from mediarec.models.base import ModelError

WELCOME_DONE_KEY = "ui.welcome_done"
SAMPLE_FOLDER_NAME = "Sample library"

# -- folders -------------------------------------------------------------------------------------------------


def default_media_folders() -> list[Path]:
    """The platform's Videos and Music folders (those that exist)."""
    candidates = [Path(platformdirs.user_videos_dir()), Path(platformdirs.user_music_dir())]
    return [folder for folder in dict.fromkeys(candidates) if folder.is_dir()]


def watched_folders(library: Library) -> list[str]:
    return library.store.folders()


def set_watched_folders(library: Library, folders: Sequence[str]) -> list[str]:
    """Make the watched folders exactly ``folders``; returns the ones that are new."""
    wanted = [str(Path(folder).expanduser().absolute()) for folder in folders]
    current = set(library.store.folders())
    for folder in current - set(wanted):
        library.store.remove_folder(folder)
    return library.add_folders([folder for folder in wanted if folder not in current])


def subfolders(roots: Sequence[str], limit: int = 2000) -> list[str]:
    """Folders under ``roots`` (roots included, hidden ones skipped), at most ``limit``, for the folder watcher."""
    found: list[str] = []
    for root in roots:
        for current, directories, _ in os.walk(root):
            directories[:] = sorted(name for name in directories if not name.startswith("."))
            found.append(current)
            if len(found) >= limit:
                return found
    return found


# -- first run -----------------------------------------------------------------------------------------------


def is_first_run(library: Library) -> bool:
    return library.store.get_meta(WELCOME_DONE_KEY) is None and not library.store.folders()


def mark_welcome_done(library: Library) -> None:
    library.store.set_meta(WELCOME_DONE_KEY, "1")


def sample_library_folder(settings: Settings) -> Path:
    return settings.data_dir / SAMPLE_FOLDER_NAME


def make_sample_library(library: Library) -> Path:
    """Generate the sample clips (a few seconds of work) and watch their folder."""
    from mediarec.media.sample_library import build_sample_library

    folder = sample_library_folder(library.settings)
    build_sample_library(folder)
    library.add_folders([folder])
    return folder


# -- listing before indexing --------------------------------------------------------------------------------


def list_files_while_models_are_missing(library: Library, roots: Sequence[str]) -> int | None:
    """List the files of ``roots`` in the library (new ones as "pending", playable at once) when some model is not
    here yet, so that the files show before a download that may take minutes, or fail without a network. Returns
    how many files were found, or None when nothing was listed: every model is here (the indexing job lists the
    files within a second itself), or another index run holds the library (it lists them).

    Reads no weights and touches no network; scanning is the indexer's own (scan.sync.reconcile), under the same
    lock, so it never runs beside an index run."""
    from mediarec.index.lock import IndexerBusy, IndexerLock
    from mediarec.models.availability import model_overview
    from mediarec.scan.sync import reconcile

    try:
        if all(status.ready for status in model_overview(library.settings)):
            return None
    except ModelError:
        pass  # a model choice that does not work: the job says so; the files can still be listed
    try:
        with IndexerLock(library.store.path):
            return reconcile(library.store, roots).seen
    except IndexerBusy:
        return None


# -- search warm-up -----------------------------------------------------------------------------------------


def warm_up_search(library: Library, *, empty_too: bool = False) -> None:
    """Make the first search fast: load the search vectors, then (in the desktop app's model helper) the query
    models that are already here. Never downloads: a model still missing is fetched by indexing, with progress.

    ``empty_too`` starts the helper and its models even while the library is empty: when the welcome closes, the
    sample library or the chosen folders are only seconds from their first search."""
    import logging

    from mediarec.models.helper_process import HelperProcessError

    library.warm_up_search()
    try:
        if empty_too and library.models_in_helper and library.store.count_items() == 0:
            library.query_models.warm_up(library.query_roles())
        else:
            library.warm_up_query_models()
    except (ModelError, HelperProcessError) as error:  # the first search reports it, with its own message
        logging.getLogger("mediarec").warning("Could not load the search models ahead: %s", error)


# -- the compute device --------------------------------------------------------------------------------------

_GPU_PROBE = "from mediarec.models.device import choose_device; print(choose_device('auto').device)"
_gpu_found: list[str] = []  # once asked: "cuda", "mps" or "" (none)


def find_gpu(timeout: float = 60.0) -> str:
    """ "cuda" or "mps" when this computer has a GPU the models can use, "" when it has none (asked once per
    process, through models.device in a child process: importing torch takes seconds and keeps hundreds of MB,
    which the desktop's own process never spends on models)."""
    import subprocess

    from mediarec.models.helper_process import python_command  # the frozen app has no `python -c`

    if not _gpu_found:
        try:
            answer = subprocess.run(
                python_command("-c", _GPU_PROBE), capture_output=True, text=True, timeout=timeout
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            answer = ""
        _gpu_found.append(answer if answer in ("cuda", "mps") else "")
    return _gpu_found[0]


def known_gpu() -> str | None:
    """What find_gpu answered, or None before it has."""
    return _gpu_found[0] if _gpu_found else None


# -- settings ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppPreferences:
    """What the settings dialog edits; model names are per role, empty meaning "the profile's model"."""

    device: str
    profile: str
    language: str
    model_names: dict[str, str]
    model_backends: dict[str, str]


def current_preferences(settings: Settings) -> AppPreferences:
    names, backends = {}, {}
    for role, table in settings.model_overrides.items():
        if isinstance(table, dict):
            names[role] = str(table.get("name", ""))
            backends[role] = str(table.get("backend", ""))
    return AppPreferences(settings.device, settings.profile, settings.language, names, backends)


def save_preferences(
    settings: Settings, preferences: AppPreferences, opened_with: AppPreferences | None = None
) -> Settings:
    """Write what the user changed in the settings dialog to the config file and return the settings that make.

    Only what differs from ``opened_with`` (what the dialog showed when it opened; by default what ``settings``
    say) is written: a value the dialog merely showed, such as a one-off ``--profile offline`` or
    MEDIAREC_PROFILE, never lands in the config, where it would quietly apply to every later start and command.
    Any other option a user put in a [models.*] table is kept. Nothing is written when nothing changed.

    Raises ModelError (with a message for the user) when a model choice is invalid, before writing anything.
    """
    from mediarec.models.catalogue import resolve_specs

    before = opened_with if opened_with is not None else current_preferences(settings)
    changes = {
        key: getattr(preferences, key)
        for key in ("device", "profile", "language")
        if getattr(preferences, key) != getattr(before, key)
    }
    roles = sorted(
        role
        for role in set(preferences.model_names) | set(before.model_names) | set(preferences.model_backends)
        if _model_choice(preferences, role) != _model_choice(before, role)
    )
    models: dict[str, dict] = {role: dict(table) for role, table in settings.model_overrides.items()}
    file_models = read_config_file(settings.config_path).get("models", {})
    written: dict[str, dict] = {
        role: dict(table) for role, table in file_models.items() if isinstance(table, dict)
    }
    for role in roles:
        name, backend = _model_choice(preferences, role)
        for tables in (models, written):
            table = tables.setdefault(role, {})
            table.pop("name", None)
            table.pop("backend", None)
            if name:
                table["name"] = name
                if backend:
                    table["backend"] = backend
            if not table:
                del tables[role]
    profile = changes.get("profile", settings.profile)
    resolve_specs(profile, models)  # raises ModelError on a bad choice
    values: dict[str, object] = dict(changes)
    if roles:
        values["models"] = written
    if values:
        save_config_values(settings.config_path, values)
    raw = {**settings.raw, **values}
    return settings.with_updates(**changes, model_overrides=models, raw=raw)


def _model_choice(preferences: AppPreferences, role: str) -> tuple[str, str]:
    """A role's model as the dialog chose it: (name, backend), both empty for "the model set's own"; the backend
    counts only with a name (without one the dialog shows the model set's backend)."""
    name = preferences.model_names.get(role, "").strip()
    return (name, preferences.model_backends.get(role, "").strip()) if name else ("", "")


def use_offline_models(settings: Settings) -> Settings:
    """The way out when models cannot be downloaded: the offline model set, saved as the user's choice (it is one:
    a button said so), with the settings it makes. The window reopens on them."""
    preferences = current_preferences(settings)
    offline = AppPreferences(
        preferences.device,
        "offline",
        preferences.language,
        preferences.model_names,
        preferences.model_backends,
    )
    return save_preferences(settings, offline, preferences)


class FolderWithoutModel(ModelError):
    """A folder chosen for a model does not hold one that role's backend can load (the message says what lacks)."""

    def __init__(self, role: str, folder: str, detail: str):
        super().__init__(detail)
        self.role = role
        self.folder = folder


def with_model_folders(settings: Settings, folders: dict[str, str]) -> Settings:
    """``settings`` with models from folders on this computer (role -> folder), each run by the backend the model
    set uses for that role; nothing is written. Each folder is checked (no weights are loaded): one that does not
    hold the model raises FolderWithoutModel; a choice that does not work, ModelError."""
    from mediarec.models.availability import check_available
    from mediarec.models.catalogue import resolve_specs

    specs = resolve_specs(settings.profile, settings.model_overrides)
    overrides = {role: dict(table) for role, table in settings.model_overrides.items()}
    for role, folder in folders.items():
        overrides[role] = {"backend": specs[role].backend, "name": str(Path(folder).expanduser().absolute())}
    new_specs = resolve_specs(settings.profile, overrides)
    for role in folders:
        ready, detail = check_available(new_specs[role], settings.model_cache_dir)
        if not ready:
            raise FolderWithoutModel(role, overrides[role]["name"], detail)
    return settings.with_updates(model_overrides=overrides)


def use_model_folders(settings: Settings, folders: dict[str, str]) -> Settings:
    """Models from folders on this computer (see with_model_folders, which checks them), saved like a choice made
    in Settings; returns the settings they make."""
    chosen = current_preferences(with_model_folders(settings, folders))
    return save_preferences(settings, chosen, current_preferences(settings))


def needs_reopen(before: Settings, after: Settings) -> bool:
    """Whether the desktop app must reopen its window to apply ``after``: the language, device or models changed."""
    fields = ("language", "device", "profile", "model_overrides")
    return any(getattr(before, name) != getattr(after, name) for name in fields)

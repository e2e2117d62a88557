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
from mediarec.config import Settings, save_config_values

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
    from mediarec.media.samples import build_sample_library

    folder = sample_library_folder(library.settings)
    build_sample_library(folder)
    library.add_folders([folder])
    return folder


# -- search warm-up -----------------------------------------------------------------------------------------


def warm_up_search(library: Library) -> None:
    """Make the first search fast: load the search vectors, then (in the desktop app's model helper) the query
    models that are already here. Never downloads: a model still missing is fetched by indexing, with progress."""
    import logging

    from mediarec.models.base import ModelError
    from mediarec.models.helper_process import HelperProcessError

    library.warm_up_search()
    try:
        library.warm_up_query_models()
    except (ModelError, HelperProcessError) as error:  # the first search reports it, with its own message
        logging.getLogger("mediarec").warning("Could not load the search models ahead: %s", error)


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


def save_preferences(settings: Settings, preferences: AppPreferences) -> Settings:
    """Write the preferences to the config file, keeping any other option a user put in a [models.*] table, and
    return the settings they make.

    Raises ModelError (with a message for the user) when a model choice is invalid, before writing anything.
    """
    from mediarec.models.catalogue import resolve_specs

    models: dict[str, dict] = {role: dict(table) for role, table in settings.model_overrides.items()}
    for role in set(preferences.model_names) | set(preferences.model_backends):
        table = models.setdefault(role, {})
        name = preferences.model_names.get(role, "").strip()
        backend = preferences.model_backends.get(role, "").strip()
        table.pop("name", None)
        table.pop("backend", None)
        if name:
            table["name"] = name
            if backend:
                table["backend"] = backend
        if not table:
            del models[role]
    resolve_specs(preferences.profile, models)  # raises ModelError on a bad choice
    save_config_values(
        settings.config_path,
        {
            "device": preferences.device,
            "profile": preferences.profile,
            "language": preferences.language,
            "models": models,
        },
    )
    return settings.with_updates(
        device=preferences.device,
        profile=preferences.profile,
        language=preferences.language,
        model_overrides=models,
    )


def needs_reopen(before: Settings, after: Settings) -> bool:
    """Whether the desktop app must reopen its window to apply ``after``: the language, device or models changed."""
    fields = ("language", "device", "profile", "model_overrides")
    return any(getattr(before, name) != getattr(after, name) for name in fields)

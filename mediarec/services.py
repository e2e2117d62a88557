"""Library operations of the desktop app (rows for the grid, details, viewing history, preferences, first run,
model downloads). No Qt here, so they are testable headless and usable by other front ends.

Every function takes the Library (or Settings) and calls the public store, registry and media APIs. The app runs
them on worker threads, never on the GUI thread (several touch the disk or the database, which can wait behind the
indexer's write lock).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from mediarec.app import Library, LibraryError
from mediarec.config import Settings, save_config_values
from mediarec.index.records import ItemRecord, PlayRecord, TagRecord, TranscriptLine
from mediarec.player.session import PlaySummary
from mediarec.rank.similar import SimilarHit

if TYPE_CHECKING:
    from mediarec.recommend.explain import Reason
    from mediarec.understand.chapters import ChapterList

USER_TAG_SOURCE = "user"
WELCOME_DONE_KEY = "ui.welcome_done"
SAMPLE_FOLDER_NAME = "Sample library"


# -- library grid --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryRow:
    """What one card of the library grid shows and sorts by."""

    id: int
    path: str
    title: str
    kind: str
    duration: float
    added_at: float
    last_played: float  # 0 when never played
    thumbnail: str | None
    artist: str | None


def library_rows(library: Library) -> list[LibraryRow]:
    last_played = last_played_times(library)
    return [
        row_for_item(item, last_played.get(item.id, 0.0))
        for item in library.store.items(statuses=("indexed",))
    ]


def row_for_item(item: ItemRecord, last_played: float = 0.0) -> LibraryRow:
    return LibraryRow(
        id=item.id,
        path=item.path,
        title=item.display_title,
        kind=item.kind or "video",
        duration=item.duration or 0.0,
        added_at=item.added_at,
        last_played=last_played,
        thumbnail=item.thumbnail,
        artist=item.artist,
    )


def last_played_times(library: Library) -> dict[int, float]:
    latest: dict[int, float] = {}
    for play in library.store.plays():
        if play.item_id is not None:
            latest[play.item_id] = max(latest.get(play.item_id, 0.0), play.started_at)
    return latest


def tag_choices(library: Library) -> list[tuple[str, int]]:
    """Tag names with how many items carry them, most common first (for the tag filter)."""
    return library.store.tag_names()


def items_with_tag(library: Library, name: str) -> set[int]:
    return library.store.items_with_tag(name)


# -- details of one item -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemDetails:
    item: ItemRecord
    tags: tuple[TagRecord, ...]
    transcript: tuple[TranscriptLine, ...]
    shots: tuple[tuple[float, float], ...]
    similar: tuple[SimilarHit, ...]
    feedback: int  # 1 liked, -1 disliked, 0 neither
    play_count: int


def item_details(library: Library, item_id: int, similar_limit: int = 8) -> ItemDetails:
    """All the details panel and the player show about one item; ``similar_limit`` 0 skips "more like this"."""
    store = library.store
    item = store.item(item_id)
    if item is None:
        raise LibraryError("This file is no longer in the library.")
    similar: list[SimilarHit] = []
    if similar_limit and item.status == "indexed":
        try:
            similar = library.similar(item.path, similar_limit)
        except LibraryError:
            similar = []  # nothing to compare with yet (no fused vector): the panel says so
    return ItemDetails(
        item=item,
        tags=tuple(store.tags(item_id)),
        transcript=tuple(store.transcript(item_id)),
        shots=tuple(store.shots(item_id)),
        similar=tuple(similar),
        feedback=store.feedback().get(item_id, 0),
        play_count=len(store.plays(item_id)),
    )


def add_user_tag(library: Library, item_id: int, name: str) -> tuple[TagRecord, ...]:
    clean = " ".join(name.split()).lower()
    if not clean:
        raise ValueError("A tag needs at least one letter.")
    library.store.set_tags([TagRecord(item_id, clean, USER_TAG_SOURCE, 1.0)])
    return tuple(library.store.tags(item_id))


def remove_tag(library: Library, item_id: int, name: str, source: str) -> tuple[TagRecord, ...]:
    library.store.remove_tag(item_id, name, source)
    return tuple(library.store.tags(item_id))


# -- history and feedback ------------------------------------------------------------------------------------


def record_viewing(library: Library, viewing: PlaySummary) -> PlayRecord:
    return library.store.record_play(
        viewing.item_id, seconds=viewing.seconds, start_position=viewing.start_position
    )


def set_feedback(library: Library, item_id: int, value: int) -> int:
    library.store.set_feedback(item_id, value)
    return value


# -- "For you" and chapters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForYouCard:
    """One recommendation as the shelf shows it: the card, why (structured, so the app words it in its
    language), and where to start playing (a "continue watching" card resumes where the user stopped)."""

    row: LibraryRow
    source: str  # "continue", "interest", "new", "explore"
    reasons: tuple[Reason, ...]
    named_titles: tuple[tuple[int, str], ...]  # (item id, title) of the items the reasons name
    resume_at: float | None

    def title_of(self, item_id: int | None) -> str:
        return dict(self.named_titles).get(item_id, "") if item_id is not None else ""


FOR_YOU_VARIETY_KEY = "for_you_variety"


def for_you_variety(library: Library, default: float = 0.3) -> float:
    """The diversity the user last chose on the shelf (kept with the library, like the rest of its history)."""
    return float(library.store.get_meta(FOR_YOU_VARIETY_KEY, str(default)))


def save_for_you_variety(library: Library, diversity: float) -> None:
    library.store.set_meta(FOR_YOU_VARIETY_KEY, f"{min(1.0, max(0.0, diversity)):.2f}")


def for_you(library: Library, limit: int = 12, diversity: float = 0.3) -> list[ForYouCard]:
    """The recommendations of Library.recommend as shelf cards (cold start: the newest and a spread)."""
    recommendations = library.recommend(limit, diversity)
    named = {
        reason.item_id for rec in recommendations for reason in rec.reasons if reason.item_id is not None
    }
    titles = {
        item_id: item.display_title for item_id, item in library.store.items_by_ids(list(named)).items()
    }
    last_played = last_played_times(library) if recommendations else {}
    return [
        ForYouCard(
            row=row_for_item(rec.item, last_played.get(rec.item.id, 0.0)),
            source=rec.source,
            reasons=tuple(rec.reasons),
            named_titles=tuple(
                (reason.item_id, titles[reason.item_id])
                for reason in rec.reasons
                if reason.item_id is not None and reason.item_id in titles
            ),
            resume_at=rec.resume_at,
        )
        for rec in recommendations
    ]


def item_chapters(library: Library, item_id: int) -> ChapterList:
    """The chapters of one item (stored data only: no decoding, no model)."""
    item = library.store.item(item_id)
    if item is None:
        raise LibraryError("This file is no longer in the library.")
    return library.chapters(item.path)


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


# -- models --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelStatus:
    role: str
    backend: str
    name: str
    source: str  # "package", "local" or "hub"
    ready: bool  # loads without a download
    detail: str  # the registry's explanation (English)
    download_mb: int  # 0 when unknown or nothing to download


def model_overview(settings: Settings) -> list[ModelStatus]:
    """Which model plays each role and whether it is here already (reads no weights, touches no network)."""
    from mediarec.models.registry import check_available, resolve_specs
    from mediarec.models.weights import source_of

    statuses = []
    for role, spec in resolve_specs(settings.profile, settings.model_overrides).items():
        ready, detail = check_available(spec, settings.model_cache_dir)
        source = source_of(spec.name).kind
        size = 0 if ready or source != "hub" else _download_size_mb(spec.backend, spec.name)
        statuses.append(ModelStatus(role, spec.backend, spec.name, source, ready, detail, size))
    return statuses


def _download_size_mb(backend: str, name: str) -> int:
    from mediarec.models import registry

    known = registry.KNOWN_DOWNLOADS.get((backend, name))
    if known is not None:
        return known[3]
    if backend == "faster_whisper":
        return registry.WHISPER_SIZES_MB.get(name, 0)
    return 0


def warm_up_search(library: Library) -> None:
    """Make the first search fast: load the search vectors, then (in the desktop app's model helper) the query
    models that are already here. Never downloads: a model still missing is fetched by indexing, with progress."""
    import logging

    from mediarec.helper_process import HelperProcessError
    from mediarec.models.base import ModelError

    library.warm_up_search()
    try:
        library.warm_up_query_models()
    except (ModelError, HelperProcessError) as error:  # the first search reports it, with its own message
        logging.getLogger("mediarec").warning("Could not load the search models ahead: %s", error)


def download_models(settings: Settings, progress: Callable[[str, int, int | None], None]) -> list[str]:
    """Fetch every model that is not here yet, reporting (description, bytes done, bytes total).

    Each is loaded once (that is what downloads and checks it) and unloaded again: the library loads its own copy
    from the cache when it first needs it. Returns the roles that were fetched; raises ModelError when offline.
    """
    from mediarec.models.device import choose_device
    from mediarec.models.registry import create_encoder, resolve_specs

    specs = resolve_specs(settings.profile, settings.model_overrides)
    missing = [status.role for status in model_overview(settings) if not status.ready]
    device = choose_device(settings.device)
    for role in missing:
        encoder = create_encoder(specs[role], device, settings.model_cache_dir, progress=progress)
        encoder.load()
        encoder.unload()
    return missing


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
    from mediarec.models.registry import resolve_specs

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

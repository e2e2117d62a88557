"""Whether each model is here already, how much the missing ones download, and fetching them.

Telling whether a model is here reads no weights and touches no network, so the desktop app can show it at once;
only ``download_models`` loads anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mediarec.models.base import ModelError
from mediarec.models.catalogue import KNOWN_DOWNLOADS, WHISPER_SIZES_MB, HubDownload, ModelSpec, resolve_specs
from mediarec.models.clip import HUB_CONFIG_NAME, find_local_clip
from mediarec.models.clip import hub_repo_for as clip_hub_repo
from mediarec.models.device import choose_device
from mediarec.models.download import is_cached
from mediarec.models.text import HUB_IGNORE, HUB_PATTERNS, WEIGHT_FILES
from mediarec.models.weights import missing_modules, packaged_weights, source_of
from mediarec.models.whisper import HUB_FILES as WHISPER_HUB_FILES
from mediarec.models.whisper import hub_repo_for as whisper_hub_repo

if TYPE_CHECKING:
    from mediarec.config import Settings

# The files a local folder of each backend must hold to load (open_clip folders are checked by find_local_clip).
_FOLDER_FILES = {
    "faster_whisper": ["model.bin", "config.json", "tokenizer.json"],
    "transformers": ["config.json"],
    "yamnet": ["YamNet_w8a8.onnx.zip", "yamnet_class_map.csv"],
    "clap": ["config.json"],
}


def check_available(spec: ModelSpec, cache_dir: Path) -> tuple[bool, str]:
    """Whether ``spec`` can load right now without a download, and one line saying why (no model load)."""
    source = source_of(spec.name)
    try:
        if source.kind == "package":
            return _check_package(spec, source.name)
        if source.kind == "local":
            return _check_folder(spec, Path(source.name))
        return _check_hub(spec, Path(cache_dir))
    except ModelError as error:
        return False, f"{spec.role}: {error}"


def _check_package(spec: ModelSpec, name: str) -> tuple[bool, str]:
    package = packaged_weights(name, spec.role)
    if missing_modules(package):
        return False, f"{spec.role}: {package.description} is not installed; run `{package.pip_command}`."
    return (
        True,
        f"{spec.role}: {package.description}, from the installed package {' + '.join(package.pip_names)}.",
    )


def _check_folder(spec: ModelSpec, folder: Path) -> tuple[bool, str]:
    if not folder.exists():
        return (
            False,
            f"{spec.role}: the folder {folder} does not exist; fix [models.{spec.role}] in the config.",
        )
    if spec.backend == "open_clip":
        find_local_clip(folder, spec.role)  # raises ModelError naming what the folder lacks
    missing = [file for file in _FOLDER_FILES.get(spec.backend, []) if not (folder / file).is_file()]
    if missing:
        return False, f"{spec.role}: the folder {folder} lacks {', '.join(missing)}."
    return True, f"{spec.role}: local weights in {folder}."


def _check_hub(spec: ModelSpec, cache_dir: Path) -> tuple[bool, str]:
    download = hub_download(spec)
    if is_cached(
        download.repo_id,
        cache_dir,
        allow_patterns=download.allow_patterns,
        ignore_patterns=download.ignore_patterns,
    ) and _has_weights(spec, download.repo_id, cache_dir):
        return True, f"{spec.role}: {spec.name}, downloaded."
    size = f"about {download.size_mb} MB" if download.size_mb else "size unknown"
    return False, (
        f"{spec.role}: {spec.name} is downloaded from the Hugging Face hub on first use ({size}); "
        "use --profile offline to work without it."
    )


def _has_weights(spec: ModelSpec, repo_id: str, cache_dir: Path) -> bool:
    """A cached transformers-style repository counts only with its weights (the small files come first, and
    a repository with pytorch_model.bin only gets it in a second download that may not have finished)."""
    if spec.backend not in ("transformers", "clap"):
        return True
    from huggingface_hub import try_to_load_from_cache

    return any(
        isinstance(try_to_load_from_cache(repo_id, name, cache_dir=str(cache_dir)), str)
        for name in WEIGHT_FILES
    )


def hub_download(spec: ModelSpec) -> HubDownload:
    """What the first use of ``spec`` (a hub name) downloads. Raises ModelError for backends without hub models."""
    known = KNOWN_DOWNLOADS.get((spec.backend, spec.name))
    if known is not None:
        return known
    if spec.backend == "faster_whisper":
        return HubDownload(whisper_hub_repo(spec.name), WHISPER_HUB_FILES, [], download_size_mb(spec))
    if spec.backend == "open_clip":
        repo_id, files = clip_hub_repo(spec.name)
        return HubDownload(repo_id, [HUB_CONFIG_NAME, files[0]], [], 0)
    if spec.backend in ("transformers", "clap"):
        return HubDownload(spec.name, HUB_PATTERNS, HUB_IGNORE, 0)
    raise ModelError(f"Backend {spec.backend} loads no hub models; give a folder or package:NAME.")


def download_size_mb(spec: ModelSpec) -> int:
    """About how many MB the first use of ``spec`` downloads; 0 when unknown (read from tables: imports nothing)."""
    known = KNOWN_DOWNLOADS.get((spec.backend, spec.name))
    if known is not None:
        return known.size_mb
    if spec.backend == "faster_whisper":
        return WHISPER_SIZES_MB.get(spec.name, 0)
    return 0


# -- for the app: the overview the welcome dialog shows, and fetching what is missing ----------------------


@dataclass(frozen=True)
class ModelStatus:
    role: str
    backend: str
    name: str
    source: str  # "package", "local" or "hub"
    ready: bool  # loads without a download
    detail: str  # check_available's explanation (English)
    download_mb: int  # 0 when unknown or nothing to download


def model_overview(settings: Settings) -> list[ModelStatus]:
    """Which model plays each role and whether it is here already (reads no weights, touches no network)."""
    statuses = []
    for role, spec in resolve_specs(settings.profile, settings.model_overrides).items():
        ready, detail = check_available(spec, settings.model_cache_dir)
        source = source_of(spec.name).kind
        size = 0 if ready or source != "hub" else download_size_mb(spec)
        statuses.append(ModelStatus(role, spec.backend, spec.name, source, ready, detail, size))
    return statuses


def download_models(settings: Settings, progress: Callable[[str, int, int | None], None]) -> list[str]:
    """Fetch every model that is not here yet, reporting (description, bytes done, bytes total).

    Each is loaded once (that is what downloads and checks it) and unloaded again: the library loads its own copy
    from the cache when it first needs it. Returns the roles that were fetched; raises ModelError when offline.
    """
    from mediarec.models.model_set import create_encoder  # imported here: model_set imports this module

    specs = resolve_specs(settings.profile, settings.model_overrides)
    missing = [status.role for status in model_overview(settings) if not status.ready]
    device = choose_device(settings.device)
    for role in missing:
        encoder = create_encoder(specs[role], device, settings.model_cache_dir, progress=progress)
        encoder.load()
        encoder.unload()
    return missing

"""Fetching product-default weights from the Hugging Face hub into mediarec's own cache folder.

The hub client keeps a standard hub cache layout, so a model downloaded once loads offline afterwards,
and checks each file's size. After a download, every large (LFS) file is also checked against the
sha256 the hub published for it. A cache that is present but does not load (a truncated or damaged
file) is cleared and downloaded once more. Nothing here runs in tests except the offline failures.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypedDict, TypeVar

from mediarec.models.base import ModelError

LoadedModel = TypeVar("LoadedModel")
# progress(description, bytes_done, bytes_total): the shape a GUI progress bar wants.
ProgressCallback = Callable[[str, int, int | None], None]

_log = logging.getLogger(__name__)
HUB_TIMEOUT_SECONDS = 15.0
_SHA256 = re.compile(r"[0-9a-f]{64}")


class _SnapshotOptions(TypedDict):
    """The hub client's keyword arguments that finding a cached copy and downloading share."""

    cache_dir: str
    allow_patterns: list[str] | None
    ignore_patterns: list[str] | None


def download_snapshot(
    repo_id: str,
    cache_dir: Path,
    *,
    progress: type | ProgressCallback | None = None,
    allow_patterns: Sequence[str] | None = None,
    ignore_patterns: Sequence[str] | None = None,
    role: str | None = None,
    endpoint: str | None = None,
    force: bool = False,
) -> Path:
    """The local folder holding ``repo_id``'s files, downloading what the cache lacks.

    ``progress`` is a tqdm subclass (the CLI's bars) or a callback ``(description, done, total)``.
    ``endpoint`` points at a hub mirror (for users who cannot reach huggingface.co directly).
    A cached complete copy is used without touching the network.
    """
    from huggingface_hub import snapshot_download

    common = _snapshot_options(cache_dir, allow_patterns, ignore_patterns)
    if not force:
        cached = _cached_snapshot(repo_id, common)
        if cached is not None:
            return cached
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    try:
        _probe_hub(repo_id, endpoint)
        folder = snapshot_download(
            repo_id,
            tqdm_class=_tqdm_class(progress),
            endpoint=endpoint,
            force_download=force,
            **common,
        )
    except Exception as error:
        raise _download_error(repo_id, role, error) from error
    damaged = damaged_files(Path(folder))
    if damaged:
        clear_cached_repo(repo_id, cache_dir)
        raise ModelError(
            f"The download of {repo_id} is damaged ({damaged[0]} does not match its checksum) and was "
            "deleted; run again to download it once more."
        )
    return Path(folder)


def damaged_files(snapshot: Path) -> list[str]:
    """Files of a downloaded snapshot whose sha256 differs from the one the hub published.

    The hub cache names each large (LFS) file's blob after its sha256, and snapshot files link to
    their blob, so the expected checksum is the link target's name. Small git files (named by their
    git hash) and caches without symlinks (Windows without developer mode) are not checked here; the
    hub client still checks their sizes.
    """
    damaged = []
    for file in sorted(snapshot.rglob("*")):
        if not file.is_symlink() or not file.is_file():
            continue
        expected = Path(os.readlink(file)).name
        if _SHA256.fullmatch(expected) and _sha256_of(file) != expected:
            damaged.append(str(file.relative_to(snapshot)))
    return damaged


def _sha256_of(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as stream:
        for block in iter(lambda: stream.read(4 * 1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def load_with_retry(
    repo_id: str,
    cache_dir: Path,
    loader: Callable[[Path], LoadedModel],
    *,
    role: str,
    progress: type | ProgressCallback | None = None,
    allow_patterns: Sequence[str] | None = None,
    ignore_patterns: Sequence[str] | None = None,
    endpoint: str | None = None,
) -> LoadedModel:
    """Download (or find) ``repo_id`` and load it; if the cached copy fails to load, clear it and retry once."""

    def fetch(force: bool) -> Path:
        return download_snapshot(
            repo_id,
            cache_dir,
            progress=progress,
            allow_patterns=allow_patterns,
            ignore_patterns=ignore_patterns,
            role=role,
            endpoint=endpoint,
            force=force,
        )

    folder = fetch(force=False)
    try:
        return loader(folder)
    except ModelError:
        raise
    except Exception as first_error:
        _log.warning("Cached copy of %s does not load (%s); downloading it again.", repo_id, first_error)
        clear_cached_repo(repo_id, cache_dir)
    folder = fetch(force=True)
    try:
        return loader(folder)
    except Exception as error:
        raise ModelError(
            f"The {role} model {repo_id} was downloaded again but still does not load ({error}). "
            f"Point [models.{role}] in the config at a local copy, or report this model as broken."
        ) from error


def cached_repo_folder(repo_id: str, cache_dir: Path) -> Path:
    """Where the hub cache keeps every revision of one model repository."""
    return Path(cache_dir) / ("models--" + repo_id.replace("/", "--"))


def clear_cached_repo(repo_id: str, cache_dir: Path) -> None:
    shutil.rmtree(cached_repo_folder(repo_id, cache_dir), ignore_errors=True)


def is_cached(
    repo_id: str,
    cache_dir: Path,
    *,
    allow_patterns: Sequence[str] | None = None,
    ignore_patterns: Sequence[str] | None = None,
) -> bool:
    """True when a complete copy is in the cache (no network)."""
    if not cached_repo_folder(repo_id, cache_dir).is_dir():
        return False
    common = _snapshot_options(cache_dir, allow_patterns, ignore_patterns)
    return _cached_snapshot(repo_id, common) is not None


def _snapshot_options(
    cache_dir: Path, allow_patterns: Sequence[str] | None, ignore_patterns: Sequence[str] | None
) -> _SnapshotOptions:
    return {
        "cache_dir": str(cache_dir),
        "allow_patterns": list(allow_patterns) if allow_patterns else None,
        "ignore_patterns": list(ignore_patterns) if ignore_patterns else None,
    }


def _cached_snapshot(repo_id: str, common: _SnapshotOptions) -> Path | None:
    from huggingface_hub import snapshot_download

    if not cached_repo_folder(repo_id, Path(common["cache_dir"])).is_dir():
        return None
    try:
        return Path(snapshot_download(repo_id, local_files_only=True, **common))
    except Exception:
        # Not cached, or cached only in part: the caller downloads.
        return None


def _probe_hub(repo_id: str, endpoint: str | None) -> None:
    """Ask the hub about the repository with a time limit before downloading.

    The hub client itself waits without limit for an answer, which on a network that drops packets
    (hotel wifi, a firewall) looks like a hang; this fails in HUB_TIMEOUT_SECONDS instead.
    """
    from huggingface_hub import HfApi

    HfApi(endpoint=endpoint).repo_info(repo_id, timeout=HUB_TIMEOUT_SECONDS)


def _download_error(repo_id: str, role: str | None, error: Exception) -> ModelError:
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError, RevisionNotFoundError

    section = f"[models.{role}]" if role else "[models.<role>]"
    if isinstance(error, GatedRepoError):
        return ModelError(
            f"{repo_id} is a gated model on the Hugging Face hub and needs an access token. "
            f"Log in with `hf auth login`, or point {section} in the config at a local folder."
        )
    if isinstance(error, (RepositoryNotFoundError, RevisionNotFoundError)):
        return ModelError(
            f"There is no model {repo_id} on the Hugging Face hub. Check the name in {section} in the config."
        )
    return ModelError(
        f"Could not download {repo_id} (no internet connection?). Run with --profile offline, "
        f"or point {section} in the config at a local folder."
    )


def _tqdm_class(progress: type | ProgressCallback | None) -> type | None:
    """The hub client reports progress through a tqdm class; wrap a plain callback into one."""
    if progress is None or isinstance(progress, type):
        return progress
    return _callback_tqdm(progress)


def _callback_tqdm(callback: ProgressCallback) -> type:
    from tqdm.auto import tqdm

    class CallbackTqdm(tqdm):
        """A silent tqdm that forwards every update to ``callback``."""

        def __init__(self, *args, **kwargs) -> None:
            kwargs["disable"] = False
            kwargs["file"] = _NullStream()
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            shown = super().update(n)
            callback(str(self.desc or ""), int(self.n), None if self.total is None else int(self.total))
            return shown

    return CallbackTqdm


class _NullStream:
    """tqdm needs somewhere to write; a callback-driven bar draws nothing itself."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

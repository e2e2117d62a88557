"""Where a library lives and how it is configured.

Precedence for every setting: command-line option, then environment variable, then the TOML config file, then the
built-in default. Several libraries can live side by side by giving each its own data dir.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

from mediarec.errors import MediarecError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

APP_NAME = "mediarec"
ENV_DATA_DIR = "MEDIAREC_DATA_DIR"
ENV_CONFIG = "MEDIAREC_CONFIG"
ENV_PROFILE = "MEDIAREC_PROFILE"
ENV_CACHE_DIR = "MEDIAREC_CACHE_DIR"
DATABASE_NAME = "library.sqlite3"


class ConfigError(MediarecError):
    """The config file cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class IndexSettings:
    """Knobs of the indexing pipeline (the `[index]` table of the config)."""

    seconds_per_keyframe: float = 10.0
    max_keyframes: int = 48
    transcribe: bool = True
    # Speech is embedded in chunks of whole sentences up to this long. 6 s keeps a chunk to a sentence or two:
    # with 20 s (four sentences) a query for one sentence found its recording first for 62 % of the moments
    # development set's exact queries, with 6 s for 95 % (benchmarks/bench_moments.py).
    speech_chunk_seconds: float = 6.0
    audio_window_seconds: float = 4.8
    decode_ahead: int = 2
    # On-screen text (the `ocr` role): read_text = false turns it off; a video is sampled every this many seconds
    # (pictures identical to the one before are not read again).
    read_text: bool = True
    seconds_per_text_frame: float = 1.0


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    cache_dir: Path
    config_path: Path
    profile: str = "default"
    device: str = "auto"
    language: str = ""
    model_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    index: IndexSettings = field(default_factory=IndexSettings)
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def database_path(self) -> Path:
        return self.data_dir / DATABASE_NAME

    @property
    def thumbnail_dir(self) -> Path:
        return self.cache_dir / "thumbnails"

    @property
    def model_cache_dir(self) -> Path:
        return self.cache_dir / "models"

    def with_updates(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def _default_cache_dir(data_dir: Path, data_dir_overridden: bool) -> Path:
    # A library given its own data dir keeps its thumbnails beside it, so side-by-side libraries never mix;
    # the model cache is still shared through MEDIAREC_CACHE_DIR when set.
    if data_dir_overridden:
        return data_dir / "cache"
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def read_config_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"Cannot read config file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"Config file {path} is not UTF-8 text (TOML must be UTF-8)") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"Config file {path} is not valid TOML: {error}") from None


DEVICES = ("auto", "cpu", "cuda", "mps")
# What each [index] value must be, and its smallest sensible value (a keyframe every 0 s would never end).
_INDEX_LIMITS: dict[str, tuple[type, float]] = {
    "seconds_per_keyframe": (float, 0.1),
    "max_keyframes": (int, 1),
    "speech_chunk_seconds": (float, 1.0),
    "audio_window_seconds": (float, 0.5),
    "decode_ahead": (int, 1),
    "seconds_per_text_frame": (float, 0.1),
}


def _index_settings(table: object, path: Path) -> IndexSettings:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: [index] must be a table of settings, not {table!r}")
    known = IndexSettings.__dataclass_fields__
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ConfigError(f"{path}: unknown [index] settings: {', '.join(unknown)}")
    for key, value in table.items():
        if key in ("transcribe", "read_text"):
            if not isinstance(value, bool):
                raise ConfigError(f"{path}: [index] {key} is true or false, not {value!r}")
            continue
        kind, smallest = _INDEX_LIMITS[key]
        number_ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if kind is int:
            number_ok = isinstance(value, int) and not isinstance(value, bool)
        if not number_ok or not value >= smallest:  # "not >=" also refuses nan
            expected = "a whole number" if kind is int else "a number"
            raise ConfigError(
                f"{path}: [index] {key} must be {expected} of at least {smallest}, not {value!r}"
            )
    return IndexSettings(**table)


def _model_overrides(models: object, path: Path) -> dict[str, dict[str, Any]]:
    if not isinstance(models, Mapping) or not all(isinstance(table, Mapping) for table in models.values()):
        raise ConfigError(
            f'{path}: models must be tables per role, such as [models.text] with name = "...", not {models!r}'
        )
    return {str(role): dict(table) for role, table in models.items()}


def _text_value(raw: Mapping[str, Any], key: str, default: str, path: Path) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{path}: {key} must be text in quotes, not {value!r}")
    return value


def load_settings(
    *,
    data_dir: str | os.PathLike[str] | None = None,
    config_path: str | os.PathLike[str] | None = None,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings from arguments, environment and the config file, in that order."""
    env = os.environ if environ is None else environ
    chosen_config = Path(config_path or env.get(ENV_CONFIG) or default_config_path()).expanduser()
    raw = read_config_file(chosen_config)

    explicit_data_dir = data_dir or env.get(ENV_DATA_DIR) or raw.get("data_dir")
    resolved_data_dir = Path(explicit_data_dir).expanduser() if explicit_data_dir else default_data_dir()
    cache_env = env.get(ENV_CACHE_DIR)
    cache_dir = (
        Path(cache_env).expanduser()
        if cache_env
        else _default_cache_dir(resolved_data_dir, bool(explicit_data_dir))
    )
    return Settings(
        data_dir=resolved_data_dir,
        cache_dir=cache_dir,
        config_path=chosen_config,
        profile=profile or env.get(ENV_PROFILE) or raw.get("profile", "default"),
        device=_device(raw, chosen_config),
        language=_text_value(raw, "language", "", chosen_config),
        model_overrides=_model_overrides(raw.get("models", {}), chosen_config),
        index=_index_settings(raw.get("index", {}), chosen_config),
        raw=raw,
    )


def _device(raw: Mapping[str, Any], path: Path) -> str:
    device = _text_value(raw, "device", "auto", path)
    if device.strip().lower() not in DEVICES:
        raise ConfigError(f"{path}: device is one of {', '.join(DEVICES)}, not {device!r}")
    return device


def save_config_values(path: Path, values: Mapping[str, Any]) -> None:
    """Merge `values` into the TOML config at `path`, writing atomically so a crash never truncates it."""
    import tomli_w

    current = read_config_file(path)
    current.update(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_bytes(tomli_w.dumps(current).encode("utf-8"))
    os.replace(temporary, path)


def settings_to_json(settings: Settings) -> dict[str, Any]:
    """The settings as plain JSON values, for a helper process that must use exactly the same library and models
    (not reloaded from the config file, which the user may have edited since)."""
    from dataclasses import asdict

    return {
        "data_dir": str(settings.data_dir),
        "cache_dir": str(settings.cache_dir),
        "config_path": str(settings.config_path),
        "profile": settings.profile,
        "device": settings.device,
        "language": settings.language,
        "model_overrides": {role: dict(table) for role, table in settings.model_overrides.items()},
        "index": asdict(settings.index),
    }


def settings_from_json(values: Mapping[str, Any]) -> Settings:
    config_path = Path(values["config_path"])
    return Settings(
        data_dir=Path(values["data_dir"]),
        cache_dir=Path(values["cache_dir"]),
        config_path=config_path,
        profile=values["profile"],
        device=values["device"],
        language=values["language"],
        model_overrides=values["model_overrides"],
        index=IndexSettings(**values["index"]),
    )

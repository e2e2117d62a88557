"""CLIP's text tower without torch: an ONNX export made once, run by onnxruntime, with open_clip's tokenizer.

A search needs only the text side of CLIP, and importing torch and open_clip alone takes seconds. So where CLIP
is loaded anyway (the indexer, after it encodes frames), ``export_text_tower`` writes the text tower (token
embedding, transformer, ln_final, EOT pooling, text_projection) to ONNX with ``torch.onnx.export``, into the model
cache under the model's id (which holds the weights' checksum for local weights): a change of weights is a new
folder. The export is kept only when it is proven equal to the model it came from: the tokenizer here gives
open_clip's tokens, and ONNX Runtime's embeddings match torch's (cosine >= MIN_COSINE) on probe texts.

``ClipTextRunner`` then encodes queries with onnxruntime, numpy, ftfy and regex (what open_clip's tokenizer
needs), reading the BPE vocabulary that ships in open_clip's package data directly, without importing open_clip.
Only open_clip's own BPE tokenizer (SimpleTokenizer, clean "lower") is reimplemented; a model with another one
(Hugging Face tokenizers, SigLIP) is not exported, and keeps the torch path.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import importlib.util
import json
import marshal
import os
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from mediarec.models.base import ModelError
from mediarec.models.offline import quiet_onnxruntime

# Bumped when what is written changes (graph inputs, the json fields): old folders are then ignored.
EXPORT_FORMAT = 1
EXPORTS_FOLDER = "clip-text-onnx"
MODEL_FILE = "text.onnx"
INFO_FILE = "export.json"
FAILED_FILE = "failed.json"
BPE_FILE = "bpe_simple_vocab_16e6.txt.gz"
BPE_VOCAB_SIZE = 49408  # 256 bytes, the same with </w>, 48894 merges, <start_of_text> and <end_of_text>
MIN_COSINE = 0.9999
# Texts the export is checked on: plain, punctuation, numbers, accents, CJK, HTML entities, longer than the context.
PROBE_TEXTS = (
    "a red circle",
    "A photo of a DOG running on the beach!",
    "someone explaining how to bake bread, step by step (part 2)",
    "café crème &amp; croissant — 3 € at 8:30",
    "海边的狗",
    "  spaces\tand\nnew lines  ",
    "a very long caption that keeps going " * 12,
    "",
)
_export_lock = threading.Lock()


def export_folder(cache_dir: Path, model_id: str) -> Path:
    """Where the export of the model with this id lives (the id names the weights, see models.weights)."""
    digest = hashlib.sha256(f"{EXPORT_FORMAT}:{model_id}".encode()).hexdigest()[:20]
    return Path(cache_dir) / EXPORTS_FOLDER / digest


# ---- torch-free side ---------------------------------------------------------------------------------------------


class ClipTextRunner:
    """The exported text tower: texts -> float32 [N, dim] (not normalised, like open_clip's encode_text)."""

    def __init__(self, folder: Path, info: dict[str, Any], *, threads: int = 0) -> None:
        onnxruntime = quiet_onnxruntime()  # telemetry off before the first import (models/offline.py)
        self.folder = folder
        self.dim = int(info["dim"])
        self.tokenizer = ClipTokenizer(int(info["context_length"]), cache_dir=folder)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        # Queries come one at a time: do not keep idle threads spinning between them.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(folder / MODEL_FILE), sess_options=options, providers=["CPUExecutionProvider"]
        )

    @classmethod
    def open(cls, folder: Path, *, model_id: str, threads: int = 0) -> ClipTextRunner | None:
        """The runner of a finished export in ``folder`` for ``model_id``; None when there is none (or a stale one)."""
        info = read_info(folder)
        if info is None or info.get("model_id") != model_id or not (folder / MODEL_FILE).is_file():
            return None
        return cls(folder, info, threads=threads)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        tokens = self.tokenizer(list(texts))
        (features,) = self._session.run(["features"], {"tokens": tokens})
        return np.asarray(features, dtype=np.float32)


def read_info(folder: Path) -> dict[str, Any] | None:
    try:
        info = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) and info.get("format") == EXPORT_FORMAT else None


def export_failed(folder: Path, model_id: str) -> str | None:
    """Why an earlier export of this model was given up (so it is not tried on every search), or None."""
    try:
        failed = json.loads((folder / FAILED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(failed, dict)
        or failed.get("model_id") != model_id
        or failed.get("format") != EXPORT_FORMAT
    ):
        return None
    return str(failed.get("reason", "unknown"))


def bpe_vocab_path() -> Path:
    """open_clip's BPE merges file, found in its package folder without importing open_clip (which imports torch)."""
    spec = importlib.util.find_spec("open_clip")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / BPE_FILE
        if path.is_file():
            return path
    raise ModelError(
        f"open_clip's tokenizer vocabulary ({BPE_FILE}) was not found; reinstall open_clip_torch "
        "(pip install open_clip_torch)."
    )


@lru_cache(maxsize=1)
def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character table, as open_clip (and OpenAI CLIP) build it."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    codes = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(code) for code in codes), strict=True))


# token -> id, and merge pair -> rank
_BpeTables = tuple[dict[str, int], dict[tuple[str, str], int]]


@lru_cache(maxsize=2)
def _bpe_tables(path: Path, cache_dir: Path | None = None) -> _BpeTables:
    """(token -> id, merge pair -> rank): open_clip's SimpleTokenizer vocabulary, read once per process.

    Building the tables from the merges file takes ~0.1 s; with ``cache_dir`` (an export's folder) they are kept
    there in marshal form (per Python version, which owns that format) and read back ten times faster.
    """
    cached = (
        cache_dir / f"bpe-tables-py{sys.version_info.major}{sys.version_info.minor}.marshal"
        if cache_dir
        else None
    )
    if cached is not None:
        try:
            encoder, ranks = marshal.loads(cached.read_bytes())
            if isinstance(encoder, dict) and isinstance(ranks, dict) and len(encoder) == BPE_VOCAB_SIZE:
                return encoder, ranks
        except (OSError, ValueError, EOFError, TypeError):
            pass  # not written yet, or damaged: built again below
    with gzip.open(path) as stream:
        lines = stream.read().decode("utf-8").split("\n")
    merges = [tuple(line.split()) for line in lines[1 : BPE_VOCAB_SIZE - 256 * 2 - 2 + 1]]
    alphabet = list(_bytes_to_unicode().values())
    vocab = [*alphabet, *(symbol + "</w>" for symbol in alphabet), *("".join(merge) for merge in merges)]
    vocab += ["<start_of_text>", "<end_of_text>"]
    encoder = {token: index for index, token in enumerate(vocab)}
    ranks = {(merge[0], merge[1]): rank for rank, merge in enumerate(merges)}
    if cached is not None:
        _write_atomically(cached, marshal.dumps((encoder, ranks)))
    return encoder, ranks


def _write_atomically(target: Path, data: bytes) -> None:
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        partial.write_bytes(data)
        os.replace(partial, target)
    except OSError:
        pass  # a read-only cache: the tables are built again next time, nothing else is lost


class ClipTokenizer:
    """open_clip's SimpleTokenizer (clean "lower", truncation), giving int64 numpy arrays instead of torch tensors.

    Same steps as open_clip.tokenizer: ftfy.fix_text, HTML unescaped twice, whitespace collapsed, lower case, the
    same regular expression, byte-level BPE over the same merges; <start_of_text> ... <end_of_text>, padded with 0
    and cut to ``context_length`` with <end_of_text> last.
    """

    def __init__(self, context_length: int, *, cache_dir: Path | None = None) -> None:
        import regex

        self.context_length = context_length
        self.encoder, self.ranks = _bpe_tables(bpe_vocab_path(), cache_dir)
        self.byte_encoder = _bytes_to_unicode()
        self.sot_token_id = self.encoder["<start_of_text>"]
        self.eot_token_id = self.encoder["<end_of_text>"]
        self._cache: dict[str, str] = {"<start_of_text>": "<start_of_text>", "<end_of_text>": "<end_of_text>"}
        self._pattern = regex.compile(
            r"""<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
            regex.IGNORECASE,
        )

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        result = np.zeros((len(texts), self.context_length), dtype=np.int64)
        for row, text in enumerate(texts):
            tokens = [self.sot_token_id, *self.encode(text), self.eot_token_id]
            if len(tokens) > self.context_length:
                tokens = tokens[: self.context_length]
                tokens[-1] = self.eot_token_id
            result[row, : len(tokens)] = tokens
        return result

    def encode(self, text: str) -> list[int]:
        ids: list[int] = []
        for token in self._pattern.findall(_clean_lower(text)):
            symbols = "".join(self.byte_encoder[byte] for byte in token.encode("utf-8"))
            ids.extend(self.encoder[piece] for piece in self._bpe(symbols).split(" "))
        return ids

    def _bpe(self, token: str) -> str:
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        word: tuple[str, ...] = (*token[:-1], token[-1] + "</w>")
        while len(word) > 1:
            pairs = set(zip(word[:-1], word[1:], strict=True))
            bigram = min(pairs, key=lambda pair: self.ranks.get(pair, float("inf")))
            if bigram not in self.ranks:
                break
            first, second = bigram
            merged: list[str] = []
            index = 0
            while index < len(word):
                try:
                    found = word.index(first, index)
                except ValueError:
                    merged.extend(word[index:])
                    break
                merged.extend(word[index:found])
                index = found
                if word[index] == first and index < len(word) - 1 and word[index + 1] == second:
                    merged.append(first + second)
                    index += 2
                else:
                    merged.append(word[index])
                    index += 1
            word = tuple(merged)
        joined = " ".join(word)
        self._cache[token] = joined
        return joined


def _clean_lower(text: str) -> str:
    import ftfy

    text = html.unescape(html.unescape(ftfy.fix_text(text))).strip()
    return " ".join(text.split()).lower()


# ---- the export (needs torch and open_clip; runs where CLIP is loaded) ----------------------------------------------


def export_text_tower(
    model: Any, tokenizer: Any, folder: Path, *, model_id: str, weights: Path | None
) -> Path:
    """Write ``model``'s text tower to ``folder`` (text.onnx and export.json) and check it; returns ``folder``.

    ``model`` is an open_clip model in float32 on the CPU, ``tokenizer`` its open_clip tokenizer. Raises ModelError
    (and writes failed.json, so that it is not tried again for the same weights) when the tokenizer is not the BPE
    one reimplemented here or the export does not give torch's embeddings.
    """
    with _export_lock:
        if export_ready(folder, model_id):
            return folder
        try:
            return _export(model, tokenizer, folder, model_id=model_id, weights=weights)
        except ModelError as error:
            _write_failed(folder, model_id, str(error))
            raise


def export_ready(folder: Path, model_id: str) -> bool:
    """Whether ``folder`` holds a finished export of the model with this id."""
    info = read_info(folder)
    return info is not None and info.get("model_id") == model_id and (folder / MODEL_FILE).is_file()


def _export(model: Any, tokenizer: Any, folder: Path, *, model_id: str, weights: Path | None) -> Path:
    import torch

    context_length = _bpe_context_length(tokenizer)
    ours = ClipTokenizer(context_length)
    theirs = tokenizer(list(PROBE_TEXTS)).numpy()
    if not np.array_equal(ours(PROBE_TEXTS), theirs):
        raise ModelError("the torch-free tokenizer does not give open_clip's tokens for this model")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=folder.parent))
    staging.chmod(0o755)  # like the cache's other folders (mkdtemp makes it private)
    try:
        tower = _text_tower(model)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the legacy exporter's deprecation and indexing notes
            torch.onnx.export(
                tower,
                (torch.from_numpy(ours(PROBE_TEXTS[:2])),),
                str(staging / MODEL_FILE),
                input_names=["tokens"],
                output_names=["features"],
                dynamic_axes={"tokens": {0: "batch"}, "features": {0: "batch"}},
                opset_version=17,
                do_constant_folding=True,
                **_legacy_exporter(),
            )
            expected = tower(torch.from_numpy(theirs)).float().numpy()
        info = {
            "format": EXPORT_FORMAT,
            "model_id": model_id,
            "dim": int(expected.shape[1]),
            "context_length": context_length,
            "weights": str(weights) if weights is not None else None,
            "weights_sha256": _sha256(weights) if weights is not None and weights.is_file() else None,
            "torch": torch.__version__,
            "open_clip": _open_clip_version(),
        }
        cosine = _min_cosine(ClipTextRunner(staging, info).encode(PROBE_TEXTS), expected)
        if not cosine >= MIN_COSINE:
            raise ModelError(f"the ONNX text tower differs from torch's (cosine {cosine:.6f} < {MIN_COSINE})")
        info["min_cosine"] = round(cosine, 7)
        (staging / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        _put_in_place(staging, folder, model_id)
    except ModelError:
        raise
    except Exception as error:
        raise ModelError(
            f"the text tower could not be exported to ONNX ({type(error).__name__}: {error})"
        ) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _put_in_place(staging: Path, folder: Path, model_id: str) -> None:
    """Rename the finished export into place; another process that finished first is as good."""
    shutil.rmtree(folder, ignore_errors=True)  # a failed.json of older weights, or a half-removed folder
    try:
        os.replace(staging, folder)
    except OSError:
        if not export_ready(folder, model_id):
            raise


def _bpe_context_length(tokenizer: Any) -> int:
    """The context length of open_clip's SimpleTokenizer; ModelError for any other tokenizer or setting."""
    kind = type(tokenizer).__name__
    if kind != "SimpleTokenizer":
        raise ModelError(f"its tokenizer is {kind}, not open_clip's SimpleTokenizer")
    if getattr(tokenizer, "reduction_fn", None) is not None:
        raise ModelError("its tokenizer reduces long texts instead of cutting them")
    if len(getattr(tokenizer, "all_special_ids", ())) != 2:
        raise ModelError("its tokenizer has special tokens of its own")
    return int(tokenizer.context_length)


def _legacy_exporter() -> dict[str, Any]:
    """torch >= 2.5 has two exporters; the TorchScript one needs no onnxscript and handles this graph."""
    import inspect

    import torch

    return {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}


def _text_tower(model: Any) -> Any:
    """open_clip's encode_text as a module's forward: tokens [N, context] int64 -> features [N, dim]."""
    import torch

    class TextTower(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, tokens: Any) -> Any:
            return self.model.encode_text(tokens)

    return TextTower(model).eval()


def _min_cosine(got: np.ndarray, expected: np.ndarray) -> float:
    norms = np.linalg.norm(got, axis=1) * np.linalg.norm(expected, axis=1)
    return float(np.min(np.sum(got * expected, axis=1) / np.maximum(norms, 1e-12)))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(4 * 1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _open_clip_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("open_clip_torch")
    except PackageNotFoundError:
        return None


def _write_failed(folder: Path, model_id: str, reason: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        record = {"format": EXPORT_FORMAT, "model_id": model_id, "reason": reason}
        (folder / FAILED_FILE).write_text(json.dumps(record) + "\n", encoding="utf-8")
    except OSError:
        pass  # a read-only cache: the export is tried again next time, nothing else is lost

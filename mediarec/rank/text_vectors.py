"""Vectors of texts that do not change between searches, remembered per model and kept on disk.

Every search calibrates against a bank of ~240 reference queries (rank.calibration) and the heard channel
compares the query with every tag name (rank.tag_channel); embedding those lists costs 0.3-0.9 s a list on a
laptop CPU, which a command-line search paid again in every process. Kept here in one file per (model, kind),
they are read back in milliseconds; only texts not seen before are embedded, and the file is rewritten with
them. Vectors are keyed by the model id, which changes with the weights, so a file never outlives its model.
Without a folder (tests, scripts) the vectors are remembered for the life of the object only. A folder that
cannot be written costs the speed-up, nothing else.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

_log = logging.getLogger(__name__)

QUERY = "query"  # embedded as a query (the bank)
PASSAGE = "passage"  # embedded as a passage (tag names)


class TextVectors:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else None
        self._known: dict[tuple[str, str], dict[str, np.ndarray]] = {}
        self._lock = threading.Lock()

    def vectors(
        self, model_id: str, kind: str, texts: Sequence[str], embed: Callable[[list[str]], np.ndarray]
    ) -> np.ndarray:
        """[len(texts), dim] in the order of ``texts``; only texts not seen before are embedded."""
        texts = list(texts)
        known = self._file(model_id, kind)
        with self._lock:
            missing = list(dict.fromkeys(text for text in texts if text not in known))
        if missing:
            embedded = np.asarray(embed(missing), dtype=np.float32)
            with self._lock:
                known.update(zip(missing, embedded, strict=True))
                snapshot = dict(known)
            self._save(model_id, kind, snapshot)
        with self._lock:
            return np.stack([known[text] for text in texts]) if texts else np.zeros((0, 0), np.float32)

    def _file(self, model_id: str, kind: str) -> dict[str, np.ndarray]:
        with self._lock:
            known = self._known.get((model_id, kind))
        if known is not None:
            return known
        loaded = self._load(model_id, kind)
        with self._lock:
            return self._known.setdefault((model_id, kind), loaded)

    def _path(self, model_id: str, kind: str) -> Path | None:
        if self.folder is None:
            return None
        digest = hashlib.sha256(f"{model_id}\n{kind}".encode()).hexdigest()[:20]
        return self.folder / f"{kind}-{digest}.npz"

    def _load(self, model_id: str, kind: str) -> dict[str, np.ndarray]:
        path = self._path(model_id, kind)
        if path is None or not path.exists():
            return {}
        try:
            with np.load(path, allow_pickle=False) as stored:
                if str(stored["model_id"]) != model_id:
                    return {}
                texts, matrix = stored["texts"].tolist(), stored["vectors"]
        except (OSError, ValueError, KeyError) as error:  # damaged or from another layout: embed again
            _log.info("ignoring the text vectors in %s: %s", path, error)
            return {}
        return dict(zip(texts, np.asarray(matrix, np.float32), strict=True))

    def _save(self, model_id: str, kind: str, known: dict[str, np.ndarray]) -> None:
        path = self._path(model_id, kind)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
            try:
                with os.fdopen(handle, "wb") as stream:
                    np.savez(
                        stream,
                        model_id=np.array(model_id),
                        texts=np.array(list(known), dtype=str),
                        vectors=np.stack(list(known.values())),
                    )
                os.replace(temporary, path)  # readers see the old file or the new one, never half of one
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            _log.info("could not keep the text vectors in %s: %s", path, error)

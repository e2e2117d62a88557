"""Zero-shot visual tags: keyframe vectors scored against a vocabulary's prompt ensembles.

Each term's text vector is the normalised mean of its prompts (a prompt ensemble, as in the CLIP paper).
A keyframe's similarities are turned into probabilities one category at a time: the terms of a category
compete with each other and with the vocabulary's background prompts ("a photo."), through a softmax at the
model's logit scale. A term's probability is therefore high only when it clearly beats both its rivals and
"nothing in particular", which keeps tags precise: a street scene does not get the least unlikely animal.
An item gets a term when its best keyframe reaches ``min_probability``; the tag's moments are every keyframe
span that does, merged.

The text vectors are computed once per (model, vocabulary) and kept in memory and in the model cache folder,
so tagging costs one small matrix product per item.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mediarec.models.base import ImageTextEncoder, l2_normalise
from mediarec.understand.found import FoundTag, best_first, merge_moments
from mediarec.understand.vocabulary import Vocabulary


@dataclass(frozen=True)
class FrameMoment:
    """One keyframe's vector and the span of the video it stands for."""

    start: float
    end: float
    vector: np.ndarray


@dataclass(frozen=True)
class PromptMatrix:
    terms: np.ndarray  # [T, dim], one row per vocabulary term
    background: np.ndarray  # [B, dim]


_memory_cache: dict[str, PromptMatrix] = {}
_cache_lock = threading.Lock()


class VisualTagger:
    def __init__(self, encoder: ImageTextEncoder, vocabulary: Vocabulary, cache_dir: Path | None = None):
        self.encoder = encoder
        self.vocabulary = vocabulary
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._categories = [
            np.array([i for i, term in enumerate(vocabulary.terms) if term.category == category])
            for category in vocabulary.categories
        ]

    # -- prompt vectors ----------------------------------------------------------------------------------------

    def prompt_matrix(self) -> PromptMatrix:
        key = self._cache_key()
        with _cache_lock:
            cached = _memory_cache.get(key)
        if cached is None:
            cached = self._read_disk_cache(key) or self._embed_prompts()
            self._write_disk_cache(key, cached)
            with _cache_lock:
                _memory_cache[key] = cached
        return cached

    def _cache_key(self) -> str:
        prompts = [list(term.prompts) for term in self.vocabulary.terms] + [list(self.vocabulary.background)]
        digest = hashlib.sha1(json.dumps([self.encoder.model_id, prompts]).encode("utf-8")).hexdigest()
        return f"{self.vocabulary.name}-{digest[:16]}"

    def _embed_prompts(self) -> PromptMatrix:
        terms = self.vocabulary.terms
        flat = [prompt for term in terms for prompt in term.prompts]
        vectors = self.encoder.encode_texts(flat)
        rows, position = [], 0
        for term in terms:
            rows.append(vectors[position : position + len(term.prompts)].mean(axis=0))
            position += len(term.prompts)
        background = (
            self.encoder.encode_texts(list(self.vocabulary.background))
            if self.vocabulary.background
            else np.zeros((0, vectors.shape[1]), np.float32)
        )
        return PromptMatrix(l2_normalise(np.stack(rows)), l2_normalise(background))

    def _disk_path(self, key: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / "vocabulary" / f"{key}.npz"

    def _read_disk_cache(self, key: str) -> PromptMatrix | None:
        path = self._disk_path(key)
        if path is None or not path.is_file():
            return None
        try:
            with np.load(path) as stored:
                return PromptMatrix(
                    stored["terms"].astype(np.float32), stored["background"].astype(np.float32)
                )
        except (OSError, ValueError, KeyError):
            return None  # a damaged cache file is rebuilt

    def _write_disk_cache(self, key: str, matrix: PromptMatrix) -> None:
        path = self._disk_path(key)
        if path is None or path.is_file():
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".partial")
            with os.fdopen(handle, "wb") as stream:
                np.savez(stream, terms=matrix.terms, background=matrix.background)
            os.replace(partial, path)
        except OSError:
            pass  # the cache only saves time; tagging works without it

    # -- scoring -----------------------------------------------------------------------------------------------

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """[F, dim] keyframe vectors -> [F, T] probability of each term, per category (see module doc)."""
        matrix = self.prompt_matrix()
        scale = self.vocabulary.calibration.logit_scale
        term_logits = scale * (np.asarray(vectors, np.float32) @ matrix.terms.T)
        background_logits = scale * (np.asarray(vectors, np.float32) @ matrix.background.T)
        probabilities = np.zeros_like(term_logits)
        for members in self._categories:
            logits = np.concatenate([term_logits[:, members], background_logits], axis=1)
            logits -= logits.max(axis=1, keepdims=True)
            weights = np.exp(logits)
            probabilities[:, members] = (weights / weights.sum(axis=1, keepdims=True))[:, : len(members)]
        return probabilities

    def tag(self, frames: Sequence[FrameMoment]) -> list[FoundTag]:
        if not frames:
            return []
        probabilities = self.probabilities(np.stack([frame.vector for frame in frames]))
        calibration = self.vocabulary.calibration
        found = []
        for index, term in enumerate(self.vocabulary.terms):
            column = probabilities[:, index]
            best = int(np.argmax(column))
            if column[best] < calibration.min_probability:
                continue
            spans = [
                (frames[int(f)].start, frames[int(f)].end)
                for f in np.flatnonzero(column >= calibration.min_probability)
            ]
            moments = best_first(merge_moments(spans), (frames[best].start, frames[best].end))
            found.append(FoundTag(term.name, "visual", round(float(column[best]), 4), moments))
        # Ties (a clear drawing scores 1.0 for several terms) go to the term seen for longer.
        found.sort(key=lambda tag: (-tag.score, -sum(end - start for start, end in tag.moments)))
        return found[: calibration.max_tags]

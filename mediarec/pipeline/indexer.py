"""The indexing job: scan -> probe/decode and the picture models (ahead, in a thread) -> the sound models and tags ->
write one transaction per file.

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

import queue
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from mediarec.config import IndexSettings
from mediarec.index.lock import IndexerLock
from mediarec.index.records import ItemIndexResult, ItemRecord
from mediarec.index.store import LibraryStore
from mediarec.media.errors import MediaError, decoder_version
from mediarec.media.probe import MediaInfo
from mediarec.models.base import ModelError
from mediarec.models.clip import OpenClipEncoder
from mediarec.models.model_set import ModelSet
from mediarec.pipeline.decoding import Decoded, decode_item, item_metadata
from mediarec.pipeline.encoding import ItemEncoder, PictureParts
from mediarec.pipeline.failures import UNEXPECTED, failure_reason, stops_the_job
from mediarec.pipeline.stage_timer import StageTimer
from mediarec.rank.item_vector import DEFAULT_WEIGHTS
from mediarec.scan.paths import display_text
from mediarec.scan.sync import ScanReport, needing_indexing, reconcile, requeue_stale_failures

__all__ = ["UNEXPECTED", "IndexProgress", "IndexSummary", "Indexer"]


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
    # Per stage, the wall time with at least one call of it running (stage_seconds sums the calls of files in flight).
    stage_busy_seconds: dict[str, float] = field(default_factory=dict)
    encoded_files: int = 0


_END = object()
# Files encoded at once (their sounds and tags; the pictures are seen in the decode thread, ahead): with two in flight,
# one file's transcription overlaps the next one's sound model and tagging, so the job's wall time comes closer to its
# busiest stage's: on 2 shared cores wall over whisper's busy time 2.0 -> 1.6 (talk-heavy), 1.9 -> 1.5 (mixed), with
# throughput within the noise of a busy machine (benchmarks/bench_indexing.py); the gain is for machines with cores
# to spare. Writes stay in the job's thread, one transaction per file, in order; a stop leaves the other pending.
FILES_IN_FLIGHT = 2


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
        files_in_flight: int = FILES_IN_FLIGHT,
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
        self._timed = StageTimer(self.summary.stage_seconds, self.summary.stage_busy_seconds)
        self.files_in_flight = max(1, files_in_flight)
        self._encoder = ItemEncoder(store, models, settings, self._timed, fusion_weights)
        self._signature: dict[str, str] | None = None

    # -- what needs work ---------------------------------------------------------------------------------------

    def speech_model_id(self) -> str:
        return self._encoder.speech_model_id()

    def current_model_ids(self) -> dict[str, str]:
        return self._encoder.current_model_ids()

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
        return bool(needing_indexing(self.store, [item], self.current_model_ids))

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
        work = needing_indexing(self.store, candidates, self.current_model_ids)
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
        encoding = ThreadPoolExecutor(self.files_in_flight, thread_name_prefix="encode")
        in_flight: deque[tuple[Decoded, Future[ItemIndexResult] | None]] = deque()
        done, decoding = 0, True
        try:
            while decoding or in_flight:
                if decoding and len(in_flight) < self.files_in_flight:
                    # Only the wait with no file encoding is time that overlap does not hide.
                    with self._timed("waiting_for_decode") if not in_flight else nullcontext():
                        handed = decoded_queue.get()
                    if handed is _END:  # also early, when stopped before every file was handed over
                        decoding = False
                        continue
                    decoded, pictures = handed
                    encode = self._encoder.encode
                    encoded = None if decoded.error else encoding.submit(encode, decoded, pictures)
                    in_flight.append((decoded, encoded))
                    if len(in_flight) == 1:  # progress names the oldest file in flight, as with one at a time
                        yield IndexProgress(
                            done, total, decoded.item.path, "indexing", len(self.summary.failed)
                        )
                    continue
                decoded, encoded = in_flight.popleft()
                self._index_one(decoded, encoded)
                done += 1
                yield IndexProgress(done, total, decoded.item.path, "indexing", len(self.summary.failed))
                if self._should_stop():
                    self.summary.cancelled = True
                    break
                if in_flight:
                    next_path = in_flight[0][0].item.path
                    yield IndexProgress(done, total, next_path, "indexing", len(self.summary.failed))
            else:
                self.summary.cancelled = done < total and self.stop_event.is_set()
        finally:
            if decoder.is_alive():  # cancelled, or the consumer went away (Ctrl-C): stop decoding too
                self.stop_event.set()
            encoding.shutdown(wait=True, cancel_futures=True)  # a file still encoding stays pending
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
                with self._timed("decode"):
                    decoded = decode_item(item, self.settings, self.thumbnail_dir)
                handed = (decoded, self._pictures_of(decoded))
                while not self.stop_event.is_set():
                    try:
                        out.put(handed, timeout=0.2)
                        break
                    except queue.Full:
                        continue
        finally:
            out.put(_END)

    def _pictures_of(self, decoded: Decoded) -> Future[PictureParts] | None:
        """The file's picture stages, run here in the decode thread, ahead of its sounds: the encode threads then
        keep the transcriber busy while the next files' pictures are seen (on talk-heavy media the transcriber is
        the slowest stage, and it waited while a file's pictures went first). An error is raised again where the
        file is encoded, so it is recorded as that file's failure (or stops the job) as before."""
        if decoded.error is not None:
            return None
        pictures: Future[PictureParts] = Future()
        try:
            pictures.set_result(self._encoder.encode_pictures(decoded))
        except Exception as error:
            pictures.set_exception(error)
        return pictures

    # -- encode and write stage --------------------------------------------------------------------------------

    def _index_one(self, decoded: Decoded, encoded: Future[ItemIndexResult] | None) -> None:
        try:
            if decoded.error is not None:
                raise decoded.error
            assert encoded is not None  # every file that decoded was submitted
            self._write_result(decoded.item, encoded.result(), decoded.info)
        except Exception as error:
            # What a broken file makes decoding raise has known reasons.
            self._record_failure(decoded.item, error, decoded.info, decoding=error is decoded.error)

    # The cluster job (pipeline.cluster) writes what its workers send back through these two, as this job does.
    def _write_result(self, item: ItemRecord, result: ItemIndexResult, info: MediaInfo | None) -> None:
        with self._timed("database"):
            self.store.write_index_result(item.id, result)
        self.summary.indexed.append(item.path)
        self.summary.encoded_files += 1
        self.summary.media_seconds += info.duration if info else 0.0

    def _record_failure(
        self, item: ItemRecord, error: Exception, info: MediaInfo | None, *, decoding: bool
    ) -> None:
        if stops_the_job(error):
            raise error  # this file and the rest stay pending; the next run, once the problem is fixed, does them
        known = decoding or isinstance(error, (MediaError, MemoryError))
        self._fail(item, failure_reason(item, error, known=known), info)

    def _fail(self, item: ItemRecord, reason: str, info: MediaInfo | None) -> None:
        # The reason is recorded without the path (the item has it); the summary's line names the file once.
        with self._timed("database"):
            self.store.mark_error(
                item.id,
                display_text(reason),
                item_metadata(info, item) if info else None,
                failed_under=self.failure_signature(),
            )
        self.summary.failed.append((item.path, f"{item.path}: {reason}"))


def _drain(decoded_queue: queue.Queue, decoder: threading.Thread) -> None:
    """Let the decode thread finish (it stops at the next file once stop_event is set) without blocking on put."""
    while decoder.is_alive():
        try:
            decoded_queue.get(timeout=0.1)
        except queue.Empty:
            continue

"""The indexing job on a Ray cluster: the head scans and writes, the workers decode and encode.

It is the local job (pipeline.indexer.Indexer) with another middle: the scan, the reconcile, the choice of what
needs indexing, the lock, the failure rules and the one-transaction-per-file writes are the local job's own code;
only ``_index_items`` differs. Decoding runs as Ray tasks (pipeline.cluster.worker.decode_on_worker), a few per
encoder ahead of it; the encoders are actors (pipeline.cluster.pool) fed batches of decoded files; each file's
result comes back to the head, the only writer of the library.

A worker that dies loses only its files in flight: they are decoded again and encoded alone (so a file that kills
its worker cannot take others down with it), up to MAX_ATTEMPTS times before it is recorded as failed. A head that
is killed loses nothing written: the next run finds those files indexed and does the rest.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediarec.config import Settings
from mediarec.index.records import ItemRecord
from mediarec.index.store import LibraryStore
from mediarec.models.model_set import ModelSet
from mediarec.pipeline.cluster.connection import ClusterAddress, WorkerPlan, connect, disconnect, plan_workers
from mediarec.pipeline.cluster.pool import Encoder, EncoderPool
from mediarec.pipeline.cluster.worker import DecodeReport, FileOutcome, decode_on_worker
from mediarec.pipeline.indexer import Indexer, IndexProgress
from mediarec.rank.item_blocks import remember_layout

_log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
WORKER_LOST = "the worker indexing it stopped each time it tried (out of memory, or a crash)"
_WAIT_SECONDS = 0.5  # how often the progress bar hears from the job while nothing finishes


@dataclass
class _InFlight:
    item: ItemRecord
    attempts: int  # how many of its earlier tries a worker's death ended
    decoded: Any = None  # ObjectRef of the Decoded
    data: Any = None  # ObjectRef of the file's bytes, when workers cannot see it by path


@dataclass
class ClusterReport:
    """What the job did on the cluster, for the command line's summary."""

    address: str
    encoders: str = ""
    workers: list[dict] = field(default_factory=list)
    sent_as_bytes: int = 0
    retried: int = 0
    workers_lost: int = 0
    start_seconds: float = 0.0  # connecting and starting the first encoder

    def as_json(self) -> dict:
        return {
            "address": self.address,
            "encoders": self.encoders,
            "workers": self.workers,
            "sent_as_bytes": self.sent_as_bytes,
            "retried": self.retried,
            "workers_lost": self.workers_lost,
            "start_seconds": round(self.start_seconds, 2),
        }


class ClusterIndexer(Indexer):
    """``send_bytes``: None decides by itself (by path until a worker cannot see a file, then as bytes); True
    always sends bytes (workers on other file systems); False never does."""

    def __init__(
        self,
        store: LibraryStore,
        models: ModelSet,
        settings: Settings,
        address: ClusterAddress,
        *,
        stop_event: threading.Event | None = None,
        pause_event: threading.Event | None = None,
        send_bytes: bool | None = None,
        batch_size: int = 2,
        cpus_per_encoder: int = 1,
    ):
        super().__init__(
            store,
            models,
            settings.index,
            settings.thumbnail_dir,
            stop_event=stop_event,
            pause_event=pause_event,
        )
        self.full_settings = settings
        self.address = address
        self.send_bytes = send_bytes
        self.batch_size = max(1, batch_size)
        self.cpus_per_encoder = max(1, cpus_per_encoder)
        self.cluster = ClusterReport(str(address))
        self._pool: EncoderPool | None = None
        self._started = time.perf_counter()
        self._decoded_files = 0
        self._encoded_media_seconds = 0.0

    def progress_note(self) -> str:
        """Files are counted by the bar itself; this is the media done and each stage's rate."""
        elapsed = max(1e-9, time.perf_counter() - self._started)
        workers = len(self._pool.ready) if self._pool else 0
        return (
            f"{self._encoded_media_seconds / 3600:.2f} h media, decode {self._decoded_files / elapsed:.2f}/s, "
            f"encode {self.summary.encoded_files / elapsed:.2f}/s, {workers} encoders"
        )

    def encoder_workers(self) -> list[dict]:
        """The ready encoders: node, pid, device, models."""
        return self._pool.workers if self._pool else []

    def _write_outcome(self, item: ItemRecord, outcome: FileOutcome) -> None:
        """What a worker sent back, written as the local job writes its own results (one transaction per file,
        pipeline.indexer), or recorded as failed under the local job's rules."""
        for stage, seconds in outcome.stage_seconds.items():
            self.summary.stage_seconds[stage] += seconds
        if outcome.result is None:
            error = outcome.error or RuntimeError("the worker returned neither a result nor an error")
            self._record_failure(item, error, outcome.info, decoding=outcome.decoding)
            return
        try:
            if outcome.layout is not None:
                remember_layout(self.store, outcome.layout)  # what the local ItemEncoder does itself
            self._write_result(item, outcome.result, outcome.info)
        except Exception as error:
            self._record_failure(item, error, outcome.info, decoding=False)
            return
        self._encoded_media_seconds += outcome.info.duration if outcome.info else 0.0

    # -- the job's middle ----------------------------------------------------------------------------------------

    def _index_items(self, work: list[ItemRecord]) -> Iterator[IndexProgress]:
        if not work:  # nothing to encode: no cluster needed
            return
        self._started = time.perf_counter()
        ray, connected_here = connect(self.address, self.cpus_per_encoder)
        try:
            plan = plan_workers(ray.cluster_resources(), self.full_settings.device, self.cpus_per_encoder)
            self.cluster.encoders = plan.describe()
            self._pool = EncoderPool(ray, self.full_settings, plan, self.current_model_ids())
            yield from _Schedule(self, ray, self._pool, plan).run(work)
        finally:
            if self._pool is not None:
                self.cluster.workers = self._pool.workers
                self.cluster.workers_lost = self._pool.lost
                self._pool.stop()
            if connected_here:
                disconnect()


class _Schedule:
    """The head's loop: keep decodes and batches in flight, take whatever finishes, write it."""

    def __init__(self, job: ClusterIndexer, ray, pool: EncoderPool, plan: WorkerPlan):
        self.job = job
        self.ray = ray
        self.pool = pool
        self.waiting: deque[_InFlight] = deque()
        self.decoding: dict[Any, _InFlight] = {}  # the DecodeReport's ref -> the file
        self.ready: deque[_InFlight] = deque()  # decoded, waiting for an encoder
        self.encoding: dict[Any, tuple[Encoder, list[_InFlight]]] = {}
        self.done = 0
        self.current: str | None = None
        self.bytes_from_now = job.send_bytes is True
        # One decoder per encoder, as the local job has its decode thread; a few files decoded ahead of each.
        self.parallel_decodes = plan.encoders
        self.decoded_ahead = (max(1, job.settings.decode_ahead) + job.batch_size) * plan.encoders
        self._decode = ray.remote(decode_on_worker).options(
            num_cpus=0, num_returns=2, max_retries=MAX_ATTEMPTS, scheduling_strategy="SPREAD"
        )

    def run(self, work: list[ItemRecord]) -> Iterator[IndexProgress]:
        total = len(work)
        self.waiting.extend(_InFlight(item, 0) for item in work)
        job = self.job
        try:
            while self.waiting or self.decoding or self.ready or self.encoding:
                self._send_decodes()
                self._send_batches()
                self.pool.check_progress()
                refs = [*self.decoding, *self.encoding, *self.pool.starting]
                finished = []  # nothing in flight: what was waiting could not be sent (the head could not read it)
                if refs:
                    finished, _ = self.ray.wait(refs, num_returns=1, timeout=_WAIT_SECONDS)
                for ref in finished:
                    self._take(ref)
                if job.cluster.start_seconds == 0.0 and self.pool.ready:
                    job.cluster.start_seconds = time.perf_counter() - job._started
                yield IndexProgress(self.done, total, self.current, "indexing", len(job.summary.failed))
                if job._should_stop():
                    job.summary.cancelled = self.done < total
                    return
        finally:
            for ref in self.decoding:
                with contextlib.suppress(Exception):  # the cluster may be gone (that may be why we stop)
                    self.ray.cancel(ref)

    # -- sending -------------------------------------------------------------------------------------------------

    def _send_decodes(self) -> None:
        while (
            self.waiting
            and len(self.decoding) < self.parallel_decodes
            and len(self.decoding) + len(self.ready) < self.decoded_ahead
        ):
            file = self.waiting.popleft()
            if self.bytes_from_now and file.data is None and self.job.send_bytes is not False:
                file.data = self._bytes_of(file.item)
                if file.data is None:
                    continue  # the head cannot read it: recorded as failed
            report, file.decoded = self._decode.remote(
                file.item, self.job.settings, str(self.job.thumbnail_dir), file.data
            )
            self.decoding[report] = file

    def _bytes_of(self, item: ItemRecord):
        try:
            data = Path(item.path).read_bytes()
        except OSError as error:
            self._record_failure(item, error, decoding=True)
            return None
        self.job.cluster.sent_as_bytes += 1
        return self.ray.put(data)

    def _send_batches(self) -> None:
        while self.ready:
            encoder = self.pool.idle()
            if encoder is None:
                return
            batch = [self.ready.popleft()]
            if batch[0].attempts == 0:  # a file retried after a worker's death goes alone
                while self.ready and len(batch) < self.job.batch_size and self.ready[0].attempts == 0:
                    batch.append(self.ready.popleft())
            arguments = [ref for file in batch for ref in (file.decoded, file.data)]
            self.encoding[encoder.handle.encode_batch.remote(*arguments)] = (encoder, batch)
            encoder.batches += 1

    # -- taking what finished ------------------------------------------------------------------------------------

    def _take(self, ref) -> None:
        if ref in self.decoding:
            self._decoded(ref, self.decoding.pop(ref))
        elif ref in self.encoding:
            encoder, batch = self.encoding.pop(ref)
            encoder.batches -= 1
            self._encoded(ref, encoder, batch)
        else:
            self.pool.started(ref)

    def _decoded(self, ref, file: _InFlight) -> None:
        errors = self.ray.exceptions
        try:
            report: DecodeReport = self.ray.get(ref)
        except errors.RayTaskError as error:  # a bug around decode_item, which itself never raises
            self._record_failure(file.item, error.cause or error, decoding=True)
            return
        except errors.RayError as error:  # its worker died MAX_ATTEMPTS times (Ray retried the task)
            _log.warning("decoding %s: %s", file.item.path, error)
            self._give_up(file.item)
            return
        if not report.visible:
            self._use_bytes(report, file)
            return
        try:
            self._write_thumbnails(report)
        except OSError as error:
            self._record_failure(file.item, error, decoding=True)
            return
        self._decoded_files_add(report)
        if not report.long_track:
            file.data = None  # the encoder needs the bytes only to decode a long track's blocks again
        self.ready.append(file)

    def _decoded_files_add(self, report: DecodeReport) -> None:
        self.job._decoded_files += 1
        self.job.summary.stage_seconds["decode"] += report.seconds

    def _use_bytes(self, report: DecodeReport, file: _InFlight) -> None:
        if self.job.send_bytes is False:
            self._record_failure(
                file.item,
                FileNotFoundError(f"a worker (node {report.node}) cannot see this file"),
                decoding=True,
            )
            return
        if not self.bytes_from_now:
            _log.warning(
                "a worker (node %s) cannot see %s at that path: files now travel to the workers as bytes "
                "(mount the library at the same path on every worker to avoid it)",
                report.node,
                file.item.path,
            )
            self.bytes_from_now = True
        self.waiting.appendleft(file)

    def _write_thumbnails(self, report: DecodeReport) -> None:
        with self.job._timed("thumbnails"):
            for relative, data in report.thumbnails.items():
                path = self.job.thumbnail_dir / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)

    def _encoded(self, ref, encoder: Encoder, batch: list[_InFlight]) -> None:
        errors = self.ray.exceptions
        try:
            outcomes: list[FileOutcome] = self.ray.get(ref)
        except errors.RayTaskError as error:  # a bug in encode_batch around the encoder, which returns errors
            for file in batch:
                self._record_failure(file.item, error.cause or error, decoding=False)
            return
        except errors.RayError as error:  # the actor died (process or machine), or a decoded file was lost
            if isinstance(error, errors.RayActorError):
                self.pool.replace(encoder, error)
            for file in batch:
                self._retry(file)
            return
        for file, outcome in zip(batch, outcomes, strict=True):
            self._write(file.item, outcome)

    def _retry(self, file: _InFlight) -> None:
        if file.attempts + 1 >= MAX_ATTEMPTS:
            self._give_up(file.item)
            return
        self.job.cluster.retried += 1
        # Decoded again: what was decoded may have been lost with the machine.
        self.waiting.appendleft(_InFlight(file.item, file.attempts + 1, data=None))

    def _give_up(self, item: ItemRecord) -> None:
        self.job._fail(item, WORKER_LOST, None)
        self._finished(item)

    # -- writing (the local job's own code) ----------------------------------------------------------------------

    def _write(self, item: ItemRecord, outcome: FileOutcome) -> None:
        self.job._write_outcome(item, outcome)  # raises what stops the job
        self._finished(item)

    def _record_failure(self, item: ItemRecord, error: Exception, *, decoding: bool, info=None) -> None:
        self.job._record_failure(item, error, info, decoding=decoding)  # raises what stops the job
        self._finished(item)

    def _finished(self, item: ItemRecord) -> None:
        self.done += 1
        self.current = item.path

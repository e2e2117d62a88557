"""What runs on a cluster's workers: the local pipeline's own decode and encode stages, with no library store.

``decode_on_worker`` is a Ray task: it runs pipeline.decoding.decode_item on the file (by its path when the worker
sees the same file there, from bytes the head sent otherwise), and sends the thumbnails back as bytes, named as the
head's thumbnail folder will hold them. ``EncoderWorker`` is a Ray actor holding one pipeline.encoding.ItemEncoder
(its models load once per actor); it encodes a batch of decoded files and returns each file's result or error. The
head writes everything (pipeline.cluster.job): a worker never opens the library database.

Nothing here imports Ray, so the same code runs (and is tested) in one process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import shutil
import tempfile
import time
import traceback
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mediarec import __version__
from mediarec.config import IndexSettings, Settings
from mediarec.index.records import ItemIndexResult, ItemRecord
from mediarec.media.probe import MediaInfo
from mediarec.pipeline.decoding import Decoded, decode_item, first_audio_block
from mediarec.rank.item_vector import DEFAULT_WEIGHTS, FusionLayout

# A file's mtime as another machine's file system reports it may be rounded (NFS, SMB: to 1 or 2 s).
_MTIME_SLACK_SECONDS = 2.0


@dataclass
class DecodeReport:
    """The small part of a decode task's answer, which the head reads; the Decoded itself goes to an encoder."""

    item_id: int
    visible: bool  # False: this worker does not see the file at its path; the head sends it as bytes
    node: str = ""
    seconds: float = 0.0
    media_seconds: float = 0.0
    long_track: bool = False  # audio longer than one block: the encoder decodes it again, block by block
    thumbnails: dict[str, bytes] = field(default_factory=dict)  # path under the thumbnail folder -> JPEG


@dataclass
class FileOutcome:
    """One file through the encoder: its result and the fusion layout it used, or the error that stopped it."""

    item_id: int
    result: ItemIndexResult | None
    layout: FusionLayout | None
    error: Exception | None
    decoding: bool  # the error came from decoding (whose errors for broken files have known reasons)
    info: MediaInfo | None
    stage_seconds: dict[str, float]


class WorkerError(RuntimeError):
    """An error a worker raised that cannot travel to the head as itself (it does not pickle): its type and
    traceback as text, so the head's log shows them."""


def sees_file(item: ItemRecord) -> bool:
    """Whether this machine has the head's file at the same path: same size, and the same mtime within what
    network file systems round it to."""
    try:
        status = os.stat(item.path)
    except OSError:
        return False
    return status.st_size == item.size and abs(status.st_mtime - item.mtime) <= _MTIME_SLACK_SECONDS


@contextlib.contextmanager
def local_copy(item: ItemRecord, data: bytes | None) -> Iterator[str]:
    """The file's path on this worker: its own path, or a temporary copy of the bytes the head sent (with the
    same suffix, which decoders may read), removed afterwards."""
    if data is None:
        yield item.path
        return
    folder = tempfile.mkdtemp(prefix="mediarec-file-")
    try:
        path = Path(folder) / f"file{Path(item.path).suffix}"
        path.write_bytes(data)
        yield str(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def decode_on_worker(
    item: ItemRecord, settings: IndexSettings, head_thumbnail_dir: str, data: bytes | None
) -> tuple[DecodeReport, Decoded | None]:
    """Decode one file as the local indexer does. ``data`` is the file's bytes, or None to read it by path."""
    started = time.perf_counter()
    report = DecodeReport(item.id, visible=data is not None or sees_file(item), node=_node())
    if not report.visible:
        return report, None
    thumbnails = tempfile.mkdtemp(prefix="mediarec-thumbnails-")
    try:
        with local_copy(item, data) as path:
            decoded = decode_item(dataclasses.replace(item, path=path), settings, Path(thumbnails))
            if decoded.audio_rest is not None:  # a generator cannot travel: the encoder reopens the blocks
                decoded.audio_rest.close()  # type: ignore[attr-defined]
                decoded.audio, decoded.audio_rest = None, None
                report.long_track = True
        _as_on_the_head(decoded, item)
        report.thumbnails = _thumbnails_for_head(decoded, Path(thumbnails), Path(head_thumbnail_dir))
    finally:
        shutil.rmtree(thumbnails, ignore_errors=True)
    decoded.error = travelling(decoded.error)
    report.media_seconds = decoded.info.duration if decoded.info else 0.0
    report.seconds = time.perf_counter() - started
    return report, decoded


def _as_on_the_head(decoded: Decoded, item: ItemRecord) -> None:
    """A file decoded from a temporary copy is described by its own path again."""
    decoded.item = item
    if decoded.info is not None:
        decoded.info = dataclasses.replace(decoded.info, path=item.path)


def _thumbnails_for_head(decoded: Decoded, here: Path, head: Path) -> dict[str, bytes]:
    """The thumbnails' bytes by their path under the thumbnail folder; the segments name them where the head
    writes them (head / that path), as the local indexer names its own."""
    files: dict[str, bytes] = {}
    named = []
    for thumbnail in decoded.thumbnails:
        relative = Path(thumbnail).relative_to(here).as_posix()
        files[relative] = Path(thumbnail).read_bytes()
        named.append(str(head / relative))
    decoded.thumbnails = named
    return files


def travelling(error: Exception | None) -> Exception | None:
    """The error itself when it pickles (most do: media.errors.MediaError keeps its fields), else a WorkerError
    with its text, so one odd exception type never loses the file's outcome."""
    if error is None:
        return None
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        return WorkerError(f"{type(error).__name__} on a worker: {text}")


def _node() -> str:
    try:
        import ray

        return ray.get_runtime_context().get_node_id() if ray.is_initialized() else "local"
    except ImportError:
        return "local"


class EncoderWorker:
    """The encoders of one worker: the same ItemEncoder as the local job, without a store."""

    def __init__(self, settings: Settings, device: str):
        from mediarec.models.model_set import ModelSet
        from mediarec.models.offline import keep_offline
        from mediarec.pipeline.encoding import ItemEncoder
        from mediarec.pipeline.stage_timer import StageTimer

        settings = settings.with_updates(device=device, cache_dir=worker_cache_dir(settings.cache_dir))
        keep_offline(settings)  # before any model library is imported here, as in every mediarec process
        self.device = device
        self._seconds: dict[str, float] = defaultdict(float)
        self._encoder = ItemEncoder(
            None, ModelSet.for_settings(settings), settings.index, StageTimer(self._seconds), DEFAULT_WEIGHTS
        )

    def describe(self) -> dict:
        """What the head checks before sending work: the models' ids must be its own, or the worker would write
        vectors into other spaces than a local run."""
        return {
            "version": __version__,
            "model_ids": self._encoder.current_model_ids(),
            "node": _node(),
            "pid": os.getpid(),
            "device": self.device,
        }

    def encode_batch(self, *files: Decoded | bytes | None) -> list[FileOutcome]:
        """``files`` is decoded, bytes, decoded, bytes, ... (flat, so that Ray hands each over resolved): the
        bytes are None but for a long track of a file this worker cannot see by path, whose audio the encoder
        decodes again block by block (DecodeReport.long_track)."""
        pairs = zip(files[::2], files[1::2], strict=True)
        return [self._encode_one(decoded, data) for decoded, data in pairs]  # type: ignore[arg-type]

    def _encode_one(self, decoded: Decoded, data: bytes | None) -> FileOutcome:
        self._seconds.clear()
        item = decoded.item
        if decoded.error is not None:
            return self._outcome(item, None, decoded.error, decoding=True, info=decoded.info)
        try:
            if decoded.audio is None and decoded.info is not None and decoded.info.has_audio:
                with local_copy(item, data) as path:  # a long track: decode_on_worker let its blocks go
                    decoded.audio, decoded.audio_rest = first_audio_block(path)
                    result = self._encoder.encode(decoded)
            else:
                result = self._encoder.encode(decoded)
        except Exception as error:
            return self._outcome(item, None, error, decoding=False, info=decoded.info)
        return self._outcome(item, result, None, decoding=False, info=decoded.info)

    def _outcome(
        self,
        item: ItemRecord,
        result: ItemIndexResult | None,
        error: Exception | None,
        *,
        decoding: bool,
        info: MediaInfo | None,
    ) -> FileOutcome:
        layout = getattr(self._encoder, "last_layout", None) if result is not None else None
        return FileOutcome(item.id, result, layout, travelling(error), decoding, info, dict(self._seconds))


def worker_cache_dir(head_cache_dir: Path) -> Path:
    """The head's cache folder where this machine can write it (a shared home), else this machine's own: models
    are then fetched (or assembled from their packages) once per machine."""
    try:
        head_cache_dir.mkdir(parents=True, exist_ok=True)
        if os.access(head_cache_dir, os.W_OK):
            return head_cache_dir
    except OSError:
        pass
    import platformdirs

    return Path(platformdirs.user_cache_dir("mediarec"))

"""`mediarec index` and `mediarec failed`: indexing folders from the command line, and what could not be indexed."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from mediarec.cli.output import CRASH_LOG_NAME, UsageError, print_json
from mediarec.errors import MediarecError
from mediarec.scan.paths import display_path, display_text, one_line

# The progress bar names the file being indexed in at most this many characters: a longer name (file systems take
# 255 bytes) would wrap the bar onto new lines at every refresh.
PROGRESS_NAME_CHARACTERS = 40


def _short(name: str, limit: int = PROGRESS_NAME_CHARACTERS) -> str:
    """The name, or its start and end around an ellipsis (the end keeps the extension) when it is longer."""
    if len(name) <= limit:
        return name
    tail = (limit - 1) // 2
    return f"{name[: limit - 1 - tail]}…{name[-tail:]}"


def cmd_index(library, args) -> int:
    from tqdm import tqdm

    from mediarec.pipeline.indexer import UNEXPECTED

    indexer = _cluster_indexer(library, args) if args.cluster else library.indexer()
    library.add_folders(args.paths)
    missing = [path for path in args.paths if not Path(path).expanduser().exists()]
    if missing:
        raise UsageError(f"not found: {', '.join(missing)}")
    bar = None
    total = None
    with _error_log(library.settings.data_dir) as log:
        try:
            for progress in indexer.run(args.paths):
                total = progress.total if progress.stage == "indexing" else total
                if args.no_progress or args.json:
                    continue
                if progress.stage == "indexing":
                    if bar is None:
                        bar = tqdm(total=progress.total, unit="file", desc="indexing", file=sys.stderr)
                    bar.n = progress.done
                    note = _short(one_line(Path(progress.current).name)) if progress.current else ""
                    bar.set_postfix_str(indexer.progress_note() if args.cluster else note, refresh=True)
        except MediarecError as error:
            # Not one file's fault (a model, the library's disk, the config): the job stops; what is not done yet
            # stays pending for the next run.
            if bar is not None:
                bar.close()
            if total is None:
                raise
            done = len(indexer.summary.indexed) + len(indexer.summary.failed)
            print(f"error: {error}", file=sys.stderr)
            print(
                f"stopped after {done} of {total} files; the other {total - done} are still to do, and running "
                "the same command again once this is fixed indexes them",
                file=sys.stderr,
            )
            return error.exit_code
    if bar is not None:
        bar.close()
    summary = indexer.summary
    # What the scan could not read, once each (a folder given twice is scanned twice), as the user can read it:
    # a name with bytes that are not UTF-8 shows them as \xNN, in the text and in the JSON alike.
    unreadable = [
        {"path": display_path(path), "reason": reason}
        for path, reason in dict(summary.scan.unreadable).items()
    ]
    report = {
        "added": len(summary.scan.added),
        "moved": len(summary.scan.moved),
        "changed": len(summary.scan.changed),
        "missing": len(summary.scan.missing),
        "unreadable": len(unreadable),
        "skipped": unreadable,
        "indexed": len(summary.indexed),
        "up_to_date": summary.up_to_date,
        "failed": [
            {"path": display_path(path), "error": display_text(_without_path(path, error))}
            for path, error in summary.failed
        ],
        "cancelled": summary.cancelled,
        "media_seconds": round(summary.media_seconds, 2),
        "wall_seconds": round(summary.wall_seconds, 2),
        "stage_seconds": {stage: round(value, 3) for stage, value in summary.stage_seconds.items()},
    }
    if args.cluster:  # encoders, workers (node, pid, device), files sent as bytes, retried, workers lost
        report["cluster"] = indexer.cluster.as_json()
    still_failing = len(library.failed_items())
    earlier = max(0, still_failing - len(report["failed"]))
    report["still_failing"] = still_failing
    report["failing_from_earlier_runs"] = earlier
    if args.json:
        print_json(report)
    else:
        print(
            f"{report['indexed']} indexed, {report['up_to_date']} already up to date, "
            f"{len(report['failed'])} failed, {report['moved']} moved, {report['missing']} gone"
            + (f", {report['unreadable']} skipped (cannot read)" if unreadable else "")
            + f" ({report['wall_seconds']:.1f} s)"
        )
        for skipped in unreadable:
            print(f"  skipped (cannot read): {one_line(skipped['path'])}: {skipped['reason']}")
        for failure in report["failed"]:
            print(f"  failed: {one_line(failure['path'])}: {one_line(failure['error'])}")
        if any(failure["error"] == UNEXPECTED for failure in report["failed"]):
            print(f"the details of the unexpected errors are in {log}")
        if earlier:
            files = "1 file still fails" if earlier == 1 else f"{earlier} files still fail"
            print(f"{files} from earlier runs; mediarec failed lists them")
        elif still_failing:
            print(f"{still_failing} file(s) in the library could not be indexed; mediarec failed lists them")
    # Nothing could be indexed although something was to be: a script must not take that for success.
    return 1 if report["failed"] and not report["indexed"] else 0


def _cluster_indexer(library, args):
    from mediarec.pipeline.cluster import ClusterIndexer, parse_cluster_address

    # Unlike library.indexer(), the head's device is not chosen: each worker chooses its own (pipeline.cluster).
    address = parse_cluster_address(args.cluster)
    return ClusterIndexer(
        library.store, library.models, library.settings, address, cpus_per_encoder=args.cpus_per_encoder
    )


def _without_path(path: str, message: str) -> str:
    """A failure's reason: the indexer's summary line names the file first, and the line shows the path once."""
    return message[len(path) + 2 :] if message.startswith(f"{path}: ") else message


class _QuietFileHandler(logging.FileHandler):
    def handleError(self, record: logging.LogRecord) -> None:
        pass  # a log that cannot be written must not put a traceback on the terminal


@contextlib.contextmanager
def _error_log(data_dir: Path):
    """While indexing, what the pipeline logs (the traceback of an unexpected error in one file) goes to the
    library's error log, beside what write_crash_log writes; the temporary folder when the data folder is not
    writable. Yields the log's path."""
    folder = Path(data_dir) if os.access(data_dir, os.W_OK) else Path(tempfile.gettempdir())
    handler = _QuietFileHandler(
        folder / CRASH_LOG_NAME, encoding="utf-8", errors="backslashreplace", delay=True
    )
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("--- %(asctime)s mediarec index: %(levelname)s %(message)s"))
    logger = logging.getLogger("mediarec")
    logger.addHandler(handler)
    propagate, logger.propagate = (
        logger.propagate,
        False,
    )  # not also on the terminal, if a library set up logging
    try:
        yield handler.baseFilename
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        handler.close()


def cmd_failed(library, args) -> int:
    failed = library.failed_items()
    if args.json:
        print_json([{"path": item.path, "error": item.error} for item in failed])
        return 0
    if not failed:
        print("No file failed to index.")
    for item in failed:
        print(f"{one_line(item.path)}: {one_line(item.error or '')}")
    return 0


INDEXING_COMMANDS: dict[str, Callable] = {"index": cmd_index, "failed": cmd_failed}

"""The `mediarec` command line: the contract that scripts and outside tools rely on (see README)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from mediarec import __version__
from mediarec.cli.arguments import fraction, positive_int, seconds
from mediarec.cli.output import (
    CRASH_LOG_NAME,
    UsageError,
    clock,
    print_json,
    read_lines,
    tolerate_unprintable_names,
    write_crash_log,
)
from mediarec.cli.understanding import UNDERSTANDING_COMMANDS, add_understanding_parsers
from mediarec.config import ENV_CONFIG, ENV_DATA_DIR, ENV_PROFILE, ConfigError, load_settings
from mediarec.errors import MediarecError
from mediarec.models.offline import keep_offline
from mediarec.scan.paths import display_path, display_text

DESCRIPTION = """\
mediarec: an offline media library that indexes your audio and video with neural encoders and finds the
moment you are looking for. With no command, opens the desktop app."""

EPILOG = f"""\
environment variables: {ENV_DATA_DIR}, {ENV_CONFIG} and {ENV_PROFILE} are the twins of --data-dir,
--config and --profile. Profiles: 'default' downloads the product models on first use; 'offline' uses only
weights that ship inside installed Python packages plus the tiny CLIP in resources/ (see README)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mediarec",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mediarec {__version__}")
    parser.add_argument("--data-dir", help="folder of the library database and its thumbnails")
    parser.add_argument("--config", help="TOML config file (models per role, device, index settings)")
    parser.add_argument("--profile", help="model profile: default or offline")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    index = commands.add_parser("index", help="index or refresh folders and files, with a progress bar")
    index.add_argument("paths", nargs="+", metavar="PATH")
    index.add_argument("--json", action="store_true", help="print a JSON summary instead of text")
    index.add_argument("--no-progress", action="store_true", help="no progress bar")

    search = commands.add_parser("search", help="ranked items with their best moments")
    search.add_argument("query", nargs="?", help="what to look for, in any language")
    search.add_argument(
        "--queries", metavar="FILE", help="one query per line; prints one JSON line per query"
    )
    search.add_argument("--limit", type=positive_int, default=10)
    search.add_argument("--json", action="store_true")
    search.add_argument(
        "--weak", action="store_true", help="also show weak matches (below the match threshold)"
    )

    similar = commands.add_parser("similar", help="more like this")
    similar.add_argument("path", nargs="?", metavar="PATH")
    similar.add_argument("--paths", metavar="FILE", help="one path per line; prints one JSON line per path")
    similar.add_argument("--limit", type=positive_int, default=10)
    similar.add_argument("--json", action="store_true")
    similar.add_argument(
        "--by",
        choices=("all", "looks", "sounds", "talks"),
        default="all",
        help="alike in every way (all), or only in what it looks like, sounds like or talks about",
    )

    show = commands.add_parser("show", help="all that is known about a file: metadata, transcript, tags")
    show.add_argument("path", metavar="PATH")
    show.add_argument("--json", action="store_true")

    add_understanding_parsers(commands)  # tags, chapters, tag add|remove|suggest|accept|reject

    watch = commands.add_parser("watch", help="record that you watched or listened to a file")
    watch.add_argument("path", metavar="PATH")
    watch.add_argument("--seconds", type=seconds, required=True, help="how long you watched")
    watch.add_argument("--start", type=seconds, default=0.0, help="where in the file you started (seconds)")
    feeling = watch.add_mutually_exclusive_group()
    feeling.add_argument("--like", action="store_true")
    feeling.add_argument("--dislike", action="store_true")
    watch.add_argument("--json", action="store_true")

    rate = commands.add_parser("rate", help="like, dislike or 'not interested' without watching")
    rate.add_argument("path", metavar="PATH")
    rate.add_argument("feedback", choices=("like", "dislike", "not-interested", "clear"))

    recommend = commands.add_parser("recommend", help="for you: what to watch next, each with a reason")
    recommend.add_argument("--limit", type=positive_int, default=10)
    recommend.add_argument(
        "--diversity", type=fraction, default=0.3, help="0 = most relevant only, 1 = as varied as possible"
    )
    recommend.add_argument("--json", action="store_true")

    evaluate = commands.add_parser(
        "eval", help="measure search, similarity, speech-to-text and recommendations on a labelled set"
    )
    evaluate.add_argument(
        "what",
        nargs="?",
        default="all",
        choices=("all", "search", "similar", "asr", "recommend", "fusion", "tags"),
    )
    evaluate.add_argument(
        "--manifest", required=True, metavar="FILE", help="JSON lines of labelled items and queries"
    )
    evaluate.add_argument(
        "--out", required=True, metavar="DIR", help="report.md, report.json and plots go here"
    )
    evaluate.add_argument("--json", action="store_true", help="print the results as JSON")

    commands.add_parser(
        "failed", help="the files that could not be indexed, each with its reason"
    ).add_argument("--json", action="store_true")

    doctor = commands.add_parser("doctor", help="what works here: sqlite-vec, libVLC, GPU, models")
    doctor.add_argument("--json", action="store_true")

    commands.add_parser("gui", help="open the desktop app")
    return parser


# -- commands ----------------------------------------------------------------------------------------------------


def cmd_index(library, args) -> int:
    from tqdm import tqdm

    from mediarec.pipeline.indexer import UNEXPECTED

    indexer = library.indexer()
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
                    bar.set_postfix_str(Path(progress.current).name if progress.current else "", refresh=True)
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
            print(f"  skipped (cannot read): {skipped['path']}: {skipped['reason']}")
        for failure in report["failed"]:
            print(f"  failed: {failure['path']}: {failure['error']}")
        if any(failure["error"] == UNEXPECTED for failure in report["failed"]):
            print(f"the details of the unexpected errors are in {log}")
        if earlier:
            files = "1 file still fails" if earlier == 1 else f"{earlier} files still fail"
            print(f"{files} from earlier runs; mediarec failed lists them")
        elif still_failing:
            print(f"{still_failing} file(s) in the library could not be indexed; mediarec failed lists them")
    # Nothing could be indexed although something was to be: a script must not take that for success.
    return 1 if report["failed"] and not report["indexed"] else 0


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
        print(f"{item.path}: {item.error}")
    return 0


def _print_hits(hits, as_json: bool) -> None:
    if as_json:
        print_json([hit.to_json() for hit in hits])
        return
    if not hits:
        print("No matches.")
    for rank, hit in enumerate(hits, start=1):
        data = hit.to_json()
        where = f" @ {clock(data['start'])}" if "start" in data else ""
        print(
            f"{rank:2d}. {data['title']}{where}  [{data.get('modality', '')} {data['score']:.3f}]  {data['path']}"
        )
        if data.get("snippet"):
            print(f"      “{data['snippet']}”")


def cmd_search(library, args) -> int:
    if args.queries:
        for query in read_lines(args.queries):
            hits = library.search(query, args.limit, include_weak=args.weak)
            print_json({"query": query, "results": [hit.to_json() for hit in hits]})
        return 0
    if not args.query:
        raise UsageError("give a QUERY or --queries FILE")
    _print_hits(library.search(args.query, args.limit, include_weak=args.weak), args.json)
    return 0


def cmd_similar(library, args) -> int:
    if args.paths:
        for path in read_lines(args.paths):
            try:
                results = [hit.to_json() for hit in library.similar(path, args.limit, args.by)]
                print_json({"path": path, "results": results})
            except MediarecError as error:
                print_json({"path": path, "error": str(error), "results": []})
        return 0
    if not args.path:
        raise UsageError("give a PATH or --paths FILE")
    _print_hits(library.similar(args.path, args.limit, args.by), args.json)
    return 0


def cmd_show(library, args) -> int:
    details = library.show(args.path)
    if args.json:
        print_json(details)
        return 0
    print(f"{details['title']}  ({details['kind']}, {clock(details['duration'] or 0)})")
    print(f"  {details['path']}")
    if details["metadata"].get("truncated"):
        print(
            f"  truncated: holds {clock(details['duration'] or 0)} of a declared {clock(details['metadata'].get('declared_duration') or 0)}"
        )
    for key in ("artist", "album", "date", "genre"):
        if details["metadata"].get(key):
            print(f"  {key}: {details['metadata'][key]}")
    if details["language"]:
        print(f"  spoken language: {details['language']}")
    if details.get("speech_note"):
        print(f"  speech: {details['speech_note']}")
    if details["tags"]:
        print(
            "  tags: "
            + ", ".join(f"{tag['name']} ({tag['source']} {tag['score']:.2f})" for tag in details["tags"])
        )
    if details["transcript"]:
        print("  transcript:")
        for line in details["transcript"]:
            print(f"    [{clock(line['start'])}] {line['text'].strip()}")
    return 0


def cmd_watch(library, args) -> int:
    play = library.watch(
        args.path, args.seconds, like=args.like, dislike=args.dislike, start_position=args.start
    )
    record = {
        "path": str(Path(args.path).expanduser().absolute()),
        "seconds": play.seconds,
        "completion": round(play.completion, 3),
        "finished": play.finished,
        "skipped": play.skipped,
        "feedback": "like" if args.like else "dislike" if args.dislike else None,
    }
    if args.json:
        print_json(record)
    else:
        print(f"Recorded {play.seconds:.0f} s ({play.completion:.0%} watched).")
    return 0


def cmd_rate(library, args) -> int:
    library.rate(args.path, args.feedback)
    print(f"Recorded: {args.feedback}.")
    return 0


def cmd_recommend(library, args) -> int:
    recommendations = library.recommend(args.limit, args.diversity)
    if args.json:
        print_json([recommendation.to_json() for recommendation in recommendations])
        return 0
    if not recommendations:
        print("Nothing to recommend yet: index some folders first (mediarec index FOLDER).")
    for rank, recommendation in enumerate(recommendations, start=1):
        print(f"{rank:2d}. {recommendation.item.display_title}  {recommendation.item.path}")
        print(f"      {recommendation.reason}")
    return 0


def cmd_eval(settings, args) -> int:
    from mediarec.evaluation.runner import run_evaluation

    report = run_evaluation(
        settings, args.manifest, args.out, args.what, progress=lambda line: print(line, file=sys.stderr)
    )
    if args.json:
        print_json(report.results)
    else:
        print(report.markdown)
        print(f"Report: {report.markdown_path}  (JSON: {report.json_path})")
    return 0


def cmd_doctor(settings, args) -> int:
    from mediarec.cli.doctor import run_checks

    checks = run_checks(settings)
    if args.json:
        print_json([check.to_json() for check in checks])
    else:
        for check in checks:
            print(f"[{'ok' if check.ok else '--'}] {check.name}: {check.detail}")
    return 0


def cmd_gui(settings, args) -> int:
    try:
        from mediarec.ui.main import run_app
    except ImportError as error:
        raise SystemExit(
            f"error: the desktop app needs PySide6 ({error}). Install it: pip install 'mediarec[gui]'"
        ) from None
    return run_app(settings)


LIBRARY_COMMANDS: dict[str, Callable] = {
    "index": cmd_index,
    "search": cmd_search,
    "similar": cmd_similar,
    "show": cmd_show,
    "watch": cmd_watch,
    "rate": cmd_rate,
    "recommend": cmd_recommend,
    "failed": cmd_failed,
    **UNDERSTANDING_COMMANDS,
}
SETTINGS_COMMANDS: dict[str, Callable] = {"doctor": cmd_doctor, "gui": cmd_gui, "eval": cmd_eval}


def main(argv: Sequence[str] | None = None) -> int:
    tolerate_unprintable_names()
    args = build_parser().parse_args(argv)
    command = args.command or "gui"
    try:
        settings = load_settings(data_dir=args.data_dir, config_path=args.config, profile=args.profile)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        keep_offline(settings)  # before any model library is imported: no telemetry, no hub unless needed
        if command in SETTINGS_COMMANDS:
            return SETTINGS_COMMANDS[command](settings, args)
        return _run_library_command(settings, command, args)
    except MediarecError as error:  # the one place a user-facing error becomes a message and an exit code
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        # `mediarec search x | head`: the reader has gone; say nothing, and keep Python's exit from writing
        # to the closed pipe again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception:  # a bug: one line for the user, the traceback in the log
        log = write_crash_log(settings.data_dir)
        print(f"error: mediarec failed unexpectedly; the details are in {log}", file=sys.stderr)
        return 70


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _run_library_command(settings, command: str, args) -> int:
    from mediarec.app import Library

    # `kill` gets the same clean stop as Ctrl-C: the file in flight is dropped, everything before it is saved.
    signal.signal(signal.SIGTERM, _interrupt)
    library = None
    try:
        library = Library(settings)
        return LIBRARY_COMMANDS[command](library, args)
    except KeyboardInterrupt:
        print(
            "\ninterrupted: everything indexed so far is saved; run the same command to resume.",
            file=sys.stderr,
        )
        return 130
    finally:
        if library is not None:
            library.close()


if __name__ == "__main__":
    sys.exit(main())

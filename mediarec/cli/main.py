"""The `mediarec` command line: the contract that scripts and outside tools rely on (see README)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence

from mediarec import __version__
from mediarec.cli.arguments import fraction, positive_int, seconds
from mediarec.cli.finding import FINDING_COMMANDS
from mediarec.cli.indexing import INDEXING_COMMANDS
from mediarec.cli.output import tolerate_unprintable_names, write_crash_log
from mediarec.cli.settings_commands import SETTINGS_COMMANDS
from mediarec.cli.understanding import UNDERSTANDING_COMMANDS, add_understanding_parsers
from mediarec.cli.viewing import VIEWING_COMMANDS
from mediarec.config import ENV_CONFIG, ENV_DATA_DIR, ENV_PROFILE, ConfigError, load_settings
from mediarec.errors import MediarecError
from mediarec.models.offline import keep_offline
from mediarec.rank.blas_threads import one_blas_thread_for_queries

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
    index.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="decode and encode on a Ray cluster (HOST:6379, ray://HOST:10001, auto) or on N local workers "
        "(local[N]); this machine writes the library (needs mediarec[cluster])",
    )
    index.add_argument(
        "--cpus-per-encoder",
        type=positive_int,
        default=1,
        metavar="N",
        help="with --cluster: threads per encoder; fewer encoders, each holding the models once (default 1)",
    )

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
    recommend.add_argument(
        "--stats",
        action="store_true",
        help="how the picks shown so far fared: shares played, past half, liked, dismissed, by reason and variety",
    )

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


# Each subject's module holds its handlers; the parser above is the one place the commands and options are named.
# Commands that answer queries on small matrices, where one BLAS thread is faster on busy cores (rank.blas_threads);
# index and eval keep the default.
QUERY_COMMANDS = frozenset({"gui", "search", "similar", "show", "recommend"})

LIBRARY_COMMANDS: dict[str, Callable] = {
    **INDEXING_COMMANDS,
    **FINDING_COMMANDS,
    **VIEWING_COMMANDS,
    **UNDERSTANDING_COMMANDS,
}


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
        if command in QUERY_COMMANDS:
            one_blas_thread_for_queries()
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

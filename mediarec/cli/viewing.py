"""`mediarec watch`, `mediarec rate` and `mediarec recommend`: the viewing history and what it recommends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mediarec.app.shelf import record_recommendations_shown
from mediarec.cli.output import print_json
from mediarec.cli.recommend_stats import cmd_recommend_stats
from mediarec.scan.paths import one_line


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
    if args.stats:
        return cmd_recommend_stats(library, args)
    library.learn_from_history()  # what the desktop's writer does after each play or rating
    recommendations = library.recommend(args.limit, args.diversity)
    record_recommendations_shown(library, recommendations, args.diversity)  # for `recommend --stats`
    if args.json:
        print_json([recommendation.to_json() for recommendation in recommendations])
        return 0
    if not recommendations:
        print("Nothing to recommend yet: index some folders first (mediarec index FOLDER).")
    for rank, recommendation in enumerate(recommendations, start=1):
        print(
            f"{rank:2d}. {one_line(recommendation.item.display_title)}  {one_line(recommendation.item.path)}"
        )
        print(f"      {recommendation.reason}")
    return 0


VIEWING_COMMANDS: dict[str, Callable] = {"watch": cmd_watch, "rate": cmd_rate, "recommend": cmd_recommend}

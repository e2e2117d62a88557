"""`mediarec recommend --stats`: how the For-you picks fared, as a table (or one JSON document)."""

from __future__ import annotations

import time

from mediarec.app.shelf import recommendation_stats
from mediarec.cli.output import print_json
from mediarec.recommend.shelf_stats import OUTCOMES, OutcomeCounts, ShelfStats

REASON_NAMES = {
    "watched": "because you watched ...",
    "liked": "because you liked ...",
    "tags": "you like: <tags>",
    "continue": "continue watching",
    "new": "new in your library",
    "explore": "something different",
}
COLUMNS = ("shown", "played", "past half", "liked", "dismissed")
LABEL_WIDTH = 26


def cmd_recommend_stats(library, args) -> int:
    stats = recommendation_stats(library)
    if args.json:
        print_json(stats.to_json())
        return 0
    print("\n".join(stats_lines(stats)))
    return 0


def stats_lines(stats: ShelfStats) -> list[str]:
    if stats.is_empty:
        return [
            "No recommendations shown yet: the desktop's For you shelf and `mediarec recommend` record what they "
            "show, and these figures follow."
        ]
    since = time.strftime("%Y-%m-%d", time.localtime(stats.first_shown or 0.0))
    days = f"{stats.window_days:g}"
    lines = [
        f"How are recommendations doing? {stats.total.shown} picks shown since {since}; each counts what you did "
        f"with the file within {days} days after it was shown"
        + (f" ({stats.open} shown less than {days} days ago may still be played)." if stats.open else "."),
        "",
        _row("", [f"{name:>9}" for name in COLUMNS]),
        _counts_row("all picks", stats.total),
    ]
    lines += [_counts_row(REASON_NAMES.get(kind, kind), counts) for kind, counts in stats.by_reason.items()]
    lines += ["", "By variety (0 = closest to your taste, 1 = most varied):"]
    lines += [_counts_row(f"variety {value:.1f}", counts) for value, counts in stats.by_variety.items()]
    return lines


def _counts_row(label: str, counts: OutcomeCounts) -> str:
    return _row(label, [f"{counts.shown:>9}"] + [f"{counts.share(name):>9.0%}" for name in OUTCOMES])


def _row(label: str, cells: list[str]) -> str:
    return f"{label:<{LABEL_WIDTH}}" + " ".join(cells)

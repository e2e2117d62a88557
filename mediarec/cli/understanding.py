"""Command line for tags, chapters and taught tags: `mediarec tags`, `mediarec chapters`, `mediarec tag ...`.

Kept beside main.py (which registers these parsers and handlers) so the tag commands live in one place.
"""

from __future__ import annotations

from collections.abc import Callable

from mediarec.cli.arguments import positive_int
from mediarec.cli.output import clock, print_json
from mediarec.scan.paths import one_line


def add_understanding_parsers(commands) -> None:
    tags = commands.add_parser("tags", help="a file's tags with scores, sources and moments")
    tags.add_argument("path", metavar="PATH")
    tags.add_argument("--all", action="store_true", help="also weak tags (score below 0.5)")
    tags.add_argument("--json", action="store_true")

    chapters = commands.add_parser(
        "chapters", help="a video's chapters (start, title, picture) and key scenes"
    )
    chapters.add_argument("path", metavar="PATH")
    chapters.add_argument("--json", action="store_true")

    tag = commands.add_parser("tag", help="teach a tag by example: add, remove, suggest, accept, reject")
    actions = tag.add_subparsers(dest="tag_action", metavar="ACTION", required=True)
    for action, text in (
        ("add", "give a file your tag NAME"),
        ("remove", "take your tag NAME (or an applied suggestion) off a file"),
        ("accept", "accept a suggested NAME for a file (retrains the suggestions)"),
        ("reject", "say a file does not have NAME (retrains the suggestions)"),
    ):
        parser = actions.add_parser(action, help=text)
        parser.add_argument("path", metavar="PATH")
        parser.add_argument("name", metavar="NAME")
        parser.add_argument("--json", action="store_true")
    suggest = actions.add_parser(
        "suggest", help="files that may have NAME, with confidence and the cross-validated precision"
    )
    suggest.add_argument("name", metavar="NAME")
    suggest.add_argument("--limit", type=positive_int, default=20)
    applying = suggest.add_mutually_exclusive_group()
    applying.add_argument(
        "--apply",
        action="store_true",
        help="store the suggestions as tags when the cross-validated precision is high enough (and keep "
        "doing so after each accept or reject)",
    )
    applying.add_argument("--stop-applying", action="store_true", help="remove applied suggestions of NAME")
    suggest.add_argument("--json", action="store_true")


def cmd_tags(library, args) -> int:
    tags = [tag for tag in library.tags(args.path) if args.all or tag["applied"]]
    if args.json:
        print_json({"path": str(library.resolve(args.path).path), "tags": tags})
        return 0
    if not tags:
        print("No tags.")
    for tag in tags:
        name = f"{tag['name']} ({tag['zh']})" if tag["zh"] else tag["name"]
        moments = ", ".join(f"{clock(m['start'])}-{clock(m['end'])}" for m in tag["moments"][:4])
        print(f"  {name:32s} {tag['source']:9s} {tag['score']:.2f}  {moments}")
    return 0


def cmd_chapters(library, args) -> int:
    result = library.chapters(args.path)
    if args.json:
        print_json({"path": str(library.resolve(args.path).path), **result.to_json()})
        return 0
    for chapter in result.chapters:
        title = f"{chapter.title}  ({chapter.title_zh})" if chapter.title_zh else chapter.title
        print(f"{chapter.index + 1:3d}. {clock(chapter.start):>8s}  {title}")
    if result.key_scenes:
        scenes = ", ".join(f"{clock(s.start)}-{clock(s.end)}" for s in result.key_scenes)
        print(f"key scenes: {scenes}")
    return 0


def cmd_tag(library, args) -> int:
    action = args.tag_action
    if action == "suggest":
        return _suggest(library, args)
    if action == "add":
        library.tag_add(args.path, args.name)
        outcome = {"path": args.path, "name": args.name, "action": "added"}
    elif action == "remove":
        removed = library.tag_remove(args.path, args.name)
        outcome = {"path": args.path, "name": args.name, "action": "removed", "removed": removed}
    else:
        report = (
            library.tag_accept(args.path, args.name)
            if action == "accept"
            else library.tag_reject(args.path, args.name)
        )
        outcome = {"path": args.path, "name": args.name, "action": f"{action}ed", "model": report.to_json()}
    if args.json:
        print_json(outcome)
    else:
        print(f"{outcome['action'].capitalize()} {args.name!r} on {one_line(args.path)}.")
        if "model" in outcome:
            _print_report(outcome["model"], limit=5)
    return 0


def _suggest(library, args) -> int:
    if args.stop_applying:
        removed = library.tag_stop_applying(args.name)
        if args.json:
            print_json({"name": args.name, "removed": removed})
        else:
            print(f"Stopped applying {args.name!r}; removed {removed} applied suggestion(s).")
        return 0
    report = library.tag_suggest(args.name, args.limit, apply=args.apply).to_json()
    if args.json:
        print_json(report)
    else:
        _print_report(report, limit=args.limit)
    return 0


def _print_report(report: dict, limit: int) -> None:
    precision = report["cv_precision"]
    shown = "n/a" if precision is None else f"{precision:.0%}"
    print(
        f"{report['name']!r}: {report['positives']} tagged, {report['rejected']} rejected, "
        f"{report['unlabelled']} untagged; cross-validated precision {shown}, recall {report['cv_recall']:.0%} "
        f"({report['folds']} folds)."
    )
    if report["note"]:
        print(f"  {report['note']}")
    if report["applied"]:
        print(f"  Applied to {report['applied']} file(s) as suggested tags.")
    if not report["suggestions"]:
        print("  No suggestions.")
    for suggestion in report["suggestions"][:limit]:
        print(
            f"  {suggestion['confidence']:.2f}  {one_line(suggestion['title'])}  {one_line(suggestion['path'])}"
        )


UNDERSTANDING_COMMANDS: dict[str, Callable] = {"tags": cmd_tags, "chapters": cmd_chapters, "tag": cmd_tag}

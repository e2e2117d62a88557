"""`mediarec search`, `mediarec similar` and `mediarec show`: what the library finds, and all it knows of a file."""

from __future__ import annotations

import shlex
from collections.abc import Callable

from mediarec.cli.output import UsageError, clock, print_json, read_lines
from mediarec.errors import MediarecError
from mediarec.scan.paths import one_line


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
            f"{rank:2d}. {one_line(data['title'])}{where}  [{data.get('modality', '')} {data['score']:.3f}]  "
            f"{one_line(data['path'])}"
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
    hits = library.search(args.query, args.limit, include_weak=args.weak)
    if hits or args.json:
        _print_hits(hits, args.json)
    else:
        print(_no_match(library, args.query, args.limit, args.weak))
    return 0


def _no_match(library, query: str, limit: int, weak: bool) -> str:
    """What an empty search says, as the desktop does: whether weak matches exist, and how to see them."""
    if weak:
        return f"Nothing matches “{query}”, not even weakly."
    found = len(library.search(query, limit, include_weak=True))
    if not found:
        return f"No matches for “{query}”, not even weak ones."
    return (
        f"No matches for “{query}”. {found} weak {'match' if found == 1 else 'matches'}: "
        f"mediarec search --weak {shlex.quote(query)}"
    )


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
    hits = library.similar(args.path, args.limit, args.by)
    if hits or args.json:
        _print_hits(hits, args.json)
    else:  # the calibration's cutoff (rank/modal_similarity.py): no more alike than two random files
        print("Nothing in the library is more like it than two files picked at random.")
    return 0


def cmd_show(library, args) -> int:
    details = library.show(args.path).to_json()
    if args.json:
        print_json(details)
        return 0
    print(f"{one_line(details['title'])}  ({details['kind']}, {clock(details['duration'] or 0)})")
    print(f"  {one_line(details['path'])}")
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
    if details["screen_text"]:
        print("  on screen:")
        for line in details["screen_text"]:
            print(f"    [{clock(line['start'])}-{clock(line['end'])}] {line['text']}")
    return 0


FINDING_COMMANDS: dict[str, Callable] = {"search": cmd_search, "similar": cmd_similar, "show": cmd_show}

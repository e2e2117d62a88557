"""Two `mediarec eval search --json` outputs side by side (a baseline and a candidate on the same library and
manifest): recall per query type, negatives left empty, the hub share, and what recall does not show: the wrong
items returned (returned, not relevant) and every query whose results changed.

    mediarec --profile offline eval search --manifest M --out DIR --json > before.json   # old code
    mediarec --profile offline eval search --manifest M --out DIR --json > after.json    # new code
    python benchmarks/compare_search_reports.py before.json after.json --manifest M

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def relevant_stems(manifest: Path) -> dict[str, set[str]]:
    """Query text -> the stems of its relevant items (the reports name items by stem): those it names and the
    members of the groups it names (a sound query's "relevant_groups")."""
    entries = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    members: dict[str, set[str]] = {}
    for entry in entries:
        if entry.get("kind") == "item" and entry.get("group"):
            members.setdefault(entry["group"], set()).add(Path(entry["path"]).stem)
    relevant: dict[str, set[str]] = {}
    for entry in entries:
        if entry.get("kind") == "query":
            named = {Path(path).stem for path in entry.get("relevant", [])}
            grouped = {stem for group in entry.get("relevant_groups", []) for stem in members.get(group, ())}
            relevant[entry["text"]] = named | grouped
    return relevant


def wrong_returned(search: dict, relevant: dict[str, set[str]]) -> int:
    """Items returned for the positive queries that are not relevant to them."""
    return sum(
        len([item for item in query["top"] if item not in relevant.get(query["text"], set())])
        for query in search["queries"]
    )


def changed_queries(before: dict, after: dict) -> list[dict]:
    """Every query (positive or negative) whose returned items changed."""
    old = {q["text"]: q for q in before["queries"] + before["negatives"].get("queries_list", [])}
    changes = []
    for query in after["queries"] + after["negatives"].get("queries_list", []):
        previous = old.get(query["text"])
        if previous is not None and previous["top"] != query["top"]:
            changes.append(
                {
                    "type": query["type"],
                    "text": query["text"],
                    "before": previous["top"],
                    "after": query["top"],
                }
            )
    return changes


def compare(before: dict, after: dict, relevant: dict[str, set[str]]) -> dict:
    by_type = {
        kind: {
            metric: [before["by_type"][kind][metric], after["by_type"][kind][metric]]
            for metric in ("recall@1", "recall@5")
        }
        for kind in before["by_type"]
    }
    return {
        "by_type": by_type,
        "negatives_empty": [before["negatives"].get("empty_rate"), after["negatives"].get("empty_rate")],
        "hub_share": [before["hubs"]["share"], after["hubs"]["share"]],
        "wrong_returned": [wrong_returned(before, relevant), wrong_returned(after, relevant)],
        "changed": changed_queries(before, after),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, help="the baseline's `eval search --json` output")
    parser.add_argument("after", type=Path, help="the candidate's")
    parser.add_argument("--manifest", type=Path, required=True, help="the manifest both ran on")
    args = parser.parse_args()
    before = json.loads(args.before.read_text(encoding="utf-8"))["search"]
    after = json.loads(args.after.read_text(encoding="utf-8"))["search"]
    print(json.dumps(compare(before, after, relevant_stems(args.manifest)), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

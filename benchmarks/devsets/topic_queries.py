"""Topic queries: a few words naming what a group of recordings talks about ("the weather forecast", 天气预报),
every recording of the group a right answer. People search a library by subject far more often than by a
sentence they remember, and such a query is short and generic, as the negative queries are: it tests whether
search still answers when the words are few and no sentence says them.

Each set's topics are named from its groups (the subject its builder gave the recordings), in English and
Chinese; nothing here was chosen by searching. The builders add them (build_messy_devset.py,
build_unseen_devset.py, build_eval_devset.py); for a set built before they did, this script adds them to its
manifest in place (the media stay as they are, so an indexed library stays valid):

    .venv/bin/python benchmarks/devsets/topic_queries.py devsets/messy/manifest.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

QUERY_TYPE = "topic"

# group (or "prefix*" for every group it begins) -> (English, Chinese)
TOPICS: dict[str, dict[str, tuple[str, str]]] = {
    "messy": {
        "speech/weather": ("the weather forecast", "天气预报"),
        "speech/gardens": ("gardening", "园艺"),
        "speech/trains": ("trains and railway travel", "火车旅行"),
        "speech/jokes": ("jokes", "笑话"),
        "speech/the library": ("the library", "图书馆"),
        "speech/call forwarding": ("call forwarding", "呼叫转移"),
        "speech/blocked numbers": ("blocking phone numbers", "屏蔽电话号码"),
        "speech/dictation": ("dictating a message", "口述留言"),
        "speech/follow-me": ("having calls follow me to another phone", "来电跟随到另一部电话"),
    },
    "unseen": {
        "speech/bicycles": ("bicycles", "自行车"),
        "speech/museum": ("a museum visit", "参观博物馆"),
        "speech/post": ("the post office", "邮局"),
        "speech/swimming pool": ("the swimming pool", "游泳池"),
    },
    "eval": {
        "talk/cooking": ("cooking", "烹饪"),
        "talk/beach": ("the beach", "海滩"),
        "talk/football": ("football", "足球"),
        "talk/space": ("outer space", "太空"),
        "speech-*/voicemail": ("voicemail", "语音信箱"),
        "speech-*/conference": ("a conference call", "电话会议"),
        "speech-*/directory": ("the company directory", "公司电话簿"),
        "speech-*/agent-queue": ("waiting in a queue for an agent", "排队等待客服"),
    },
}


def topic_queries(set_name: str, lines: list[dict]) -> list[dict]:
    """The set's topic queries, each relevant to the groups it names (all of them must exist among ``lines``)."""
    groups = sorted({line["group"] for line in lines if line.get("kind") == "item" and line.get("group")})
    queries = []
    for target, (english, chinese) in TOPICS[set_name].items():
        relevant = [group for group in groups if _names(target, group)]
        if not relevant:
            raise SystemExit(f"no item of the {set_name} set has the group {target!r}")
        queries += [
            {
                "kind": "query",
                "type": QUERY_TYPE,
                "language": language,
                "text": text,
                "relevant_groups": relevant,
            }
            for language, text in (("en", english), ("zh", chinese))
        ]
    return queries


def _names(target: str, group: str) -> bool:
    if "*" not in target:
        return group == target
    prefix, suffix = target.split("*", 1)
    return group.startswith(prefix) and group.endswith(suffix)


def add_to_manifest(path: Path, set_name: str) -> int:
    """Rewrite the manifest with the set's topic queries (any it had replaced); the number added."""
    lines = [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines() if text.strip()]
    kept = [line for line in lines if line.get("type") != QUERY_TYPE]
    topics = topic_queries(set_name, kept)
    temporary = path.with_suffix(".jsonl.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in kept + topics)
    temporary.replace(path)
    return len(topics)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "manifest", type=Path, help="devsets/NAME/manifest.jsonl (NAME: messy, unseen or eval)"
    )
    parser.add_argument(
        "--set", dest="set_name", choices=sorted(TOPICS), help="default: the manifest's folder"
    )
    args = parser.parse_args(argv)
    set_name = args.set_name or args.manifest.parent.name
    if set_name not in TOPICS:
        parser.error(f"no topics for a set named {set_name!r}; pass --set")
    print(f"{add_to_manifest(args.manifest, set_name)} topic queries in {args.manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

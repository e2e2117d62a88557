"""An item's tags as the command line and the desktop app show them: score, source, every moment, and the
Chinese name of the picture and sound tags (from the vocabulary and the AudioSet names)."""

from __future__ import annotations

from mediarec.index.records import APPLIED_TAG_SCORE, ItemRecord
from mediarec.index.store import LibraryStore
from mediarec.understand.vocabulary import chinese_tag_names


def tags_report(store: LibraryStore, item: ItemRecord) -> list[dict]:
    moments = item.metadata.get("tag_moments", {})
    details = item.metadata.get("tag_details", {})  # an image label's ImageNet class ("German shepherd")
    zh = chinese_tag_names()
    report = []
    for tag in store.tags(item.id):
        spans = moments.get(f"{tag.source}:{tag.name}") or (
            [[tag.start, tag.end]] if tag.start is not None else []
        )
        report.append(
            {
                "name": tag.name,
                "zh": zh.get(tag.name) if tag.source in ("visual", "audio") else None,
                "source": tag.source,
                "detail": details.get(f"{tag.source}:{tag.name}"),
                "score": round(tag.score, 4),
                "applied": tag.score >= APPLIED_TAG_SCORE,
                "start": tag.start,
                "end": tag.end,
                "moments": [{"start": start, "end": end} for start, end in spans],
            }
        )
    return report

"""Why an item is recommended, in words that point at something real: the watched item it is closest to, the
tags it shares with what the user engages with, where they stopped, or that it is new or a change of scene."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mediarec.index.records import APPLIED_TAG_SCORE, LIKE, ItemRecord
from mediarec.index.store import LibraryStore
from mediarec.recommend.profile import Engagement
from mediarec.understand.audio_tags import SHARE_CLASSES
from mediarec.understand.spoken_languages import LANGUAGE_NAMES

MAX_TAGS = 3
# A tag on more than this share of the library ("speech", "english") explains nothing about this item.
MAX_TAG_SHARE = 0.25
TAG_PROFILE_ITEMS = 50
# Tags that say how a file sounds or which language it speaks, not what it is about: "you like: speech,
# english" tells the user nothing, however rare those tags are in a small library.
GENERIC_TAGS = frozenset(SHARE_CLASSES) | frozenset(LANGUAGE_NAMES.values())


@dataclass(frozen=True)
class Reason:
    kind: str  # "watched", "liked", "tags", "continue", "new", "explore"
    text: str
    item_id: int | None = None  # the watched or liked item the reason names
    tags: tuple[str, ...] = ()

    def to_json(self) -> dict:
        data: dict = {"kind": self.kind, "text": self.text}
        if self.item_id is not None:
            data["item_id"] = self.item_id
        if self.tags:
            data["tags"] = list(self.tags)
        return data


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Explainer:
    def __init__(self, store: LibraryStore, engagements: Mapping[int, Engagement]):
        self.store = store
        self.engagements = engagements
        self._titles: dict[int, str] = {}
        self._tag_weights: dict[str, float] | None = None
        self._folder_names: set[str] | None = None

    def because(self, member_id: int) -> Reason:
        """Names the watched (or liked) item a recommendation is closest to."""
        engagement = self.engagements.get(member_id)
        title = self._title(member_id)
        if engagement is not None and engagement.plays == 0 and engagement.feedback == LIKE:
            return Reason("liked", f"because you liked {title}", member_id)
        return Reason("watched", f"because you watched {title}", member_id)

    def shared_tags(self, item_id: int) -> Reason | None:
        weights = self._tag_profile()
        names = {tag.name for tag in self.store.tags(item_id) if tag.score >= APPLIED_TAG_SCORE}
        # Ties by name: a set's order changes from one process to the next (string hashing), and the shown tags
        # with it.
        shared = sorted((name for name in names if name in weights), key=lambda name: (-weights[name], name))
        if not shared:
            return None
        chosen = tuple(shared[:MAX_TAGS])
        return Reason("tags", "you like: " + ", ".join(chosen), tags=chosen)

    @staticmethod
    def resume(record: ItemRecord, position: float) -> Reason:
        of = f" of {clock(record.duration)}" if record.duration else ""
        return Reason("continue", f"continue watching: you stopped at {clock(position)}{of}")

    @staticmethod
    def new(record: ItemRecord, now: float | None = None) -> Reason:
        days = max(0.0, ((time.time() if now is None else now) - record.added_at) / 86400.0)
        when = "today" if days < 1 else f"{int(days)} day{'s' if int(days) != 1 else ''} ago"
        return Reason("new", f"new in your library (added {when})")

    @staticmethod
    def explore(cold: bool = False) -> Reason:
        if cold:
            return Reason("explore", "a different corner of your library")
        return Reason("explore", "something different from what you usually watch")

    def _title(self, item_id: int) -> str:
        if item_id not in self._titles:
            record = self.store.item(item_id)
            self._titles[item_id] = record.display_title if record else f"item {item_id}"
        return self._titles[item_id]

    def _is_generic(self, name: str) -> bool:
        """A tag that cannot be a reason: generic (GENERIC_TAGS), or the name of a watched folder (every file
        under it carries it)."""
        if self._folder_names is None:
            self._folder_names = {Path(folder).name.casefold() for folder in self.store.folders()}
        return name in GENERIC_TAGS or name.casefold() in self._folder_names

    def _tag_profile(self) -> dict[str, float]:
        """Tag -> weight: how much the user engages with items carrying it, times how rare it is (idf)."""
        if self._tag_weights is None:
            total = max(1, self.store.count_items())
            positive = sorted((e for e in self.engagements.values() if e.weight > 0), key=lambda e: -e.weight)
            tagged = [(e, self.store.tags(e.item_id)) for e in positive[:TAG_PROFILE_ITEMS]]
            counts = self.store.tag_counts(tag.name for _, tags in tagged for tag in tags)
            weights: dict[str, float] = defaultdict(float)
            for engagement, tags in tagged:
                for tag in tags:
                    common = total >= 20 and counts.get(tag.name, 0) > MAX_TAG_SHARE * total
                    if tag.score >= APPLIED_TAG_SCORE and not common and not self._is_generic(tag.name):
                        rarity = math.log(1.0 + total / max(1, counts.get(tag.name, 1)))
                        weights[tag.name] += engagement.weight * rarity
            self._tag_weights = dict(weights)
        return self._tag_weights

"""Why an item is recommended, in words that point at something real: the watched item it is closest to, the
tags it shares with what the user engages with, where they stopped, or that it is new or a change of scene."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mediarec.index.records import APPLIED_TAG_SCORE, LIKE, ItemRecord
from mediarec.index.store import LibraryStore
from mediarec.rank.moments import tokens
from mediarec.recommend.engagement import Engagements
from mediarec.understand.audio_tags import SHARE_CLASSES
from mediarec.understand.spoken_languages import LANGUAGE_NAMES

MAX_TAGS = 3
# A tag on more than this share of the library ("speech", "english") explains nothing about this item.
MAX_TAG_SHARE = 0.25
TAG_PROFILE_ITEMS = 50
# Tags that say how a file sounds or which language it speaks, not what it is about: "you like: speech,
# english" tells the user nothing, however rare those tags are in a small library.
GENERIC_TAGS = frozenset(SHARE_CLASSES) | frozenset(LANGUAGE_NAMES.values())


def distinct_names(names: Iterable[str]) -> list[str]:
    """The names in order, each that says no more than one before it left out, and one said in full by a later
    name replaced by it: "red circle, red, circle" says "red circle" (the tagger names a shape, its colour and
    both), "红色, 红色圆形" says "红色圆形"; in CJK scripts by characters (rank/moments.py tokens)."""
    kept: list[str] = []
    for name in names:
        if any(_covers(earlier, name) for earlier in kept):
            continue
        covered = [index for index, earlier in enumerate(kept) if _covers(name, earlier)]
        if covered:
            kept[covered[0]] = name
            kept = [earlier for index, earlier in enumerate(kept) if index not in covered[1:]]
        else:
            kept.append(name)
    return kept


def _covers(longer: str, shorter: str) -> bool:
    """Whether ``longer`` says all that ``shorter`` says: every word of it (each CJK character a word, as the
    exact-word search reads text)."""
    words = set(tokens(shorter))
    return bool(words) and words <= set(tokens(longer))


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
    """The reasons of one list. The tag profile (how much the user engages with each tag) is weighed only for the
    tags of the items explained (weigh_tags_of), since only those can be shown: counting the library's items that
    carry each tag of the 50 strongest engagements cost ~30 ms at 10^5 items for 120 names (3 ms for a dozen),
    and the dozen cards of a list share a few of them."""

    def __init__(self, store: LibraryStore, engagements: Engagements):
        self.store = store
        self.engagements = engagements
        self._titles: dict[int, str] = {}
        self._item_tags: dict[int, set[str]] = {}  # item -> the names of its applied tags
        self._member_tags: list[tuple[float, list]] | None = None  # (weight, tags) of the strongest engaged
        self._tag_weights: dict[str, float] = {}  # tag -> weight, for the weighed names the profile has
        self._weighed: set[str] = set()
        self._folder_names: set[str] | None = None

    def because(self, member_id: int) -> Reason:
        """Names the watched (or liked) item a recommendation is closest to."""
        engagement = self.engagements.get(member_id)
        title = self._title(member_id)
        if engagement is not None and engagement.plays == 0 and engagement.feedback == LIKE:
            return Reason("liked", f"because you liked {title}", member_id)
        return Reason("watched", f"because you watched {title}", member_id)

    def shared_tags(self, item_id: int) -> Reason | None:
        self.weigh_tags_of([item_id])
        names, weights = self._item_tags[item_id], self._tag_weights
        # Ties by name: a set's order changes from one process to the next (string hashing), and the shown tags
        # with it.
        shared = sorted((name for name in names if name in weights), key=lambda name: (-weights[name], name))
        if not shared:
            return None
        chosen = tuple(distinct_names(shared)[:MAX_TAGS])
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

    def weigh_tags_of(self, item_ids: Iterable[int]) -> None:
        """Read the items' tags and weigh the names among them not weighed yet, all in one count."""
        for item_id in item_ids:
            if item_id not in self._item_tags:
                tags = self.store.tags(item_id)
                self._item_tags[item_id] = {tag.name for tag in tags if tag.score >= APPLIED_TAG_SCORE}
        names = set().union(*self._item_tags.values()) - self._weighed
        if names:
            self._tag_weights.update(self._weights_of(names))
            self._weighed |= names

    def _weights_of(self, names: set[str]) -> dict[str, float]:
        """Tag -> weight of the given names: how much the user engages with items carrying it, times how rare it
        is (idf); a name no strong engagement carries (applied, not common, not generic) has none."""
        if self._member_tags is None:
            strongest = self.engagements.strongest(TAG_PROFILE_ITEMS)
            self._member_tags = [(e.weight, self.store.tags(e.item_id)) for e in strongest]
        tagged = [(weight, [tag for tag in tags if tag.name in names]) for weight, tags in self._member_tags]
        if not any(tags for _, tags in tagged):
            return {}
        total = max(1, self.store.count_items())
        counts = self.store.tag_counts(tag.name for _, tags in tagged for tag in tags)
        weights: dict[str, float] = defaultdict(float)
        for weight, tags in tagged:  # in the order of the whole profile's sums, so the same bits
            for tag in tags:
                common = total >= 20 and counts.get(tag.name, 0) > MAX_TAG_SHARE * total
                if tag.score >= APPLIED_TAG_SCORE and not common and not self._is_generic(tag.name):
                    rarity = math.log(1.0 + total / max(1, counts.get(tag.name, 1)))
                    weights[tag.name] += weight * rarity
        return dict(weights)

"""The tag a tagger found, before it is stored: a name, its source, a score and the moments it came from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mediarec.index.records import SUGGESTED_TAG_SOURCE, USER_TAG_SOURCE, TagRecord

# Where a tag came from; "suggested" tags come from the classifier the user teaches (taught_tags).
SOURCES = ("visual", "audio", "speech", "metadata", USER_TAG_SOURCE, SUGGESTED_TAG_SOURCE)
# Two moments closer than this are one moment (keyframes and audio windows leave small gaps).
_MERGE_GAP_SECONDS = 1.0


@dataclass(frozen=True)
class FoundTag:
    name: str
    source: str
    score: float
    # (start, end) in seconds, best first; empty for tags about the whole file (metadata, language).
    moments: tuple[tuple[float, float], ...] = ()
    # The single window where the tag scored best, when it is finer than the best moment (a sound tag: one
    # 0.96 s YAMNet window, or 5-10 s of CLAP's, inside a run of windows that merged into one long moment).
    peak: tuple[float, float] | None = None

    def record(self, item_id: int = 0) -> TagRecord:
        """The row to store: the peak window, else the best moment, goes into start/end (where a search hit on
        the tag lands; all moments go into the item metadata)."""
        start, end = self.peak or (self.moments[0] if self.moments else (None, None))
        return TagRecord(item_id, self.name, self.source, float(self.score), start, end)

    @property
    def key(self) -> str:
        return f"{self.source}:{self.name}"


def merge_moments(
    spans: Iterable[tuple[float, float]], gap: float = _MERGE_GAP_SECONDS
) -> list[tuple[float, float]]:
    """Overlapping or nearly touching spans joined, in time order."""
    merged: list[list[float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + gap:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(round(start, 3), round(end, 3)) for start, end in merged]


def best_first(
    moments: Sequence[tuple[float, float]], best: tuple[float, float]
) -> tuple[tuple[float, float], ...]:
    """The merged moment that contains ``best`` first, then the others in time order."""
    containing = [m for m in moments if m[0] <= best[0] + 1e-6 and best[1] <= m[1] + 1e-6]
    first = containing[0] if containing else best
    return (first, *[m for m in moments if m != first])


def moments_metadata(tags: Iterable[FoundTag]) -> dict[str, list[list[float]]]:
    """Every moment of every tag that has moments, keyed "source:name", for the item's metadata."""
    return {tag.key: [list(moment) for moment in tag.moments] for tag in tags if tag.moments}

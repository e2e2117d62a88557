"""What a search returns: hits (an item and its fused match probability) and the moments inside them.

A moment is one place in an item where a channel matched the query (seen, said, heard, read, or in the title and
tags), with its raw and normalised scores; a spoken moment also carries the sentence it was narrowed to
(rank/moments.py), which is where the player opens and what the timeline marks.
"""

from __future__ import annotations

from dataclasses import dataclass

from mediarec.index.records import ItemRecord
from mediarec.rank.moments import play_from


@dataclass(frozen=True)
class Moment:
    start: float
    end: float
    modality: str  # "frame" (seen), "speech" (said), "audio" (heard), "text" (title, tag or exact words)
    similarity: float  # the raw cosine (1.0 for exact words)
    z: float  # the normalised score (hubness-corrected), or bm25 for exact words
    snippet: str | None = None
    thumbnail: str | None = None
    score: float = 0.0  # the match probability of this moment in its channel
    # A spoken moment narrowed to its words or sentence (rank/moments.py): the sentence's times, and the
    # transcript chunk it was found in (start, end, text).
    sentence: tuple[float, float] | None = None
    context: tuple[float, float, str] | None = None
    overlap: float = 0.0  # the share of the query's n-grams its text holds (rank/lexical.py), speech only
    # Its transcript is in the query's language (rank/query_language.py); speech only.
    same_language: bool = False

    @property
    def timeline_span(self) -> tuple[float, float]:
        """What the player's timeline marks: a spoken moment's sentence, else the moment."""
        return self.sentence if self.sentence is not None else (self.start, max(self.end, self.start))

    @property
    def play_from(self) -> float:
        """Where the player opens: a spoken moment's sentence start less a short lead-in, else its start."""
        return play_from(self.start, self.sentence) if self.sentence is not None else self.start

    def to_json(self) -> dict:
        found = {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "modality": self.modality,
            "score": round(self.score, 4),
            "similarity": round(self.similarity, 4),
            "snippet": self.snippet,
            "thumbnail": self.thumbnail,
        }
        return {**found, **self.spoken_json()}

    def spoken_json(self) -> dict:
        """The sentence and its chunk, for a spoken moment that was narrowed; nothing for the others."""
        if self.sentence is None or self.context is None:
            return {}
        start, end, text = self.context
        return {
            "sentence": {"start": round(self.sentence[0], 3), "end": round(self.sentence[1], 3)},
            "context": {"start": round(start, 3), "end": round(end, 3), "text": text},
        }


@dataclass(frozen=True)
class SearchHit:
    item: ItemRecord
    score: float  # the fused match probability, in [0, 1]
    moments: tuple[Moment, ...]

    @property
    def best(self) -> Moment:
        return self.moments[0]

    def to_json(self) -> dict:
        best = self.best
        return {
            "path": self.item.path,
            "title": self.item.display_title,
            "kind": self.item.kind,
            "score": round(self.score, 4),
            "start": round(best.start, 3),
            "end": round(best.end, 3),
            "modality": best.modality,
            "snippet": best.snippet,
            "thumbnail": best.thumbnail or self.item.thumbnail,
            **best.spoken_json(),
            "moments": [moment.to_json() for moment in self.moments],
        }

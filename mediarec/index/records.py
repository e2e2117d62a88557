"""Rows of the library as frozen dataclasses, so callers never see sqlite rows or column positions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# -- product values stored in the library: one definition each, imported wherever they are used ---------------

# Where a tag came from, as stored in tags.source: what the user typed themselves, and the applied suggestions
# of a tag the user teaches by example (understand/taught_tags.py). The analysis sources are in understand/found.py.
USER_TAG_SOURCE = "user"
SUGGESTED_TAG_SOURCE = "suggested"
USER_TAG_SOURCES = (USER_TAG_SOURCE,)
# Re-indexing an item replaces the tags its analysis made and keeps these: they come from the user (their own
# tags, and the applied suggestions of the tags they taught), not from the file's content.
KEPT_TAG_SOURCES = (*USER_TAG_SOURCES, SUGGESTED_TAG_SOURCE)
# From this score a tag of any source counts as applied: filters, the tag channel, chapters, reports and the
# text index use it. Every tagger rescales its own scores so that its decision threshold lands here.
APPLIED_TAG_SCORE = 0.5

# Item metadata: the [start, end] of each frame segment whose keyframe does not look drawn, recorded only when the
# image_text model sees drawings only (pipeline.image_label_stage); its frame search leaves those out (rank.search).
# An item without it (indexed before, or by a model that sees everything) keeps all its frames.
UNDRAWN_FRAMES_KEY = "undrawn_frames"

# The values of feedback.value. NO_FEEDBACK is never stored: setting it removes the item's rating.
LIKE, DISLIKE, NOT_INTERESTED = 1, -1, -2
NO_FEEDBACK = 0

# A play counts as finished from this share of the item seen (credits and outros are often skipped) ...
FINISHED_COMPLETION = 0.9
# ... and as skipped when it ends unfinished within this many seconds, or this share of a shorter item.
SKIP_SECONDS = 30.0
SKIP_SHARE = 0.1


@dataclass(frozen=True)
class ItemRecord:
    id: int
    path: str
    fingerprint: str
    size: int
    mtime: float
    kind: str | None
    duration: float | None
    width: int | None
    height: int | None
    video_codec: str | None
    audio_codec: str | None
    title: str | None
    artist: str | None
    album: str | None
    date: str | None
    genre: str | None
    metadata: dict[str, Any]
    language: str | None
    thumbnail: str | None
    status: str
    error: str | None
    added_at: float
    indexed_at: float | None

    @property
    def display_title(self) -> str:
        return display_title_of(self.title, self.path)

    def summary_json(self) -> dict[str, Any]:
        """The fields every JSON result about an item starts with (search, similar, recommend)."""
        return {
            "path": self.path,
            "title": self.display_title,
            "kind": self.kind,
            "thumbnail": self.thumbnail,
        }

    @classmethod
    def from_row(cls, row: Any) -> ItemRecord:
        values = dict(zip(ITEM_COLUMNS, row, strict=True))
        values["metadata"] = json.loads(values.pop("metadata_json") or "{}")
        return cls(**values)


def display_title_of(title: str | None, path: str) -> str:
    """An item's title as shown: its own, or the file name without extension (underscores read as spaces)."""
    from pathlib import PurePath

    return title or PurePath(path).stem.replace("_", " ")


# Metadata values that also get a column of their own (for filters and listings without parsing metadata_json).
METADATA_COLUMNS = (
    "kind",
    "duration",
    "width",
    "height",
    "video_codec",
    "audio_codec",
    "title",
    "artist",
    "album",
    "date",
    "genre",
)
ITEM_COLUMNS = [
    "id",
    "path",
    "fingerprint",
    "size",
    "mtime",
    *METADATA_COLUMNS,
    "metadata_json",
    "language",
    "thumbnail",
    "status",
    "error",
    "added_at",
    "indexed_at",
]


@dataclass(frozen=True)
class SegmentRecord:
    id: int
    item_id: int
    modality: str
    start: float
    end: float
    text: str | None
    thumbnail: str | None
    shot_index: int | None


@dataclass(frozen=True)
class VectorSpace:
    id: int
    modality: str
    model_id: str
    dim: int
    table_name: str


@dataclass(frozen=True)
class TagRecord:
    item_id: int
    name: str
    source: str
    score: float
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class TranscriptWord:
    """One recognised word (as the transcriber wrote it, with its spacing and punctuation) and its times."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class TranscriptLine:
    """One line of an item's transcript (a sentence, when the transcriber could tell) with its words' times
    (none for lines indexed before word times were kept)."""

    start: float
    end: float
    text: str
    words: tuple[TranscriptWord, ...] = ()


def words_json(words: tuple[TranscriptWord, ...]) -> str | None:
    """A line's words as stored in transcript_segments.words_json (NULL when there are none)."""
    if not words:
        return None
    return json.dumps([[round(w.start, 3), round(w.end, 3), w.text] for w in words], ensure_ascii=False)


def words_from_json(text: str | None) -> tuple[TranscriptWord, ...]:
    """What words_json stored; nothing for NULL or for text that is not such a list (never an error: the line's
    own times still stand)."""
    try:
        rows = json.loads(text) if text else []
        return tuple(TranscriptWord(float(start), float(end), str(word)) for start, end, word in rows)
    except (ValueError, TypeError):
        return ()


@dataclass(frozen=True)
class ScreenTextLine:
    """A line of on-screen text and when it was shown; ``box`` is where, as fractions of the picture's width and
    height (left, top, right, bottom)."""

    start: float
    end: float
    text: str
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class PlayRecord:
    item_id: int | None
    started_at: float
    start_position: float
    seconds: float
    completion: float
    finished: bool
    skipped: bool


@dataclass(frozen=True)
class PlayOutcome:
    completion: float
    finished: bool
    skipped: bool


def play_outcome(
    duration: float, start_position: float, seconds: float, skipped: bool = False
) -> PlayOutcome:
    """What one viewing amounts to (how far it got, finished, skipped), from the item's duration and where the
    viewing started and how long it lasted. A pure rule, here rather than in player/ because the store applies it
    to every play it records and index/ sits below player/; an explicit skip from the caller always stands."""
    completion = min(1.0, (start_position + seconds) / duration) if duration > 0 else 0.0
    finished = completion >= FINISHED_COMPLETION
    short = min(SKIP_SECONDS, SKIP_SHARE * duration if duration else SKIP_SECONDS)
    return PlayOutcome(completion, finished, skipped or (not finished and seconds < short))


@dataclass(frozen=True)
class NewSegment:
    """A segment to write, with its vector in the space named by `space_key` (a modality)."""

    modality: str
    start: float
    end: float
    vector: Any = None
    text: str | None = None
    thumbnail: str | None = None
    shot_index: int | None = None


@dataclass(frozen=True)
class ItemMetadata:
    """What decoding read of one file: its streams, its tags, and the stem its title falls back to. Stored as
    ``to_json()`` in metadata_json, merged with what understanding adds (ItemIndexResult.metadata); also what a
    failed file keeps (mark_error)."""

    kind: str
    duration: float
    width: int | None
    height: int | None
    fps: float | None
    video_codec: str | None
    audio_codec: str | None
    sample_rate: int | None
    channels: int | None
    title: str | None
    artist: str | None
    album: str | None
    date: str | None
    genre: str | None
    tags: Mapping[str, str]
    file_stem: str
    # The length its header declares where that is more than decodes: indexed for what it holds, marked truncated.
    declared_duration: float | None = None

    @property
    def truncated(self) -> bool:
        return self.declared_duration is not None

    def to_json(self) -> dict[str, Any]:
        """The stored form, key for key what libraries already hold (no migration): "truncated" and
        "declared_duration" only for a truncated file."""
        data: dict[str, Any] = {
            "kind": self.kind,
            "duration": self.duration,
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "video_codec": self.video_codec,
            "audio_codec": self.audio_codec,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "title": self.title,
            "artist": self.artist,
            "album": self.album,
            "date": self.date,
            "genre": self.genre,
            "tags": dict(self.tags),
            "file_stem": self.file_stem,
        }
        if self.truncated:
            data.update(truncated=True, declared_duration=self.declared_duration)
        return data


@dataclass(frozen=True)
class ItemIndexResult:
    """Everything the pipeline learned about one file; written in one transaction."""

    metadata: dict[str, Any]  # as stored: ItemMetadata.to_json() with what understanding adds
    segments: list[NewSegment] = field(default_factory=list)
    shots: list[tuple[float, float]] = field(default_factory=list)
    transcript: list[TranscriptLine] = field(default_factory=list)
    # modality -> (model_id, dim) for every encoder that ran, even if it produced no segment.
    encoded_by: dict[str, tuple[str, int]] = field(default_factory=dict)
    item_vector: Any = None
    item_vector_model: tuple[str, int] | None = None
    tags: list[TagRecord] = field(default_factory=list)
    thumbnail: str | None = None
    language: str | None = None
    screen_text: list[ScreenTextLine] = field(default_factory=list)

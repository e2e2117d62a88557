"""Chapters and key scenes of a video, from what indexing stored (no decoding, no model).

Candidate boundaries are the shot cuts and the topic shifts of the transcript (found at indexing time, see
topics; a shift within SNAP_SECONDS of a cut is that cut). Each candidate gets a strength per modality: the
cosine distance between the mean keyframe vector just before it and just after it (a window of a few seconds,
so an A/B/A/B dialogue does not look like a change of scene) over VISUAL_NOVELTY, and the topic contrast over
TOPIC_CONTRAST. A candidate whose strength reaches 1 in either is a boundary, strongest first, as long as every
chapter stays at least ``min_chapter_seconds`` long; a chapter longer than ``MAX_CHAPTER_SECONDS`` is split at
its strongest candidate anyway, so every long video has chapters.

A chapter's title comes from the tags whose moments fall inside it (the best visual term and the best spoken
keyphrase; else a sound), and its picture is the keyframe closest to the chapter's mean. Key scenes are the
shots least like the rest of the video.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mediarec.index.records import APPLIED_TAG_SCORE, ItemRecord, TagRecord
from mediarec.index.store import LibraryStore
from mediarec.models.base import l2_normalise

# Cosine distance between the pictures before and after a cut that makes a new chapter (calibrated on the
# tiny CLIP's drawn shapes: redrawn same content 0.05 on average, different content 0.44 at the 5th percentile;
# real CLIPs put consecutive shots of one scene at 0.05-0.15).
VISUAL_NOVELTY = 0.25
# Topic contrast (topics.line_contrasts) that makes a new chapter. Sentences of one subject sit at 0.3-0.6
# cosine with the offline text encoder and sentences of different subjects at 0.0-0.2, but averaged over a few
# sentences of speech-to-text the contrast at a change of subject is only 0.09-0.35 (0.10-0.14 at the false
# peaks) on the development set's narrated talks, where 0.12 gave the best F1.
TOPIC_CONTRAST = 0.12
# For items indexed before topic shifts were stored: cosine distance between transcript chunk vectors.
CHUNK_NOVELTY = 0.7
MAX_CHAPTER_SECONDS = 600.0
SNAP_SECONDS = 2.0  # a topic shift this close to a cut is that cut
MAX_KEY_SCENES = 5


@dataclass(frozen=True)
class TimedVector:
    start: float
    end: float
    vector: np.ndarray
    thumbnail: str | None = None

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2


@dataclass(frozen=True)
class Chapter:
    index: int
    start: float
    end: float
    title: str
    title_zh: str | None
    thumbnail: str | None
    frame_time: float | None

    def to_json(self) -> dict:
        return {
            "index": self.index,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "title": self.title,
            "title_zh": self.title_zh,
            "thumbnail": self.thumbnail,
            "frame_time": None if self.frame_time is None else round(self.frame_time, 3),
        }


@dataclass(frozen=True)
class KeyScene:
    start: float
    end: float
    thumbnail: str | None
    distinctiveness: float

    def to_json(self) -> dict:
        return {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "thumbnail": self.thumbnail,
            "distinctiveness": round(self.distinctiveness, 4),
        }


@dataclass(frozen=True)
class ChapterList:
    duration: float
    chapters: tuple[Chapter, ...]
    key_scenes: tuple[KeyScene, ...]

    @property
    def boundaries(self) -> list[float]:
        return [chapter.start for chapter in self.chapters[1:]]

    def to_json(self) -> dict:
        return {
            "duration": round(self.duration, 3),
            "chapters": [chapter.to_json() for chapter in self.chapters],
            "key_scenes": [scene.to_json() for scene in self.key_scenes],
        }


@dataclass(frozen=True)
class _Candidate:
    time: float
    strength: float  # novelty over its threshold: 1.0 and above makes a boundary


def min_chapter_seconds(duration: float) -> float:
    """A twelfth of the video, between 1 s (short clips) and 30 s (films)."""
    return float(np.clip(duration / 12.0, 1.0, 30.0))


# -- boundaries --------------------------------------------------------------------------------------------------


def find_boundaries(
    duration: float,
    shots: Sequence[tuple[float, float]],
    frames: Sequence[TimedVector],
    speech: Sequence[TimedVector],
    shifts: Sequence[Sequence[float]] | None = None,
) -> list[float]:
    """Chapter starts after 0. ``shifts`` are the stored topic shifts ([time, contrast]); without them the
    transcript chunk vectors in ``speech`` stand in."""
    min_length = min_chapter_seconds(duration)
    candidates = _candidates(duration, shots, frames, speech, shifts, min_length)
    chosen: list[float] = []
    for candidate in sorted(candidates, key=lambda c: -c.strength):
        if candidate.strength >= 1.0 and _fits(candidate.time, chosen, duration, min_length):
            chosen.append(candidate.time)
    return _split_long(sorted(chosen), candidates, duration, min_length)


def _candidates(duration, shots, frames, speech, shifts, min_length: float) -> list[_Candidate]:
    visual_window = max(min_length, 3.0)
    cuts = [start for start, _ in shots[1:]]
    if shifts is None:
        window = max(min_length, 30.0)
        shifts = [
            (c.start, _novelty(speech, c.start, window) * TOPIC_CONTRAST / CHUNK_NOVELTY) for c in speech[1:]
        ]
    strengths = {cut: _novelty(frames, cut, visual_window) / VISUAL_NOVELTY for cut in cuts}
    for time, contrast in shifts:
        near = [cut for cut in cuts if abs(cut - time) <= SNAP_SECONDS]
        at = min(near, key=lambda cut: abs(cut - time)) if near else float(time)
        if at not in strengths:
            strengths[at] = _novelty(frames, at, visual_window) / VISUAL_NOVELTY
        strengths[at] = max(strengths[at], contrast / TOPIC_CONTRAST)
    return [_Candidate(time, strength) for time, strength in sorted(strengths.items()) if 0 < time < duration]


def _novelty(parts: Sequence[TimedVector], time: float, window: float) -> float:
    """Cosine distance between the mean vectors of the parts just before and just after ``time``."""
    before = [p.vector for p in parts if time - window <= p.middle < time]
    after = [p.vector for p in parts if time <= p.middle < time + window]
    if not before:  # a long part reaching back: the nearest one stands for the side
        before = [p.vector for p in sorted(parts, key=lambda p: -p.middle) if p.middle < time][:1]
    if not after:
        after = [p.vector for p in sorted(parts, key=lambda p: p.middle) if p.middle >= time][:1]
    if not before or not after:
        return 0.0
    left = l2_normalise(np.mean(before, axis=0)[None])[0]
    right = l2_normalise(np.mean(after, axis=0)[None])[0]
    return float(1.0 - left @ right)


def _fits(time: float, chosen: list[float], duration: float, min_length: float) -> bool:
    return all(abs(time - other) >= min_length - 1e-6 for other in [0.0, duration, *chosen])


def _split_long(
    chosen: list[float], candidates: list[_Candidate], duration: float, min_length: float
) -> list[float]:
    while True:
        edges = [0.0, *chosen, duration]
        long_spans = [(a, b) for a, b in zip(edges, edges[1:], strict=False) if b - a > MAX_CHAPTER_SECONDS]
        added = False
        for start, end in long_spans:
            inside = [
                c for c in candidates if start < c.time < end and _fits(c.time, chosen, duration, min_length)
            ]
            if inside:
                chosen = sorted([*chosen, max(inside, key=lambda c: c.strength).time])
                added = True
            else:  # no cut or topic shift at all: even spacing is better than one ten-hour chapter
                pieces = int(np.ceil((end - start) / MAX_CHAPTER_SECONDS))
                chosen = sorted([*chosen, *(start + (end - start) * k / pieces for k in range(1, pieces))])
                added = True
        if not added:
            return chosen


# -- titles, pictures and key scenes -----------------------------------------------------------------------------


def describe_chapters(
    boundaries: Sequence[float],
    duration: float,
    frames: Sequence[TimedVector],
    tags: Sequence[TagRecord],
    tag_moments: Mapping[str, Sequence[Sequence[float]]],
    zh_names: Mapping[str, str] | None = None,
) -> tuple[Chapter, ...]:
    edges = [0.0, *boundaries, duration]
    chapters = []
    for index, (start, end) in enumerate(zip(edges, edges[1:], strict=False)):
        visual = _best_tag(tags, tag_moments, start, end, ("visual",))
        spoken = _best_tag(tags, tag_moments, start, end, ("speech",))
        heard = _best_tag(tags, tag_moments, start, end, ("audio",))
        words = [name for name in (visual, spoken) if name] or ([heard] if heard else [])
        title = " · ".join(words).capitalize() if words else f"Chapter {index + 1}"
        title_zh = None
        if visual and zh_names and visual in zh_names:
            title_zh = " · ".join([zh_names[visual], *([spoken] if spoken else [])])
        elif not visual and not spoken and heard and zh_names and heard in zh_names:
            title_zh = zh_names[heard]  # titled by what is heard: a sound tag's Chinese name
        frame = _representative(frames, start, end)
        chapters.append(
            Chapter(
                index,
                start,
                end,
                title,
                title_zh,
                frame.thumbnail if frame else None,
                frame.middle if frame else None,
            )
        )
    return tuple(chapters)


def _best_tag(tags, tag_moments, start: float, end: float, sources) -> str | None:
    """The tag of these sources that covers most of [start, end) (by score x covered share); more specific
    (longer) names win ties, so "red circle" beats "circle". Tags about the whole file (no moment) say
    nothing about one chapter."""
    best, best_key = None, (0.0, 0)
    for tag in tags:
        if tag.source not in sources or tag.score < APPLIED_TAG_SCORE:
            continue
        moments = tag_moments.get(f"{tag.source}:{tag.name}") or (
            [(tag.start, tag.end)] if tag.start is not None else []
        )
        covered = sum(max(0.0, min(end, b) - max(start, a)) for a, b in moments)
        key = (round(tag.score * covered / max(end - start, 1e-6), 3), len(tag.name))
        if covered > 0 and key > best_key:
            best, best_key = tag.name, key
    return best


def _representative(frames: Sequence[TimedVector], start: float, end: float) -> TimedVector | None:
    inside = [frame for frame in frames if start <= frame.middle < end]
    if not inside:
        return None
    centre = l2_normalise(np.mean([frame.vector for frame in inside], axis=0)[None])[0]
    return max(inside, key=lambda frame: float(frame.vector @ centre))


def key_scenes(shots: Sequence[tuple[float, float]], frames: Sequence[TimedVector]) -> tuple[KeyScene, ...]:
    """The shots least like the rest of the video (1 - cosine to the mean of the other shots' keyframes)."""
    by_shot = []
    for start, end in shots:
        members = [frame for frame in frames if start <= frame.middle < end]
        if members:
            by_shot.append((start, end, members))
    if len(by_shot) < 2:
        return ()
    vectors = l2_normalise(
        np.stack([np.mean([m.vector for m in members], axis=0) for _, _, members in by_shot])
    )
    total = vectors.sum(axis=0)
    scenes = []
    for index, (start, end, members) in enumerate(by_shot):
        rest = l2_normalise((total - vectors[index])[None])[0]
        picture = max(members, key=lambda m: float(m.vector @ vectors[index]))
        scenes.append(KeyScene(start, end, picture.thumbnail, float(1.0 - vectors[index] @ rest)))
    count = min(MAX_KEY_SCENES, max(1, len(scenes) // 4))
    return tuple(sorted(scenes, key=lambda scene: -scene.distinctiveness)[:count])


# -- from the library --------------------------------------------------------------------------------------------


def chapters_for_item(store: LibraryStore, item: ItemRecord) -> ChapterList:
    from mediarec.understand.vocabulary import chinese_tag_names

    duration = float(item.duration or 0.0)
    frames = stored_vectors(store, item.id, "frame")
    speech = stored_vectors(store, item.id, "speech")
    shots = store.shots(item.id)
    shifts = item.metadata.get("topic_shifts")
    boundaries = find_boundaries(duration, shots, frames, speech, shifts) if duration > 0 else []
    chapters = describe_chapters(
        boundaries,
        duration,
        frames,
        store.tags(item.id),
        item.metadata.get("tag_moments", {}),
        chinese_tag_names(),
    )
    return ChapterList(duration, chapters, key_scenes(shots, frames))


def stored_vectors(store: LibraryStore, item_id: int, modality: str) -> list[TimedVector]:
    """The item's segments of one modality with their vectors, from the newest space the item was encoded in."""
    encoded = store.encoded_spaces(item_id)
    spaces = [space for space in store.spaces(modality) if space.id in encoded]
    if not spaces:
        return []
    row_ids, vectors = store.segment_vectors(spaces[-1], item_id)
    by_row = dict(zip(row_ids, vectors, strict=True))
    return [
        TimedVector(segment.start, segment.end, by_row[segment.id], segment.thumbnail)
        for segment in store.item_segments(item_id, modality)
        if segment.id in by_row
    ]

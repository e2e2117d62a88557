"""All that is known about one indexed file, as `mediarec show` prints it (Library.show)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mediarec.index.records import ItemRecord, ScreenTextLine, TagRecord, TranscriptLine

if TYPE_CHECKING:
    from mediarec.understand.chapters import Chapter


@dataclass(frozen=True)
class ItemReport:
    item: ItemRecord
    shots: tuple[tuple[float, float], ...]
    transcript: tuple[TranscriptLine, ...]
    # Text shown on screen (the read channel): each line with when, and where as fractions of the picture.
    screen_text: tuple[ScreenTextLine, ...]
    tags: tuple[TagRecord, ...]
    chapters: tuple[Chapter, ...]  # videos only
    plays: int
    feedback: int  # 1 liked, -1 disliked, 0 neither

    @property
    def speech_note(self) -> str | None:
        """Speech heard but not transcribed, or not surely ("speech in zh was heard but the transcriber tiny.en
        only transcribes English"); None when there is none (understand.item.untranscribed_speech)."""
        return (self.item.metadata.get("untranscribed_speech") or {}).get("note")

    def to_json(self) -> dict[str, Any]:
        """`mediarec show --json`: the contract scripts read (README), key for key."""
        item = self.item
        return {
            "path": item.path,
            "title": item.display_title,
            "kind": item.kind,
            "duration": item.duration,
            "status": item.status,
            "language": item.language,
            "speech_note": self.speech_note,
            "metadata": item.metadata,
            "thumbnail": item.thumbnail,
            "shots": [{"start": start, "end": end} for start, end in self.shots],
            "transcript": [
                {"start": line.start, "end": line.end, "text": line.text} for line in self.transcript
            ],
            "screen_text": [
                {"start": line.start, "end": line.end, "text": line.text, "box": list(line.box)}
                for line in self.screen_text
            ],
            "tags": [
                {
                    "name": tag.name,
                    "source": tag.source,
                    "score": round(tag.score, 4),
                    "start": tag.start,
                    "end": tag.end,
                }
                for tag in self.tags
            ],
            "chapters": [chapter.to_json() for chapter in self.chapters],
            "plays": self.plays,
            "feedback": self.feedback,
        }

"""What the desktop shows and does for one item: details, user tags, viewing history, feedback, chapters.

No Qt here, so these are testable headless. The app runs them on worker threads, never on the GUI thread (they
touch the database, which can wait behind the indexer's write lock).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mediarec.app.library import Library
from mediarec.errors import MediarecError
from mediarec.index.records import (
    USER_TAG_SOURCE,
    ItemRecord,
    PlayRecord,
    ScreenTextLine,
    TagRecord,
    TranscriptLine,
)
from mediarec.player.session import PlaySummary
from mediarec.rank.modal_similarity import ModalHit, SimilarHit

if TYPE_CHECKING:
    from mediarec.understand.chapters import ChapterList

# -- details of one item -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemDetails:
    item: ItemRecord
    tags: tuple[TagRecord, ...]
    transcript: tuple[TranscriptLine, ...]
    screen_text: tuple[ScreenTextLine, ...]  # the lines shown on screen (the read channel), in time order
    shots: tuple[tuple[float, float], ...]
    similar: tuple[SimilarHit, ...]
    feedback: int  # 1 liked, -1 disliked, 0 neither
    play_count: int


def item_details(library: Library, item_id: int, similar_limit: int = 8) -> ItemDetails:
    """All the details panel and the player show about one item; ``similar_limit`` 0 skips "more like this"."""
    store = library.store
    item = library.item(item_id)
    similar: list[ModalHit] = []
    if similar_limit and item.status == "indexed":
        try:
            similar = library.similar_to(item, similar_limit)
        except MediarecError:
            similar = []  # nothing to compare with yet (no fused vector): the panel says so
    return ItemDetails(
        item=item,
        tags=tuple(store.tags(item_id)),
        transcript=tuple(store.transcript(item_id)),
        screen_text=tuple(store.screen_text(item_id)),
        shots=tuple(store.shots(item_id)),
        similar=tuple(similar),
        feedback=store.feedback().get(item_id, 0),
        play_count=len(store.plays(item_id)),
    )


def add_user_tag(library: Library, item_id: int, name: str) -> tuple[TagRecord, ...]:
    """The desktop's "Add tag": the same action as `mediarec tag add` (Library.add_tag)."""
    library.add_tag(library.item(item_id), name)
    return tuple(library.store.tags(item_id))


def remove_tag(library: Library, item_id: int, name: str, source: str) -> tuple[TagRecord, ...]:
    """The desktop's "Remove": the user's own tags go as `mediarec tag remove` does (with their applied
    suggestion); a tag from the file's analysis is removed from that source only."""
    if source == USER_TAG_SOURCE:
        library.remove_tag(library.item(item_id), name)
    else:
        library.store.remove_tag(item_id, name, source)
    return tuple(library.store.tags(item_id))


# -- history and feedback ------------------------------------------------------------------------------------


def record_viewing(library: Library, viewing: PlaySummary) -> PlayRecord:
    """The desktop's play, written on its writes worker, then learnt from there (Library.learn_from_history)
    before the shelf is asked again."""
    play = library.store.record_play(
        viewing.item_id, seconds=viewing.seconds, start_position=viewing.start_position
    )
    library.learn_from_history()
    return play


def set_feedback(library: Library, item_id: int, value: int) -> int:
    library.store.set_feedback(item_id, value)
    library.learn_from_history()
    return value


def item_chapters(library: Library, item_id: int) -> ChapterList:
    """The chapters of one item (stored data only: no decoding, no model)."""
    return library.chapters_of(library.item(item_id))

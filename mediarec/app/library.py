"""Services that the command line and the desktop app share: one Library object per library database.

Nothing here prints or exits; errors are exceptions with messages ready for the user (LibraryError and the
StorageError / ModelError / MediaError of the layers below).
"""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, cast

from mediarec.app.item_report import ItemReport
from mediarec.config import Settings
from mediarec.errors import MediarecError
from mediarec.index.records import DISLIKE, LIKE, NO_FEEDBACK, NOT_INTERESTED, ItemRecord
from mediarec.index.store import LibraryStore
from mediarec.models.base import ImageTextEncoder, TextEncoder, TextTower
from mediarec.models.model_set import sees_drawings_only, speech_space_model_id
from mediarec.models.ocr import read_space_model_id
from mediarec.rank.hits import SearchHit
from mediarec.rank.modal_similarity import ModalHit
from mediarec.rank.search import QueryChannel, SearchEngine
from mediarec.rank.text_vectors import TextVectors
from mediarec.scan.paths import path_from_display

if TYPE_CHECKING:
    from mediarec.models.base import ModelSetLike
    from mediarec.models.model_set import ModelSet
    from mediarec.pipeline.indexer import Indexer


class LibraryError(MediarecError):
    """A request the library cannot answer (unknown file, nothing indexed yet); the message says what to do."""


class Library:
    """One library database and the models that index and search it.

    ``models_in_helper=True`` (the desktop app) encodes search queries in a helper process
    (mediarec/models/model_process.py), so that loading a model never holds this process's GIL; the command line
    loads the models here.
    """

    def __init__(self, settings: Settings, *, models_in_helper: bool = False):
        self.settings = settings
        self.store = LibraryStore(settings.database_path)
        self.models_in_helper = models_in_helper
        self._models: ModelSet | None = None
        self._query_models: ModelSetLike | None = None
        self._models_lock = threading.Lock()

    def close(self) -> None:
        for models in (self._models, self._query_models):
            if models is not None:
                models.unload_all()
        self.store.close()

    # -- models (loaded lazily: opening a library or listing it never loads a network) -------------------------

    @property
    def models(self) -> ModelSet:
        with self._models_lock:
            if self._models is None:
                from mediarec.models.model_set import ModelSet

                self._models = ModelSet.for_settings(self.settings)
            return self._models

    @property
    def query_models(self) -> ModelSetLike:
        """The models that encode search queries: ``models`` itself, or its stand-in in a helper process."""
        if not self.models_in_helper:
            return self.models
        with self._models_lock:
            if self._query_models is None:
                from mediarec.models.model_process import HelperModelSet

                self._query_models = HelperModelSet(self.settings)
            return self._query_models

    # -- indexing ----------------------------------------------------------------------------------------------

    def indexer(self, *, stop_event=None, pause_event=None) -> Indexer:
        # Imported here: the decoders it pulls in (PyAV, Pillow) are not needed to search.
        from mediarec.pipeline.indexer import Indexer

        # The device is chosen when first needed (models.device.DeferredDevice); choose it now, so that an
        # impossible one (device = cuda without a GPU) stops the run here instead of failing every file.
        _ = self.models.device.device
        return Indexer(
            self.store,
            self.models,
            self.settings.index,
            self.settings.thumbnail_dir,
            stop_event=stop_event,
            pause_event=pause_event,
        )

    def add_folders(self, paths) -> list[str]:
        added = []
        for path in paths:
            absolute = str(Path(path).expanduser().absolute())
            if Path(absolute).is_dir():
                self.store.add_folder(absolute)
                added.append(absolute)
        return added

    # -- search and similarity ---------------------------------------------------------------------------------

    @cached_property
    def search_engine(self) -> SearchEngine:
        self._refresh_tag_text()
        return SearchEngine(
            self.store, self._query_channels, self._tag_channel, text_vectors=self._text_vectors
        )

    def _refresh_tag_text(self) -> None:
        """A library indexed before a tag's other names (its Chinese ones) were in the text index gets them now,
        once; while another process holds the write lock it is left for the next search (nothing is lost)."""
        from contextlib import suppress

        from mediarec.index.sqlite_driver import StorageError

        with suppress(StorageError):
            self.store.refresh_tag_text()

    def _query_channels(self) -> list[QueryChannel]:
        models = self.query_models
        channels = []
        # Each role's encoder is an instance of that role's abstract class (models.base), or its helper
        # stand-in with the same methods, so the casts only name what the role offers.
        image_text = cast(ImageTextEncoder, models.get("image_text"))
        frame_space = self.store.space("frame", image_text.model_id)
        if frame_space is not None:
            drawings_only = sees_drawings_only(models)  # the offline tiny CLIP (catalogue option "sees")
            channels.append(
                QueryChannel("frame", frame_space, image_text.encode_texts, drawings_only=drawings_only)
            )
        speech_space = self.store.space("speech", speech_space_model_id(models))
        if speech_space is not None:
            text = cast(TextEncoder, models.get("text"))
            channels.append(QueryChannel("speech", speech_space, text.encode_queries, text.encode_passages))
        # On-screen text, embedded with the same text model (models.ocr.read_space_model_id).
        read_space = self.store.space("read", read_space_model_id(models))
        if read_space is not None:
            text = cast(TextEncoder, models.get("text"))
            channels.append(QueryChannel("read", read_space, text.encode_queries))
        # Sounds compared with the query itself when the audio model has a text tower (CLAP; the catalogue says so
        # from the spec, nothing loads). YAMNet has none: sounds are then found through their tags only.
        if models.has_text_tower("audio"):
            audio = models.get("audio")
            audio_space = self.store.space("audio", audio.model_id)
            if audio_space is not None:
                channels.append(QueryChannel("audio", audio_space, cast(TextTower, audio).encode_texts))
        return channels

    def warm_up_search(self) -> int:
        """Load the search's in-memory vector copies now (no model is loaded), so that the first search of a
        large library does not wait seconds for them. Returns how many vectors are ready."""
        return sum(self.search_engine.warm(channel.space) for channel in self._query_channels())

    def query_roles(self) -> list[str]:
        """The roles whose models encode a search query (the transcriber only names the speech space; the audio
        model only when it has a text tower, like CLAP)."""
        audio = ["audio"] if self.query_models.has_text_tower("audio") else []
        return ["image_text", "text", *audio]

    def warm_up_query_models(self) -> list[str]:
        """Load the query encoders that are already here (never a download) in the helper process now, so that
        the first search answers at once. Only with ``models_in_helper`` (here it would hold the GIL) and a
        library with something to search. Returns the roles loaded."""
        if not self.models_in_helper or self.store.count_items() == 0:
            return []
        return self.query_models.warm_up(self.query_roles())

    @cached_property
    def _text_vectors(self) -> TextVectors:
        """The query bank's and tag names' vectors, kept in the cache so a new process does not embed them again."""
        return TextVectors(self.settings.cache_dir / "text-vectors")

    @cached_property
    def _tag_vectors(self):
        from mediarec.rank.tag_channel import TagVectorCache

        return TagVectorCache(self._text_vectors)

    def _tag_channel(self):
        """The heard and seen channels: queries compared with the names of the audio tags and of the image labels'
        visual tags through the text encoder."""
        from mediarec.index.tag_names import other_names
        from mediarec.rank.search import COHORT_QUERIES
        from mediarec.rank.tag_channel import (
            GENERIC_SOUND_NAMES,
            GENERIC_SOUND_SHARE,
            SOUND_PASSING_Z,
            TagChannel,
            TagChannels,
            label_said_by,
            sound_said_by,
        )
        from mediarec.understand.image_label_tags import label_vocabulary

        text = cast(TextEncoder, self.query_models.get("text"))
        labels = label_vocabulary()
        label_forms = {tag: label_said_by(labels.names_of(index)) for index, tag in enumerate(labels.tags)}

        def channel(source: str, **options) -> TagChannel:
            return TagChannel(
                self.store,
                text.model_id,
                text.encode_queries,
                text.encode_passages,
                COHORT_QUERIES,
                cache=self._tag_vectors,
                sources=(source,),
                **options,
            )

        seen = channel(
            "visual",
            names={"visual": labels.tags},
            texts={tag: f"{tag}, {zh}" for tag, zh in zip(labels.tags, labels.chinese, strict=True)},
            channel="seen",
            said_by=lambda tag: label_forms.get(tag, ()),
        )
        heard = channel(
            "audio",
            other_names=other_names,
            said_by=sound_said_by,
            generic_share=GENERIC_SOUND_SHARE,
            generic_names=GENERIC_SOUND_NAMES,
            passing_z=SOUND_PASSING_Z,
        )
        return TagChannels(heard, seen)

    def search(
        self, query: str, limit: int = 10, *, min_score: float | None = None, include_weak: bool = False
    ) -> list[SearchHit]:
        """Hits whose match confidence reaches the match threshold (rank/search.py), or ``min_score``;
        ``include_weak`` shows weak matches too (down to the weak threshold)."""
        if self.store.count_items() == 0:
            raise LibraryError(
                "The library is empty. Index some folders first: mediarec index ~/Videos ~/Music"
            )
        from mediarec.rank.filters import search_with_filters
        from mediarec.rank.search import WEAK_MATCH_THRESHOLD, ThresholdedSearch

        engine: SearchEngine | ThresholdedSearch = self.search_engine
        if include_weak or min_score is not None:
            engine = self.search_engine.at_threshold(WEAK_MATCH_THRESHOLD if min_score is None else min_score)
        # "tag:beach kind:video dog running": filters narrow the items, the rest is searched
        return search_with_filters(engine, self.store, query, limit)

    def similar(self, path: str | Path, limit: int = 10, modality: str = "fused") -> list[ModalHit]:
        """More like this: "fused" (in every way), or by one modality: "frame" (looks like), "audio" (sounds
        like), "speech" (talks about); "looks", "sounds" and "talks" work too. Copies are folded, not listed."""
        return self.similar_to(self.resolve(path), limit, modality)

    def similar_to(self, item: ItemRecord, limit: int = 10, modality: str = "fused") -> list[ModalHit]:
        from mediarec.rank.modal_similarity import ModalSimilarity, resolve_modality

        return ModalSimilarity(self.store).similar(item, limit, resolve_modality(modality))

    # -- history, feedback and recommendations (mediarec/recommend) ------------------------------------------

    def recommend(self, limit: int = 10, diversity: float = 0.3):
        """The "For you" list: recommend.recommender.Recommendation objects with their reasons. Loads no model."""
        from mediarec.recommend.recommender import Recommender

        if not 0.0 <= diversity <= 1.0:
            raise LibraryError(
                f"Diversity is a number from 0 (most relevant) to 1 (most varied), not {diversity}."
            )
        return Recommender(self.store).recommend(limit, diversity)

    def rate(self, path: str | Path, feedback: str) -> None:
        """Feedback on an item: "like", "dislike", "not-interested" (never suggest it again) or "clear"."""
        values = {"like": LIKE, "dislike": DISLIKE, "not-interested": NOT_INTERESTED, "clear": NO_FEEDBACK}
        if feedback not in values:
            raise LibraryError(f"Feedback is one of {', '.join(values)}, not {feedback!r}.")
        self.store.set_feedback(self.resolve(path).id, values[feedback])

    # -- items -------------------------------------------------------------------------------------------------

    def resolve(self, path: str | Path) -> ItemRecord:
        absolute = str(Path(path).expanduser().absolute())
        # The file system's own name, or the name as shown with a byte that is not UTF-8 written \xff.
        item = self.store.item_by_path(absolute) or self.store.item_by_path(path_from_display(absolute))
        if item is None:
            raise LibraryError(f"{path} is not in the library. Index its folder first: mediarec index FOLDER")
        if item.status == "error":
            raise LibraryError(f"{path} could not be indexed: {item.error}")
        if item.status == "missing":
            raise LibraryError(f"{path} is no longer on disk.")
        if item.status == "pending":
            raise LibraryError(f"{path} is not indexed yet. Run: mediarec index {Path(absolute).parent}")
        return item

    def show(self, path: str | Path) -> ItemReport:
        """All that is known about an indexed file (`mediarec show`; ItemReport.to_json() is its JSON)."""
        item = self.resolve(path)
        return ItemReport(
            item=item,
            shots=tuple(self.store.shots(item.id)),
            transcript=tuple(self.store.transcript(item.id)),
            screen_text=tuple(self.store.screen_text(item.id)),
            tags=tuple(self.store.tags(item.id)),
            chapters=tuple(self.chapters(item.path).chapters) if item.kind == "video" else (),
            plays=len(self.store.plays(item.id)),
            feedback=self.store.feedback().get(item.id, 0),
        )

    def watch(
        self,
        path: str | Path,
        seconds: float,
        *,
        like: bool = False,
        dislike: bool = False,
        start_position: float = 0.0,
    ):
        item = self.resolve(path)
        play = self.store.record_play(item.id, seconds=seconds, start_position=start_position)
        if like or dislike:
            self.store.set_feedback(item.id, LIKE if like else DISLIKE)
        return play

    def learn_from_history(self) -> bool:
        """Train the gate For you scores with on the history as it is now, unless the library keeps the one for
        it, so that For you finds it instead of training on its own path (recommend/recommender.py): the
        desktop's writes worker runs it after each play or rating (app/items.py), `mediarec recommend` before it
        asks (not `watch` or `rate`: the cohort it learns against reads the whole item space, seconds at 10^5
        items, which a one-shot `recommend` reads anyway). A failure here loses nothing: For you then scores with
        the gate kept before. True when a new gate was trained."""
        from mediarec.recommend.recommender import Recommender

        try:
            return Recommender(self.store).update_gate()
        except MediarecError:
            return False

    def failed_items(self) -> list[ItemRecord]:
        return self.store.items(statuses=("error",))

    # -- tags and chapters (mediarec/understand) ---------------------------------------------------------------

    def tags(self, path: str | Path) -> list[dict]:
        """The item's tags, best first: name, Chinese name, source, score, applied, moments."""
        from mediarec.understand.report import tags_report

        return tags_report(self.store, self.resolve(path))

    def chapters(self, path: str | Path):
        """understand.chapters.ChapterList: chapters with titles and pictures, and key scenes. Loads no model."""
        return self.chapters_of(self.resolve(path))

    def chapters_of(self, item: ItemRecord):
        from mediarec.understand.chapters import chapters_for_item

        return chapters_for_item(self.store, item)

    def tag_add(self, path: str | Path, name: str) -> None:
        self.add_tag(self.resolve(path), name)

    def tag_remove(self, path: str | Path, name: str) -> int:
        return self.remove_tag(self.resolve(path), name)

    def add_tag(self, item: ItemRecord, name: str) -> None:
        """The user's own tag on an item (name rule: understand.taught_tags.tag_name); it replaces a suggested
        copy and forgets an earlier rejection of the tag on this item."""
        self._taught_tags(lambda taught: taught.add(item, name))

    def remove_tag(self, item: ItemRecord, name: str) -> int:
        """Remove the user's tag and its applied suggestion from an item; returns how many were removed."""
        return self._taught_tags(lambda taught: taught.remove(item, name))

    def item(self, item_id: int) -> ItemRecord:
        """The item with this id, whatever its status (the desktop speaks ids)."""
        item = self.store.item(item_id)
        if item is None:
            raise LibraryError("This file is no longer in the library.")
        return item

    def tag_suggest(self, name: str, limit: int = 20, apply: bool = False):
        """understand.taught_tags.TagModelReport: suggestions with confidence and cross-validated precision."""
        return self._taught_tags(lambda taught: taught.suggest(name, limit=limit, apply=apply))

    def tag_stop_applying(self, name: str) -> int:
        return self._taught_tags(lambda taught: taught.stop_applying(name))

    def tag_accept(self, path: str | Path, name: str):
        return self._taught_tags(lambda taught: taught.accept(self.resolve(path), name))

    def tag_reject(self, path: str | Path, name: str):
        return self._taught_tags(lambda taught: taught.reject(self.resolve(path), name))

    def _taught_tags(self, action):
        from mediarec.understand.taught_tags import TaughtTags

        return action(TaughtTags(self.store))

"""The heard channel: text queries matched with the library's audio tag names through the real text encoder."""

from __future__ import annotations

import pytest

from mediarec.index.records import ItemIndexResult, TagRecord
from mediarec.index.store import LibraryStore
from mediarec.models.text import UniversalSentenceEncoder
from mediarec.rank.search import COHORT_QUERIES
from mediarec.rank.tag_channel import TagChannel, TagVectorCache


@pytest.fixture(scope="module")
def encoder():
    return UniversalSentenceEncoder()


@pytest.fixture
def store(tmp_path):
    library = LibraryStore(tmp_path / "library.sqlite3")
    yield library
    library.close()


class CountingEncoder:
    """The real encoder, counting how many texts it was asked to embed (to see what the cache saves)."""

    def __init__(self, encode):
        self.encode = encode
        self.texts: list[str] = []

    def __call__(self, texts):
        self.texts.extend(texts)
        return self.encode(texts)


def add_item(store: LibraryStore, name: str, tags: list[TagRecord], duration: float = 30.0) -> int:
    item_id = store.add_item(f"/media/{name}", f"fp-{name}", 10, 1.0)
    result = ItemIndexResult(
        metadata={"kind": "audio", "duration": duration, "title": name},
        segments=[],
        shots=[],
        transcript=[],
        encoded_by={},
        tags=tags,
    )
    store.write_index_result(item_id, result)
    return item_id


def sound_library(store: LibraryStore) -> dict[str, int]:
    return {
        "dog": add_item(
            store,
            "dog.ogg",
            [TagRecord(0, "dog", "audio", 0.8, 4.0, 6.5), TagRecord(0, "bark", "audio", 0.7, 4.0, 6.0)],
        ),
        "bells": add_item(store, "bells.ogg", [TagRecord(0, "church bell", "audio", 0.9)], duration=42.0),
        "talk": add_item(store, "talk.ogg", [TagRecord(0, "speech", "audio", 0.95, 0.0, 30.0)]),
        "engine": add_item(store, "engine.ogg", [TagRecord(0, "engine", "audio", 0.6, 1.0, 9.0)]),
        "beach": add_item(store, "beach.mp4", [TagRecord(0, "ocean", "visual", 0.9, 0.0, 5.0)]),
        "tone": add_item(store, "tone.ogg", [TagRecord(0, "beep, bleep", "audio", 0.75, 0.0, 3.0)]),
    }


def channel(store, encoder, cache=None, passages=None) -> TagChannel:
    return TagChannel(
        store,
        encoder.model_id,
        encoder.encode_queries,
        passages or encoder.encode_passages,
        COHORT_QUERIES,
        cache=cache,
    )


def test_a_sound_query_finds_the_item_at_the_tag_moment_with_a_snippet(store, encoder):
    ids = sound_library(store)
    hits = channel(store, encoder).search("a dog barking")
    assert hits and hits[0].item_id == ids["dog"]
    best = hits[0]
    assert best.modality == "audio"
    assert (best.start, best.end) == (4.0, 6.5)  # where the best matching tag was heard
    assert best.snippet.startswith("sounds like: ")
    assert {"Dog", "Bark"} <= set(best.snippet.removeprefix("sounds like: ").split(", "))
    assert any(best.strength == pytest.approx(best.similarity * score) for score in (0.8, 0.7))
    assert ids["talk"] not in [hit.item_id for hit in hits]


def test_a_tag_without_a_moment_stands_for_the_whole_item(store, encoder):
    ids = sound_library(store)
    hits = channel(store, encoder).search("church bells ringing")
    assert hits[0].item_id == ids["bells"]
    assert (hits[0].start, hits[0].end) == (0.0, 42.0)


def test_unrelated_queries_stay_silent(store, encoder):
    sound_library(store)
    engine = channel(store, encoder)
    assert engine.search("the quarterly tax report is due next Tuesday") == []
    assert engine.search("   ") == []


def test_only_audio_tags_and_allowed_items_are_searched(store, encoder):
    ids = sound_library(store)
    engine = channel(store, encoder)
    assert ids["beach"] not in [hit.item_id for hit in engine.search("the ocean")]
    assert engine.search("a dog barking", allowed_items={ids["bells"], ids["engine"]}) == []


def test_a_surer_tag_ranks_first(store, encoder):
    faint = add_item(store, "faint.ogg", [TagRecord(0, "engine", "audio", 0.55)])
    loud = add_item(store, "loud.ogg", [TagRecord(0, "engine", "audio", 0.95)])
    sound_library(store)
    hits = channel(store, encoder).search("a car engine running")
    ranked = [hit.item_id for hit in hits]
    assert ranked.index(loud) < ranked.index(faint)


def test_tag_names_are_embedded_once_per_model_and_only_new_ones_later(store, encoder):
    sound_library(store)
    cache = TagVectorCache()
    passages = CountingEncoder(encoder.encode_passages)
    engine = channel(store, encoder, cache=cache, passages=passages)
    engine.search("a dog barking")
    first = len(passages.texts)
    assert first == len({tag.name for tag in engine.stored_tags()})
    engine.search("church bells")
    assert len(passages.texts) == first  # the second search embeds only its query
    add_item(store, "siren.ogg", [TagRecord(0, "siren", "audio", 0.9)])
    hits = engine.search("an ambulance siren")
    assert passages.texts[first:] == ["siren"]
    assert hits and store.item(hits[0].item_id).path == "/media/siren.ogg"


def test_a_chinese_query_matches_a_sound_by_its_chinese_name(store, encoder):
    """Each of a tag's other names (index.tag_names: bark is 狗叫) is embedded and matched on its own."""
    from mediarec.index.tag_names import other_names

    ids = sound_library(store)
    english_only = channel(store, encoder).search("狗在叫")
    named = TagChannel(
        store,
        encoder.model_id,
        encoder.encode_queries,
        encoder.encode_passages,
        COHORT_QUERIES,
        other_names=other_names,
    )
    hits = named.search("狗在叫")
    assert hits and hits[0].item_id == ids["dog"] and hits[0].probability >= 0.5
    assert all(hit.probability < 0.3 for hit in english_only)  # "dog" and "bark" alone hardly match it
    assert named.search("哔哔声")[0].item_id == ids["tone"]
    assert named.search("古典音乐会") == [] and named.search("股市新闻") == []

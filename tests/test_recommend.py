"""History, profile and "For you": on libraries of many items written through the real store, and on the
generated library indexed with the offline models (read only)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from conftest import json_lines, run_cli
from synthetic_items import build_synthetic_library, write_item

from mediarec.index.records import PlayRecord
from mediarec.rank.item_vector import FusionLayout, normalise
from mediarec.recommend.profile import (
    DISLIKE,
    LIKE,
    NOT_INTERESTED,
    FeedbackEvent,
    History,
    build_profile,
    engagements,
)
from mediarec.recommend.recommender import Recommender, mmr


@pytest.fixture()
def synthetic(tmp_path):
    library = build_synthetic_library(tmp_path / "library.sqlite3")
    yield library
    library.store.close()


def watch_all(store, item_ids, seconds=60.0):
    for item_id in item_ids:
        store.record_play(item_id, seconds=seconds)


def groups_of(library, recommendations):
    return [library.groups[r.item.id] for r in recommendations]


# -- history ------------------------------------------------------------------------------------------------------


def test_history_survives_reindexing_and_a_model_change(synthetic):
    store = synthetic.store
    beach = synthetic.ids_of("beach")
    watch_all(store, beach[:4])
    store.set_feedback(beach[0], LIKE)
    store.set_feedback(synthetic.ids_of("cooking")[0], NOT_INTERESTED)
    plays_before, feedback_before = store.plays(), store.feedback()
    old_space = store.spaces("item")[-1]

    # Re-index every item with other models: new vector spaces and item space, the same history.
    models = {m: (f"{model_id}-v2", dim) for m, (model_id, dim) in synthetic.layout.models.items()}
    layout = FusionLayout(models, synthetic.layout.weights)
    rng = np.random.default_rng(5)
    centres: dict = {}
    for item_id, group in synthetic.groups.items():
        centre = centres.setdefault(group, {m: normalise(rng.normal(size=d)) for m, (_, d) in models.items()})
        write_item(store, item_id, layout, centre, group, rng, 0.35)
    # And one file whose content changed on disk: derived data goes, history stays.
    store.mark_changed(beach[1], "new-fingerprint", 5000, time.time())

    assert store.plays() == plays_before
    assert store.feedback() == feedback_before
    new_space = store.spaces("item")[-1]
    assert new_space.id != old_space.id and store.space_size(new_space) == len(synthetic.groups) - 1
    recommender = Recommender(store)
    recommendations = recommender.recommend(5, 0.0)
    assert groups_of(synthetic, recommendations)[:3] == ["beach"] * 3
    assert set(recommender.last_profile.engagements) == {*beach[:4], synthetic.ids_of("cooking")[0]}


def test_engagement_weighs_completion_rewatch_skip_and_feedback():
    now = time.time()

    def play(item_id, completion, *, finished=False, skipped=False, days_ago=0.0):
        return PlayRecord(
            item_id, now - days_ago * 86400, 0.0, 100 * completion, completion, finished, skipped
        )

    history = History(
        (
            play(1, 1.0, finished=True),
            play(1, 1.0, finished=True),  # re-watched
            play(2, 1.0, finished=True),
            play(3, 0.02, skipped=True),
            play(4, 0.5),
            play(5, 1.0, finished=True, days_ago=60),
            play(6, 1.0, finished=True),
        ),
        (FeedbackEvent(6, DISLIKE, now), FeedbackEvent(7, NOT_INTERESTED, now), FeedbackEvent(8, LIKE, now)),
    )
    weights = {item_id: e.weight for item_id, e in engagements(history, now).items()}
    assert weights[1] > weights[2] > weights[4] > 0
    assert 0 < weights[5] < weights[2] / 3  # two half-lives ago
    assert weights[3] < 0 and weights[6] < 0 and weights[7] < weights[6]
    assert weights[8] > weights[4]
    resumes = {item_id: e.resume_at for item_id, e in engagements(history, now).items()}
    assert resumes[4] == pytest.approx(50.0) and resumes[2] is None and resumes[3] is None


def test_profile_finds_several_interests_instead_of_one_average(synthetic):
    store = synthetic.store
    watch_all(store, synthetic.ids_of("beach")[:5] + synthetic.ids_of("piano")[:5])
    recommender = Recommender(store)
    recommender.recommend(5)
    profile = recommender.last_profile
    assert len(profile.interests) == 2
    members = [{synthetic.groups[item_id] for item_id in interest.item_ids} for interest in profile.interests]
    assert sorted(map(sorted, members)) == [["beach"], ["piano"]]


# -- For you ------------------------------------------------------------------------------------------------------


def test_a_user_who_likes_one_group_gets_it_on_top_and_variety_with_diversity(synthetic):
    store = synthetic.store
    beach = synthetic.ids_of("beach")
    watch_all(store, beach[:5])
    store.set_feedback(beach[0], LIKE)
    focused = groups_of(synthetic, Recommender(store).recommend(10, diversity=0.0))
    assert focused == ["beach"] * 10
    varied = groups_of(synthetic, Recommender(store).recommend(10, diversity=0.5))
    assert varied[:1] == ["beach"] and varied.count("beach") >= 4
    assert len(set(varied)) >= 2
    watched = set(beach[:5])
    assert not watched & {r.item.id for r in Recommender(store).recommend(20, 0.3)}  # novelty: not finished


def test_dislikes_push_similar_items_down(synthetic):
    store = synthetic.store
    watch_all(store, synthetic.ids_of("beach")[:4] + synthetic.ids_of("cooking")[:4])

    def cooking_ranks():
        ranked = Recommender(store).recommend(40, diversity=0.0)
        return [rank for rank, r in enumerate(ranked) if synthetic.groups[r.item.id] == "cooking"]

    before = cooking_ranks()
    for item_id in synthetic.ids_of("cooking")[4:6]:
        store.set_feedback(item_id, DISLIKE)
    after = cooking_ranks()
    assert sum(after) / len(after) > sum(before) / len(before) + 5
    assert set(synthetic.ids_of("cooking")[4:6]).isdisjoint(
        r.item.id for r in Recommender(store).recommend(40, diversity=0.0)
    )


def test_every_recommendation_has_a_reason_naming_a_real_watched_item(synthetic):
    store = synthetic.store
    watch_all(store, synthetic.ids_of("football")[:3])
    store.record_play(synthetic.ids_of("piano")[0], seconds=20.0)  # started, not finished: continue watching
    recommendations = Recommender(store).recommend(12, 0.3)
    assert recommendations and all(r.reasons and r.reason for r in recommendations)
    assert recommendations[0].source == "continue" and recommendations[0].resume_at == pytest.approx(20.0)
    played = {play.item_id for play in store.plays()}
    named = [reason for r in recommendations for reason in r.reasons if reason.kind == "watched"]
    assert named
    for reason in named:
        assert reason.item_id in played
        assert store.item(reason.item_id).display_title in reason.text
    for recommendation in recommendations:  # and the item named is the watched one it is most like
        for reason in recommendation.reasons:
            if reason.kind == "watched":
                assert synthetic.groups[reason.item_id] == synthetic.groups[recommendation.item.id]
    tag_reasons = [reason for r in recommendations for reason in r.reasons if reason.kind == "tags"]
    watched_tags = {tag.name for item_id in played for tag in store.tags(item_id)}
    assert tag_reasons and all(set(reason.tags) <= watched_tags for reason in tag_reasons)


def test_cold_start_returns_recent_items_and_a_diverse_spread(synthetic):
    recommendations = Recommender(synthetic.store).recommend(8)
    assert len(recommendations) == 8
    assert len(set(groups_of(synthetic, recommendations))) == 4
    newest = synthetic.store.recently_added(1)[0].id
    assert recommendations[0].item.id == newest and recommendations[0].source == "new"
    assert all(r.reasons for r in recommendations)


def test_mmr_trades_relevance_for_variety():
    relevance = np.array([1.0, 0.95, 0.9, 0.2])
    similarity = np.array(
        [[1, 0.99, 0.98, 0.0], [0.99, 1, 0.98, 0.0], [0.98, 0.98, 1, 0.0], [0.0, 0.0, 0.0, 1]]
    )
    assert mmr(relevance, similarity, 2, 0.0) == [0, 1]
    assert mmr(relevance, similarity, 2, 0.7) == [0, 3]


def test_profile_of_nothing_is_cold(synthetic):
    profile = build_profile(lambda ids: None, History(), None)
    assert profile.is_cold and not profile.interests


# -- command line -------------------------------------------------------------------------------------------------


def test_watch_rate_and_recommend_from_the_command_line(tmp_path, offline_env, capsys):
    data_dir = tmp_path / "data"
    library = build_synthetic_library(data_dir / "library.sqlite3")
    library.store.close()
    env = {**offline_env, "MEDIAREC_DATA_DIR": str(data_dir)}
    beach = [f"/synthetic/beach/{index:03d}.mp4" for index in (0, 4, 8)]  # groups are interleaved by 4
    cooking = "/synthetic/cooking/001.mp4"
    assert {library.groups[i] for i in library.ids_of("beach")} == {"beach"}
    for path in beach:
        code, out, _ = run_cli(["watch", path, "--seconds", "60", "--like", "--json"], env, capsys)
        assert code == 0 and json_lines(out)[0]["finished"] is True
    code, _, _ = run_cli(["rate", cooking, "not-interested"], env, capsys)
    assert code == 0
    code, out, _ = run_cli(["recommend", "--limit", "6", "--diversity", "0", "--json"], env, capsys)
    assert code == 0
    results = json.loads(out)
    assert len(results) == 6 and all(r["reason"] for r in results)
    assert all("/beach/" in r["path"] for r in results[:3])
    assert cooking not in {r["path"] for r in results}
    with pytest.raises(SystemExit) as stop:  # refused by the argument parser: bad input is exit code 2
        run_cli(["recommend", "--diversity", "2"], env, capsys)
    assert stop.value.code == 2 and "not between 0 and 1" in capsys.readouterr().err


def test_recommend_on_the_indexed_library_gives_reasons(indexed, offline_env, capsys):
    recommendations = indexed.library.recommend(10)
    good = {str(path) for path in indexed.media.good_files}
    assert {r.item.path for r in recommendations} == good  # cold start: every indexed file, once
    assert all(r.reason for r in recommendations)


# -- reasons say something --------------------------------------------------------------------------------------


def test_an_item_is_never_its_own_reason(synthetic):
    store = synthetic.store
    beach = synthetic.ids_of("beach")
    watch_all(store, beach[:2])
    for item_id in beach[2:6]:  # liked without playing: still candidates for "For you"
        store.set_feedback(item_id, LIKE)
    recommendations = Recommender(store).recommend(20, diversity=0.0)
    assert recommendations
    for recommendation in recommendations:
        named = {reason.item_id for reason in recommendation.reasons if reason.item_id is not None}
        assert recommendation.item.id not in named, recommendation.reason


def tag_reasons_of(store) -> list:
    """The tag reasons of twenty recommendations, without diversity."""
    return [
        reason
        for recommendation in Recommender(store).recommend(20, diversity=0.0)
        for reason in recommendation.reasons
        if reason.kind == "tags"
    ]


def test_generic_tags_are_not_reasons(synthetic):
    from mediarec.index.records import TagRecord

    store = synthetic.store
    beach = synthetic.ids_of("beach")
    # Every beach item also says it has speech in English: true, common, and no reason to watch anything.
    store.set_tags([TagRecord(item_id, name, "speech", 0.99) for item_id in beach for name in ("english",)])
    store.set_tags([TagRecord(item_id, "speech", "audio", 0.99) for item_id in beach])
    watch_all(store, beach[:5])
    tag_reasons = tag_reasons_of(store)
    assert tag_reasons, "the beach items share real tags too"
    assert all({"speech", "english"}.isdisjoint(reason.tags) for reason in tag_reasons)


def test_tag_reasons_name_a_thing_once_not_its_parts_beside_it(synthetic):
    from mediarec.index.records import TagRecord
    from mediarec.recommend.explain import distinct_names

    assert distinct_names(["red", "red circle", "circle", "beach"]) == ["red circle", "beach"]
    assert distinct_names(["red circle", "red", "circle"]) == ["red circle"]
    assert distinct_names(["红色", "红色圆形", "圆形"]) == ["红色圆形"]
    assert distinct_names(["dog", "dog barking", "bark", "sea"]) == ["dog barking", "bark", "sea"]
    store = synthetic.store
    beach = synthetic.ids_of("beach")
    # The picture tagger names the shape, its colour and both, as the sample library's red circles carry them.
    store.set_tags(
        [
            TagRecord(item_id, name, "visual", 0.95)
            for item_id in beach
            for name in ("red", "red circle", "circle")
        ]
    )
    watch_all(store, beach[:5])
    tag_reasons = tag_reasons_of(store)
    assert tag_reasons
    for reason in tag_reasons:
        assert not ({"red", "circle"} & set(reason.tags) and "red circle" in reason.tags), reason.text
        assert reason.text == "you like: " + ", ".join(reason.tags)
    assert any("red circle" in reason.tags for reason in tag_reasons)

"""`mediarec eval`: the manifest format, the metrics, simulated users, and a real run on generated media."""

from __future__ import annotations

import json
import time

import pytest
from conftest import BEACH_SENTENCE, BREAD_SENTENCE, run_cli
from synthetic_items import build_synthetic_library

from mediarec.evaluation.asr import non_speech_summary, normalise_words
from mediarec.evaluation.fusion_ablation import evaluate_fusion
from mediarec.evaluation.manifest import ManifestError, load_manifest
from mediarec.evaluation.metrics import (
    empty_rate,
    hub_share,
    ndcg_at,
    precision_at,
    recall_at,
    reciprocal_rank,
    word_errors,
)
from mediarec.evaluation.recommend_eval import (
    baseline_lists,
    evaluate_recommendations,
    score_lists,
    simulate_users,
)
from mediarec.evaluation.retrieval import hubs, summarise_negatives
from mediarec.evaluation.similar import evaluate_similar, similarity_kind, summarise_similar


def write_lines(path, lines):
    path.write_text(
        "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8"
    )
    return path


# -- manifest -----------------------------------------------------------------------------------------------------


def test_manifest_reads_items_and_queries_relative_to_its_folder(tmp_path):
    (tmp_path / "media").mkdir()
    for name in ("a.mp4", "b.mp4", "c.wav"):
        (tmp_path / "media" / name).write_bytes(b"x")
    manifest = load_manifest(
        write_lines(
            tmp_path / "manifest.jsonl",
            [
                {"kind": "item", "path": "media/a.mp4", "group": "g1", "labels": ["x"], "note": "kept"},
                {"kind": "item", "path": "media/b.mp4", "group": "g1"},
                {"kind": "item", "path": "media/c.wav", "transcript": "Hello there.", "language": "en"},
                {"kind": "query", "type": "visual", "text": "a thing", "relevant_groups": ["g1"]},
                {
                    "kind": "query",
                    "type": "speech",
                    "text": "hello",
                    "relevant": ["media/c.wav"],
                    "language": "en",
                },
            ],
        )
    )
    assert [item.path for item in manifest.items] == [
        tmp_path / "media" / n for n in ("a.mp4", "b.mp4", "c.wav")
    ]
    assert manifest.items[0].extra == {"note": "kept"} and manifest.items[2].transcript == "Hello there."
    assert manifest.queries[0].relevant == (tmp_path / "media/a.mp4", tmp_path / "media/b.mp4")
    assert manifest.groups()["g1"][1].written_path == "media/b.mp4"


def test_manifest_reads_negative_queries_and_item_types(tmp_path):
    (tmp_path / "a.ogg").write_bytes(b"x")
    manifest = load_manifest(
        write_lines(
            tmp_path / "manifest.jsonl",
            [
                {"kind": "item", "path": "a.ogg", "type": "music", "group": "loops"},
                {"kind": "query", "type": "audio", "text": "a loop", "relevant": ["a.ogg"]},
                {
                    "kind": "query",
                    "type": "negative",
                    "text": "古典音乐会",
                    "negative": True,
                    "language": "zh",
                },
                {"kind": "query", "type": "negative", "text": "zzzz", "relevant": [], "negative": True},
            ],
        )
    )
    assert manifest.items[0].type == "music" and manifest.items[0].extra == {}
    positive, chinese, nonsense = manifest.queries
    assert not positive.negative and positive.relevant == (tmp_path / "a.ogg",)
    assert chinese.negative and chinese.relevant == () and chinese.language == "zh" and chinese.extra == {}
    assert nonsense.negative and nonsense.relevant == ()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"kind": "query", "type": "negative", "text": "x", "negative": true, "relevant": ["a.mp4"]}',
            "negative query 'x' lists relevant items",
        ),
        ('{"kind": "query", "type": "negative", "text": "x", "negative": "yes"}', '"negative" must be true'),
        ('{"kind": "item", "path": "a.mp4", "type": 3}', '"type" must be a string'),
        ("not json", "line 2: not JSON"),
        ('{"kind": "thing"}', 'line 2: needs "kind"'),
        ('{"kind": "item", "path": "missing.mp4"}', "does not exist"),
        ('{"kind": "query", "type": "speech", "text": "x", "relevant": ["nope.mp4"]}', "not an item line"),
        ('{"kind": "query", "type": "speech", "text": "x"}', "has no relevant item"),
        (
            '{"kind": "query", "type": "speech", "text": "x", "relevant_groups": ["zz"]}',
            "no item has the group",
        ),
    ],
)
def test_manifest_errors_name_the_line(tmp_path, line, message):
    (tmp_path / "a.mp4").write_bytes(b"x")
    path = tmp_path / "manifest.jsonl"
    path.write_text('{"kind": "item", "path": "a.mp4"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        load_manifest(path)


# -- metrics ------------------------------------------------------------------------------------------------------


def test_ranking_metrics_on_known_lists():
    ranked = ["x", "a", "y", "b", "z"]
    relevant = {"a", "b", "c"}
    assert recall_at(ranked, relevant, 1) == 0 and recall_at(ranked, relevant, 5) == pytest.approx(2 / 3)
    assert reciprocal_rank(ranked, relevant) == 0.5 and reciprocal_rank(["q"], relevant) == 0
    ideal = 1 + 1 / 1.5849625 + 0.5
    assert ndcg_at(ranked, relevant, 10) == pytest.approx((1 / 1.5849625 + 1 / 2.3219281) / ideal)
    assert ndcg_at(["a", "b", "c"], relevant, 10) == pytest.approx(1.0)
    assert precision_at(ranked, {"a"}, 5) == 1.0 and precision_at(ranked, relevant, 5) == pytest.approx(2 / 3)


def test_hub_share_counts_empty_results_in_the_denominator_and_breaks_ties_by_first_seen():
    assert hub_share(["a", "b", "a", None, "c"]) == (pytest.approx(2 / 5), "a", 2)
    assert hub_share(["b", "a", "a", "b"]) == (0.5, "b", 2)
    assert hub_share([None, None]) == (0.0, None, 0) and hub_share([]) == (0.0, None, 0)
    summary = hubs(["x", "y", "x", "x", None, "y"])
    assert summary["share"] == 0.5 and summary["item"] == "x" and summary["count"] == 3
    assert summary["queries"] == 6 and summary["distinct_tops"] == 2
    assert summary["top_items"] == [
        {"item": "x", "queries": 3, "share": 0.5},
        {"item": "y", "queries": 2, "share": 0.3333},
    ]


def test_the_unrelated_hub_share_counts_only_queries_an_item_is_not_an_answer_to():
    # "x" tops 3 of 6 queries but answers two of them; "y" tops 2 and answers neither
    tops = ["x", "y", "x", "x", None, "y"]
    unrelated = [None, "y", None, "x", None, "y"]
    summary = hubs(tops, unrelated)
    assert summary["share"] == 0.5 and summary["item"] == "x"
    assert summary["unrelated_share"] == pytest.approx(0.3333) and summary["unrelated_item"] == "y"
    assert summary["unrelated_count"] == 2
    assert "unrelated_share" not in hubs(tops)


def test_negative_queries_empty_rate_and_mean_top_score():
    assert empty_rate([0, 3, 0, 1]) == 0.5 and empty_rate([2]) == 0.0
    negatives = [
        {"language": "en", "results": 0, "top_score": None, "top_similarity": None},
        {"language": "en", "results": 3, "top_score": 0.9, "top_similarity": 0.3},
        {"language": "zh", "results": 1, "top_score": 0.5, "top_similarity": 0.1},
        {"language": "zh", "results": 0, "top_score": None, "top_similarity": None},
    ]
    positives = [{"top_score": 1.0}, {"top_score": 0.6}, {"top_score": None}]
    summary = summarise_negatives(negatives, positives)
    assert summary["queries"] == 4 and summary["empty_rate"] == 0.5
    assert summary["mean_top_score"] == 0.7 and summary["mean_top_similarity"] == 0.2  # answered ones only
    assert summary["positive_mean_top_score"] == 0.8 and "positive_mean_top_similarity" in summary
    assert summary["by_language"]["en"] == {
        "queries": 2,
        "empty_rate": 0.5,
        "mean_top_score": 0.9,
        "mean_top_similarity": 0.3,
    }
    assert summary["by_language"]["zh"]["mean_top_score"] == 0.5
    assert summarise_negatives([]) == {"queries": 0}


def test_transcripts_on_non_speech_items_count_transcripts_and_language_tags():
    outcomes = [
        {"path": "m1.ogg", "type": "music", "heard": "Thank you.", "languages": ["english"]},
        {"path": "m2.ogg", "type": "music", "heard": "", "languages": []},
        {"path": "e1.ogg", "type": "effect", "heard": "", "languages": ["english"]},
        {"path": "v1.mp4", "type": "video", "heard": "", "languages": []},
    ]
    summary = non_speech_summary(outcomes)
    assert (summary["items"], summary["with_transcript"], summary["with_language_tag"]) == (4, 1, 2)
    assert summary["with_either"] == 2 and summary["share"] == 0.5
    assert summary["by_type"]["music"] == {
        "items": 2,
        "with_transcript": 1,
        "with_language_tag": 1,
        "with_either": 1,
        "share": 0.5,
    }
    assert summary["by_type"]["effect"]["share"] == 1.0 and summary["by_type"]["video"]["share"] == 0.0
    assert [o["path"] for o in summary["examples"]] == ["m1.ogg", "e1.ogg"]


def test_more_like_this_precision_per_kind_of_item():
    per_item = [("g1", "speech", 1.0), ("g1", "speech", 0.5), ("g2", "music", 0.2), ("g2", None, 0.4)]
    summary = summarise_similar(per_item)
    assert summary["items"] == 4 and summary["precision@5"] == pytest.approx(0.525)
    assert summary["by_group"] == {"g1": 0.75, "g2": pytest.approx(0.3)}
    assert summary["by_kind"] == {
        "music": {"items": 1, "precision@5": 0.2},
        "speech": {"items": 2, "precision@5": 0.75},
    }
    assert "by_kind" not in summarise_similar(per_item, with_kinds=False)
    assert similarity_kind("effect") == similarity_kind("instrument") == "instrument/effect"
    assert similarity_kind(None) is None and similarity_kind("speech") == "speech"
    assert similarity_kind(None, ("sound", "organ")) == "instrument/effect"  # an untyped manifest's labels


def test_word_error_rate_normalises_case_punctuation_and_small_numbers():
    assert normalise_words("Press 1, then the Pound-key!") == ["press", "1", "then", "the", "pound", "key"]
    assert normalise_words("press one") == ["press", "1"]
    assert normalise_words("火车晚点了，乘客们 wait") == [*"火车晚点了乘客们", "wait"]  # one word a character
    assert word_errors(["a", "b", "c"], ["a", "x", "c", "d"]) == 2
    assert word_errors(["a", "b"], []) == 2 and word_errors([], ["a"]) == 1


# -- simulated users and fusion ablation on a library of many items -----------------------------------------------


@pytest.fixture()
def synthetic(tmp_path):
    library = build_synthetic_library(tmp_path / "library.sqlite3", per_group=12)
    yield library
    library.store.close()


def test_simulated_users_get_their_groups_and_beat_the_baselines(synthetic):
    now = time.time()
    durations = dict.fromkeys(synthetic.groups, 60.0)
    users = simulate_users(synthetic.groups, durations, 8, now=now, seed=1)
    assert len(users) == 8
    for user in users:
        watched = {play.item_id for play in user.history.plays}
        assert user.held_out and not user.held_out & {p.item_id for p in user.history.plays if p.finished}
        assert {synthetic.groups[i] for i in user.held_out} == set(user.liked_groups)
        assert watched
    store = synthetic.store
    ours = evaluate_recommendations(
        store, synthetic.groups, users, variant="weighted", diversity=0.0, now=now
    )
    random = score_lists(
        store, synthetic.groups, users, baseline_lists(store, synthetic.groups, users, "random", now)
    )
    assert ours["hit_rate@10"] == 1.0 and ours["without_reason"] == 0
    assert ours["ndcg@10"] > random["ndcg@10"] + 0.2  # users who like 3 of 4 groups make random strong
    diverse = evaluate_recommendations(
        store, synthetic.groups, users, variant="weighted", diversity=0.7, now=now
    )
    assert diverse["intra_list_diversity"] > ours["intra_list_diversity"]
    assert diverse["groups_in_top10"] > ours["groups_in_top10"]


def test_similar_precision_and_the_fusion_ablation_report_every_variant(synthetic):
    now = time.time()
    similar = evaluate_similar(synthetic.store, synthetic.groups)
    assert similar["fused"]["precision@5"] > 0.9 and similar["frame"]["items"] == len(synthetic.groups)
    users = simulate_users(synthetic.groups, dict.fromkeys(synthetic.groups, 60.0), 6, now=now)
    ablation = evaluate_fusion(synthetic.store, synthetic.groups, users, now=now)
    assert set(ablation["similar_fold_b"]) == {
        "concat",
        "weighted",
        "attention",
        "gated",
        "weighted, raw cosines",
        "indexer vector",
    }
    assert set(ablation["recommend"]) == {"concat", "weighted", "gated"}
    assert ablation["folds"]["A"] + ablation["folds"]["B"] == len(synthetic.groups)
    assert "trained" in ablation["gate"] and "report" in ablation["gate"]


# -- a real run: index generated media with the offline models, measure, write the report -------------------------


def test_eval_all_on_generated_media_writes_report_json_and_plots(
    generated_library, offline_env, tmp_path, capsys
):
    media = generated_library
    manifest = write_lines(
        tmp_path / "manifest.jsonl",
        [
            {"kind": "item", "path": str(media.red_circle_video), "group": "red circle"},
            {"kind": "item", "path": str(media.red_circle_sibling), "group": "red circle"},
            {"kind": "item", "path": str(media.green_triangle_video), "group": "green"},
            {
                "kind": "item",
                "path": str(media.bread_speech_video),
                "group": "talk",
                "transcript": BREAD_SENTENCE,
                "language": "en",
            },
            {
                "kind": "item",
                "path": str(media.beach_speech_audio),
                "group": "talk",
                "transcript": BEACH_SENTENCE,
                "language": "en",
            },
            {"kind": "item", "path": str(media.tone_audio), "group": "green", "type": "effect"},
            {"kind": "query", "type": "visual", "text": "a red circle", "relevant_groups": ["red circle"]},
            {"kind": "query", "type": "negative", "text": "古典音乐会", "negative": True, "language": "zh"},
            {
                "kind": "query",
                "type": "speech",
                "text": "baking bread",
                "relevant": [str(media.bread_speech_video)],
            },
            {
                "kind": "query",
                "type": "cross-lingual",
                "text": "海边的狗",
                "relevant": [str(media.beach_speech_audio)],
            },
        ],
    )
    out = tmp_path / "report"
    code, printed, _ = run_cli(
        ["eval", "all", "--manifest", str(manifest), "--out", str(out), "--json"], offline_env, capsys
    )
    assert code == 0
    results = json.loads(printed)
    assert results["setup"]["indexed"] == 6
    search = results["search"]["by_type"]
    assert search["speech"]["recall@1"] == 1.0 and search["cross-lingual"]["recall@5"] == 1.0
    assert search["visual"]["recall@10"] == 1.0 and "negative" not in search
    assert results["search"]["negatives"]["queries"] == 1 and results["search"]["hubs"]["queries"] == 4
    assert results["asr"]["non_speech"]["items"] == 1
    assert set(results["similar"]["fused"]["by_kind"]) <= {"instrument/effect"}  # the only typed item
    assert results["asr"]["by_language"]["en"]["wer"] < 0.2
    assert set(results["similar"]) == {"fused", "frame", "audio", "speech"}
    assert "systems" in results["recommend"] and "similar_fold_b" in results["fusion"]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Search" in report and "| speech | 1 |" in report and "## Fusion ablation" in report
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["setup"]["items"] == 6
    for plot in ("search.png", "similar.png", "recommend.png", "fusion.png"):
        assert (out / plot).read_bytes()[:4] == b"\x89PNG"
    code, _, err = run_cli(
        ["eval", "--manifest", str(tmp_path / "nope.jsonl"), "--out", str(out)], offline_env, capsys
    )
    assert code == 1 and "Cannot read the manifest" in err

"""`mediarec eval`: the manifest format, the metrics, simulated users, and a real run on generated media."""

from __future__ import annotations

import json
import time

import pytest
from conftest import BEACH_SENTENCE, BREAD_SENTENCE, run_cli
from synthetic_items import build_synthetic_library

from mediarec.evaluation.asr import normalise_words
from mediarec.evaluation.fusion_ablation import evaluate_fusion
from mediarec.evaluation.manifest import ManifestError, load_manifest
from mediarec.evaluation.metrics import ndcg_at, precision_at, recall_at, reciprocal_rank, word_errors
from mediarec.evaluation.recommend_eval import (
    baseline_lists,
    evaluate_recommendations,
    score_lists,
    simulate_users,
)
from mediarec.evaluation.similar import evaluate_similar


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


@pytest.mark.parametrize(
    ("line", "message"),
    [
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


def test_word_error_rate_normalises_case_punctuation_and_small_numbers():
    assert normalise_words("Press 1, then the Pound-key!") == ["press", "1", "then", "the", "pound", "key"]
    assert normalise_words("press one") == ["press", "1"]
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
            {"kind": "item", "path": str(media.tone_audio), "group": "green"},
            {"kind": "query", "type": "visual", "text": "a red circle", "relevant_groups": ["red circle"]},
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
    assert search["visual"]["recall@10"] == 1.0
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

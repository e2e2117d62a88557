"""Chapters and key scenes from stored shots, keyframe vectors and transcript chunks; `mediarec eval tags`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import json_lines, run_cli

from mediarec.evaluation.manifest import load_manifest
from mediarec.evaluation.tags import evaluate_tags, match_boundaries
from mediarec.index.records import TranscriptLine
from mediarec.understand.chapters import TimedVector, find_boundaries, key_scenes
from mediarec.understand.topics import line_contrasts, sentences


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, np.float32)
    return vector / np.linalg.norm(vector)


def test_shots_of_one_scene_make_one_chapter():
    shots = [(0.0, 4.0), (4.0, 8.0), (8.0, 12.0), (12.0, 20.0)]
    frames = [
        TimedVector(0.0, 4.0, unit(1, 0.1, 0)),
        TimedVector(4.0, 8.0, unit(1, -0.1, 0)),  # another shot of the same scene
        TimedVector(8.0, 12.0, unit(0, 1, 0.1)),
        TimedVector(12.0, 20.0, unit(0, 1, -0.1)),
    ]
    assert find_boundaries(20.0, shots, frames, []) == [8.0]


def test_a_topic_shift_in_one_long_shot_makes_a_chapter():
    speech = [TimedVector(t, t + 10.0, unit(1, 0, 0) if t < 40 else unit(0, 0, 1)) for t in range(0, 80, 10)]
    frames = [TimedVector(t, t + 10.0, unit(0, 1, 0)) for t in range(0, 80, 10)]
    assert find_boundaries(80.0, [(0.0, 80.0)], frames, speech) == [40.0]


def test_stored_topic_shifts_make_chapters_and_snap_to_a_nearby_cut():
    shots = [(0.0, 31.0), (31.0, 90.0)]
    frames = [TimedVector(t, t + 10.0, unit(0, 1)) for t in range(0, 90, 10)]  # the picture hardly changes
    assert find_boundaries(90.0, shots, frames, [], [[30.0, 0.3], [60.0, 0.3], [75.0, 0.05]]) == [31.0, 60.0]


def test_topic_contrast_peaks_where_the_subject_changes():
    # Six sentences, two subjects: alike within a subject (0.5), unlike across (0.1).
    subject = np.array([0, 0, 0, 1, 1, 1])
    similarity = np.where(subject[:, None] == subject[None, :], 0.5, 0.1)
    np.fill_diagonal(similarity, 1.0)
    contrasts = line_contrasts(np.arange(6) * 4.0, similarity)
    assert int(np.argmax(contrasts)) == 3 and contrasts[3] == pytest.approx(0.4)


def test_sentences_get_times_in_proportion_to_their_length():
    pieces = sentences(
        [TranscriptLine(10.0, 20.0, "Close to freezing. In football tonight the home team won.")]
    )
    assert [p.text for p in pieces] == ["Close to freezing.", "In football tonight the home team won."]
    assert pieces[0].start == 10.0 and pieces[1].start == pytest.approx(13.3, abs=0.1)
    assert [p.text for p in sentences([TranscriptLine(0.0, 4.0, "今天下雨。明天晴天！")])] == [
        "今天下雨。",
        "明天晴天！",
    ]


def test_chapters_never_get_shorter_than_the_minimum():
    # Three different pictures a second apart in a two-minute video: too short to be chapters of their own.
    shots = [(0.0, 60.0), (60.0, 61.0), (61.0, 62.0), (62.0, 120.0)]
    frames = [TimedVector(s, e, unit(*np.eye(4)[k])) for k, (s, e) in enumerate(shots)]
    boundaries = find_boundaries(120.0, shots, frames, [])
    assert boundaries and all(
        b - a >= 10.0 for a, b in zip([0.0, *boundaries], [*boundaries, 120.0], strict=True)
    )


def test_a_long_video_without_changes_still_gets_chapters():
    frames = [TimedVector(t, t + 10.0, unit(1, 0)) for t in range(0, 1500, 10)]
    assert find_boundaries(1500.0, [(0.0, 1500.0)], frames, []) == [500.0, 1000.0]


def test_key_scenes_are_the_shots_least_like_the_rest():
    shots = [(0.0, 5.0), (5.0, 10.0), (10.0, 15.0), (15.0, 20.0)]
    vectors = [unit(1, 0.1), unit(1, 0.0), unit(0, 1), unit(1, -0.1)]
    frames = [TimedVector(s, e, v, f"{s}.jpg") for (s, e), v in zip(shots, vectors, strict=True)]
    scenes = key_scenes(shots, frames)
    assert [scene.start for scene in scenes] == [10.0]
    assert scenes[0].thumbnail == "10.0.jpg"


def test_boundaries_match_one_to_one_within_the_tolerance():
    assert match_boundaries([2.1, 2.5, 9.0], [2.0, 6.0, 10.5]) == [(2.1, 2.0), (9.0, 10.5)]


# -- on indexed media --------------------------------------------------------------------------------------------


def test_chapters_of_the_indexed_shapes_video(indexed, offline_env, capsys):
    result = indexed.library.chapters(indexed.media.red_circle_video)
    assert [round(b) for b in result.boundaries] == [2, 5]
    assert [c.title for c in result.chapters] == ["Blue square", "Red circle", "Green triangle"]
    assert result.chapters[1].title_zh == "红色圆形"
    assert all(Path(c.thumbnail).is_file() for c in result.chapters)
    assert result.key_scenes
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(indexed.library.settings.data_dir))
    code, out, _ = run_cli(["chapters", str(indexed.media.red_circle_video), "--json"], env, capsys)
    assert code == 0
    chapters = json_lines(out)[0]["chapters"]
    assert [c["title"] for c in chapters] == ["Blue square", "Red circle", "Green triangle"]
    assert chapters[1]["start"] == pytest.approx(2.0, abs=0.5)


@pytest.fixture(scope="module")
def redrawn_video(tmp_path_factory, offline_env):
    """A video whose chapters are runs of shots that redraw the same shape (each redraw is a cut)."""
    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.media.samples import ShapeShot, write_shapes_video

    folder = tmp_path_factory.mktemp("chapters")
    plan = [
        ShapeShot("circle", "red", 3.0),
        ShapeShot("circle", "red", 3.0),
        ShapeShot("square", "blue", 4.0),
        ShapeShot("square", "blue", 3.0),
        ShapeShot("triangle", "green", 5.0),
    ]
    video = write_shapes_video(folder / "redrawn.mp4", plan, seed=7)
    library = Library(load_settings(data_dir=tmp_path_factory.mktemp("chapters-data"), environ=offline_env))
    for _ in library.indexer().run([folder]):
        pass
    yield library, video
    library.close()


def test_redrawn_shots_of_one_subject_stay_one_chapter(redrawn_video):
    library, video = redrawn_video
    item = library.resolve(video)
    assert len(library.store.shots(item.id)) >= 4, "the redraws are cuts"
    result = library.chapters(video)
    assert len(match_boundaries(result.boundaries, [6.0, 13.0])) == 2
    assert len(result.boundaries) == 2
    assert [c.title for c in result.chapters] == ["Red circle", "Blue square", "Green triangle"]


def test_eval_tags_measures_tags_and_chapters(indexed, tmp_path):
    media = indexed.media
    lines = [
        {
            "kind": "item",
            "path": str(media.red_circle_video),
            "tags": [
                "blue square",
                "red circle",
                "green triangle",
                "circle",
                "square",
                "triangle",
                "red",
                "green",
                "blue",
            ],
            "tag_source": "visual",
            "chapters": [2.0, 5.0],
        },
        {
            "kind": "item",
            "path": str(media.green_triangle_video),
            "tags": ["green triangle"],
            "tag_source": "visual",
        },
        {"kind": "item", "path": str(media.tone_audio), "tags": ["beep, bleep"], "tag_source": "audio"},
        {"kind": "item", "path": str(media.beach_speech_audio), "tags": ["speech"], "tag_source": "audio"},
    ]
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    results = evaluate_tags(indexed.library, load_manifest(manifest).items)
    visual = results["tags"]["visual"]
    # The green triangle video's other true tags (triangle, green) are in the label set but not on its line,
    # so they count as false positives: closed world over the labels.
    assert visual["micro"]["recall"] == 1.0 and visual["micro"]["precision"] == pytest.approx(
        10 / 12, abs=1e-3
    )
    assert visual["per_tag"]["triangle"]["fp"] == 1 and visual["per_tag"]["red circle"]["tp"] == 1
    audio = results["tags"]["audio"]
    assert audio["micro"]["f1"] == 1.0 and audio["items"] == 2
    assert results["chapters"]["all"]["f1"] == 1.0 and results["chapters"]["all"]["boundaries"] == 2

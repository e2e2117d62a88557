"""The desktop app's helper processes: indexing and query encoding in a child Python, with real models."""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time

import pytest

from mediarec.app import Library
from mediarec.app.indexing_process import IndexJobProcess
from mediarec.config import load_settings, settings_from_json, settings_to_json
from mediarec.models.base import ModelError
from mediarec.models.helper_process import HelperProcessError
from mediarec.pipeline.indexer import IndexProgress

PAUSE_SECONDS = 5.0


def _run(job: IndexJobProcess, roots, on_progress=None):
    """Drive the job's generator to its end; returns (progress values, summary)."""
    values = []
    generator = job.run(roots)
    try:
        while True:
            value = next(generator)
            values.append(value)
            if on_progress is not None:
                on_progress(value)
    except StopIteration as stop:
        return values, stop.value


@pytest.fixture
def fresh_settings(tmp_path, offline_env):
    return load_settings(data_dir=tmp_path / "data", environ=offline_env)


def test_settings_survive_the_trip_to_a_helper(fresh_settings):
    again = settings_from_json(settings_to_json(fresh_settings))
    assert again.with_updates(raw={}) == fresh_settings.with_updates(raw={})


def test_indexing_in_a_helper_process_fills_the_library(generated_library, fresh_settings):
    job = IndexJobProcess(fresh_settings)
    progress, summary = _run(job, [str(generated_library.folder)])

    indexing = [value for value in progress if isinstance(value, IndexProgress) and value.stage == "indexing"]
    assert indexing and indexing[-1].total == len(generated_library.good_files) + len(
        generated_library.bad_files
    )
    assert sorted(summary.indexed) == sorted(str(path.absolute()) for path in generated_library.good_files)
    assert {path for path, _reason in summary.failed} == {
        str(p.absolute()) for p in generated_library.bad_files
    }
    assert all(isinstance(row, tuple) for row in summary.failed)
    # The child wrote the same library file this process reads.
    library = Library(fresh_settings)
    try:
        assert library.store.count_items() == len(generated_library.good_files)
        assert library._models is None  # nothing was loaded here
    finally:
        library.close()


def test_a_killed_indexing_helper_is_reported_and_the_next_job_finishes(generated_library, fresh_settings):
    job = IndexJobProcess(fresh_settings)
    killed = threading.Event()

    def kill_after_first_file(value):
        if isinstance(value, IndexProgress) and value.done >= 1 and not killed.is_set():
            killed.set()
            os.kill(job.pid, signal.SIGKILL)

    with pytest.raises(HelperProcessError, match="indexing helper stopped unexpectedly.*SIGKILL"):
        _run(job, [str(generated_library.folder)], kill_after_first_file)

    library = Library(fresh_settings)
    try:
        assert library.store.integrity_check() == "ok"
    finally:
        library.close()
    _progress, summary = _run(IndexJobProcess(fresh_settings), [str(generated_library.folder)])
    assert not summary.cancelled
    assert len(summary.indexed) + summary.up_to_date == len(generated_library.good_files)


def test_pause_holds_the_helper_and_cancel_stops_it_between_files(generated_library, fresh_settings):
    job = IndexJobProcess(fresh_settings)
    arrivals: list[float] = []

    def pause_then_cancel(value):
        if not isinstance(value, IndexProgress) or value.stage != "indexing":
            return
        arrivals.append(time.monotonic())
        if value.done == 1 and len(arrivals) == 2:
            job.pause()
            threading.Timer(PAUSE_SECONDS, job.cancel).start()

    _progress, summary = _run(job, [str(generated_library.folder)], pause_then_cancel)
    arrivals.append(time.monotonic())  # the job's end, after the cancel
    assert summary.cancelled
    assert len(summary.indexed) < len(generated_library.good_files)
    # The file in progress when the pause arrived may finish; then nothing moves until the cancel.
    longest_quiet = max(later - earlier for earlier, later in itertools.pairwise(arrivals))
    assert longest_quiet >= PAUSE_SECONDS - 2.0


def test_a_pause_and_cancel_given_before_the_helper_starts_hold_it_when_it_starts(
    generated_library, fresh_settings
):
    # The desktop lists the files before it starts the helper: a Pause clicked meanwhile used to be dropped.
    job = IndexJobProcess(fresh_settings)
    job.pause()
    job.cancel()
    assert not job._helper.running
    progress, summary = _run(job, [str(generated_library.folder)])
    assert summary.cancelled
    done = [
        value.done for value in progress if isinstance(value, IndexProgress) and value.stage == "indexing"
    ]
    assert max(done, default=0) <= 2, "at most the files in flight when the pause arrived"
    assert len(summary.indexed) < len(generated_library.good_files)


def test_a_model_error_in_the_helper_reaches_the_parent_as_a_model_error(
    generated_library, tmp_path, offline_env
):
    settings = load_settings(data_dir=tmp_path / "data", environ=offline_env).with_updates(
        model_overrides={"text": {"backend": "transformers", "name": str(tmp_path / "no-such-model")}}
    )
    with pytest.raises(ModelError, match="no-such-model"):
        _run(IndexJobProcess(settings), [str(generated_library.folder)])


def test_search_with_models_in_a_helper_matches_search_in_process(indexed):
    in_process = indexed.library
    helped = Library(in_process.settings, models_in_helper=True)
    try:
        for query in ("a red circle", "fresh bread in the oven", "海边的狗", "a green triangle"):
            expected = [(hit.item.path, round(hit.score, 4)) for hit in in_process.search(query, limit=5)]
            got = [(hit.item.path, round(hit.score, 4)) for hit in helped.search(query, limit=5)]
            assert got == expected, query
        assert helped._models is None  # no model loaded in this process
        assert not any(helped.query_models.get(role).is_loaded for role in ("image_text", "text"))
    finally:
        helped.close()


def test_the_model_helper_is_started_again_after_it_dies(indexed):
    helped = Library(indexed.library.settings, models_in_helper=True)
    try:
        assert helped.warm_up_query_models() == ["image_text", "text"]
        first_pid = helped.query_models.helper.pid
        os.kill(first_pid, signal.SIGKILL)
        hits = helped.search("a red circle", limit=3)
        # Either clip that shows a red circle (this test is about the helper, not the ranking).
        assert hits and hits[0].item.path in _red_circle_clips(indexed)
        assert helped.query_models.helper.pid not in (None, first_pid)
    finally:
        helped.close()


def test_searching_with_models_in_a_helper_never_imports_torch_here(indexed):
    """What keeps the window responsive: the app's own process never imports the model frameworks."""
    import json
    import subprocess
    import sys

    script = (
        "import json, sys\n"
        "from mediarec.app import Library\n"
        "from mediarec.config import settings_from_json\n"
        "library = Library(settings_from_json(json.loads(sys.argv[1])), models_in_helper=True)\n"
        "from mediarec.app.setup import warm_up_search\n"
        "warm_up_search(library)  # what the window does at start\n"
        "hits = library.search('a red circle', limit=3)\n"
        "library.close()\n"
        "heavy = ('torch', 'transformers', 'open_clip', 'faster_whisper', 'ctranslate2', 'onnxruntime')\n"
        "print(json.dumps({'top': hits[0].item.path, 'imported': [m for m in heavy if m in sys.modules]}))\n"
    )
    settings = json.dumps(settings_to_json(indexed.library.settings))
    result = subprocess.run(
        [sys.executable, "-c", script, settings], capture_output=True, text=True, timeout=300, check=True
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["top"] in _red_circle_clips(indexed)
    assert answer["imported"] == []


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads process states from /proc (Linux)")
def test_helpers_end_when_the_app_is_killed(generated_library, fresh_settings):
    """A killed window must not leave an indexer or a model server running: they end when their stdin closes."""
    import json
    import subprocess
    import sys

    script = (
        "import json, sys, time\n"
        "from mediarec.config import settings_from_json\n"
        "from mediarec.models.model_process import ModelHelper\n"
        "from mediarec.app.indexing_process import IndexJobProcess\n"
        "settings = settings_from_json(json.loads(sys.argv[1]))\n"
        "helper = ModelHelper(settings)\n"
        "helper.load([])\n"
        "job = IndexJobProcess(settings)\n"
        "progress = job.run([sys.argv[2]])\n"
        "next(progress)\n"
        "print(json.dumps([helper.pid, job.pid]), flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            script,
            json.dumps(settings_to_json(fresh_settings)),
            str(generated_library.folder),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        children = json.loads(parent.stdout.readline())
        assert all(_alive(pid) for pid in children)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 60
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in children)
    finally:
        parent.kill()
    library = Library(fresh_settings)
    try:
        assert library.store.integrity_check() == "ok"
    finally:
        library.close()


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie left for init to reap counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads process states from /proc (Linux)")
def test_an_idle_model_helper_exits_and_the_next_search_starts_it_again(indexed):
    from mediarec.models.model_process import ModelHelper

    helper = ModelHelper(indexed.library.settings, idle_exit_seconds=1.0)
    try:
        assert helper.load(["text"], only_ready=True) == ["text"]
        first_pid = helper.pid
        deadline = time.monotonic() + 30
        while _alive(first_pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(first_pid), "the idle helper kept running (and its memory)"
        vectors = helper.encode("text", "encode_queries", ["a dog on the beach"])
        assert vectors.shape[0] == 1 and helper.pid != first_pid
    finally:
        helper.close()


def _red_circle_clips(indexed) -> set[str]:
    media = indexed.media
    return {str(media.red_circle_video.absolute()), str(media.red_circle_sibling.absolute())}

"""Indexing on Ray (`mediarec index --cluster`): the same library as the local indexer, whatever dies on the way.

The default run has no Ray in it (starting a cluster takes seconds): it runs the worker's own code in this process
(decoding from bytes, a long track encoded block by block), the address and plan rules, and the message without
Ray. The slow ones start `local[2]` clusters.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import json_lines, make_library, run_cli

from mediarec.pipeline.cluster import ClusterError, parse_cluster_address, plan_workers
from mediarec.pipeline.cluster.connection import ClusterAddressError

GOOD_FILES = 6  # conftest.make_library: six files that index, three that fail
QUERIES = (
    "a red circle",
    "someone explaining how to bake bread",
    "海边的狗",
    "Podcast person",
    "a sine wave",
)


# -- the default run: no Ray --------------------------------------------------------------------------------------


def test_cluster_addresses():
    assert parse_cluster_address("local[3]").local_workers == 3
    assert parse_cluster_address("local").local_workers == max(1, os.cpu_count() or 1)
    assert parse_cluster_address("ray://nas.home:10001").address == "ray://nas.home:10001"
    assert str(parse_cluster_address("10.0.0.5:6379")) == "10.0.0.5:6379"
    for bad in ("local[0]", "local[two]", " "):
        with pytest.raises(ClusterAddressError):
            parse_cluster_address(bad)


def test_encoders_go_one_per_gpu_where_there_are_gpus_else_one_per_cpu():
    gpus = plan_workers({"CPU": 32.0, "GPU": 2.0})
    assert (gpus.encoders, gpus.gpus_per_encoder, gpus.device) == (2, 1.0, "cuda")
    assert plan_workers({"CPU": 32.0, "GPU": 2.0}, "cpu").device == "cpu"  # the config said cpu
    cpus = plan_workers({"CPU": 6.0})
    assert (cpus.encoders, cpus.gpus_per_encoder, cpus.device) == (6, 0.0, "cpu")
    threads = plan_workers({"CPU": 7.0}, cpus_per_encoder=3)
    assert (threads.encoders, threads.cpus_per_encoder) == (
        2,
        3,
    )  # two copies of the models, three threads each
    with pytest.raises(ClusterError):
        plan_workers({"CPU": 0.0})


def test_a_worker_that_cannot_see_the_file_decodes_the_bytes_the_head_sends(tmp_path):
    from mediarec.config import IndexSettings
    from mediarec.index.store import LibraryStore
    from mediarec.media.samples import ShapeShot, write_shapes_video
    from mediarec.pipeline.cluster.worker import decode_on_worker
    from mediarec.scan.sync import reconcile

    video = write_shapes_video(tmp_path / "media" / "shapes.mp4", [ShapeShot("circle", "red", 2.0)])
    store = LibraryStore(tmp_path / "library.sqlite3")
    reconcile(store, [tmp_path / "media"])
    (item,) = store.items(statuses=("pending",))
    store.close()
    elsewhere = item.__class__(**{**item.__dict__, "path": str(tmp_path / "not-here" / "shapes.mp4")})
    head_thumbnails = tmp_path / "head-thumbnails"

    report, decoded = decode_on_worker(elsewhere, IndexSettings(), str(head_thumbnails), None)
    assert not report.visible and decoded is None  # the head then sends the bytes

    report, decoded = decode_on_worker(elsewhere, IndexSettings(), str(head_thumbnails), video.read_bytes())
    assert report.visible and decoded is not None and decoded.error is None
    assert (
        decoded.item.path == elsewhere.path and decoded.info.path == elsewhere.path
    )  # not the temporary copy
    assert report.media_seconds == pytest.approx(2.0, abs=0.1)
    assert decoded.visual.keyframes and decoded.audio is None  # a silent video
    assert len(report.thumbnails) == len(decoded.thumbnails) >= 1
    for thumbnail in decoded.thumbnails:  # named where the head writes them, which it has not yet
        relative = Path(thumbnail).relative_to(head_thumbnails).as_posix()
        assert report.thumbnails[relative][:2] == b"\xff\xd8"  # JPEG
        assert not Path(thumbnail).exists()


def test_the_progress_bar_note_reads_media_hours_and_stage_rates(offline_env, tmp_path):
    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.pipeline.cluster import ClusterIndexer

    library = Library(load_settings(data_dir=tmp_path / "data", environ=offline_env))
    try:
        job = ClusterIndexer(
            library.store, library.models, library.settings, parse_cluster_address("local[2]")
        )
        job._encoded_media_seconds = 5400.0
        assert job.progress_note().startswith("1.50 h media, decode 0.00/s, encode 0.00/s, 0 encoders")
    finally:
        library.close()


def test_mediarec_imports_without_loading_ray():
    program = "import sys, mediarec.pipeline.cluster, mediarec.cli.main; assert 'ray' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", program], capture_output=True).returncode == 0


def test_without_ray_the_cluster_option_says_how_to_install_it(offline_env, tmp_path, capsys, monkeypatch):
    from mediarec.media.samples import ShapeShot, write_shapes_video

    write_shapes_video(tmp_path / "media" / "shapes.mp4", [ShapeShot("circle", "red", 1.0)])
    monkeypatch.setitem(sys.modules, "ray", None)  # as on a machine without mediarec[cluster]
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(tmp_path / "data"))
    code, _, err = run_cli(["index", str(tmp_path / "media"), "--cluster", "local[1]"], env, capsys)
    assert code == 1
    assert "pip install 'mediarec[cluster]'" in err and "Traceback" not in err


def test_a_long_track_is_encoded_block_by_block_on_the_worker_as_locally(tmp_path, offline_env, monkeypatch):
    """A track longer than one audio block leaves the decode task without its blocks (a generator cannot
    travel); the encoder decodes them again from the bytes it is sent. In one process, without Ray."""
    from test_long_audio import _bursts, _wav

    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.pipeline import decoding
    from mediarec.pipeline.cluster.worker import EncoderWorker, decode_on_worker
    from mediarec.scan.sync import reconcile

    monkeypatch.setattr(decoding, "BLOCK_SECONDS", 20.0)  # 75 s: four blocks
    (tmp_path / "media").mkdir()
    wav = _wav(tmp_path / "media" / "bursts.wav", _bursts(75.0, 16000), rate=16000)
    library = Library(load_settings(data_dir=tmp_path / "data", environ=offline_env))
    try:
        reconcile(library.store, [tmp_path / "media"])
        (item,) = library.store.items(statuses=("pending",))
        report, decoded = decode_on_worker(
            item, library.settings.index, str(tmp_path / "thumbs"), wav.read_bytes()
        )
        assert report.long_track and decoded.audio is None and decoded.audio_rest is None
        (outcome,) = EncoderWorker(library.settings, "cpu").encode_batch(decoded, wav.read_bytes())
        assert outcome.error is None, outcome.error
        indexer = library.indexer()
        for _ in indexer.run([tmp_path / "media"]):
            pass
        local = library.store.item_segments(item.id, "audio")
        remote = [segment for segment in outcome.result.segments if segment.modality == "audio"]
        assert [(s.start, s.end) for s in remote] == [(s.start, s.end) for s in local]
        assert outcome.result.metadata["duration"] == pytest.approx(75.0, abs=0.1)
    finally:
        library.close()


# -- slow: real local clusters ---------------------------------------------------------------------------------------


def snapshot(store) -> dict:
    """Everything indexing wrote, by path: status, error, segments with their vectors, item vectors, layouts."""
    from mediarec.index.vectors import ITEM_SPACE_MODALITY

    spaces = store.spaces()
    files = {}
    for item in store.items(statuses=("indexed", "error", "pending")):
        segments = sorted(
            (s.modality, round(s.start, 3), round(s.end, 3), s.text or "")
            for s in store.item_segments(item.id)
        )
        vectors = {}
        for space in spaces:
            if space.modality == ITEM_SPACE_MODALITY:
                vector = store.item_vector(space, item.id)
                if vector is not None:
                    vectors[(space.modality, space.model_id)] = vector[None, :]
            else:
                _, matrix = store.segment_vectors(space, item.id)
                if len(matrix):
                    vectors[(space.modality, space.model_id)] = matrix
        files[Path(item.path).name] = {
            "status": item.status,
            "error": item.error,
            "segments": segments,
            "vectors": vectors,
            "thumbnail": bool(item.thumbnail) and Path(item.thumbnail).is_file(),
        }
    return {
        "spaces": sorted((space.modality, space.model_id, space.dim) for space in spaces),
        "files": files,
    }


def assert_same_library(cluster: dict, local: dict) -> None:
    assert cluster["spaces"] == local["spaces"]  # the same model ids and dimensions
    assert cluster["files"].keys() == local["files"].keys()
    for name, expected in local["files"].items():
        got = cluster["files"][name]
        assert (got["status"], got["error"], got["thumbnail"]) == (
            expected["status"],
            expected["error"],
            expected["thumbnail"],
        ), name
        assert got["segments"] == expected["segments"], name
        assert got["vectors"].keys() == expected["vectors"].keys(), name
        for space, vectors in expected["vectors"].items():
            # One encoder thread on a worker, two locally: sums in another order, the last bits differ.
            np.testing.assert_allclose(got["vectors"][space], vectors, atol=2e-4, err_msg=f"{name} {space}")


def search_results(library) -> list[list[str]]:
    return [[Path(hit.item.path).name for hit in library.search(query, limit=5)] for query in QUERIES]


@pytest.fixture(scope="module")
def one_thread_local(generated_library, offline_env, tmp_path_factory):
    """The generated library indexed by the local indexer with one thread per model, as each `local[2]` encoder
    has (Ray gives an actor of one CPU OMP_NUM_THREADS=1): with another number of threads whisper's int8 sums
    differ in their last bits, and now and then a comma in a transcript with them."""
    from mediarec.app import Library
    from mediarec.config import load_settings

    env = dict(offline_env, MEDIAREC_DATA_DIR=str(tmp_path_factory.mktemp("one-thread")), OMP_NUM_THREADS="1")
    command = [sys.executable, "-m", "mediarec", "index", str(generated_library.folder), "--no-progress"]
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert finished.returncode == 0, finished.stderr
    library = Library(load_settings(environ=env))
    yield library
    library.close()


@pytest.mark.slow
def test_a_local_cluster_indexes_the_library_as_the_local_indexer_does(
    generated_library, one_thread_local, offline_env, tmp_path, capsys
):
    from mediarec.app import Library
    from mediarec.config import load_settings

    env = dict(offline_env, MEDIAREC_DATA_DIR=str(tmp_path / "data"))
    folder = str(generated_library.folder)
    code, out, err = run_cli(["index", folder, "--cluster", "local[2]", "--json"], env, capsys)
    assert code == 0, err
    report = json_lines(out)[0]
    assert report["indexed"] == GOOD_FILES and len(report["failed"]) == 3
    assert report["cluster"]["encoders"] == "2 CPU encoders" and len(report["cluster"]["workers"]) == 2
    assert report["cluster"]["sent_as_bytes"] == 0  # the workers see the files where the head does

    library = Library(load_settings(environ=env))
    try:
        assert_same_library(snapshot(library.store), snapshot(one_thread_local.store))
        assert search_results(library) == search_results(one_thread_local)
    finally:
        library.close()

    code, out, err = run_cli(["index", folder, "--cluster", "local[2]", "--json"], env, capsys)
    assert code == 0, err
    again = json_lines(out)[0]
    assert (again["indexed"], again["up_to_date"]) == (0, GOOD_FILES)  # encodes nothing new
    assert again["cluster"]["workers"] == []  # nothing to do: no cluster started


def _encoder_pids(job) -> list[int]:
    return [worker["pid"] for worker in job.encoder_workers()]


@pytest.mark.slow
def test_a_killed_worker_costs_only_its_files_in_flight(
    generated_library, one_thread_local, offline_env, tmp_path
):
    """The files travel as bytes here, as to workers that do not see the library's folder."""
    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.pipeline.cluster import ClusterIndexer

    library = Library(load_settings(data_dir=tmp_path / "data", environ=offline_env))
    job = ClusterIndexer(
        library.store, library.models, library.settings, parse_cluster_address("local[2]"), send_bytes=True
    )
    killed = None
    try:
        for progress in job.run([generated_library.folder]):
            pids = _encoder_pids(job)
            if (
                killed is None
                and progress.done >= 1
                and len(pids) == 2
                and progress.done < progress.total - 2
            ):
                killed = pids[0]
                os.kill(killed, signal.SIGKILL)  # a process this test's cluster started
        assert killed is not None, "the job finished before a worker could be killed"
        assert job.cluster.workers_lost >= 1 and killed not in _encoder_pids(job)
        assert len(job.summary.indexed) == GOOD_FILES and len(job.summary.failed) == 3
        assert job.cluster.sent_as_bytes >= 9
        assert_same_library(snapshot(library.store), snapshot(one_thread_local.store))
    finally:
        library.close()


def _descendants(pid: int) -> list[int]:
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    found = [int(child) for child in children.split()]
    return found + [grandchild for child in found for grandchild in _descendants(child)]


@pytest.mark.slow
def test_a_killed_head_resumes_from_the_library(offline_env, tmp_path, capsys):
    from mediarec.index.store import LibraryStore

    folder = tmp_path / "lib"
    make_library(folder)
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(tmp_path / "data"))
    command = [
        sys.executable,
        "-m",
        "mediarec",
        "index",
        str(folder),
        "--cluster",
        "local[2]",
        "--no-progress",
    ]
    head = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    database = tmp_path / "data" / "library.sqlite3"
    deadline = time.time() + 300
    written = 0
    cluster: list[int] = []
    while time.time() < deadline and head.poll() is None and written < 1:
        cluster = _descendants(head.pid) or cluster  # Ray's processes, which outlive a killed head
        if database.exists():
            store = LibraryStore(database)
            written = store.count_items("indexed") + store.count_items("error")
            store.close()
        time.sleep(0.2)
    assert head.poll() is None, "the run finished before its head could be killed"
    cluster = _descendants(head.pid) or cluster
    os.kill(head.pid, signal.SIGKILL)
    head.wait()
    for pid in cluster:  # the head's own cluster, stopped as a dead head's machine would be
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    store = LibraryStore(database)
    assert store.integrity_check() == "ok"
    done = store.count_items("indexed")
    store.close()
    code, out, err = run_cli(["index", str(folder), "--cluster", "local[2]", "--json"], env, capsys)
    assert code == 0, err
    report = json_lines(out)[0]
    assert report["indexed"] == GOOD_FILES - done and report["up_to_date"] == done

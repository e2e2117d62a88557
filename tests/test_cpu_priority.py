"""Background work yields the cores to the window (app/cpu_priority.py): a lowered thread runs below the thread
that started it, threads it starts inherit that, the desktop's pool workers run below the event loop, and the
indexing helper lowers itself before its models start their threads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from mediarec.app.cpu_priority import (
    BACKGROUND_INDEXING_NICE,
    WORKER_THREAD_NICE,
    lower_this_thread,
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's"
)


def _own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def _in_a_thread(function):
    result: list = []
    thread = threading.Thread(target=lambda: result.append(function()))
    thread.start()
    thread.join()
    return result[0]


def test_a_lowered_thread_runs_below_its_starter_and_its_own_threads_inherit_it():
    starter = _own_nice()

    def lowered_then_child() -> tuple[bool, int, int]:
        changed = lower_this_thread(3)
        return changed, _own_nice(), _in_a_thread(_own_nice)

    changed, lowered, child = _in_a_thread(lowered_then_child)
    assert changed
    assert lowered == min(19, starter + 3)
    assert child == lowered  # what the indexing helper relies on: the models' thread pools start later
    assert _own_nice() == starter  # the calling process's other threads keep theirs


def test_nothing_changes_for_no_steps():
    assert _in_a_thread(lambda: (lower_this_thread(0), _own_nice())) == (False, _own_nice())


_CHILD = """
import json, os, threading
import numpy  # its import starts OpenBLAS's threads, as the indexing helper's imports do
from mediarec.app.cpu_priority import lower_this_process_to

def nice_values():
    return sorted({os.getpriority(os.PRIO_PROCESS, int(t)) for t in os.listdir("/proc/self/task")})

started_at = nice_values()
changed = lower_this_process_to(%d)
after = nice_values()
later = []
thread = threading.Thread(target=lambda: later.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
thread.start(); thread.join()
print(json.dumps([started_at, changed, after, later[0], lower_this_process_to(%d)]))
"""


def test_a_process_set_to_a_value_runs_every_thread_there_whatever_it_inherited():
    """The indexing helper is started from a worker thread (nice +4) and means nice 10, not 4 + 10, for every
    thread, the ones its imports started included."""
    starter = _own_nice()
    target = min(19, starter + BACKGROUND_INDEXING_NICE)

    def start_the_child() -> list:
        lower_this_thread(WORKER_THREAD_NICE)  # as the desktop's indexing worker is
        code = _CHILD % (target, target - 1)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    started_at, changed, after, later, lowered_again = _in_a_thread(start_the_child)
    assert started_at == [min(19, starter + WORKER_THREAD_NICE)] and len(started_at) == 1
    assert changed and after == [target] and later == target
    assert not lowered_again  # a lower value than its own is no change (a thread cannot climb back)


def test_background_indexing_runs_below_the_desktop_workers():
    assert BACKGROUND_INDEXING_NICE > WORKER_THREAD_NICE > 0


@pytest.mark.gui
def test_desktop_pool_workers_run_below_the_event_loop(qtbot):
    pytest.importorskip("PySide6")
    pytest.importorskip("pytestqt")
    from mediarec.ui.bridge import WorkerPools, run_task

    pools = WorkerPools()
    seen: list[int] = []
    try:
        for pool in pools.all():
            run_task(pool, _own_nice, on_result=seen.append)
        qtbot.waitUntil(lambda: len(seen) == 4, timeout=5000)
    finally:
        pools.close()
    assert seen == [min(19, _own_nice() + WORKER_THREAD_NICE)] * 4

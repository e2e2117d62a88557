"""Background work yields the cores to the window (app/cpu_priority.py): a lowered thread runs below the thread
that started it, threads it starts inherit that, the desktop's pool workers run below the event loop, and the
indexing helper lowers itself before its models start their threads."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from mediarec.app.cpu_priority import BACKGROUND_INDEXING_NICE, WORKER_THREAD_NICE, lower_this_thread

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

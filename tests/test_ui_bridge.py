"""The one bridge from worker threads to the GUI (ui/bridge.py): once the pools are closed for shutdown, no new
task starts, so a signal delivered late cannot start work on a library that is being closed."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

pytestmark = pytest.mark.gui


def test_tasks_run_until_the_pools_close_and_none_start_after(qtbot):
    from mediarec.ui.bridge import WorkerPools, run_task

    pools = WorkerPools()
    ran: list[str] = []
    results: list[str] = []
    lock = threading.Lock()

    def work(name: str) -> str:
        with lock:
            ran.append(name)
        return name

    run_task(pools.search, work, "before", on_result=results.append)
    qtbot.waitUntil(lambda: results == ["before"], timeout=5000)
    assert pools.close()
    late = run_task(pools.search, work, "after", on_result=results.append)
    assert pools.wait(2000)
    qtbot.wait(50)  # any callback would have been delivered by now
    assert ran == ["before"] and results == ["before"]
    assert not late.wanted

"""The desktop takes its startup objects out of the garbage collector's full collections (ui/main.py), so a
worker's allocations cannot start a 20-60 ms collection of the window's objects with the GIL held
(benchmarks/bench_scale_grid.py measures the stall). Run as the app runs, in a process of its own: gc.freeze in
the test process would freeze every test's objects."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("PySide6")

_CHILD = textwrap.dedent(
    """
    import gc, json, sys
    from PySide6.QtCore import QTimer
    from mediarec.config import load_settings
    from mediarec.ui.main import create_application, run_app

    application = create_application()
    seen = {}

    def look_and_quit():
        seen["frozen"] = gc.get_freeze_count()
        application.quit()

    QTimer.singleShot(0, look_and_quit)  # runs once the event loop has started
    status = run_app(load_settings(data_dir=sys.argv[1]))
    print(json.dumps({"status": status, **seen}))
    """
)


def test_the_running_desktop_keeps_its_startup_objects_out_of_collections(tmp_path, offline_env):
    env = {**offline_env, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path / "data")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["status"] == 0
    # The window, its models and every imported module: tens of thousands of objects.
    assert report["frozen"] > 10_000, report

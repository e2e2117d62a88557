"""The desktop grid with a large library: the longest event-loop stall while it loads, scrolls, sorts and filters.

Opens the real library page (ui/library_page.py: the grid's QListView in icon mode with ui/library_model.py's model
and card delegate, thumbnails decoded on their pool, the "For you" shelf) on an existing library, offscreen, and
probes the event loop with a 5 ms QTimer: a stall is how late a tick comes. Phases:
  * load: the page's reload (rows and tags on the search pool, For you beside them) until the grid has its rows,
    and one second more (the tick after the rows landed is the one their arrival delayed); first_rows_ms is when
    the first cards were there (the page's first_rows_shown, where the code has it);
  * scroll: wheel-like steps every 16 ms with a jump of the scroll bar to a random place every second (thumb
    drags), with the thumbnails of the cards shown loading meanwhile;
  * scroll_with_for_you: the same while the For you shelf is asked again every 2 s (the variety slider);
  * sort and kind: the user's sort and kind choices, each timed on the GUI thread.
The target is a longest stall <= 50 ms while scrolling. The library comes from benchmarks/bench_scale.py, which
runs this script; to run it alone on a library it kept:

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_scale_grid.py --data-dir DIR [--seconds 20]
        [--icon-mode]   (the baseline: the grid as it was, in QListView's IconMode)

Each phase also reports longest_gui_cpu_ms, the most CPU the GUI thread used between two ticks, and the CPU all the
process's threads used during its longest stall: a stall far above the first waited for the GIL (a worker holding
it) or, on a machine shared with other jobs, for a CPU (then the second is near 0 too). On Linux the longest stall
is also split by the GUI thread's schedstat: its CPU, its wait for a CPU (runnable, no core free), and the rest
(asleep: the GIL held by a worker, or nothing to do). To compare with
the code of an earlier commit, run this same script with PYTHONPATH pointing at a copy of that tree, on the same
library, one run after the other (under the same `nice`, on a busy machine).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import sys
import threading
import time
from pathlib import Path

TICK_MS = 5
STEP_MS = 16
STEP_PIXELS = 120


class StallProbe:
    """Records how late each tick of a TICK_MS timer runs, per named phase, and how much CPU the GUI thread used
    meanwhile: a late tick with little GUI CPU waited for the GIL (a worker holding it) or for a CPU (a busy
    machine), one with much of it was the GUI thread's own work."""

    def __init__(self, timer_class) -> None:
        self.phase: str | None = None
        self.stalls: dict[str, list[float]] = {}
        self.gui_cpu: dict[str, list[float]] = {}
        self.process_cpu: dict[str, list[float]] = {}
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self._last_process_cpu = time.process_time()
        self.gui_split: dict[str, list[tuple[float, float]]] = {}  # (on CPU, waiting for a CPU) ms per tick
        self._last_split = gui_schedstat()
        self.timer = timer_class()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now, cpu, process_cpu = time.perf_counter(), time.thread_time(), time.process_time()
        split = gui_schedstat()
        if self.phase is not None:
            self.stalls.setdefault(self.phase, []).append(max(0.0, 1000 * (now - self._last) - TICK_MS))
            self.gui_cpu.setdefault(self.phase, []).append(1000 * (cpu - self._last_cpu))
            self.process_cpu.setdefault(self.phase, []).append(1000 * (process_cpu - self._last_process_cpu))
            self.gui_split.setdefault(self.phase, []).append(
                (split[0] - self._last_split[0], split[1] - self._last_split[1])
            )
        self._last, self._last_cpu, self._last_process_cpu = now, cpu, process_cpu
        self._last_split = split

    def start(self, phase: str) -> None:
        self._last, self._last_cpu, self._last_process_cpu = (
            time.perf_counter(),
            time.thread_time(),
            time.process_time(),
        )
        self._last_split = gui_schedstat()
        self.phase = phase

    def summary(self, phase: str) -> dict:
        stalls = self.stalls.get(phase, [0.0])
        values = sorted(stalls)
        longest = stalls.index(values[-1])
        on_cpu, waiting = self.gui_split.get(phase, [(0.0, 0.0)])[longest]
        return {
            "longest_stall_ms": round(values[-1], 1),
            # What every thread of this process ran during that stall: near 0, the process waited for a CPU.
            "longest_stall_process_cpu_ms": round(self.process_cpu.get(phase, [0.0])[longest], 1),
            # The GUI thread in that tick (Linux): on a CPU, runnable waiting for one, and asleep (the GIL, or idle).
            "longest_stall_gui_on_cpu_ms": round(on_cpu, 1),
            "longest_stall_gui_waiting_for_cpu_ms": round(waiting, 1),
            # The longest tick less the GUI thread's wait for a CPU: what the process did to itself (its GUI
            # thread's work, the GIL held by a worker), the part other jobs on a busy machine do not add.
            "longest_own_stall_ms": round(
                max(
                    stall - split[1]
                    for stall, split in zip(stalls, self.gui_split.get(phase, [(0.0, 0.0)]), strict=True)
                ),
                1,
            ),
            "p99_stall_ms": round(values[int(0.99 * (len(values) - 1))], 1),
            "longest_gui_cpu_ms": round(max(self.gui_cpu.get(phase, [0.0])), 1),
            "ticks": len(values),
        }


def gui_schedstat() -> tuple[float, float]:
    """The calling thread's time on a CPU and time runnable but waiting for one, in ms (Linux's schedstat;
    zeros elsewhere)."""
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/schedstat") as stats:
            on_cpu, waiting, _slices = stats.read().split()
    except OSError:
        return 0.0, 0.0
    return int(on_cpu) / 1e6, int(waiting) / 1e6


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def use_icon_mode(grid) -> None:
    """The baseline: the grid as it was before it became a wrapping list (QListView's IconMode)."""
    from PySide6.QtWidgets import QListView

    grid.setViewMode(QListView.ViewMode.IconMode)
    grid.setResizeMode(QListView.ResizeMode.Adjust)
    grid.setMovement(QListView.Movement.Static)
    grid.setUniformItemSizes(True)
    grid.setLayoutMode(QListView.LayoutMode.Batched)
    grid.setBatchSize(500)


def run(data_dir: Path, seconds: float, icon_mode: bool = False) -> dict:
    from mediarec.ui.main import create_application  # isort: skip
    from PySide6.QtCore import QEventLoop, QTimer

    import mediarec
    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.ui.app_window import THUMBNAIL_SIZE
    from mediarec.ui.bridge import WorkerPools
    from mediarec.ui.library_page import LibraryPage
    from mediarec.ui.thumbnails import ThumbnailCache

    application = create_application([sys.argv[0]])
    library = Library(load_settings(data_dir=data_dir, profile="offline"))
    pools = WorkerPools()
    thumbnails = ThumbnailCache(pools.thumbnails, THUMBNAIL_SIZE)
    page = LibraryPage(library, pools, thumbnails)
    if icon_mode:
        use_icon_mode(page.grid)
    page.resize(1200, 800)
    page.show()
    from mediarec.ui import main as desktop  # the desktop's run_app does this once its window is built

    if hasattr(desktop, "keep_startup_objects_out_of_collections"):  # not in the code of earlier commits
        desktop.keep_startup_objects_out_of_collections()
    probe = StallProbe(QTimer)
    collected = time.perf_counter()
    gc.collect()
    result: dict = {
        "view": "icon mode (baseline)" if icon_mode else "as the app has it",
        "code": str(Path(mediarec.__file__).parent),
        # One full collection now: it holds the GIL, so a worker that starts one stalls the window as long.
        "full_collection_ms": round(1000 * (time.perf_counter() - collected), 1),
        "load_average_before": [round(v, 2) for v in os.getloadavg()],
    }

    def wait_for(signal, limit_s: float) -> float:
        loop = QEventLoop()
        signal.connect(loop.quit)
        QTimer.singleShot(int(1000 * limit_s), loop.quit)
        started = time.perf_counter()
        loop.exec()
        return time.perf_counter() - started

    def spin(duration_s: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(1000 * duration_s), loop.quit)
        loop.exec()

    probe.start("load")
    cpu = cpu_seconds()
    first_rows: dict = {}
    reloaded = time.perf_counter()
    first_rows_signal = getattr(page, "first_rows_shown", None)  # not in the code of earlier commits
    if first_rows_signal is not None:
        first_rows_signal.connect(lambda count: first_rows.update(at=time.perf_counter(), count=count))
    page.reload()
    waited = wait_for(page.library_loaded, 600)
    spin(1.0)  # the tick after the rows landed (their own stall) and the first batches of the grid's layout
    result["load"] = {
        **probe.summary("load"),
        "rows": page.model.rowCount(),
        "wall_s": round(waited, 2),
        "first_rows_ms": round(1000 * (first_rows.get("at", reloaded + waited) - reloaded)),
        "first_rows": first_rows.get("count", page.model.rowCount()),
        "cpu_s": round(cpu_seconds() - cpu, 2),
    }
    wait_for(page.for_you_loaded, 120)
    spin(0.5)

    bar = page.grid.verticalScrollBar()
    chooser = random.Random(0)
    steps = {"count": 0}

    def step() -> None:
        steps["count"] += 1
        if steps["count"] % (1000 // STEP_MS) == 0:
            bar.setValue(chooser.randint(0, bar.maximum()))
        else:
            bar.setValue((bar.value() + STEP_PIXELS) % (bar.maximum() + 1))

    scroller = QTimer()
    scroller.setInterval(STEP_MS)
    scroller.timeout.connect(step)
    for phase in ("scroll", "scroll_with_for_you"):
        asker = QTimer()
        asker.setInterval(2000)
        if phase == "scroll_with_for_you":
            asker.timeout.connect(page.refresh_for_you)
            asker.start()
        steps["count"] = 0
        cpu = cpu_seconds()
        probe.start(phase)
        scroller.start()
        spin(seconds)
        scroller.stop()
        asker.stop()
        probe.phase = None
        result[phase] = {
            **probe.summary(phase),
            "steps": steps["count"],
            "cpu_s": round(cpu_seconds() - cpu, 2),
            "scroll_height_px": bar.maximum(),
        }
        spin(1.0)

    for name, action in (
        ("sort_by_name", lambda: page.set_sort_key("name")),
        ("sort_by_added", lambda: page.set_sort_key("added")),
        ("kind_audio", lambda: page.set_kind("audio")),
        ("kind_all", lambda: page.set_kind("")),
    ):
        probe.start(name)
        started = time.perf_counter()
        action()
        spin(0.3)  # the relayout that follows a reset runs in the loop
        result[name] = {
            **probe.summary(name),
            "call_ms": round(1000 * (time.perf_counter() - started - 0.3), 1),
        }
    result["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    page.close()
    pools.wait(30000)
    library.close()
    del application
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--icon-mode", action="store_true", help="the baseline: the grid in QListView's IconMode"
    )
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    print(json.dumps(run(args.data_dir, args.seconds, args.icon_mode)))


if __name__ == "__main__":
    main()

"""Seconds spent per indexing stage, summed across the decode thread and the encode loop."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class StageTimer:
    def __init__(
        self,
        seconds: dict[str, float],
        busy: dict[str, float] | None = None,
        cpu: dict[str, float] | None = None,
    ):
        self.seconds = seconds  # the summary's stage_seconds (a defaultdict(float)), added to in place
        # Wall time with at least one call of the stage running: below the sum when files are encoded at once.
        self.busy = busy if busy is not None else {}
        # The process's CPU time (all threads, the models' own pools included) per stage, when asked for. A model's
        # threads are not the caller's, so only the whole process counts them: this is each stage's own CPU only
        # when one stage runs at a time (benchmarks/bench_indexing.py runs the stages alone for it).
        self.cpu = cpu
        self._running: dict[str, int] = defaultdict(int)
        self._busy_since: dict[str, float] = {}
        self._lock = threading.Lock()  # the decode thread and the encode threads time stages at once

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started, cpu_started = time.perf_counter(), time.process_time()
        with self._lock:
            self._running[stage] += 1
            self._busy_since.setdefault(stage, started)
        try:
            yield
        finally:
            ended, cpu_ended = time.perf_counter(), time.process_time()
            with self._lock:
                self.seconds[stage] = self.seconds.get(stage, 0.0) + ended - started
                if self.cpu is not None:
                    self.cpu[stage] = self.cpu.get(stage, 0.0) + cpu_ended - cpu_started
                self._running[stage] -= 1
                if self._running[stage] == 0:
                    self.busy[stage] = self.busy.get(stage, 0.0) + ended - self._busy_since.pop(stage)

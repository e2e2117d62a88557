"""Seconds spent per indexing stage, summed across the decode thread and the encode loop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class StageTimer:
    def __init__(self, seconds: dict[str, float]):
        self.seconds = seconds  # the summary's stage_seconds (a defaultdict(float)), added to in place
        self._lock = threading.Lock()  # the decode thread and the encode loop time stages at once

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            with self._lock:
                self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started

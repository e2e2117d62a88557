"""Background work yields the cores to what the user is looking at.

On a machine with two cores the desktop's event loop, its worker threads (listing, thumbnails, For you, writes)
and its indexing helper process all want the same cores. When they are all runnable, the scheduler shares the
cores evenly, so the event loop waits its turn behind a thumbnail decode or a whisper batch, and the grid stalls
(the grid benchmark saw the GUI thread wait 60-110 ms for a core while the process's own workers ran). Linux
schedules threads by their nice value, and a thread may always raise its own: the desktop's worker threads run a
little below the event loop, and its background indexing below both. Nice values only matter under contention:
on an idle machine every thread still gets a whole core, so nothing runs slower when the user is not looking.
A process a worker starts (the query models' helper) inherits that worker's value; the indexing helper sets its
own (lower_this_process_to), whoever started it.

Elsewhere (macOS, Windows) a per-thread nice value does not exist through ``os``, and these calls do nothing.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

# CFS weights: nice 0 is 1024, nice 4 is 423, nice 10 is 110. A worker thread competing with the event loop for
# one core gets ~30 % of it; background indexing competing with a worker gets ~20 %.
WORKER_THREAD_NICE = 4
BACKGROUND_INDEXING_NICE = 10

_settled = threading.local()


def lower_this_thread(steps: int) -> bool:
    """Raise the calling thread's nice value by ``steps`` (Linux only; threads it starts later inherit it).

    Returns whether the thread's priority changed. Never raises: a priority is a courtesy, not a requirement.
    """
    if steps <= 0 or not sys.platform.startswith("linux"):
        return False
    return _renice(threading.get_native_id(), lambda current: current + steps)


def lower_this_process_to(nice: int) -> bool:
    """Run every thread of this process at nice value ``nice``, or its own if that is lower already (Linux only;
    threads started later inherit it from the thread that starts them). The indexing helper uses this, not a
    step: it is started from a desktop worker thread, whose value it inherits, and imports start threads before
    its own code runs (OpenBLAS's pool, with numpy). True when any thread's priority changed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        thread_ids = [int(name) for name in os.listdir("/proc/self/task")]
    except OSError:
        thread_ids = [threading.get_native_id()]
    changed = [_renice(thread_id, lambda current: max(current, nice)) for thread_id in thread_ids]
    return any(changed)


def _renice(thread_id: int, target: Callable[[int], int]) -> bool:
    try:
        # On Linux PRIO_PROCESS with a thread id names that one thread, not the whole process.
        current = os.getpriority(os.PRIO_PROCESS, thread_id)
        wanted = min(19, target(current))
        if wanted == current:
            return False
        os.setpriority(os.PRIO_PROCESS, thread_id, wanted)
    except OSError as error:  # a sandbox without setpriority, or a thread just ended: keep running as it is
        log.debug("could not lower thread %s's priority: %s", thread_id, error)
        return False
    return True


def settle_worker_thread() -> None:
    """Lower a desktop worker thread below the event loop, once per thread (pool threads are reused)."""
    if getattr(_settled, "done", False):
        return
    _settled.done = True
    lower_this_thread(WORKER_THREAD_NICE)

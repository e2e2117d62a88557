"""Background work yields the cores to what the user is looking at.

On a machine with two cores the desktop's event loop, its worker threads (listing, thumbnails, For you, writes)
and its indexing helper process all want the same cores. When they are all runnable, the scheduler shares the
cores evenly, so the event loop waits its turn behind a thumbnail decode or a whisper batch, and the grid stalls
(the grid benchmark saw the GUI thread wait 60-110 ms for a core while the process's own workers ran). Linux
schedules threads by their nice value, and a thread may always raise its own: the desktop's worker threads run a
little below the event loop, and its background indexing below both. Nice values only matter under contention:
on an idle machine every thread still gets a whole core, so nothing runs slower when the user is not looking.

Elsewhere (macOS, Windows) a per-thread nice value does not exist through ``os``, and these calls do nothing.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

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
    thread_id = threading.get_native_id()
    try:
        # On Linux PRIO_PROCESS with a thread id names that one thread, not the whole process.
        current = os.getpriority(os.PRIO_PROCESS, thread_id)
        os.setpriority(os.PRIO_PROCESS, thread_id, min(19, current + steps))
    except OSError as error:  # a sandbox without setpriority: keep running at the same priority
        log.debug("could not lower thread %s's priority: %s", thread_id, error)
        return False
    return True


def settle_worker_thread() -> None:
    """Lower a desktop worker thread below the event loop, once per thread (pool threads are reused)."""
    if getattr(_settled, "done", False):
        return
    _settled.done = True
    lower_this_thread(WORKER_THREAD_NICE)

"""Numpy's BLAS on one thread in the processes that answer queries (search, more like this, For you, the window).

A query multiplies small matrices (a few hundred candidates, a 10^5 x 256 sketch once): a second BLAS thread
saves little there and, when the cores are busy (the desktop indexes in the background, another program runs),
its threads spin waiting for a core. On this project's 2-core machine at load 2-4, For you at 10^5 items took
p50/p95 267/487 ms with OpenBLAS's default two threads and 60/67 ms with one; "more like this" p95 86 -> 12 ms
(benchmarks/bench_scale.py, OPENBLAS_NUM_THREADS=1 against the default, run one after the other). Indexing keeps the
default: it runs in its own process (the desktop's IndexJobProcess, `mediarec index`) on large batches.
"""

from __future__ import annotations

import logging
import os

_log = logging.getLogger(__name__)

# A user's own setting for the libraries wins: then nothing is limited here.
_LIBRARY_SETTINGS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
THREADS_SETTING = "MEDIAREC_BLAS_THREADS"  # the query processes' thread count, when not 1
_one_thread = False  # set by one_blas_thread_for_queries


def one_blas_thread_for_queries() -> bool:
    """Limit numpy's BLAS to one thread (MEDIAREC_BLAS_THREADS: that many) for the rest of this process; False
    when a library's own thread count is set (it is kept), or the setting is not a whole number above 0, or
    threadpoolctl is missing."""
    if any(os.environ.get(name) for name in _LIBRARY_SETTINGS):
        return False
    wanted = os.environ.get(THREADS_SETTING, "1").strip()
    if not wanted.isdigit() or int(wanted) < 1:
        _log.warning("%s=%r is not a thread count; numpy's BLAS keeps its default", THREADS_SETTING, wanted)
        return False
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        _log.info("threadpoolctl is not installed; numpy's BLAS keeps its default threads")
        return False
    threadpool_limits(limits=int(wanted), user_api="blas")  # not a context: it holds until the process ends
    global _one_thread
    _one_thread = int(wanted) == 1
    return True


def queries_on_one_thread() -> bool:
    """Whether one_blas_thread_for_queries put this process's BLAS on one thread."""
    return _one_thread

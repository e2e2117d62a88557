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

# A user's own setting wins: the one-thread limit is applied only when none of these is set.
_USER_SETTINGS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "MEDIAREC_BLAS_THREADS")


def one_blas_thread_for_queries() -> bool:
    """Limit numpy's BLAS to one thread for the rest of this process; False when the user set a thread count (or
    threadpoolctl is missing), which is then kept."""
    if any(os.environ.get(name) for name in _USER_SETTINGS):
        return False
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        _log.info("threadpoolctl is not installed; numpy's BLAS keeps its default threads")
        return False
    threadpool_limits(limits=1, user_api="blas")  # not a context: it holds until the process ends
    return True

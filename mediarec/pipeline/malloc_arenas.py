"""Fewer glibc malloc arenas for an index run: the same work in less resident memory.

glibc gives each thread that allocates while another holds the lock an arena of its own, up to 8 per core, and an
arena keeps the pages its frees leave between live blocks. An index run has a decode thread, encode threads and
each model's own pool threads allocating batch-sized buffers, so freed memory piles up per arena: on the generated
mixed library of benchmarks/bench_memory.py the peak was 1284-1309 MB with glibc's default and 1080 MB with two
arenas (MALLOC_ARENA_MAX=2, offline profile, 2 shared cores, load ~7). The limit is read when the ninth arena would
be made, so it is set before the job's threads start; elsewhere (macOS, Windows, musl) nothing is done.
"""

from __future__ import annotations

import ctypes
import sys

M_ARENA_MAX = -8  # glibc's malloc.h
INDEXING_ARENAS = 2


def limit_malloc_arenas(count: int = INDEXING_ARENAS) -> bool:
    """Ask glibc for at most ``count`` malloc arenas; whether it took the setting."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, count))

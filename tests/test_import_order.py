"""Native libraries that must not be loaded in the wrong order: usearch 2.26 before onnxruntime 1.32 kills the
process, and a search (usearch) followed by indexing audio (onnxruntime) in one process would do exactly that."""

from __future__ import annotations

import subprocess
import sys


def test_the_ann_sidecar_then_onnxruntime_loads_in_one_process():
    program = (
        "from mediarec.index import ann_files\n"
        "assert ann_files.usearch_index_class() is not None  # loads usearch, as opening a sidecar does\n"
        "import onnxruntime\n"
        "print('loaded')\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "loaded" in result.stdout, (result.returncode, result.stderr[-2000:])

"""Query processes run numpy's BLAS on one thread (rank.blas_threads), unless the user set a thread count.
Each case runs in a fresh interpreter: the limit holds for the rest of a process."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

PROBE = """
import json, numpy, threadpoolctl
from mediarec.rank.blas_threads import one_blas_thread_for_queries
applied = one_blas_thread_for_queries()
blas = [pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]
print(json.dumps({"applied": applied, "blas": blas}))
"""


def _probe(**env: str) -> dict:
    clean = {key: value for key, value in os.environ.items() if not key.endswith("_NUM_THREADS")}
    clean.pop("MEDIAREC_BLAS_THREADS", None)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_query_process_gets_one_blas_thread():
    probed = _probe()
    assert probed["applied"] is True
    assert probed["blas"] and set(probed["blas"]) == {1}


def test_a_thread_count_the_user_set_is_kept():
    probed = _probe(OPENBLAS_NUM_THREADS="2")
    assert probed["applied"] is False
    assert 1 not in probed["blas"] or os.cpu_count() == 1


def test_mediarec_blas_threads_sets_the_count_and_nonsense_keeps_the_default():
    assert (
        set(_probe(MEDIAREC_BLAS_THREADS="2")["blas"]) == {min(2, os.cpu_count() or 1)} or os.cpu_count() == 1
    )
    assert _probe(MEDIAREC_BLAS_THREADS="many")["applied"] is False


def test_the_query_commands_are_real_commands_and_indexing_is_not_one():
    from mediarec.cli.main import QUERY_COMMANDS, build_parser

    subcommands = next(
        action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction)
    )
    assert set(subcommands.choices) >= QUERY_COMMANDS
    assert "index" not in QUERY_COMMANDS and "eval" not in QUERY_COMMANDS

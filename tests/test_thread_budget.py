"""The networks that run beside the transcriber while indexing take the cores it leaves (models.thread_budget)."""

from __future__ import annotations

import os

import pytest

from mediarec.models import thread_budget
from mediarec.models.text import UniversalSentenceEncoder


@pytest.mark.parametrize(("cores", "beside"), [(1, 1), (2, 1), (4, 1), (6, 2), (16, 12)])
def test_the_networks_beside_the_transcriber_get_the_cores_it_leaves_and_at_least_one(
    monkeypatch, cores, beside
):
    monkeypatch.setattr(thread_budget, "cpu_cores", lambda: cores)
    assert thread_budget.beside_transcriber_threads() == beside


def test_the_cores_are_this_process_share():
    share = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert thread_budget.cpu_cores() == share


def test_a_models_own_thread_count_wins(monkeypatch):
    monkeypatch.setattr(thread_budget, "cpu_cores", lambda: 8)
    assert UniversalSentenceEncoder().threads == 4
    assert UniversalSentenceEncoder(threads=3).threads == 3

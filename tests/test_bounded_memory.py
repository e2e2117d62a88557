"""Indexing memory stays bounded by a batch, not by the length of what is encoded (issue 12, target 4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mediarec.models.audio import (
    MEL_BANDS,
    PATCH_FRAMES,
    PATCH_HOP_FRAMES,
    SAMPLE_RATE,
    STFT_HOP,
    log_mel_patch_batches,
    log_mel_patches,
    log_mel_spectrogram,
    patch_count,
)


def whole_track_patches(audio: np.ndarray) -> np.ndarray:
    """The patches cut from the whole track's spectrogram, silence-padded at the end: what YAMNet's front end is."""
    log_mel = log_mel_spectrogram(audio)
    count = patch_count(audio.size)
    needed = (count - 1) * PATCH_HOP_FRAMES + PATCH_FRAMES
    silence = np.full((max(0, needed - len(log_mel)), MEL_BANDS), np.log(0.001), np.float32)
    log_mel = np.concatenate([log_mel, silence])
    return np.stack([log_mel[k * PATCH_HOP_FRAMES :][:PATCH_FRAMES] for k in range(count)])


@pytest.mark.parametrize("samples", [1, 399, 400, 15_360, 15_361, 3 * SAMPLE_RATE + 77, 65 * SAMPLE_RATE + 5])
@pytest.mark.parametrize("batch_size", [1, 7, 64])
def test_patches_batch_by_batch_are_the_whole_tracks(samples, batch_size):
    audio = (0.1 * np.random.default_rng(samples).standard_normal(samples)).astype(np.float32)
    parts = list(log_mel_patch_batches(audio, batch_size))
    starts = np.concatenate([part_starts for part_starts, _ in parts])
    patches = np.concatenate([part for _, part in parts])
    assert all(len(part) <= batch_size for _, part in parts)
    np.testing.assert_allclose(patches, whole_track_patches(audio), atol=1e-5)
    assert np.allclose(starts, np.arange(len(patches)) * PATCH_HOP_FRAMES * STFT_HOP / SAMPLE_RATE)
    np.testing.assert_allclose(log_mel_patches(audio)[1], patches, atol=1e-5)


def test_empty_audio_has_no_patches():
    assert list(log_mel_patch_batches(np.zeros(0, np.float32), 64)) == []
    assert log_mel_patches(np.zeros(0, np.float32))[1].shape == (0, PATCH_FRAMES, MEL_BANDS)


_MEL_GROWTH = """
import json, sys
import numpy as np
from mediarec.models.audio import log_mel_patch_batches

def hwm_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

block = np.zeros(600 * 16000, np.float32)  # one 10-minute audio block (pipeline.decoding), 38 MB
before = hwm_kib()
windows = sum(len(patches) for _, patches in log_mel_patch_batches(block, 64))
print(json.dumps({"windows": windows, "growth_kib": hwm_kib() - before}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_the_spectrogram_of_a_ten_minute_block_is_made_a_batch_at_a_time():
    run = subprocess.run([sys.executable, "-c", _MEL_GROWTH], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    measured = json.loads(run.stdout)
    assert measured["windows"] == 1249
    # The whole block's STFT at once took ~550 MB (complex128 spectra of 60,000 frames); one batch is ~25 MB.
    assert measured["growth_kib"] < 80 * 1024, measured


def _glibc() -> bool:
    confstr = getattr(os, "confstr", None)
    try:
        return confstr is not None and "glibc" in (confstr("CS_GNU_LIBC_VERSION") or "")
    except (ValueError, OSError):
        return False


@pytest.mark.skipif(not _glibc(), reason="glibc's mallopt")
def test_glibc_takes_the_arena_limit_of_an_index_run():
    from mediarec.pipeline.malloc_arenas import limit_malloc_arenas

    assert limit_malloc_arenas() is True

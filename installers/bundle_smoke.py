"""Run inside the frozen app (installers/build-linux.sh): both helper processes, started the frozen way.

    dist/mediarec/mediarec --frozen-python -c "$(cat installers/bundle_smoke.py)" WORK_FOLDER

Makes a few sample clips, indexes them through the indexing helper and searches them with the query models in the
model helper, as the desktop app does; each child is `mediarec --frozen-python -m MODULE`. Prints one JSON object.
"""

import json
import os
import sys
import time
from pathlib import Path

from mediarec.app import Library
from mediarec.app.indexing_process import IndexJobProcess
from mediarec.config import load_settings
from mediarec.media.sample_library import build_sample_library
from mediarec.models.helper_process import python_command

work = Path(sys.argv[1])
environment = {**os.environ, "MEDIAREC_PROFILE": "offline", "MEDIAREC_CONFIG": str(work / "config.toml")}
environment["MEDIAREC_CACHE_DIR"] = str(work / "cache")
settings = load_settings(data_dir=work / "data", environ=environment)
clips = build_sample_library(work / "media", with_speech=False)

started = time.monotonic()
job = IndexJobProcess(settings)
progress = job.run([str(work / "media")])
while True:
    try:
        next(progress)
    except StopIteration as stop:
        summary = stop.value
        break
index_seconds = time.monotonic() - started

library = Library(settings, models_in_helper=True)
try:
    started = time.monotonic()
    hits = library.search("a red circle")
    search_seconds = time.monotonic() - started
    helper_pid = library.query_models.helper.pid
finally:
    library.close()

report = {
    "frozen": bool(getattr(sys, "frozen", False)),
    "helper_command": python_command("-m", "mediarec.app.indexing_process"),
    "clips": len(clips),
    "indexed": len(summary.indexed),
    "failed": summary.failed,
    "index_seconds": round(index_seconds, 1),
    "model_helper_pid": helper_pid,
    "search_seconds": round(search_seconds, 1),
    "top_hits": [(Path(hit.item.path).name, round(hit.score, 3)) for hit in hits[:3]],
}
print(json.dumps(report, indent=1))
sys.exit(0 if report["frozen"] and report["indexed"] == len(clips) and hits else 1)

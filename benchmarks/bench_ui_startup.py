"""Cold start of the desktop app to a usable window (library grid filled, search box live) with 1,000 items.

Writes 1,000 synthetic items (metadata and real JPEG thumbnails, no vectors) into a real library database, then
starts a fresh Python process per run that opens the app on it, and measures from process start until the window
shows the library and the search box takes input. Also checks that no model (torch) was loaded by then.

    .venv/bin/python benchmarks/bench_ui_startup.py [--items 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 2.0


def build_library(data_dir: Path, items: int) -> None:
    import numpy as np

    from mediarec.index.records import ItemIndexResult
    from mediarec.index.store import LibraryStore
    from mediarec.media.thumbnails import save_thumbnail

    rng = np.random.default_rng(0)
    thumbnails = []
    for number in range(40):
        picture = np.zeros((90, 160, 3), dtype=np.uint8)
        picture[:] = rng.integers(40, 220, size=3, dtype=np.uint8)
        picture[25:65, 60:100] = rng.integers(0, 255, size=3, dtype=np.uint8)
        thumbnails.append(str(save_thumbnail(picture, data_dir / "thumbs" / f"{number}.jpg")))
    store = LibraryStore(data_dir / "library.sqlite3")
    now = time.time()
    for number in range(items):
        kind = "audio" if number % 5 == 0 else "video"
        item_id = store.add_item(f"/media/clip_{number:05d}.mp4", f"fingerprint-{number}", 1000 + number, now)
        metadata = {"kind": kind, "duration": float(30 + number % 600), "title": f"Clip number {number}"}
        store.write_index_result(
            item_id,
            ItemIndexResult(
                metadata=metadata, thumbnail=None if kind == "audio" else thumbnails[number % 40]
            ),
        )
    store.close()


def child(data_dir: str, started: float) -> None:
    """One cold start, in its own process; prints a JSON line with the timings."""
    # The same import order as `mediarec gui` (mediarec.cli -> mediarec.ui.main).
    from mediarec.ui.main import create_application  # isort: skip
    from PySide6.QtCore import QTimer

    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.ui.app_window import MainWindow
    from mediarec.ui.i18n import install_translators
    from mediarec.ui.player_backends import create_player_backend

    imported = time.time()
    application = create_application([sys.argv[0]])
    settings = load_settings(data_dir=data_dir)
    install_translators(application, settings.language)
    library = Library(settings, models_in_helper=True)  # as `mediarec gui` opens it
    backend, notice = create_player_backend(settings)
    window = MainWindow(library, settings, player_backend=backend, player_notice=notice)
    window.show()
    timings: dict[str, float] = {"imports": imported - started}

    def ready(count: int) -> None:
        application.processEvents()  # the grid paints its first screen of cards
        usable = window.search_box.isEnabled() and window.search_box.isVisible() and window.grid.isVisible()
        timings.update(
            ready=time.time() - started,
            rows=count,
            usable=usable,
            models_loaded="torch" in sys.modules or "ctranslate2" in sys.modules,
        )
        QTimer.singleShot(0, application.quit)

    window.library_loaded.connect(ready)
    window.start(welcome=False)
    application.exec()
    window.shutdown()
    library.close()
    print("RESULT " + json.dumps(timings), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--started", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.started)
        return 0
    with tempfile.TemporaryDirectory(prefix="mediarec-startup-") as folder:
        data_dir = Path(folder) / "data"
        build_library(data_dir, args.items)
        env = dict(os.environ)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        env["MEDIAREC_CONFIG"] = str(Path(folder) / "config.toml")
        results = []
        for _ in range(args.runs):
            started = time.time()
            output = subprocess.run(
                [sys.executable, __file__, "--child", str(data_dir), "--started", str(started)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            line = next(line for line in output.splitlines() if line.startswith("RESULT "))
            result = json.loads(line.removeprefix("RESULT "))
            result["wall"] = time.time() - started
            results.append(result)
    ready = [result["ready"] for result in results]
    print(f"cold start to a usable window, {args.items} items, {args.runs} runs ({env['QT_QPA_PLATFORM']}):")
    print(f"  ready: median {statistics.median(ready):.2f} s, min {min(ready):.2f} s, max {max(ready):.2f} s")
    print(f"  of which Python + imports: median {statistics.median(r['imports'] for r in results):.2f} s")
    print(f"  rows shown: {results[0]['rows']}; search box live: {all(r['usable'] for r in results)}")
    print(f"  models loaded at startup: {any(r['models_loaded'] for r in results)} (they load on first use)")
    verdict = "meets" if max(ready) < TARGET_SECONDS else "MISSES"
    print(f"  {verdict} the target of {TARGET_SECONDS:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

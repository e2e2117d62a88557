"""`mediarec eval`, `mediarec doctor` and `mediarec gui`: the commands that need the settings but no open library.

Each imports what it runs when it runs, so `mediarec --help` and the library commands do not pay for it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from mediarec.cli.output import print_json


def cmd_eval(settings, args) -> int:
    from mediarec.evaluation.runner import run_evaluation

    report = run_evaluation(
        settings, args.manifest, args.out, args.what, progress=lambda line: print(line, file=sys.stderr)
    )
    if args.json:
        print_json(report.results)
    else:
        print(report.markdown)
        print(f"Report: {report.markdown_path}  (JSON: {report.json_path})")
    return 0


def cmd_doctor(settings, args) -> int:
    from mediarec.cli.doctor import run_checks

    checks = run_checks(settings)
    if args.json:
        print_json([check.to_json() for check in checks])
    else:
        for check in checks:
            print(f"[{'ok' if check.ok else '--'}] {check.name}: {check.detail}")
    return 0


def cmd_gui(settings, args) -> int:
    try:
        from mediarec.ui.main import run_app
    except ImportError as error:
        raise SystemExit(
            f"error: the desktop app needs PySide6 ({error}). Install it: pip install 'mediarec[gui]'"
        ) from None
    return run_app(settings)


SETTINGS_COMMANDS: dict[str, Callable] = {"doctor": cmd_doctor, "gui": cmd_gui, "eval": cmd_eval}

"""`python -m mediarec`: the command line; with no arguments it opens the desktop app.

This is also the frozen app's entry point (installers/mediarec.spec). A frozen executable is mediarec, not a
Python, so a child that a Python would start as ``python -m MODULE`` or ``python -c CODE`` (the desktop's helper
processes, the GPU probe) is started as ``mediarec --frozen-python -m MODULE``: the hidden first argument
(models/helper_process.py, FROZEN_PYTHON_ARGUMENT) is taken here, before the command line is parsed.
"""

import runpy
import sys

from mediarec.models.helper_process import FROZEN_PYTHON_ARGUMENT


def run_as_python(arguments: list[str]) -> int:
    """Do what ``python -m MODULE ...`` or ``python -c CODE ...`` would, with this process's modules."""
    if len(arguments) >= 2 and arguments[0] == "-m":
        sys.argv = [arguments[1], *arguments[2:]]
        runpy.run_module(arguments[1], run_name="__main__", alter_sys=True)
        return 0
    if len(arguments) >= 2 and arguments[0] == "-c":
        sys.argv = ["-c", *arguments[2:]]
        exec(compile(arguments[1], "<string>", "exec"), {"__name__": "__main__"})
        return 0
    print(f"mediarec {FROZEN_PYTHON_ARGUMENT} takes -m MODULE or -c CODE, not {arguments!r}", file=sys.stderr)
    return 2


def main() -> int:
    if getattr(sys, "frozen", False):
        import multiprocessing

        multiprocessing.freeze_support()  # a library's worker process started from the bundle runs its task here
    if sys.argv[1:2] == [FROZEN_PYTHON_ARGUMENT]:
        return run_as_python(sys.argv[2:])
    from mediarec.cli import main as command_line

    return command_line()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Set up (first time only) and run the test suite. Extra arguments go to pytest (e.g. -m slow, -k search).
set -euo pipefail
cd "$(dirname "$0")/.."
installers/setup.sh dev
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
# The guards first (seconds each): lint, format, the layers contract, types of the core.
.venv/bin/ruff check mediarec tests benchmarks
.venv/bin/ruff format --check mediarec tests benchmarks
.venv/bin/lint-imports
.venv/bin/mypy
exec .venv/bin/python -m pytest --strict-markers "$@"

#!/usr/bin/env bash
# Set up (first time only) and open the mediarec desktop app. Extra arguments go to `mediarec`.
set -euo pipefail
cd "$(dirname "$0")/.."
installers/setup.sh gui,offline
exec .venv/bin/mediarec "$@"

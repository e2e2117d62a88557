#!/usr/bin/env bash
# Build the Linux one-folder app with PyInstaller (installers/mediarec.spec) and start it headless: --version,
# doctor, both helper processes started the frozen way (installers/bundle_smoke.py), and the window under Xvfb
# with a screenshot. Prints the bundle's size; exits non-zero when any step fails.
#
# Usage: installers/build-linux.sh [--no-setup] [--no-build]
#   --no-setup  skip installers/setup.sh (the venv already has the gui, offline and build extras)
#   --no-build  start the dist/mediarec already built (to repeat the checks)
#   --snapshot  build the committed HEAD (git archive), not the working tree: for a checkout others are editing
# Output: dist/mediarec/ (the app: run dist/mediarec/mediarec), build/linux-smoke/ (its data, logs, screenshot).
set -euo pipefail
cd "$(dirname "$0")/.."
setup=1 build=1 snapshot=0
for option in "$@"; do
  case "$option" in
    --no-setup) setup=0 ;;
    --no-build) build=0 ;;
    --snapshot) snapshot=1 ;;
    *) echo "unknown option $option (see the usage at the top of $0)" >&2; exit 2 ;;
  esac
done
[ "$setup" = 0 ] || installers/setup.sh gui,offline,build
python=.venv/bin/python
app=dist/mediarec/mediarec
smoke=build/linux-smoke

step() { printf '\n== %s\n' "$*"; }

if [ "$build" = 1 ]; then
  step "PyInstaller"
  started=$(date +%s)
  source=.
  if [ "$snapshot" = 1 ]; then
    source=build/source
    rm -rf "$source"
    mkdir -p "$source"
    git archive HEAD | tar -x -C "$source"
    echo "building the committed $(git rev-parse --short HEAD), not the working tree"
  fi
  # The spec takes mediarec from the folder above it ($source), ahead of whatever the venv has installed.
  "$python" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
    "$source/installers/mediarec.spec"
  echo "built in $(( $(date +%s) - started )) s"
fi
echo "bundle: $(du -sh dist/mediarec | cut -f1) in $(find dist/mediarec -type f | wc -l) files; the largest parts:"
du -sh dist/mediarec/_internal/* | sort -h | tail -6

rm -rf "$smoke"
mkdir -p "$smoke"
# A library of its own, on the offline profile (no download): nothing of the user's is read or written.
export MEDIAREC_DATA_DIR="$PWD/$smoke/helpers/data" MEDIAREC_CONFIG="$PWD/$smoke/helpers/config.toml"
export MEDIAREC_CACHE_DIR="$PWD/$smoke/helpers/cache" MEDIAREC_PROFILE=offline

step "$app --version"
"$app" --version

step "$app doctor"
"$app" doctor

step "helper processes in the bundle (indexing, then a search with the query models in their helper)"
"$app" --frozen-python -c "$(cat installers/bundle_smoke.py)" "$PWD/$smoke/helpers"

step "the window under Xvfb"
# The library the helpers just filled, so the window shows items and warms its query helper up.
QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  set -euo pipefail
  "$1" gui > "$2/gui.log" 2>&1 &
  gui=$!
  sleep "${MEDIAREC_GUI_WAIT:-30}"
  kill -0 "$gui" || { echo "the window process ended early:"; tail -30 "$2/gui.log"; exit 1; }
  "$3" -c "
import sys
from PIL import ImageGrab
shot = ImageGrab.grab(xdisplay=\"\")
shot.save(sys.argv[1])
colours = len(shot.getcolors(1 << 24) or [])
print(f\"screenshot {sys.argv[1]}: {shot.size[0]}x{shot.size[1]}, {colours} colours\")
sys.exit(0 if colours > 50 else 1)  # an empty screen has one
" "$2/window.png"
  echo "processes of the bundle while the window is open:"
  # [m]ediarec: a pattern that does not match this script'"'"'s own command line
  pgrep -a -f "dist/[m]ediarec/mediarec" | cut -c1-160 || true
  kill -TERM "$gui"
  wait "$gui" || true
  sleep 2
  if pgrep -f "dist/[m]ediarec/mediarec --frozen-python" >/dev/null; then echo "helpers outlived the window"; exit 1; fi
  echo "window closed; no helper left running"
' _ "$app" "$PWD/$smoke" "$python"
tail -5 "$smoke/gui.log" || true
step "done: dist/mediarec ($(du -sh dist/mediarec | cut -f1)); screenshot $smoke/window.png"

#!/usr/bin/env bash
# Set up mediarec in ./.venv on a fresh machine: system packages (Debian/Ubuntu), then Python packages.
# Usage: installers/setup.sh [EXTRAS]   (EXTRAS defaults to "gui,offline"; the tests use "dev")
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-gui,offline}"
python="${PYTHON:-python3}"

# System packages: libVLC for the player, espeak-ng for the sample library's narration, Xvfb and the X/GL
# libraries Qt needs, CJK fonts so the Chinese interface renders.
debian_packages=(espeak-ng libvlc5 vlc-plugin-base vlc-plugin-video-output xvfb xauth libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4
  libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libegl1 libgl1
  libfontconfig1 libdbus-1-3 fonts-noto-cjk)
# Only for the tests (the dev extra): strace for tests/test_no_network.py (no network access on the offline
# profile), real named photos (public domain, CC) for tests/test_image_labels.py, the validators of the Linux
# launcher and metainfo for tests/test_installers.py.
if [[ ",${extras}," == *",dev,"* ]]; then
  debian_packages+=(strace gcompris-qt-data appstream desktop-file-utils)
fi
if command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then
  missing=()
  for package in "${debian_packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "Installing system packages: ${missing[*]}"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
else
  echo "Not a Debian/Ubuntu system: install VLC and espeak-ng yourself for the player and the sample narration."
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
pip=(.venv/bin/python -m pip install -q --disable-pip-version-check)
# torch and torchvision must come as a matching pair; these releases are the tested ones.
if [ "$(uname -s)" = "Linux" ] && [ "$(uname -m)" = "x86_64" ]; then
  .venv/bin/python -c "import torch, torchvision" >/dev/null 2>&1 || "${pip[@]}" torch==2.14.1 torchvision==0.29.1
fi
"${pip[@]}" -e ".[${extras}]"

"""The installers: the frozen app's way of starting helpers, the Linux launcher and metadata, the icons, and (slow)
the Linux bundle built and started headless."""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_command

from mediarec.cli import build_parser
from mediarec.config import load_settings, settings_to_json
from mediarec.models import helper_process
from mediarec.models.helper_process import FROZEN_PYTHON_ARGUMENT, python_command

ROOT = Path(__file__).resolve().parent.parent
LINUX = ROOT / "installers" / "linux"
APP_ID = "org.mediarec.MediaRec"
DESKTOP_FILE = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
ICONS = ROOT / "resources" / "icons"
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


# -- helpers in a frozen app -------------------------------------------------------------------------------------


def test_a_python_install_starts_helpers_as_python_dash_m():
    assert python_command("-m", "mediarec.models.model_process") == [
        sys.executable,
        "-m",
        "mediarec.models.model_process",
    ]


def test_a_frozen_app_starts_helpers_through_its_own_console_executable(monkeypatch, tmp_path):
    windowed, console = tmp_path / "mediarecw.exe", tmp_path / "mediarec.exe"
    windowed.touch()
    console.touch()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(windowed))

    assert python_command("-m", "mediarec.app.indexing_process") == [
        str(console),
        FROZEN_PYTHON_ARGUMENT,
        "-m",
        "mediarec.app.indexing_process",
    ]
    # The bundle imports only from its archive: no source folder is put on the child's path.
    monkeypatch.delenv("PYTHONPATH", raising=False)
    assert "PYTHONPATH" not in helper_process._child_environment()


def test_the_hidden_argument_runs_a_helper_main_over_its_pipes(tmp_path, offline_env):
    """`mediarec --frozen-python -m MODULE` (what the bundle runs) answers the helper protocol like `python -m`."""
    settings = load_settings(data_dir=tmp_path / "data", environ=offline_env)
    hello = {"settings": settings_to_json(settings), "idle_exit_seconds": 30}
    request = {"op": "load", "roles": [], "only_ready": True}
    command = [
        sys.executable,
        "-m",
        "mediarec",
        FROZEN_PYTHON_ARGUMENT,
        "-m",
        "mediarec.models.model_process",
    ]
    result = subprocess.run(
        command,
        input=json.dumps(hello) + "\n" + json.dumps(request) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=helper_process._child_environment(),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"loaded": []}


def test_the_hidden_argument_without_a_module_or_code_is_refused_with_a_message():
    result = subprocess.run(
        [sys.executable, "-m", "mediarec", FROZEN_PYTHON_ARGUMENT, "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "takes -m MODULE or -c CODE" in result.stderr and "Traceback" not in result.stderr


# -- Linux launcher, metadata and icons ------------------------------------------------------------------------------


def _validator(name: str) -> str:
    require_command(name)
    return name


def test_the_desktop_file_passes_desktop_file_validate():
    result = subprocess.run(
        [_validator("desktop-file-validate"), str(DESKTOP_FILE)], capture_output=True, text=True
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_the_metainfo_passes_appstreamcli_validate():
    result = subprocess.run(
        [_validator("appstreamcli"), "validate", "--no-net", str(METAINFO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_launcher_opens_the_window_with_a_real_command_and_the_installed_icon():
    entry = configparser.ConfigParser(interpolation=None, strict=False)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(DESKTOP_FILE, encoding="utf-8")
    desktop = entry["Desktop Entry"]
    program, *arguments = desktop["Exec"].split()
    assert program == "mediarec"
    assert build_parser().parse_args(arguments).command == "gui"
    assert desktop["Icon"] == APP_ID
    assert f'<launchable type="desktop-id">{DESKTOP_FILE.name}</launchable>' in METAINFO.read_text("utf-8")


def test_install_sh_puts_the_launcher_icons_and_metainfo_under_the_prefix_and_removes_them(tmp_path):
    bundle, prefix = tmp_path / "bundle", tmp_path / "prefix"
    bundle.mkdir()
    (bundle / "mediarec").write_text("#!/bin/sh\necho mediarec from the bundle\n")
    (bundle / "mediarec").chmod(0o755)
    environment = {**os.environ, "PREFIX": str(prefix)}
    script = str(LINUX / "install.sh")
    subprocess.run(["bash", script, str(bundle)], env=environment, check=True, capture_output=True)

    launcher = prefix / "share" / "applications" / DESKTOP_FILE.name
    assert f"Exec={prefix}/bin/mediarec gui" in launcher.read_text("utf-8")
    validate = subprocess.run(
        [_validator("desktop-file-validate"), str(launcher)], capture_output=True, text=True
    )
    assert validate.returncode == 0, validate.stdout
    ran = subprocess.run([str(prefix / "bin" / "mediarec")], capture_output=True, text=True, check=True)
    assert ran.stdout == "mediarec from the bundle\n"
    icons = prefix / "share" / "icons" / "hicolor"
    assert all((icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file() for size in PNG_SIZES)
    assert (prefix / "share" / "metainfo" / METAINFO.name).is_file()

    subprocess.run(["bash", script, "--uninstall"], env=environment, check=True, capture_output=True)
    assert not launcher.exists() and not (prefix / "lib" / "mediarec").exists()
    assert not list(icons.glob(f"*/apps/{APP_ID}.*"))


def test_every_icon_size_is_there_at_its_size_with_a_transparent_background():
    from PIL import Image

    assert (ICONS / "mediarec.svg").read_text("utf-8").count("<svg") == 1
    for size in PNG_SIZES:
        with Image.open(ICONS / "png" / f"mediarec-{size}.png") as image:
            assert image.size == (size, size) and image.mode == "RGBA"
            assert image.getextrema()[3] == (0, 255)  # transparent corners, an opaque tile
    with Image.open(ICONS / "mediarec.ico") as ico:
        assert (256, 256) in ico.info["sizes"] and (16, 16) in ico.info["sizes"]


# -- the Linux bundle ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_linux_bundle_builds_and_starts_headless():
    """installers/build-linux.sh: PyInstaller, then --version, doctor, both helpers and the window under Xvfb
    (about 15 minutes on 2 cores; the bundle is several GB with CUDA torch)."""
    require_command("xvfb-run")
    result = subprocess.run(
        ["bash", str(ROOT / "installers" / "build-linux.sh"), "--no-setup"],
        capture_output=True,
        text=True,
        timeout=3600,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "no helper left running" in result.stdout

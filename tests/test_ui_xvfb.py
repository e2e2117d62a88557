"""The real app on an X server (Xvfb): the run commands open a window, and a driver searches, plays (libVLC drawing
into the window) and saves screenshots to tests/_artifacts/ for a person to look at."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import IN_CI, require_command
from ui_helpers import indexed_sample_library, private_copy

pytest.importorskip("PySide6")

pytestmark = [pytest.mark.xvfb, pytest.mark.gui]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
SCREENSHOTS = (
    "library",
    "search_grouped",
    "search",
    "player",
    "player_fullscreen_controls",
    "player_fullscreen",
    "for_you",
    "welcome",
    "settings",
)


@pytest.fixture(scope="module")
def display():
    """A private X server; its display number comes back through -displayfd, so parallel runs never collide."""
    require_command("Xvfb")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.kill()
        pytest.fail("Xvfb did not start")
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def _x_environment(display: str, extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    env.update({"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"})
    return env


def _window_names(display: str) -> str:
    result = subprocess.run(
        ["xwininfo", "-root", "-tree"], env={**os.environ, "DISPLAY": display}, capture_output=True, text=True
    )
    return result.stdout


@pytest.mark.parametrize("arguments", [[], ["gui"]], ids=["no-command", "gui"])
def test_run_command_opens_the_window(display, tmp_path, offline_env, arguments):
    require_command("xwininfo")
    env = _x_environment(display, {**offline_env, "MEDIAREC_CONFIG": str(tmp_path / "config.toml")})
    app = subprocess.Popen(
        [sys.executable, "-m", "mediarec", "--data-dir", str(tmp_path / "data"), *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while '"mediarec"' not in _window_names(display):
            assert app.poll() is None, f"the app exited early:\n{app.stdout.read()}"
            assert time.monotonic() < deadline, "no window named mediarec appeared"
            time.sleep(0.3)
        # The first run greets with the welcome dialog.
        deadline = time.monotonic() + 10
        while '"Welcome to mediarec"' not in _window_names(display):
            assert time.monotonic() < deadline, "the first run shows no welcome"
            time.sleep(0.3)
        app.send_signal(signal.SIGTERM)
        assert app.wait(timeout=20) == 0, app.stdout.read()
    finally:
        if app.poll() is None:
            app.kill()
        with contextlib.suppress(Exception):
            app.stdout.close()


def _vlc_draws_into_windows() -> bool:
    """Debian splits libVLC's X11 video outputs into vlc-plugin-video-output."""
    return (
        bool(glob.glob("/usr/lib/*/vlc/plugins/video_output/libxcb_x11_plugin.so")) or sys.platform != "linux"
    )


def test_screenshots_of_library_search_and_player(display, tmp_path_factory, offline_env):
    sample = indexed_sample_library(tmp_path_factory, offline_env)
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    _drive_the_window(display, sample, offline_env, [], timeout=180)
    for name in SCREENSHOTS:
        picture = ARTIFACTS / f"{name}.png"
        assert picture.is_file() and picture.stat().st_size > 5000, f"{name}.png is missing or blank"
    facts = json.loads((ARTIFACTS / "facts.json").read_text(encoding="utf-8"))
    assert facts["library_rows"] == len(sample.clips)
    assert facts["search_results"] >= 1
    assert facts["player_title"] == "blue square speech"
    # The highlighted line is the one of the sentence the search landed on.
    assert facts["transcript_row"] == facts["moment_row"] >= 0
    assert facts["for_you"], "the shelf is empty"
    assert facts["finished_from_shelf"], "the clip opened from the shelf did not play to its end"
    assert facts["fullscreen_controls_hidden"] and facts["fullscreen_pointer_blank"], (
        "full screen hid nothing"
    )
    assert facts["fullscreen_move_shows_controls"], "a pointer move over the video did not show the controls"
    assert facts["fullscreen_left_with_everything_shown"]
    if facts["opened_from_shelf"] == "red circle":
        reasons = dict(facts["for_you"])
        assert "red circle" not in reasons, "a clip watched to its end is suggested again"
        assert "red circle" in reasons.get("red circle 2", ""), reasons  # watched it, or its tags
    if _vlc_draws_into_windows():
        red, green, blue = (int(facts["video_centre"][i : i + 2], 16) for i in (1, 3, 5))
        assert blue > 150 and red < 120 and green < 120, (
            f"libVLC drew no blue square: {facts['video_centre']}"
        )
    elif IN_CI:
        pytest.fail("install vlc-plugin-video-output: libVLC cannot draw into the window without it")


def test_screenshot_of_the_for_you_shelf_in_chinese(display, tmp_path_factory, offline_env):
    """The shelf with the interface in Chinese: its reasons (no spaces to break at) wrap inside the cards. On a copy
    with no history, so the clip watched first is "red circle" and "red circle 2" says why at length."""
    sample = private_copy(
        indexed_sample_library(tmp_path_factory, offline_env), tmp_path_factory, offline_env
    )
    ARTIFACTS.mkdir(exist_ok=True)
    _drive_the_window(display, sample, offline_env, ["--language", "zh_CN", "--shelf-only"], timeout=120)
    picture = ARTIFACTS / "for_you_zh_CN.png"
    assert picture.is_file() and picture.stat().st_size > 5000, "for_you_zh_CN.png is missing or blank"
    facts = json.loads((ARTIFACTS / "facts_zh_CN.json").read_text(encoding="utf-8"))
    assert facts["opened_from_shelf"] == "red circle" and facts["finished_from_shelf"]
    reasons = [reason for _, reason in facts["for_you"]]
    assert dict(facts["for_you"])["red circle 2"].startswith("因为你看过《red circle》；你喜欢："), reasons
    assert reasons and all(reason and not reason.isascii() for reason in reasons), reasons  # in Chinese
    shape_tags = re.compile(r"你喜欢：.*\b(red|green|blue|yellow|circle|square|triangle)\b")
    assert not any(shape_tags.search(reason) for reason in reasons), f"tags not in Chinese: {reasons}"


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshots_of_the_player_settings_and_the_offline_welcome(
    display, tmp_path, tmp_path_factory, offline_env, language
):
    """The player on audio with speech (the transcript is the main pane) and on a video without speech (the picture
    alone), the Settings, and the product profile without a network (the welcome's ways out, the files listed before
    any model), in English and in Chinese. The hub cannot be reached: HF_HUB_OFFLINE=1 and a closed local port."""
    sample = private_copy(
        indexed_sample_library(tmp_path_factory, offline_env), tmp_path_factory, offline_env
    )
    ARTIFACTS.mkdir(exist_ok=True)
    no_network = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}
    _drive_the_window(
        display,
        sample,
        {**offline_env, **no_network},
        ["--language", language, "--views", "--scratch", str(tmp_path)],
        timeout=300,
    )
    names = ["player_audio", "player_video_no_speech", "settings", "welcome_offline", "library_not_indexed"]
    for name in names:
        picture = ARTIFACTS / f"{name}_{language}.png"
        assert picture.is_file() and picture.stat().st_size > 5000, f"{picture.name} is missing or blank"
    facts = json.loads((ARTIFACTS / f"facts_views_{language}.json").read_text(encoding="utf-8"))
    assert facts["audio_layout"] == "list+art" and facts["video_layout"] == "screen"
    assert facts["profile"] == "default" and facts["listed"] >= 8
    spoken = "英语" if language == "zh_CN" else "English"
    assert spoken in facts["audio_details"].values(), facts["audio_details"]
    for text in facts["settings_placeholders"]:
        assert "package:" not in text and "/" not in text, text
    assert not any("NVIDIA" in device or "CUDA" in device for device in facts["settings_devices"])
    for message in (facts["welcome_message"], facts["window_message"]):
        assert "--profile" not in message and "Could not download" not in message
        if language == "zh_CN":
            assert not any("a" <= character.lower() <= "z" for character in message), message


def _drive_the_window(display, sample, offline_env, arguments: list[str], timeout: int) -> None:
    """Run tests/ui_screenshot_driver.py on ``sample``'s library under the X server; it saves into ARTIFACTS."""
    env = _x_environment(
        display,
        {**offline_env, "MEDIAREC_CONFIG": str(sample.settings.config_path), "MEDIAREC_PROFILE": "offline"},
    )
    driver = [sys.executable, str(ROOT / "tests" / "ui_screenshot_driver.py")]
    result = subprocess.run(
        [*driver, "--data-dir", str(sample.settings.data_dir), "--out", str(ARTIFACTS), *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-4000:]

""" "Nothing leaves your machine" (README), checked: the offline profile's commands run under strace and must open
no internet socket and ask no name server.

Every command runs in a fresh process under ``strace -f`` (all threads and children: onnxruntime's telemetry ran in
threads of its own), with none of the variables that would turn telemetry or the hubs off set from outside, so the
product has to do it itself (mediarec/models/offline.py). An offence is any AF_INET or AF_INET6 socket, any
packet to port 53, a question to systemd-resolved, or onnxruntime opening its telemetry store
(~/.cache/Microsoft/DeveloperTools: opened at import, before its uploader resolves mobile.events.data.microsoft.com
some 9 s later; a quick command exits before that, so the store is what shows the telemetry running). AF_UNIX
connects to nscd are not offences: glibc asks it for user names too (getpwuid).

Skips when strace is missing or ptrace is not permitted (a container without CAP_SYS_PTRACE), except in CI (the CI
variable set), where it fails: installers/setup.sh installs strace.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Variables that would hide a regression: the product must set them itself (tests/conftest.py sets two of them).
SWITCHES = (
    "HF_HUB_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HF_HUB_DISABLE_TELEMETRY",
    "DISABLE_TELEMETRY",
    "DO_NOT_TRACK",
    "ORT_DISABLE_TELEMETRY",
    "MEDIAREC_SET_HUB_OFFLINE",
)
OFFENCES = (
    re.compile(r"\bsocket\(AF_INET6?\b"),
    re.compile(r"sa_family=AF_INET6?\b"),
    re.compile(r"htons\(53\)"),
    re.compile(r"/run/systemd/resolve/"),
    re.compile(r"Microsoft/DeveloperTools"),
)


def _cannot(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _strace() -> str:
    strace = shutil.which("strace")
    if sys.platform != "linux" or strace is None:
        _cannot("strace is not installed (installers/setup.sh installs it)")
    assert strace is not None
    probe = subprocess.run([strace, "-f", "-o", os.devnull, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        _cannot(f"strace cannot trace here (ptrace not permitted?): {probe.stderr.strip()}")
    return strace


def offences(log: str) -> list[str]:
    """The lines of an strace log that reach (or ask about) the network."""
    return [line for line in log.splitlines() if any(pattern.search(line) for pattern in OFFENCES)]


@pytest.fixture(scope="module")
def tiny_library(tmp_path_factory) -> Path:
    from mediarec.media.samples import (
        ShapeShot,
        espeak_available,
        synthesize_speech,
        tone,
        write_audio,
        write_shapes_video,
    )

    folder = tmp_path_factory.mktemp("no_network") / "media"
    folder.mkdir()
    write_shapes_video(folder / "red_circle.mp4", [ShapeShot("circle", "red", 2.0)])
    write_audio(folder / "beep.ogg", tone(2.0, frequency=1000.0), tags={"title": "Test tone"})
    if (
        espeak_available()
    ):  # speech loads the transcriber and its VAD (an onnxruntime session of faster-whisper's)
        write_audio(folder / "beach.m4a", synthesize_speech("My dog loves running on the beach."))
    return folder


def test_offline_commands_reach_no_network(tiny_library, tmp_path):
    strace = _strace()
    env = {name: value for name, value in os.environ.items() if name not in SWITCHES}
    env.update(
        MEDIAREC_DATA_DIR=str(tmp_path / "data"),
        MEDIAREC_CACHE_DIR=str(tmp_path / "cache"),
        MEDIAREC_CONFIG=str(tmp_path / "config.toml"),
        HOME=str(tmp_path / "home"),  # a telemetry store from an earlier run elsewhere does not count
    )
    (tmp_path / "home").mkdir()
    video = tiny_library / "red_circle.mp4"
    commands = {
        "index": ["index", str(tiny_library), "--no-progress"],
        "search": ["search", "a red circle"],
        "similar": ["similar", str(video)],
        "show": ["show", str(video)],
        "doctor": ["doctor"],
    }
    found: dict[str, list[str]] = {}
    for name, args in commands.items():
        log = tmp_path / f"{name}.strace"
        done = subprocess.run(
            [strace, "-f", "-qq", "-e", "trace=network,openat", "-e", "signal=none", "-o", str(log)]
            + [sys.executable, "-m", "mediarec", "--profile", "offline", *args],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"mediarec {name} failed:\n{done.stdout}\n{done.stderr}"
        lines = offences(log.read_text(errors="replace"))
        if lines:
            found[name] = lines
    if found:
        report = "\n".join(
            f"mediarec --profile offline {name}:\n  " + "\n  ".join(lines) for name, lines in found.items()
        )
        print(report)
        pytest.fail(f"network access on the offline profile:\n{report}")


def test_hub_clients_go_offline_only_when_nothing_needs_downloading(tmp_path, monkeypatch):
    import huggingface_hub.constants as hub

    from mediarec.config import load_settings
    from mediarec.models.offline import keep_offline

    for name in ("HF_HUB_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):  # restored after the test
        monkeypatch.setattr(hub, name, getattr(hub, name))
    env = {name: value for name, value in os.environ.items() if name not in SWITCHES}
    env["MEDIAREC_CACHE_DIR"] = str(tmp_path / "empty-cache")
    monkeypatch.setattr(os, "environ", env)

    def settings(profile: str):
        return load_settings(
            data_dir=str(tmp_path / "data"), config_path=str(tmp_path / "c.toml"), profile=profile
        )

    assert keep_offline(settings("offline"))  # every model ships in a package or in resources/
    assert env["HF_HUB_OFFLINE"] == env["TRANSFORMERS_OFFLINE"] == env["ORT_DISABLE_TELEMETRY"] == "1"
    # A child on the default profile with nothing downloaded yet (the welcome dialog's download) takes back what
    # mediarec set, so the first-use download works; telemetry stays off.
    assert not keep_offline(settings("default"))
    assert "HF_HUB_OFFLINE" not in env and "TRANSFORMERS_OFFLINE" not in env and not hub.HF_HUB_OFFLINE
    assert env["HF_HUB_DISABLE_TELEMETRY"] == env["ORT_DISABLE_TELEMETRY"] == "1"
    # The user's own HF_HUB_OFFLINE is never taken back.
    env["HF_HUB_OFFLINE"] = "1"
    assert keep_offline(settings("default")) and env["HF_HUB_OFFLINE"] == "1"


def test_offences_are_recognised():
    """The patterns catch what onnxruntime 1.32's telemetry did (lines from a real strace log) and nothing local."""
    log = "\n".join(
        [
            "2093 socket(AF_INET6, SOCK_DGRAM, IPPROTO_IP) = 13",
            '2094 connect(14, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0',
            '2097 openat(AT_FDCWD, "/root/.cache/Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db", O_RDWR) = 7',
            '2073 connect(11, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT',
            "2073 socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0, [5, 6]) = 0",
            '2073 openat(AT_FDCWD, "/work/.venv/lib/python3.11/site-packages/onnxruntime/__init__.py", O_RDONLY) = 3',
        ]
    )
    assert [line.split()[0] for line in offences(log)] == ["2093", "2094", "2097"]

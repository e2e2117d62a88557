"""Bad input on the command line or in the config gets one line and exit code 2; nothing reaches the user as a
traceback; a closed pipe ends the output quietly."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import run_cli


@pytest.fixture
def env(offline_env, tmp_path):
    return dict(offline_env, MEDIAREC_DATA_DIR=str(tmp_path / "data"))


@pytest.mark.parametrize(
    "args",
    [
        ["watch", "x.mp4", "--seconds", "-5"],
        ["watch", "x.mp4", "--seconds", "inf"],
        ["watch", "x.mp4", "--seconds", "nan"],
        ["watch", "x.mp4", "--seconds", "1", "--start", "-1"],
        ["search", "dog", "--limit", "-5"],
        ["search", "dog", "--limit", "0"],
        ["similar", "x.mp4", "--limit", "many"],
        ["recommend", "--diversity", "2"],
        ["recommend", "--diversity", "nan"],
        ["tag", "suggest", "beach", "--limit", "0"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, env, capsys):
    with pytest.raises(SystemExit) as stop:
        run_cli(args, env, capsys)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("usage:") is False  # the last line says what is wrong


def test_a_missing_queries_file_is_a_usage_error(env, tmp_path, capsys):
    code, _, err = run_cli(["search", "--queries", str(tmp_path / "missing.txt")], env, capsys)
    assert code == 2 and "cannot read" in err and "missing.txt" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "config_text, expected",
    [
        (b'models = "x"\n', "models must be tables per role"),
        (b"\xff\xfe not utf-8 \x80\n", "not UTF-8"),
        (b"[index]\nseconds_per_keyframe = 0\n", "seconds_per_keyframe must be a number of at least"),
        (b'[index]\nmax_keyframes = "many"\n', "max_keyframes must be a whole number"),
        (b'device = "tpu"\n', "device is one of"),
        (b"[index\n", "not valid TOML"),
    ],
)
def test_bad_config_values_exit_2_with_one_line(config_text, expected, env, tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_bytes(config_text)
    code, _, err = run_cli(["--config", str(config), "recommend"], env, capsys)
    assert code == 2
    assert expected in err and str(config) in err
    assert len(err.strip().splitlines()) == 1


def test_closed_pipe_ends_quietly(env):
    # `mediarec --help`-sized output is too small to fill a pipe; doctor --json into a closed reader is enough
    # when the reader is closed before the first write.
    reader = subprocess.Popen(
        [sys.executable, "-m", "mediarec", "failed"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    reader.stdout.close()  # the reader has gone before mediarec writes
    _, err = reader.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipe" not in err
    assert reader.returncode in (0, 141)

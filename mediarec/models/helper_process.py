"""Helper processes: heavy model work (indexing, encoding search queries) in a child Python process.

Why a process and not a thread: importing torch, building a model and much of CTranslate2's and transformers' set-up
hold the GIL for hundreds of milliseconds at a time, and a thread doing that freezes the desktop app's event loop
(measured by benchmarks/bench_ui_latency.py). A child process holds its own GIL; the app only reads lines from a
pipe. A crash in a native decoder or an out-of-memory kill then ends the helper, not the window, and the library
stays consistent because the indexer commits one transaction per file.

The protocol is JSON, one message per line, both ways. The child's real stdout is kept for the protocol and file
descriptor 1 is pointed at stderr, so that a library printing to stdout cannot corrupt the stream. Arrays travel as
base64 float32 with their shape.

A child starts as ``python -m MODULE``. A frozen app (the PyInstaller bundle, installers/mediarec.spec) has no
interpreter that takes ``-m``: its executable is mediarec itself, so there the child is the same executable with
the hidden first argument FROZEN_PYTHON_ARGUMENT, which mediarec/__main__.py turns back into ``-m MODULE``.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from mediarec.config import Settings, settings_from_json
from mediarec.errors import MediarecError
from mediarec.models.offline import keep_offline

STDERR_TAIL_LINES = 20
CLOSE_GRACE_SECONDS = 5.0
# The first argument that makes a frozen mediarec act as `python -m MODULE` / `python -c CODE` (never shown in
# --help: mediarec/__main__.py takes it before the command line is parsed).
FROZEN_PYTHON_ARGUMENT = "--frozen-python"


class HelperProcessError(MediarecError):
    """The helper process died or broke the protocol; the message says how and shows its last stderr lines."""


# -- arrays in JSON ------------------------------------------------------------------------------------------


def array_to_json(array: np.ndarray) -> dict[str, Any]:
    contiguous = np.ascontiguousarray(array, dtype=np.float32)
    return {"shape": list(contiguous.shape), "data": base64.b64encode(contiguous.tobytes()).decode("ascii")}


def array_from_json(message: dict[str, Any]) -> np.ndarray:
    flat = np.frombuffer(base64.b64decode(message["data"]), dtype=np.float32)
    return flat.reshape(message["shape"]).copy()  # writable, and not tied to the decoded bytes


# -- the parent's side ---------------------------------------------------------------------------------------


class HelperProcess:
    """A child ``python -m MODULE`` that answers JSON lines. Not thread-safe: callers hold their own lock."""

    def __init__(self, module: str, description: str):
        self.module = module
        self.description = description
        self._process: subprocess.Popen[str] | None = None
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self._stderr_thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self, hello: dict[str, Any]) -> None:
        """Start the child and send it its first message (settings and the job)."""
        self._stderr_tail.clear()
        self._process = start_child(self.module)
        self._stderr_thread = threading.Thread(
            target=self._drain_stderr, args=(self._process.stderr,), name=f"{self.module} stderr", daemon=True
        )
        self._stderr_thread.start()
        self.send(hello)

    def send(self, message: dict[str, Any]) -> None:
        process = self._require_running()
        try:
            stdin = _pipe(process.stdin)
            stdin.write(json.dumps(message) + "\n")
            stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self._died() from None

    def receive(self) -> dict[str, Any]:
        """The next message; raises HelperProcessError if the child ended instead."""
        process = self._require_running(allow_exited=True)
        line = _pipe(process.stdout).readline()  # blocks without the GIL
        if not line:
            raise self._died()
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            raise HelperProcessError(
                f"The {self.description} wrote something that is not a message: {line[:200]!r}"
            ) from None

    def close(self, grace_seconds: float = CLOSE_GRACE_SECONDS) -> None:
        """Ask the child to finish (its stdin ends), then kill it if it has not after ``grace_seconds``."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):  # already closed by a crash
            _pipe(process.stdin).close()
        try:
            process.wait(grace_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _pipe(process.stdout).close()
        if self._stderr_thread is not None:
            self._stderr_thread.join(1.0)

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()

    def _require_running(self, allow_exited: bool = False) -> subprocess.Popen[str]:
        if self._process is None:
            raise HelperProcessError(f"The {self.description} is not running.")
        if not allow_exited and self._process.poll() is not None:
            raise self._died()
        return self._process

    def _died(self) -> HelperProcessError:
        process = self._process
        code = process.wait() if process is not None else None
        if self._stderr_thread is not None:
            self._stderr_thread.join(1.0)  # the last lines usually say why
        tail = "\n".join(self._stderr_tail)
        how = _describe_exit(code)
        message = f"The {self.description} stopped unexpectedly ({how})."
        return HelperProcessError(message + (f" Its last messages:\n{tail}" if tail else ""))

    def _drain_stderr(self, stream: IO[str]) -> None:
        # Forwarded to our stderr (a user running from a terminal sees the warnings) and kept for error messages.
        for line in stream:
            self._stderr_tail.append(line.rstrip())
            sys.stderr.write(line)
        stream.close()


def start_child(module: str) -> subprocess.Popen[str]:
    """``module``'s main in a child process, its stdin, stdout and stderr piped as text lines."""
    return subprocess.Popen(
        python_command("-m", module),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_child_environment(),
        text=True,
        encoding="utf-8",
        bufsize=1,
        # Windows opens a console window for a console program started from a windowed one; a helper needs none.
        creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
    )


def running_frozen() -> bool:
    """True in the PyInstaller bundle, where sys.executable is mediarec itself, not a Python."""
    return bool(getattr(sys, "frozen", False))


def python_command(*arguments: str) -> list[str]:
    """The command line of ``python ARGUMENTS`` (``-m MODULE`` or ``-c CODE``) with this process's Python; in the
    frozen app, its own executable with FROZEN_PYTHON_ARGUMENT first."""
    if running_frozen():
        return [str(_frozen_console_executable()), FROZEN_PYTHON_ARGUMENT, *arguments]
    return [sys.executable, *arguments]


def _frozen_console_executable() -> Path:
    """The bundle's console executable. On Windows the Start menu runs mediarecw.exe, which has no console and so
    no standard streams for the protocol; its children are the console mediarec.exe beside it."""
    executable = Path(sys.executable)
    console = executable.with_name(executable.name.replace("mediarecw", "mediarec", 1))
    return console if console.exists() else executable


def _pipe(stream: IO[str] | None) -> IO[str]:
    """One of the child's pipes: typed optional, but never None since start() opens all three with PIPE."""
    assert stream is not None, "the helper process is started with stdin, stdout and stderr piped"
    return stream


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        import signal

        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _child_environment() -> dict[str, str]:
    """Our environment, unbuffered, plus (from a Python install) the folder this mediarec was imported from, so the
    child imports the same code even when it was never installed (running from a checkout)."""
    environment = dict(os.environ)
    environment["PYTHONUNBUFFERED"] = "1"
    if running_frozen():  # the bundle imports only its own archive; a source folder means nothing there
        return environment
    source_root = str(Path(__file__).resolve().parent.parent)
    paths = [source_root, *filter(None, environment.get("PYTHONPATH", "").split(os.pathsep))]
    environment["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return environment


# -- the child's side ----------------------------------------------------------------------------------------


class ChildChannel:
    """The child's end: messages in from stdin, out on the original stdout (fd 1 now writes to stderr)."""

    def __init__(self) -> None:
        self._out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self._in = sys.stdin
        self._lock = threading.Lock()
        self._lines: queue.Queue[str] | None = None  # fed by a reader thread once a timeout is asked for

    def send(self, message: dict[str, Any]) -> None:
        with self._lock:  # a watcher thread and the main thread may both report
            # ASCII JSON: a file name with undecodable bytes (lone surrogates) survives the pipe as \\udcff
            # escapes, which json.loads turns back into the same name; raw it would not encode as UTF-8.
            self._out.write(json.dumps(message) + "\n")
            self._out.flush()

    def receive(self, timeout: float | None = None) -> dict[str, Any] | None:
        """The next message, or None when the parent closed our stdin (it is done with us, or it died).
        TimeoutError when ``timeout`` seconds pass without one."""
        if timeout is None and self._lines is None:
            line = self._in.readline()
        else:
            if self._lines is None:
                self._lines = queue.Queue()
                threading.Thread(
                    target=self._read_lines, args=(self._lines,), name="protocol reader", daemon=True
                ).start()
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                raise TimeoutError from None
        if not line:
            return None
        return json.loads(line)

    def _read_lines(self, lines: queue.Queue[str]) -> None:
        # A thread, not select(): select() cannot wait on pipes on Windows.
        while line := self._in.readline():
            lines.put(line)
        lines.put("")  # end of input


@dataclass(frozen=True)
class ParentConnection:
    """What a child starts with: its channel, the parent's first message, and the settings it carried."""

    channel: ChildChannel
    hello: dict[str, Any]
    settings: Settings


def connect_to_parent() -> ParentConnection | None:
    """The child's start-up: take over stdout for the protocol, read the first message, and keep the model
    libraries offline as its settings say (before any of them is imported). None when the parent closed our stdin
    before saying anything."""
    channel = ChildChannel()
    hello = channel.receive()
    if hello is None:
        return None
    settings = settings_from_json(hello["settings"])
    keep_offline(settings)
    return ParentConnection(channel, hello, settings)

"""The fault suite: broken files and SIGKILLed `mediarec index` runs, each counted as a case.

A broken file (tests/broken_media.py makes them from valid PyAV sources) is *handled* when it ends indexed, or
failed with a one-line reason in user words: no path (the line shows it once), no exception name, no traceback.
"unexpected error (see the log)", a traceback on the terminal or an index process that dies on its own is a
*crash*; a file that holds the indexer past the time limit is a *hang* (the real command runs the whole batch in a
subprocess under a watchdog that follows each file's status in the library).

A SIGKILL at a random point (during start-up, the scan, a file's transaction) is handled when the library then
passes PRAGMA integrity_check, keeps every history, rating and user-tag row written before it and everything
finished before it, and the next run indexes exactly what was pending: no more, and, when it runs to the end, no
less. Anything else there is *data lost*.

The default run takes a 40-file sample and 3 kills; `-m slow` takes 333 files and 50 kills. The counts are printed
as "fault suite: N cases, H handled, C crashes, G hangs, D data lost" and written to tests/_artifacts/.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from broken_media import BrokenCase, generate, make_sources
from conftest import json_lines, run_cli

from mediarec.index.records import TagRecord
from mediarec.index.sqlite_driver import LibraryDiskFull
from mediarec.index.store import LibraryStore
from mediarec.index.writer import FAILED_UNDER
from mediarec.media.errors import MediaError, user_reason
from mediarec.pipeline.indexer import UNEXPECTED
from mediarec.scan.sync import reconcile

ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
FIRST_FILE_SECONDS = 240.0  # the first file of a run also waits for the imports and the models to load
FILE_SECONDS = 60.0  # any later file: a one-second clip takes well under a second
POLL_SECONDS = 0.05
# What must never reach a user in a reason: exception class names, tracebacks, errno codes, Python reprs.
_INTERNAL = re.compile(r"[A-Z]\w*(Error|Exception)\b|Traceback|Errno|File \"|line \d+|\bNone\b|<\w+ ")


@dataclass
class Tally:
    cases: int = 0
    handled: int = 0
    crashes: int = 0
    hangs: int = 0
    data_lost: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"fault suite: {self.cases} cases, {self.handled} handled, {self.crashes} crashes, "
            f"{self.hangs} hangs, {self.data_lost} data lost"
        )


@dataclass
class Row:
    id: int
    status: str
    indexed_at: float | None
    error: str | None
    metadata: dict


@dataclass
class Run:
    rc: int | None
    killed: bool
    hung: str | None
    stdout: str
    stderr: str
    seconds: float
    file_seconds: list[float]


def _rows(database: Path) -> dict[str, Row] | None:
    """The library's items by path, read without a lock a writer could wait for; None while it cannot be read."""
    if not database.exists():
        return {}
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=2)
        try:
            rows = connection.execute(
                "SELECT path, id, status, indexed_at, error, metadata_json FROM items"
            ).fetchall()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    return {row[0]: Row(row[1], row[2], row[3], row[4], json.loads(row[5] or "{}")) for row in rows}


def _done(row: Row) -> bool:
    return row.status in ("indexed", "error")


def _user_rows(database: Path) -> tuple:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        return (
            sorted(connection.execute("SELECT id, item_id, fingerprint, started_at, seconds FROM plays")),
            sorted(connection.execute("SELECT item_id, value FROM feedback")),
            sorted(connection.execute("SELECT item_id, name, score FROM tags WHERE source = 'user'")),
        )
    finally:
        connection.close()


def _integrity(database: Path) -> str:
    store = LibraryStore(database)
    try:
        return store.integrity_check()
    finally:
        store.close()


def index_run(folder: Path, env: dict[str, str], database: Path, work: Path, *, kill=None) -> Run:
    """`mediarec index FOLDER --json` in a subprocess, followed file by file: SIGKILLed when `kill(seconds,
    files_done)` says so, or when one file takes over the limit (a hang: the file in flight is named)."""
    command = [sys.executable, "-m", "mediarec", "index", str(folder), "--json", "--no-progress"]
    before = _rows(database) or {}
    out_path, err_path = work / "run.out", work / "run.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        started = last_change = time.monotonic()
        done, killed, hung, file_seconds = 0, False, None, []
        while process.poll() is None:
            now = time.monotonic()
            rows = _rows(database)
            if rows is not None:
                finished = sum(
                    1
                    for path, row in rows.items()
                    if _done(row) and (path not in before or before[path].indexed_at != row.indexed_at)
                )
                if finished > done:
                    file_seconds += [(now - last_change) / (finished - done)] * (finished - done)
                    done, last_change = finished, now
            if now - last_change > (FIRST_FILE_SECONDS if done == 0 else FILE_SECONDS):
                pending = sorted(
                    (row.id, path) for path, row in (rows or {}).items() if row.status == "pending"
                )
                hung = pending[0][1] if pending else "(before the first file)"
            elif kill is None or not kill(now - started, done):
                time.sleep(POLL_SECONDS)
                continue
            os.kill(process.pid, signal.SIGKILL)
            killed = hung is None
            break
        rc = process.wait()
    return Run(
        rc, killed, hung, out_path.read_text(errors="replace"), err_path.read_text(errors="replace"),
        time.monotonic() - started, file_seconds,
    )  # fmt: skip


def reason_problem(reason: str | None, path: Path) -> str | None:
    """Why a recorded reason is not one line of user words, or None when it is."""
    if not reason:
        return "no reason recorded"
    if reason == UNEXPECTED:
        return "unexpected error"
    if "\n" in reason or len(reason) > 120:
        return f"not one short line: {reason!r}"
    if path.name in reason or str(path.parent) in reason:
        return f"names the file again: {reason!r}"
    if _INTERNAL.search(reason):
        return f"internal text: {reason!r}"
    return None


class FaultSuite:
    """One library of broken files (and a few intact controls), indexed by killed and finished runs."""

    def __init__(self, tmp_path: Path, offline_env: dict[str, str], files: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.work = tmp_path
        self.folder = tmp_path / "library"
        sources = make_sources(tmp_path / "sources")
        self.cases: list[BrokenCase] = generate(self.folder / "broken", sources, files, seed)
        self.controls = [
            self.folder / "intact" / f"control{source.suffix}" for source in (sources.video_mkv, sources.wav)
        ]
        for control, source in zip(self.controls, (sources.video_mkv, sources.wav), strict=True):
            control.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, control)
        self.quarantine = tmp_path / "quarantine"
        self.quarantine.mkdir()
        self.data = tmp_path / "data"
        self.database = self.data / "library.sqlite3"
        # A crash in native code (FFmpeg, a model runtime) shows where it happened.
        self.env = dict(offline_env, MEDIAREC_DATA_DIR=str(self.data), PYTHONFAULTHANDLER="1")
        self.tally = Tally()
        self.hung: dict[
            str, str
        ] = {}  # path: why, for the files taken out of the library after a hang or crash
        self.crashed: dict[str, str] = {}
        self.touched: set[str] = set()
        self.slowest = 0.0
        self.kill_count = 0
        self.runs: list[tuple[float, bool, int]] = []  # (seconds, killed, files pending) of each index run
        self.seed_user_rows()

    def all_files(self) -> list[str]:
        return sorted(str(path) for path in self.folder.rglob("*") if path.is_file())

    def seed_user_rows(self) -> None:
        """History, ratings and user tags on a third of the files (intact and broken), before any index run."""
        store = LibraryStore(self.database)
        try:
            reconcile(store, [self.folder])
            items = store.items(statuses=("pending",))
            for item in self.rng.sample(items, max(3, len(items) // 3)):
                store.record_play(
                    item.id, seconds=self.rng.uniform(1, 30), started_at=1_700_000_000 + item.id
                )
                store.set_feedback(item.id, self.rng.choice([1, -1]))
                store.set_tags([TagRecord(item.id, f"mine {item.id}", "user", 1.0)])
        finally:
            store.close()
        self.user_rows = _user_rows(self.database)
        assert all(self.user_rows), "the seed wrote history, ratings and tags"

    # -- what a run must do -------------------------------------------------------------------------------------

    def pending(self) -> set[str]:
        """The files the next run must index: pending in the library, not in it yet, or changed since."""
        rows = _rows(self.database) or {}
        return {
            path for path in self.all_files() if path not in rows or rows[path].status == "pending"
        } | self.touched

    def check_library(self, before: dict[str, Row], pending: set[str], *, finished: bool) -> list[str]:
        """What is wrong with the library after a run that started from `before` with `pending` to do."""
        problems = []
        integrity = _integrity(self.database)
        if integrity != "ok":
            problems.append(f"integrity_check: {integrity}")
        if _user_rows(self.database) != self.user_rows:
            problems.append("history, rating or user-tag rows changed")
        after = _rows(self.database) or {}
        redone = {
            p
            for p, row in after.items()
            if p in before and _done(row) and before[p].indexed_at != row.indexed_at
        }
        for path, row in before.items():
            if path in pending or path in self.hung or path in self.crashed:
                continue
            if _done(row) and (
                path not in after
                or (after[path].status, after[path].indexed_at) != (row.status, row.indexed_at)
            ):
                problems.append(f"finished work undone or redone: {path}")
        done_now = {p for p, row in after.items() if _done(row) and (p not in before or p in redone)}
        if not done_now <= pending:
            problems.append(f"indexed what was not pending: {sorted(done_now - pending)[:3]}")
        if finished:
            left = pending - done_now - set(self.hung) - set(self.crashed)
            if left:
                problems.append(f"left pending work undone: {sorted(left)[:3]}")
        return problems

    def run(self, *, kill=None) -> tuple[Run, dict[str, Row], set[str]]:
        """One run of the real command line; a hang or a crash takes the file in flight out and runs again."""
        while True:
            before, pending = _rows(self.database) or {}, self.pending()
            result = index_run(self.folder, self.env, self.database, self.work, kill=kill)
            self.slowest = max([self.slowest, *result.file_seconds])
            self.runs.append((round(result.seconds, 1), result.killed, len(pending)))
            after = _rows(self.database) or {}
            # A changed file stays to do until a run has scanned it (then the library says pending) or redone it.
            self.touched = {
                path
                for path in self.touched
                if path in after and path in before and _done(after[path])
                and after[path].indexed_at == before[path].indexed_at
            }  # fmt: skip
            if "Traceback" in result.stderr:
                self.tally.crashes += 1
                self.tally.notes.append(f"traceback on the terminal: {result.stderr[-2000:]}")
            if result.hung is not None or (not result.killed and result.rc not in (0, 1)):
                blamed = result.hung or self._in_flight()
                if result.hung is not None:
                    self.hung[blamed] = f"over the time limit ({result.seconds:.0f} s run)"
                else:
                    self.crashed[blamed] = f"the index process ended with {result.rc}: {result.stderr[-500:]}"
                if Path(blamed).exists():
                    shutil.move(blamed, self.quarantine / Path(blamed).name)
                if len(self.crashed) + len(self.hung) > 5:  # not one file's fault: stop here and show it
                    raise AssertionError(f"index runs keep dying: {self.crashed} {self.hung}")
                kill = None  # the kill, if any, is retried by the caller's next round
                continue
            return result, before, pending

    def _in_flight(self) -> str:
        pending = sorted(
            (row.id, path) for path, row in (_rows(self.database) or {}).items() if row.status == "pending"
        )
        return pending[0][1] if pending else "(no file)"

    def make_work(self) -> None:
        """Change a random third of the files (a byte appended), so that a kill has work to land in."""
        files = self.all_files()
        for path in self.rng.sample(files, max(3, len(files) // 3)):
            with open(path, "ab") as stream:
                stream.write(bytes([self.rng.randrange(256)]))
            self.touched.add(path)

    def kill_rule(self, within_files: int | None):
        """A random point of a run: some time after it started (start-up, migration, the scan), or some files in
        (at most `within_files`, when given) and a moment more (inside a file's decoding, encoding or transaction)."""
        if self.rng.random() < 0.3:
            at = self.rng.uniform(0.0, 6.0)
            return f"{at:.2f} s after the start", lambda seconds, done: seconds >= at
        files = self.rng.randrange(max(1, min(len(self.pending()), within_files or 10**9)))
        extra = self.rng.uniform(0.0, 0.3)
        reached: list[float] = []

        def rule(seconds: float, done: int) -> bool:
            if done >= files and not reached:
                reached.append(seconds)
            return bool(reached) and seconds >= reached[0] + extra

        return f"{files} files and {extra:.2f} s in", rule

    # -- the whole suite -----------------------------------------------------------------------------------------

    def kills(self, count: int, within_files: int | None = None) -> None:
        previous: tuple[str, list[str]] | None = None  # the last kill, judged when the next run has run
        kills = attempts = 0
        while kills < count and attempts < count * 3:
            attempts += 1
            if not self.pending():
                self.make_work()
            how, rule = self.kill_rule(within_files)
            result, before, pending = self.run(kill=rule)
            problems = self.check_library(before, pending, finished=not result.killed)
            if previous is not None:
                self._judge_kill(*previous, problems)
            previous = (how, problems) if result.killed else None
            kills += result.killed
        self.kill_count = kills
        self.finish(previous)

    def finish(self, previous: tuple[str, list[str]] | None) -> None:
        # Files that failed under another model set or decoder are tried again: make a few look so.
        store_rows = _rows(self.database) or {}
        stale = [path for path, row in store_rows.items() if row.status == "error"][:5]
        connection = sqlite3.connect(self.database, timeout=10)
        try:
            with connection:
                for path in stale:
                    metadata = dict(
                        store_rows[path].metadata, **{FAILED_UNDER: {"models": "old", "decoder": "old"}}
                    )
                    connection.execute(
                        "UPDATE items SET metadata_json = ? WHERE path = ?", (json.dumps(metadata), path)
                    )
        finally:
            connection.close()
        self.touched |= set(stale)
        result, before, pending = self.run()
        problems = self.check_library(before, pending, finished=True)
        if previous is not None:
            self._judge_kill(*previous, problems)
        elif problems:
            self.tally.data_lost += 1
            self.tally.notes.append(f"the finishing run: {problems}")
        report = json_lines(result.stdout)[0] if result.stdout.strip() else None
        assert report is not None, result.stderr
        expected = pending - set(self.hung) - set(self.crashed)
        failed = {failure["path"] for failure in report["failed"]}
        if report["indexed"] + len(failed) != len(expected) or not failed <= expected:
            self.tally.data_lost += 1
            self.tally.notes.append(
                f"the last run reported {report['indexed']} indexed and {len(failed)} failed; {len(expected)} were pending"
            )
        for failure in report["failed"]:
            problem = reason_problem(failure["error"], Path(failure["path"]))
            if problem:
                self.tally.notes.append(f"{failure['path']}: the report's reason: {problem}")

    def _judge_kill(self, how: str, after_kill: list[str], after_next_run: list[str]) -> None:
        self.tally.cases += 1
        problems = after_kill + [f"next run: {problem}" for problem in after_next_run]
        if problems:
            self.tally.data_lost += 1
            self.tally.notes.append(f"kill {how}: {problems}")
        else:
            self.tally.handled += 1

    def judge_files(self) -> None:
        rows = _rows(self.database) or {}
        for case in self.cases:
            self.tally.cases += 1
            path = str(case.path)
            if path in self.hung:
                self.tally.hangs += 1
                self.tally.notes.append(f"hang: {case.kind} {case.how}: {self.hung[path]}")
                continue
            if path in self.crashed:
                self.tally.crashes += 1
                self.tally.notes.append(f"crash: {case.kind} {case.how}: {self.crashed[path]}")
                continue
            row = rows.get(path)
            if row is None or not _done(row):
                self.tally.data_lost += 1
                self.tally.notes.append(f"not indexed nor failed: {case.kind} {case.how}: {row}")
                continue
            problem = reason_problem(row.error, case.path) if row.status == "error" else None
            if problem is None:
                self.tally.handled += 1
            elif row.error == UNEXPECTED:
                self.tally.crashes += 1
                self.tally.notes.append(f"crash: {case.kind} {case.how}: {UNEXPECTED}")
            else:
                self.tally.crashes += (
                    1  # a reason that shows internal text is an error message nobody handled
                )
                self.tally.notes.append(f"{case.kind} {case.how}: {problem}")
        for control in self.controls:
            row = rows.get(str(control))
            if row is None or row.status != "indexed":
                self.tally.data_lost += 1
                self.tally.notes.append(f"an intact file was not indexed: {control}: {row}")

    def report(self, name: str, seconds: float, capsys) -> None:
        kinds: dict[str, dict[str, int]] = {}
        rows = _rows(self.database) or {}
        for case in self.cases:
            row = rows.get(str(case.path))
            outcome = row.status if row else "taken out"
            kinds.setdefault(case.kind, {}).setdefault(outcome, 0)
            kinds[case.kind][outcome] += 1
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"{name}.json").write_text(
            json.dumps(
                {
                    "cases": self.tally.cases,
                    "handled": self.tally.handled,
                    "crashes": self.tally.crashes,
                    "hangs": self.tally.hangs,
                    "data_lost": self.tally.data_lost,
                    "seconds": round(seconds, 1),
                    "slowest_file_seconds": round(self.slowest, 2),
                    "kills": self.kill_count,
                    "runs": self.runs,
                    "outcomes_by_kind": kinds,
                    "notes": self.tally.notes,
                },
                indent=1,
            ),
            encoding="utf-8",
        )
        with capsys.disabled():
            print(f"\n{self.tally.line()} ({name}, {seconds:.0f} s; details in tests/_artifacts/{name}.json)")


def run_suite(
    tmp_path,
    offline_env,
    capsys,
    *,
    files: int,
    kills: int,
    name: str,
    seed: int,
    within_files: int | None = None,
) -> Tally:
    started = time.monotonic()
    suite = FaultSuite(tmp_path, offline_env, files, seed)
    phases = {"made": time.monotonic() - started}
    environment_error_leaves_everything_pending(suite, capsys)
    phases["environment error"] = time.monotonic() - started
    suite.kills(kills, within_files)
    phases["runs"] = time.monotonic() - started
    suite.judge_files()
    after_all_runs_the_messages_say_what_still_fails(suite, capsys)
    phases["messages"] = time.monotonic() - started
    suite.tally.notes.append(f"phases (s since start): { {k: round(v, 1) for k, v in phases.items()} }")
    suite.report(name, time.monotonic() - started, capsys)
    assert suite.kill_count == kills, (
        f"only {suite.kill_count} of {kills} runs could be killed before they ended"
    )
    return suite.tally


def environment_error_leaves_everything_pending(suite: FaultSuite, capsys) -> None:
    """A model that cannot be made is not the files' fault: one message, nothing marked failed, all still to do."""
    bad = suite.work / "bad-config.toml"
    bad.write_text('[models.text]\nname = "/nowhere/my-e5"\n', encoding="utf-8")
    code, out, err = run_cli(
        ["index", str(suite.folder), "--no-progress"], dict(suite.env, MEDIAREC_CONFIG=str(bad)), capsys
    )
    assert code == 1 and out == ""
    assert err.startswith("error: ") and "/nowhere/my-e5" in err and "Traceback" not in err
    assert "still to do" in err and "running the same command again" in err
    rows = _rows(suite.database) or {}
    assert rows and all(row.status == "pending" for row in rows.values())


def after_all_runs_the_messages_say_what_still_fails(suite: FaultSuite, capsys) -> None:
    failed = [path for path, row in (_rows(suite.database) or {}).items() if row.status == "error"]
    code, out, err = run_cli(["index", str(suite.folder), "--no-progress"], suite.env, capsys)
    assert code == 0, err
    assert out.startswith("0 indexed, ") and ", 0 failed," in out
    files = "1 file still fails" if len(failed) == 1 else f"{len(failed)} files still fail"
    assert f"{files} from earlier runs; mediarec failed lists them" in out
    code, out, _ = run_cli(["failed"], suite.env, capsys)
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(failed)
    for line in lines:
        path, _, reason = line.partition(": ")
        assert path in failed and reason_problem(reason, Path(path)) is None, line


def test_fault_suite_sample(tmp_path, offline_env, capsys):
    # The kills land in the first few files (or seconds) of a run, so that the sample stays short.
    tally = run_suite(
        tmp_path, offline_env, capsys, files=40, kills=3, name="fault_suite", seed=1, within_files=6
    )
    assert tally.handled == tally.cases and not (tally.crashes or tally.hangs or tally.data_lost), tally.notes


@pytest.mark.slow
def test_fault_suite_full(tmp_path, offline_env, capsys):
    tally = run_suite(tmp_path, offline_env, capsys, files=333, kills=50, name="fault_suite_slow", seed=7)
    assert tally.cases >= 383
    assert tally.handled == tally.cases and not (tally.crashes or tally.hangs or tally.data_lost), tally.notes


# -- the two kinds of failure, one at a time ------------------------------------------------------------------------


def _two_broken_files(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True)
    empty, text = folder / "empty.mp4", folder / "notes.mkv"
    empty.write_bytes(b"")
    text.write_text("not a video\n" * 40)
    return empty, text


def test_an_unexpected_exception_in_one_file_is_recorded_and_its_traceback_logged(
    tmp_path, offline_env, capsys, monkeypatch
):
    from mediarec.pipeline import decoding

    empty, text = _two_broken_files(tmp_path / "media")
    real_probe = decoding.probe

    def probe(path):
        if Path(path) == text:
            raise RuntimeError("boom inside the decoder")
        return real_probe(path)

    monkeypatch.setattr(decoding, "probe", probe)
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(tmp_path / "data"))
    code, out, err = run_cli(["index", str(tmp_path / "media"), "--no-progress"], env, capsys)
    assert code == 1, err  # nothing could be indexed
    assert f"  failed: {text}: {UNEXPECTED}\n" in out
    assert f"  failed: {empty}: empty file (0 bytes)\n" in out
    log = tmp_path / "data" / "mediarec-errors.log"
    assert f"the details of the unexpected errors are in {log}" in out
    logged = log.read_text(encoding="utf-8")
    assert "Traceback" in logged and "RuntimeError: boom inside the decoder" in logged and str(text) in logged
    assert "Traceback" not in err and "boom" not in out + err


def test_a_full_disk_stops_the_job_and_the_files_wait_for_the_next_run(
    tmp_path, offline_env, capsys, monkeypatch
):
    from mediarec.index.writer import WriterMixin

    empty, text = _two_broken_files(tmp_path / "media")
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(tmp_path / "data"))

    def full(self, *args, **kwargs):
        raise LibraryDiskFull("The disk that holds the library is full; free some space and index again.")

    with monkeypatch.context() as patch:
        patch.setattr(WriterMixin, "mark_error", full)
        code, out, err = run_cli(["index", str(tmp_path / "media"), "--no-progress"], env, capsys)
    assert code == 1 and out == ""
    assert err.startswith("error: The disk that holds the library is full") and "Traceback" not in err
    assert "stopped after 0 of 2 files; the other 2 are still to do" in err
    assert {row.status for row in (_rows(tmp_path / "data" / "library.sqlite3") or {}).values()} == {
        "pending"
    }
    code, out, err = run_cli(["index", str(tmp_path / "media"), "--json"], env, capsys)
    report = json_lines(out)[0]
    assert sorted(failure["path"] for failure in report["failed"]) == sorted([str(empty), str(text)])
    assert {failure["error"] for failure in report["failed"]} == {
        "empty file (0 bytes)",
        "not a media file PyAV can read",
    }


def test_failures_are_retried_when_the_decoder_or_the_models_change(
    tmp_path, offline_env, capsys, monkeypatch
):
    from mediarec.pipeline import indexer

    empty, text = _two_broken_files(tmp_path / "media")
    env = dict(offline_env, MEDIAREC_DATA_DIR=str(tmp_path / "data"))
    database = tmp_path / "data" / "library.sqlite3"
    code, out, _ = run_cli(["index", str(tmp_path / "media"), "--json"], env, capsys)
    assert len(json_lines(out)[0]["failed"]) == 2
    signature = _rows(database)[str(text)].metadata[FAILED_UNDER]
    assert set(signature) == {"models", "decoder"} and "frame=" in signature["models"]
    assert "pyav" in signature["decoder"] and "ffmpeg" in signature["decoder"]

    code, out, _ = run_cli(["index", str(tmp_path / "media"), "--no-progress"], env, capsys)
    assert code == 0 and ", 0 failed," in out  # the same decoder and models: not tried again
    assert "2 files still fail from earlier runs; mediarec failed lists them" in out

    monkeypatch.setattr(indexer, "decoder_version", lambda: "pyav 99, ffmpeg 99, mediarec decoder 99")
    code, out, _ = run_cli(["index", str(tmp_path / "media"), "--json"], env, capsys)
    report = json_lines(out)[0]
    assert len(report["failed"]) == 2 and report["failing_from_earlier_runs"] == 0
    assert (
        _rows(database)[str(text)].metadata[FAILED_UNDER]["decoder"]
        == "pyav 99, ffmpeg 99, mediarec decoder 99"
    )

    # A failure recorded before failures had a signature (say, a model that could not be downloaded) is retried.
    connection = sqlite3.connect(database)
    with connection:
        connection.execute(
            "UPDATE items SET metadata_json = '{}', error = 'old words' WHERE path = ?", (str(empty),)
        )
    connection.close()
    code, out, _ = run_cli(["index", str(tmp_path / "media"), "--json"], env, capsys)
    assert [failure["path"] for failure in json_lines(out)[0]["failed"]] == [str(empty)]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            MediaError("/m/a.mp4", "not a media file", "Invalid data found when processing input"),
            "not a media file PyAV can read",
        ),
        (
            MediaError("/m/a.mp4", "corrupt or truncated", "Invalid data found when processing input"),
            "corrupt header",
        ),
        (
            MediaError("/m/a.mp4", "corrupt or truncated", "moov atom not found"),
            "truncated: the index (moov atom) is missing, as in an unfinished download",
        ),
        (
            MediaError("/m/a.mp4", "corrupt or truncated", "audio cannot be decoded: [Errno 1094995529] x"),
            "corrupt audio data",
        ),
        (MediaError("/m/a.mp4", "corrupt or truncated", "Input/output error"), "corrupt or truncated"),
        (MediaError("/m/a.mp4", "empty file"), "empty file (0 bytes)"),
        (
            MediaError("/m/a.mp4", "truncated", "ends at 0:12 of a declared 1:30:00"),
            "truncated: ends at 0:12 of a declared 1:30:00",
        ),
        (ValueError("Frame does not match AudioResampler setup."), "corrupt header"),
        (__import__("struct").error("unpack requires a buffer of 4 bytes"), "corrupt header"),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "corrupt header"),
        (MemoryError(), "too large to read (it asks for more memory than there is)"),
        (EOFError(), "truncated"),
        (RuntimeError("a bug"), None),
    ],
)
def test_the_reasons_are_user_words(error, reason):
    assert user_reason(error) == reason
    if reason is not None:
        assert reason_problem(reason, Path("/m/a.mp4")) is None


def test_av_errors_are_user_words():
    import av.error

    assert (
        user_reason(av.error.InvalidDataError(1094995529, "Invalid data found when processing input"))
        == "corrupt header"
    )
    assert user_reason(av.error.EOFError(541478725, "End of file")) == "truncated"
    assert user_reason(av.error.UndefinedError(1, "something else")) == "corrupt: PyAV could not decode it"

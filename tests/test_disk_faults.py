"""When the disk or the permissions say no, and when two indexers meet: real SQLite files on a real full disk (a
small tmpfs), a real read-only folder and file (an unprivileged child process, since root ignores permissions), a
real read-only mount, and real processes holding, releasing and dying with the indexer lock.

Mounting needs root (or CAP_SYS_ADMIN) on Linux; where it cannot be done these tests skip and say why, except in
CI (the CI variable set), where they fail.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import run_cli

from mediarec.index.lock import IndexerBusy, IndexerLock, lock_path
from mediarec.index.records import ItemIndexResult, TagRecord
from mediarec.index.sqlite_driver import LibraryDiskFull, LibraryReadOnly, StorageError
from mediarec.index.store import LibraryStore

REPO = Path(__file__).resolve().parent.parent
SONG = "/media/sounds/song.mp3"


def _cannot(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _mount_tmpfs(folder: Path, size: str = "2m") -> None:
    if sys.platform != "linux" or shutil.which("mount") is None:
        _cannot("mounting a small tmpfs needs Linux and mount(8)")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        _cannot(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {done.stderr.strip()}")


def _unmount(folder: Path) -> None:
    # Lazy: a connection a failed test left open must not keep the mount (or the next test) hanging.
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path):
    folder = tmp_path / "disk"
    _mount_tmpfs(folder)
    yield folder
    _unmount(folder)


def _fill(folder: Path) -> Path:
    """Take every free byte of the disk of `folder` with one file, and return it (delete it to free them)."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as out:
        for size in (1 << 16, 1 << 12, 1 << 8, 1):
            try:
                while True:
                    out.write(b"\0" * size)
            except OSError as error:
                assert error.errno == errno.ENOSPC
    assert shutil.disk_usage(folder).free == 0
    return filler


def _indexed_song(store: LibraryStore) -> int:
    item_id = store.add_item(SONG, "fp-song", 1000, 1.0)
    store.write_index_result(
        item_id, ItemIndexResult(metadata={"kind": "audio", "duration": 200.0, "title": "Holiday song"})
    )
    store.set_tags([TagRecord(item_id, "grandma", "user", 1.0)])
    store.record_play(item_id, seconds=100.0)
    return item_id


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- a full disk ------------------------------------------------------------------------------------------------


def test_a_full_disk_fails_the_write_with_one_line_and_keeps_everything_before_it(small_disk):
    database = small_disk / "library.sqlite3"
    store = LibraryStore(database)
    song = _indexed_song(store)
    others = [store.add_item(f"/media/{n}.mp4", f"fp-{n}", 10, 1.0) for n in range(3)]
    filler = _fill(small_disk)
    with pytest.raises(LibraryDiskFull) as full:
        for attempt in range(500):  # whole transactions of 50 tags, until one finds no room
            store.set_tags([TagRecord(others[0], f"tag-{attempt}-{n}", "user", 1.0) for n in range(50)])
    message = str(full.value)
    assert message.startswith(f"Could not save to the library at {database}: the disk is full (")
    assert f"free in {small_disk})" in message
    assert "\n" not in message and "cannot rollback" not in message
    assert isinstance(
        full.value.__cause__, store.driver.module.OperationalError
    )  # the driver's, kept as cause
    assert not store.connection().in_transaction
    # Reading goes on while the disk is full.
    assert [hit[0] for hit in store.text_search("grandma")] == [song]
    assert len(store.plays(song)) == 1
    # A write that fails here is whole or nothing: no half-written set of tags.
    assert store.query("SELECT count(*) FROM tags WHERE item_id = ?", (others[0],))[0][0] % 50 == 0

    filler.unlink()
    assert store.integrity_check() == "ok"
    store.add_item("/media/after.mp4", "fp-after", 10, 1.0)
    store.close()
    reopened = LibraryStore(database)
    assert len(reopened.items(statuses=("pending", "indexed"))) == 5
    assert reopened.integrity_check() == "ok"
    reopened.close()


def test_the_command_line_reports_a_full_disk_in_one_line(small_disk, offline_env, capsys):
    holder = LibraryStore(small_disk / "library.sqlite3")  # e.g. the desktop app, open meanwhile
    _indexed_song(holder)
    filler = _fill(small_disk)
    codes = []
    for _ in range(50):  # a rating rewrites one row; it may fit into room SQLite already holds, a few times
        code, out, err = run_cli(["--data-dir", str(small_disk), "rate", SONG, "like"], offline_env, capsys)
        codes.append(code)
        if code:
            break
        run_cli(["--data-dir", str(small_disk), "watch", SONG, "--seconds", "30"], offline_env, capsys)
    assert codes[-1] == 1, codes
    assert err.startswith(
        f"error: Could not save to the library at {small_disk / 'library.sqlite3'}: the disk is"
    )
    assert err.count("\n") == 1 and "Traceback" not in err and "cannot rollback" not in err
    filler.unlink()
    code, _, _ = run_cli(["--data-dir", str(small_disk), "rate", SONG, "like"], offline_env, capsys)
    assert code == 0
    holder.close()


def test_opening_a_library_on_a_full_disk_says_so(small_disk):
    database = small_disk / "library.sqlite3"
    store = LibraryStore(database)
    _indexed_song(store)
    store.close()  # the last connection removes the -wal and -shm files; opening again must make the -shm
    _fill(small_disk)
    with pytest.raises(LibraryDiskFull) as full:
        LibraryStore(database)
    message = str(full.value)
    assert message.startswith(f"Could not open the library at {database}: the disk")
    assert f"0 bytes free in {small_disk}" in message and "\n" not in message


def test_no_room_for_the_backup_stops_the_migration_before_it_changes_anything(small_disk, monkeypatch):
    from mediarec.index import migrations

    database = small_disk / "library.sqlite3"
    holder = LibraryStore(database)  # keeps the -shm file, so that only the backup needs room
    _indexed_song(holder)
    schema = holder.query("SELECT name, sql FROM sqlite_master ORDER BY name")
    filler = _fill(small_disk)
    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        [*migrations.MIGRATIONS, ("9999_test_note", "ALTER TABLE items ADD note TEXT;")],
    )
    with pytest.raises(LibraryDiskFull, match=r"^Could not back up the library at .*: the disk is full"):
        LibraryStore(database)
    assert holder.query("SELECT name, sql FROM sqlite_master ORDER BY name") == schema
    assert sorted(path.name for path in small_disk.iterdir() if "bak" in path.name) == []
    filler.unlink()
    upgraded = LibraryStore(database)
    assert "note" in [row[1] for row in upgraded.query("PRAGMA table_info(items)")]
    upgraded.close()
    holder.close()


# -- read-only files and folders --------------------------------------------------------------------------------

# Run in a child process as an unprivileged user: open the library, read it, try one write, report as JSON. The
# child starts as this user and drops to the unprivileged one with os.setuid once its modules are loaded: this
# Python may live where that user cannot reach (under /root).
_READER = r"""
import json, os, sys
import sqlite_vec  # loaded before the privileges go
from mediarec.index.sqlite_driver import StorageError, find_driver
from mediarec.index.store import LibraryStore

find_driver()
uid, gid = int(sys.argv[2]), int(sys.argv[3])
if uid >= 0:
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
try:
    store = LibraryStore(sys.argv[1])
except StorageError as error:
    print(json.dumps({"open_error": type(error).__name__, "message": str(error)}))
    raise SystemExit(0)
report = {
    "read_only": store.read_only,
    "paths": sorted(item.path for item in store.items(statuses=("pending", "indexed"))),
    "search": [hit[0] for hit in store.text_search("grandma")],
    "plays": len(store.plays()),
}
try:
    store.record_play(store.items()[0].id, seconds=1.0)
    report["write"] = "ok"
except StorageError as error:
    report["write"] = type(error).__name__
    report["message"] = str(error)
store.close()
print(json.dumps(report))
"""


@pytest.fixture
def shared_folder():
    """A folder an unprivileged user can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="mediarec-ro-"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(folder)


def _unprivileged() -> tuple[int, int]:
    """(uid, gid) of a user that permissions apply to, or (-1, -1) when this one already is such a user."""
    if os.geteuid() != 0:
        return -1, -1
    try:
        import pwd

        nobody = pwd.getpwnam("nobody")
        return nobody.pw_uid, nobody.pw_gid
    except (ImportError, KeyError):
        return 65534, 65534


def _read_as_unprivileged(database: Path) -> dict:
    uid, gid = _unprivileged()
    done = subprocess.run(
        [sys.executable, "-c", _READER, str(database), str(uid), str(gid)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0 and "PermissionError" in done.stderr:
        _cannot(f"cannot run the reader as an unprivileged user here: {done.stderr.strip().splitlines()[-1]}")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _make_library(folder: Path) -> Path:
    database = folder / "library.sqlite3"
    store = LibraryStore(database)
    _indexed_song(store)
    store.close()
    return database


def _assert_read_but_not_written(report: dict, database: Path) -> None:
    assert report["read_only"] is True
    assert report["paths"] == [SONG]
    assert report["search"] == [1] and report["plays"] == 1
    assert report["write"] == "LibraryReadOnly"
    assert f"The library at {database} is read-only" in report["message"] and "\n" not in report["message"]


def test_a_library_in_a_read_only_folder_can_be_read_but_not_written(shared_folder):
    folder = shared_folder / "data"
    folder.mkdir()
    database = _make_library(folder)
    database.chmod(0o444)
    folder.chmod(0o555)
    before = _digest(database)
    report = _read_as_unprivileged(database)
    _assert_read_but_not_written(report, database)
    assert _digest(database) == before
    assert sorted(path.name for path in folder.iterdir()) == ["library.sqlite3"]


def test_a_read_only_library_file_in_a_writable_folder_can_be_read_but_not_written(shared_folder):
    folder = shared_folder / "data"
    folder.mkdir()
    database = _make_library(folder)
    database.chmod(0o444)
    folder.chmod(0o777)  # the unprivileged user may make the -shm file, not change the library
    before = _digest(database)
    _assert_read_but_not_written(_read_as_unprivileged(database), database)
    assert _digest(database) == before


def test_wal_content_is_read_from_a_read_only_folder(shared_folder):
    # A library left with changes in its -wal (the writer was killed): readers in a read-only folder see them.
    folder = shared_folder / "data"
    folder.mkdir()
    database = _make_library(folder)
    writer = (
        "import os, sys; from mediarec.index.store import LibraryStore; s = LibraryStore(sys.argv[1]); "
        "s.connection().execute('PRAGMA wal_autocheckpoint=0'); s.add_item('/media/late.mp4', 'fp-late', 1, 1.0); "
        "os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", writer, str(database)], cwd=REPO, check=True, timeout=120)
    assert Path(f"{database}-wal").stat().st_size > 0
    for path in folder.iterdir():
        path.chmod(0o444)
    folder.chmod(0o555)
    report = _read_as_unprivileged(database)
    assert report["paths"] == ["/media/late.mp4", SONG]
    assert report["write"] == "LibraryReadOnly"


def test_a_library_cannot_be_created_in_a_read_only_folder(shared_folder):
    folder = shared_folder / "data"
    folder.mkdir()
    folder.chmod(0o555)
    report = _read_as_unprivileged(folder / "library.sqlite3")
    assert report["open_error"] == "LibraryReadOnly"
    assert report["message"].startswith(f"The library at {folder / 'library.sqlite3'} is read-only")
    assert list(folder.iterdir()) == []


@pytest.fixture
def read_only_disk(tmp_path):
    """A library on a tmpfs remounted read-only: read-only for root too."""
    folder = tmp_path / "disk"
    _mount_tmpfs(folder)
    _make_library(folder)
    done = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        _unmount(folder)
        _cannot(f"cannot remount a tmpfs read-only here: {done.stderr.strip()}")
    yield folder
    _unmount(folder)


def test_a_library_on_a_read_only_disk_opens_read_only(read_only_disk):
    database = read_only_disk / "library.sqlite3"
    store = LibraryStore(database)
    try:
        assert store.read_only
        assert [item.path for item in store.items()] == [SONG]
        assert [hit[0] for hit in store.text_search("grandma")] == [1]
        with pytest.raises(LibraryReadOnly, match=rf"^The library at {database} is read-only"):
            store.record_play(1, seconds=5.0)
        with pytest.raises(LibraryReadOnly):
            store.set_meta("key", "value")
        assert store.describe()["read_only"] is True
    finally:
        store.close()
    with pytest.raises(LibraryReadOnly):
        IndexerLock(database).acquire()  # indexing needs its lock file beside the library


def test_a_read_only_library_that_needs_a_migration_is_refused_unchanged(read_only_disk, monkeypatch):
    from mediarec.index import migrations

    database = read_only_disk / "library.sqlite3"
    before = _digest(database)
    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        [*migrations.MIGRATIONS, ("9999_test_note", "ALTER TABLE items ADD note TEXT;")],
    )
    with pytest.raises(LibraryReadOnly, match=r"is read-only .*so mediarec could not upgrade it"):
        LibraryStore(database)
    assert _digest(database) == before


def test_show_works_and_rate_says_read_only_on_a_read_only_disk(read_only_disk, offline_env, capsys):
    data = ["--data-dir", str(read_only_disk)]
    code, out, err = run_cli([*data, "show", SONG], offline_env, capsys)
    assert code == 0, err
    assert "Holiday song" in out and "grandma" in out
    code, out, err = run_cli([*data, "rate", SONG, "like"], offline_env, capsys)
    assert code == 1
    assert err.startswith(f"error: The library at {read_only_disk / 'library.sqlite3'} is read-only")
    assert err.count("\n") == 1


# -- one indexer per library ------------------------------------------------------------------------------------

_HOLDER = r"""
import sys, time
from mediarec.index.lock import IndexerLock

with IndexerLock(sys.argv[1]):
    print("locked", flush=True)
    if sys.argv[2] == "stdin":
        sys.stdin.readline()
    else:
        time.sleep(float(sys.argv[2]))
"""


def _hold_lock(database: Path, until: str = "stdin") -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(database), until],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def _release(holder: subprocess.Popen) -> None:
    holder.stdin.close()
    holder.wait(timeout=60)


def test_a_second_indexer_is_refused_with_the_first_ones_pid_while_search_and_history_go_on(tmp_path):
    database = tmp_path / "library.sqlite3"
    store = LibraryStore(database)
    song = _indexed_song(store)
    holder = _hold_lock(database)
    try:
        with pytest.raises(IndexerBusy) as busy, IndexerLock(database):
            pass
        assert str(busy.value).startswith(f"another index run is in progress (pid {holder.pid})")
        assert isinstance(busy.value, StorageError) and "\n" not in str(busy.value)
        # Nothing but indexing takes this lock.
        store.record_play(song, seconds=10.0)
        store.set_feedback(song, 1)
        assert [hit[0] for hit in store.text_search("grandma")] == [song]
        assert len(store.plays(song)) == 2
    finally:
        _release(holder)
    with IndexerLock(database) as lock:
        assert lock_path(database).read_text().strip() == str(os.getpid())
        assert lock.held
    assert lock_path(database).read_text() == ""
    store.close()


def test_a_killed_indexers_lock_is_gone_with_it(tmp_path):
    database = tmp_path / "library.sqlite3"
    holder = _hold_lock(database)
    with pytest.raises(IndexerBusy):
        IndexerLock(database).acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=60)
    assert holder.returncode == -signal.SIGKILL
    assert lock_path(database).read_text().strip() == str(
        holder.pid
    )  # the dead one's pid is still written...
    with IndexerLock(database):  # ...but the lock went with the process
        assert lock_path(database).read_text().strip() == str(os.getpid())


def test_an_indexer_can_wait_for_the_one_before_it(tmp_path):
    database = tmp_path / "library.sqlite3"
    holder = _hold_lock(database, until="1.5")
    started = time.monotonic()
    with pytest.raises(IndexerBusy):
        IndexerLock(database, wait=0.3).acquire()
    assert time.monotonic() - started < 1.4
    with IndexerLock(database, wait=60):
        assert holder.poll() is not None or time.monotonic() - started >= 1.0
    holder.wait(timeout=60)
    holder = _hold_lock(database, until="1.0")
    with IndexerLock(database, wait=True):
        pass
    holder.wait(timeout=60)


def test_the_command_line_index_refuses_to_run_beside_another(tmp_path, offline_env, capsys):
    data = tmp_path / "data"
    media = tmp_path / "media"
    media.mkdir()
    (media / "clip.mp4").write_bytes(b"not really a video")
    LibraryStore(data / "library.sqlite3").close()
    holder = _hold_lock(data / "library.sqlite3")
    try:
        code, out, err = run_cli(
            ["--data-dir", str(data), "index", str(media), "--no-progress"], offline_env, capsys
        )
    finally:
        _release(holder)
    assert code == 1 and out == ""
    assert err.startswith(f"error: another index run is in progress (pid {holder.pid})")
    assert err.count("\n") == 1
    store = LibraryStore(data / "library.sqlite3")
    assert store.items(statuses=("pending", "indexed", "error")) == []  # it scanned nothing
    store.close()


def test_the_desktop_indexing_child_refuses_to_run_beside_another(tmp_path, offline_env):
    from mediarec.app.indexing_process import IndexJobProcess
    from mediarec.config import load_settings

    settings = load_settings(data_dir=tmp_path / "data", environ=offline_env)
    media = tmp_path / "media"
    media.mkdir()
    LibraryStore(settings.database_path).close()
    holder = _hold_lock(settings.database_path)
    try:
        job = IndexJobProcess(settings, download_models=False)
        with pytest.raises(StorageError, match=rf"^another index run is in progress \(pid {holder.pid}\)"):
            for _ in job.run([str(media)]):
                pass
    finally:
        _release(holder)

"""Folder scanning and fingerprints on a real file tree."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from mediarec.scan.files import fingerprint, iter_media_files


def test_scan_finds_media_skips_hidden_and_survives_symlink_loops(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "clip.MP4").write_bytes(b"x" * 10)
    (tmp_path / "a" / "song.flac").write_bytes(b"y" * 10)
    (tmp_path / "a" / "notes.txt").write_text("no")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "secret.mp4").write_bytes(b"z")
    (tmp_path / "a" / ".tmp.mkv").write_bytes(b"z")
    os.symlink(tmp_path, tmp_path / "a" / "loop")
    found = sorted(os.path.basename(file.path) for file in iter_media_files([tmp_path]))
    assert found == ["clip.MP4", "song.flac"]


def test_fingerprint_follows_content_not_name(tmp_path):
    payload = os.urandom(300_000)
    first = tmp_path / "one.mp4"
    first.write_bytes(payload)
    renamed = tmp_path / "two.mp4"
    renamed.write_bytes(payload)
    edited = tmp_path / "three.mp4"
    edited.write_bytes(payload[:-1] + bytes([payload[-1] ^ 1]))
    assert fingerprint(first) == fingerprint(renamed)
    assert fingerprint(first) != fingerprint(edited)
    small = tmp_path / "small.mp3"
    small.write_bytes(b"abc")
    assert fingerprint(small) != fingerprint(tmp_path / "one.mp4")


def test_scan_walks_a_tree_a_thousand_folders_deep(tmp_path):
    from mediarec.index.store import LibraryStore
    from mediarec.media.samples import tone, write_audio
    from mediarec.scan.sync import reconcile

    folders = [str(tmp_path / "tree")]
    for _ in range(1000):  # one level per call: makedirs itself never recurses deeper than one parent
        folders.append(os.path.join(folders[-1], "d"))
        os.makedirs(folders[-1])
    bottom = os.path.join(folders[-1], "deep.wav")
    store = LibraryStore(tmp_path / "library.sqlite")
    try:
        write_audio(bottom, tone(0.1))
        assert [file.path for file in iter_media_files([tmp_path])] == [bottom]
        report = reconcile(store, [tmp_path])
        assert report.added == [bottom]
        assert report.unreadable == []
    finally:
        store.close()
        # shutil.rmtree (pytest's clean-up of old temporary folders too) recurses once per level and would
        # fail on this tree: take it down here, from the bottom.
        with contextlib.suppress(FileNotFoundError):
            os.remove(bottom)
        for folder in reversed(folders):
            os.rmdir(folder)


def test_scan_reports_broken_links_and_link_loops_and_walks_on(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "far.mp3").write_bytes(b"x")
    library = tmp_path / "library"
    (library / "a").mkdir(parents=True)
    (library / "a" / "clip.mp4").write_bytes(b"x")
    os.symlink(library, library / "a" / "up")  # a folder loop: skipped without a word
    os.symlink(elsewhere, library / "linked")  # a linked folder: walked once
    os.symlink(elsewhere, library / "linked_again")
    os.symlink(library / "nowhere.mp4", library / "gone.mp4")  # a broken link to a media file
    os.symlink(library / "nothing", library / "gone_folder")  # broken, not media: not worth a word
    os.symlink(library / "self.mkv", library / "self.mkv")  # a link to itself
    (library / "z.flac").write_bytes(b"x")
    unreadable: list[tuple[str, str]] = []
    found = [os.path.relpath(file.path, library) for file in iter_media_files([library], unreadable)]
    assert found == ["a/clip.mp4", "linked/far.mp3", "z.flac"]  # by name, depth first
    assert unreadable == [
        (str(library / "gone.mp4"), "broken link"),
        (str(library / "self.mkv"), os.strerror(errno.ELOOP).lower()),
    ]
    gone_root: list[tuple[str, str]] = []
    assert list(iter_media_files([tmp_path / "unplugged"], gone_root)) == []
    assert gone_root == [(str(tmp_path / "unplugged"), "no such file or directory")]


# Run as its own process: loads every module `mediarec index` needs while it may still read them (as root, the
# interpreter and its libraries can sit in folders only root reads), then drops root's privileges, under which
# file permissions do not count, to the user nobody, and indexes.
_INDEX_AS_NOBODY = r"""
import contextlib, io, json, os, sys
from mediarec.cli.main import main

warm, library, data = sys.argv[1:4]

def index(root, data_dir, *flags):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--data-dir", data_dir, "index", "--no-progress", *flags, root])
    return code, out.getvalue()

index(warm, os.path.join(warm, "data"), "--json")
index(warm, os.path.join(warm, "data"))
if os.geteuid() == 0:
    try:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    except OSError as error:
        print(json.dumps({"skip": f"cannot drop root's privileges to nobody (65534): {error}"}))
        sys.exit(0)
if os.access(os.path.join(library, "secret.mp4"), os.R_OK):
    print(json.dumps({"skip": "this file system does not enforce file permissions"}))
    sys.exit(0)
print(json.dumps({"json": index(library, data, "--json"), "text": index(library, data)}))
"""


def _skip_unless_ci(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def test_index_names_what_it_cannot_read_and_why(offline_env):
    if os.name != "posix":
        _skip_unless_ci("file permissions as tested here are POSIX ones")
    base = Path(
        tempfile.mkdtemp(prefix="mediarec-unreadable-")
    )  # not under pytest's folder: nobody cannot enter it
    locked = base / "library" / "locked"
    secret = base / "library" / "secret.mp4"
    try:
        warm = base / "warm"
        for folder in (warm / "locked", warm / "open", locked, base / "library" / "open"):
            folder.mkdir(parents=True)
        for library in (warm, base / "library"):
            (library / "locked" / "inside.mp4").write_bytes(b"x" * 10)
            (library / "secret.mp4").write_bytes(b"x" * 10)
            (library / "open" / "junk.mp4").write_text("not a video\n" * 20)
        for writable in (base / "data", base / "cache", warm / "data"):
            writable.mkdir()
            writable.chmod(0o777)
        for path, mode in ((base, 0o755), (base / "library", 0o755), (base / "library" / "open", 0o755)):
            path.chmod(mode)
        (base / "library" / "open" / "junk.mp4").chmod(0o644)
        locked.chmod(0o000 if os.geteuid() else 0o700)  # root owns them: nobody may not read them
        secret.chmod(0o000 if os.geteuid() else 0o600)
        env = {
            **offline_env,
            "MEDIAREC_CACHE_DIR": str(base / "cache"),
            "MEDIAREC_CONFIG": str(base / "config.toml"),
            "PYTHONIOENCODING": "utf-8:strict",
        }
        run = subprocess.run(
            [sys.executable, "-c", _INDEX_AS_NOBODY, str(warm), str(base / "library"), str(base / "data")],
            cwd=base,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout.splitlines()[-1])
        if "skip" in result:
            _skip_unless_ci(result["skip"])
        code, out = result["json"]
        report = json.loads(out)
        assert report["unreadable"] == 2
        assert sorted(report["skipped"], key=lambda entry: entry["path"]) == [
            {"path": str(locked), "reason": "permission denied"},
            {"path": str(secret), "reason": "permission denied"},
        ]
        # the rest of the folder is still scanned: the junk file is found (and fails as not a media file)
        assert [failure["path"] for failure in report["failed"]] == [
            str(base / "library" / "open" / "junk.mp4")
        ]
        assert code == 1
        code, out = result["text"]
        assert out.count(f"skipped (cannot read): {locked}: permission denied") == 1
        assert out.count(f"skipped (cannot read): {secret}: permission denied") == 1
        assert "2 skipped (cannot read)" in out
    finally:
        for path in (locked, secret):
            with contextlib.suppress(OSError):
                path.chmod(0o700)
        shutil.rmtree(base, ignore_errors=True)


def test_reconcile_follows_adds_moves_edits_and_vanished_files_in_one_pass(tmp_path):
    """reconcile compares the files with the items it read up front: a move made during the scan must move the
    item out of its old path, so a file that turns up there later is not taken for the moved item."""
    from mediarec.index.store import LibraryStore
    from mediarec.scan.sync import reconcile

    media = tmp_path / "media"
    media.mkdir()
    for name, content in (
        ("a.mp4", b"first"),
        ("b.mp4", b"second"),
        ("c.mp4", b"third"),
        ("d.mp4", b"fourth"),
    ):
        (media / name).write_bytes(content)
    store = LibraryStore(tmp_path / "library.sqlite")
    try:
        assert sorted(os.path.basename(p) for p in reconcile(store, [media]).added) == [
            "a.mp4",
            "b.mp4",
            "c.mp4",
            "d.mp4",
        ]
        second = reconcile(store, [media])
        assert len(second.unchanged) == 4 and not (second.added or second.moved or second.missing)
        first_id = store.item_by_path(str(media / "a.mp4")).id
        (media / "a.mp4").rename(media / "e.mp4")  # moved
        (media / "b.mp4").write_bytes(b"second, edited")  # changed
        (media / "c.mp4").unlink()  # vanished
        report = reconcile(store, [media])
        assert report.moved == [(str(media / "a.mp4"), str(media / "e.mp4"))]
        assert report.changed == [str(media / "b.mp4")]
        assert report.missing == [str(media / "c.mp4")]
        assert store.item_by_path(str(media / "e.mp4")).id == first_id
        assert store.item_by_path(str(media / "c.mp4")).status == "missing"
        # The vanished file's content turns up twice: under a new name found first (the missing item moves
        # there), and at its old path again, found later, which is a new item, not the moved one moving back.
        (media / "0.mp4").write_bytes(b"third")
        (media / "c.mp4").write_bytes(b"third")
        report = reconcile(store, [media])
        assert report.moved == [(str(media / "c.mp4"), str(media / "0.mp4"))]
        assert report.added == [str(media / "c.mp4")] and report.missing == []
        assert store.item_by_path(str(media / "0.mp4")).status != "missing"
    finally:
        store.close()

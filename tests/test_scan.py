"""Folder scanning and fingerprints on a real file tree."""

from __future__ import annotations

import os

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

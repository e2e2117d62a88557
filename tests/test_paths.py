"""File names that are not UTF-8 (bytes from old drives) survive the library end to end: stored losslessly, found by
their real name, opened by PyAV, shown escaped as \\xff."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import json_lines, run_cli

from mediarec.index.items import path_from_stored, stored_path
from mediarec.index.store import LibraryStore
from mediarec.scan.paths import display_path, display_text, one_line, path_from_display
from mediarec.scan.sync import reconcile

NAMES = [
    "/music/plain.mp3",
    "/音乐/周杰伦 - 晴天.flac",
    os.fsdecode(b"/old/drive/caf\xe9.mp4"),  # Latin-1 from an old drive: not UTF-8
    os.fsdecode(b"/old/\xff\xfe/\x80.mkv"),
    "/a/\ufdd0.mp4",  # the escape's own character, literally in a name
    "/a/\ufdd0dcff.mp4",  # ... and followed by what an escape would look like
    "/a/\ufdd0\ufdd0\udcff",
    "/w/lone \ud800 half.mp4",  # what Windows gives for an unpaired UTF-16 half
    "C:\\Users\\x\\xff\\clip.mp4",
    os.fsdecode(bytes(range(0x80, 0x100))),
]


def byte_name(folder: Path, raw: bytes) -> Path:
    """folder/raw with the bytes as they are, or a skip where the file system only takes UTF-8 names."""
    if os.name != "posix":
        pytest.skip("names are bytes only on POSIX file systems")
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), raw)))
    try:
        path.touch()
        path.unlink()
    except OSError as error:  # macOS APFS refuses names that are not UTF-8
        pytest.skip(f"this file system does not take the name {raw!r}: {error}")
    return path


def test_stored_form_round_trips_every_name_and_keeps_valid_names_as_they_are():
    for name in NAMES:
        stored = stored_path(name)
        stored.encode("utf-8")  # what sqlite needs
        assert path_from_stored(stored) == name
        # a folder's stored path stays a prefix of its files' (the `under` query depends on it)
        assert stored_path(name + "/x.mp4").startswith(stored_path(name) + "/")
    assert stored_path("/music/plain.mp3") == "/music/plain.mp3"
    assert stored_path("/音乐/周杰伦 - 晴天.flac") == "/音乐/周杰伦 - 晴天.flac"
    assert len({stored_path(name) for name in NAMES}) == len(NAMES)


def test_names_are_shown_with_bad_bytes_escaped():
    name = os.fsdecode(b"/old/drive/caf\xe9 \xff.mp4")
    assert display_path(name) == "/old/drive/caf\\xe9 \\xff.mp4"
    assert display_path(os.fsencode(name)) == "/old/drive/caf\\xe9 \\xff.mp4"
    assert display_path("/w/lone \ud800 half") == "/w/lone \\ud800 half"
    assert display_path("/音乐/晴天.flac") == "/音乐/晴天.flac"
    assert path_from_display(display_path(name)) == name
    json.dumps(display_path(name), ensure_ascii=False).encode("utf-8")
    assert display_text(f"{name}: not a media file") == "/old/drive/caf\\xe9 \\xff.mp4: not a media file"


def test_store_keeps_and_finds_names_that_are_not_utf8(tmp_path):
    store = LibraryStore(tmp_path / "library.sqlite")
    try:
        folder = os.fsdecode(b"/old/drive/d\xfe")
        name = folder + os.fsdecode(b"/caf\xff.mp4")
        lookalike = "/old/drive/d\\xfe/caf\\xff.mp4"  # a real name that reads like the shown one
        item_id = store.add_item(name, "f1", 10, 1.0)
        other_id = store.add_item(lookalike, "f2", 10, 1.0)
        assert item_id != other_id
        assert store.item_by_path(name).path == name
        assert store.item_by_path(lookalike).id == other_id
        assert store.item(item_id).path == name
        assert [item.path for item in store.items(statuses=("pending",), under=folder)] == [name]
        assert [item.path for item in store.items_by_fingerprint("f1")] == [name]
        store.add_folder(folder)
        assert store.folders() == [folder]
        renamed = folder + os.fsdecode(b"/caf\xfc.mp4")
        store.move_item(item_id, renamed, 10, 2.0)
        assert store.item_by_path(name) is None
        assert store.item_by_path(renamed).id == item_id
        (text,) = store.query("SELECT path FROM items WHERE id = ?", (item_id,))[0]
        text.encode("utf-8")
        store.remove_folder(folder)
        assert store.folders() == []
    finally:
        store.close()


def test_a_file_named_with_bytes_that_are_not_utf8_is_scanned_found_and_decoded(tmp_path):
    import av

    from mediarec.media.audio import decode_audio
    from mediarec.media.keyframes import extract_keyframes
    from mediarec.media.probe import probe
    from mediarec.media.samples import ShapeShot, tone, write_audio, write_shapes_video

    folder = byte_name(tmp_path, b"d\xfe")
    folder.mkdir()
    song = byte_name(folder, b"caf\xff.wav")
    video = byte_name(folder, b"v\xe9o.mp4")
    os.replace(write_audio(tmp_path / "song.wav", tone(0.5)), song)
    os.replace(write_shapes_video(tmp_path / "video.mp4", [ShapeShot("circle", "red", 0.5)], size=32), video)
    assert os.fsencode(song).endswith(b"/d\xfe/caf\xff.wav")

    store = LibraryStore(tmp_path / "library.sqlite")
    try:
        report = reconcile(store, [tmp_path])
        assert sorted(report.added) == sorted([str(song), str(video)])
        assert report.unreadable == []
        item = store.item_by_path(str(song))
        assert item is not None and os.fsencode(item.path) == os.fsencode(song)
        assert reconcile(store, [tmp_path]).unchanged == sorted([str(song), str(video)])

        # PyAV gets the real name (the str with its surrogate escapes; bytes it would take for a file object)
        with av.open(item.path) as container:
            assert container.streams.audio
        assert probe(item.path).has_audio
        assert len(decode_audio(item.path)) > 0
        assert extract_keyframes(store.item_by_path(str(video)).path).keyframes

        moved = byte_name(folder, b"caf\xe9.wav")
        os.replace(song, moved)
        report = reconcile(store, [tmp_path])
        assert report.moved == [(str(song), str(moved))]
        assert store.item_by_path(str(moved)).id == item.id
    finally:
        store.close()


def test_index_and_show_a_file_whose_name_is_not_utf8(tmp_path, offline_env, capsys):
    from mediarec.media.samples import tone, write_audio

    folder = byte_name(tmp_path, b"d\xfe")
    folder.mkdir()
    song = byte_name(folder, b"caf\xff.wav")
    os.replace(write_audio(tmp_path / "song.wav", tone(0.5)), song)
    junk = byte_name(folder, b"not\xff.mp4")
    junk.write_text("not a video\n" * 20)
    data = ["--data-dir", str(tmp_path / "data")]
    shown_folder = display_path(folder)

    code, out, err = run_cli([*data, "index", "--json", str(tmp_path)], offline_env, capsys)
    (report,) = json_lines(out)
    assert report["indexed"] == 1, err
    assert [failure["path"] for failure in report["failed"]] == [f"{shown_folder}/not\\xff.mp4"]
    # The reason alone, in user words: the (escaped) path is shown once, beside it.
    assert report["failed"][0]["error"] == "not a media file PyAV can read"
    assert code == 0

    # found by its real name and by the name as shown; the error stored with the name is printable
    from mediarec.app import Library
    from mediarec.config import load_settings

    library = Library(load_settings(data_dir=tmp_path / "data", environ=offline_env))
    try:
        library_item = library.resolve(song)
        assert library.resolve(display_path(song)).id == library_item.id
        assert os.fsencode(library_item.path) == os.fsencode(song)
        (failed,) = library.failed_items()
        failed.error.encode("utf-8")
    finally:
        library.close()

    code, out, err = run_cli([*data, "index", str(tmp_path)], offline_env, capsys)
    assert code == 0, err
    assert "1 already up to date" in out


def test_json_output_shows_undecodable_names_escaped(capsys):
    from mediarec.cli.output import print_json

    name = os.fsdecode(b"/music/caf\xff.mp3")
    print_json({"path": name, "results": [{"path": name}]})
    line = capsys.readouterr().out
    assert json.loads(line) == {"path": "/music/caf\\xff.mp3", "results": [{"path": "/music/caf\\xff.mp3"}]}


def test_plain_text_lines_show_control_characters_in_names_and_read_them_back():
    name = "/music/new\nline\tand \x1b[31mred\x7f \x85.mp3"
    shown = one_line(name)
    assert shown == "/music/new\\x0aline\\x09and \\x1b[31mred\\x7f \\u0085.mp3"
    assert shown.isprintable()
    assert path_from_display(one_line("/music/new\nline\x1b.mp3")) == "/music/new\nline\x1b.mp3"
    undecodable = os.fsdecode(b"/old/caf\xff\n.mp4")
    assert one_line(undecodable) == "/old/caf\\xff\\x0a.mp4"
    assert path_from_display(one_line(undecodable)) == undecodable
    assert one_line("/音乐/晴天 -- --help.flac") == "/音乐/晴天 -- --help.flac"


def test_a_file_named_with_a_newline_and_an_escape_stays_on_its_line_and_is_found_by_it(
    tmp_path, offline_env, capsys
):
    from mediarec.media.samples import tone, write_audio

    if os.name != "posix":
        pytest.skip("only POSIX file names hold control characters")
    folder = tmp_path / "odd"
    folder.mkdir()
    song = write_audio(folder / "new\nline \x1b[2J.wav", tone(0.5))
    (folder / "broken\n.mp4").write_text("not a video\n" * 20)
    data = ["--data-dir", str(tmp_path / "data")]

    code, out, err = run_cli([*data, "index", "--no-progress", str(folder)], offline_env, capsys)
    assert code == 0, err
    assert f"  failed: {folder}/broken\\x0a.mp4: not a media file PyAV can read" in out.splitlines()
    code, out, err = run_cli([*data, "show", one_line(str(song))], offline_env, capsys)
    assert code == 0, err
    assert out.splitlines()[:2] == [
        "new\\x0aline \\x1b[2J  (audio, 0:00)",
        f"  {folder}/new\\x0aline \\x1b[2J.wav",
    ]
    assert "\x1b" not in out
    code, out, err = run_cli([*data, "failed"], offline_env, capsys)
    assert out.splitlines() == [f"{folder}/broken\\x0a.mp4: not a media file PyAV can read"]


def test_the_progress_bar_names_a_long_file_name_in_short(tmp_path, offline_env, capsys):
    from mediarec.cli.indexing import PROGRESS_NAME_CHARACTERS
    from mediarec.media.samples import tone, write_audio

    folder = tmp_path / "long"
    folder.mkdir()
    name = (
        "a" * 100 + "z" * 100 + ".wav"
    )  # file systems take 255 bytes (the sample writer's temporary name more)
    write_audio(folder / name, tone(0.5))
    code, out, err = run_cli(
        ["--data-dir", str(tmp_path / "data"), "index", str(folder)], offline_env, capsys
    )
    assert code == 0, err
    shown = "a" * 20 + "…" + "z" * 15 + ".wav"
    assert len(shown) == PROGRESS_NAME_CHARACTERS and shown in err
    assert name not in err

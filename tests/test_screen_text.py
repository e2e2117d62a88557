"""On-screen text: merging lines across pictures (pure logic), the pictures a video is read from, the real PP-OCRv4
model on rendered English and Chinese, and a video indexed and searched through the "read" channel."""

from __future__ import annotations

import pytest
from conftest import IN_CI, require_installed

from mediarec.media.text_cards import TextCard, card_starts, cjk_font_path, render_card, write_text_video
from mediarec.models.ocr import ReadLine
from mediarec.understand.screen_text import (
    MAX_GAP_SECONDS,
    ReadPicture,
    box_overlap,
    merge_screen_text,
    worth_keeping,
)

# Outside CI a missing CJK font skips; in CI, where installers/setup.sh installs fonts-noto-cjk, it fails.
needs_cjk_font = pytest.mark.skipif(
    cjk_font_path() is None and not IN_CI, reason="no CJK font (apt-get install fonts-noto-cjk)"
)

TITLE_BOX = (0.1, 0.1, 0.6, 0.2)
BODY_BOX = (0.1, 0.5, 0.8, 0.6)


def _picture(start: float, *lines: tuple[str, tuple[float, float, float, float]], score: float = 0.95):
    return ReadPicture(start, start + 1.0, tuple(ReadLine(text, score, box) for text, box in lines))


# -- merging (understand.screen_text) ---------------------------------------------------------------------------


def test_a_line_read_in_consecutive_pictures_is_one_segment_with_its_most_read_text():
    pictures = [
        _picture(2.0, ("Quarterly results", TITLE_BOX)),
        _picture(3.0, ("Quarterly resu1ts", TITLE_BOX), score=0.7),  # one letter misread: still the same line
        _picture(4.0, ("Quarterly results", TITLE_BOX)),
    ]
    [segment] = merge_screen_text(pictures)
    assert (segment.start, segment.end, segment.text, segment.box) == (
        2.0,
        5.0,
        "Quarterly results",
        TITLE_BOX,
    )


def test_the_same_words_elsewhere_on_screen_and_a_new_line_stay_apart():
    pictures = [
        _picture(0.0, ("Revenue", TITLE_BOX)),
        _picture(1.0, ("Revenue", TITLE_BOX), ("Revenue", BODY_BOX)),
        _picture(2.0, ("Costs fell", TITLE_BOX)),
    ]
    segments = merge_screen_text(pictures)
    assert [(s.start, s.end, s.text, s.box) for s in segments] == [
        (0.0, 2.0, "Revenue", TITLE_BOX),
        (1.0, 2.0, "Revenue", BODY_BOX),
        (2.0, 3.0, "Costs fell", TITLE_BOX),
    ]


def test_a_line_missed_once_continues_but_one_back_after_a_long_gap_is_new():
    missed_once = [_picture(0.0, ("字幕一", TITLE_BOX)), _picture(1.0), _picture(2.0, ("字幕一", TITLE_BOX))]
    assert [(s.start, s.end) for s in merge_screen_text(missed_once)] == [(0.0, 3.0)]
    later = 1.0 + MAX_GAP_SECONDS + 0.5
    back_later = [_picture(0.0, ("字幕一", TITLE_BOX)), _picture(later, ("字幕一", TITLE_BOX))]
    assert [(s.start, s.end) for s in merge_screen_text(back_later)] == [(0.0, 1.0), (later, later + 1.0)]


def test_noise_is_not_a_line():
    assert not worth_keeping("|")
    assert not worth_keeping("  -- ")
    assert not worth_keeping("l")
    assert worth_keeping("狗") and worth_keeping("Go")
    assert merge_screen_text([_picture(0.0, ("·", TITLE_BOX), ("I", BODY_BOX))]) == []


def test_box_overlap():
    assert box_overlap(TITLE_BOX, TITLE_BOX) == pytest.approx(1.0)
    assert box_overlap(TITLE_BOX, BODY_BOX) == 0.0
    assert box_overlap((0, 0, 2, 1), (1, 0, 3, 1)) == pytest.approx(1 / 3)


# -- the pictures a video is read from (media.text_frames through media.keyframes) -------------------------------


CARDS = [
    TextCard(3.0),
    TextCard(4.0, ("Quarterly revenue grew",)),
    TextCard(3.0),
    TextCard(4.0, ("海边的小狗在奔跑",)),
    TextCard(2.0),
]


@pytest.fixture(scope="module")
def text_video(tmp_path_factory):
    require_installed(cjk_font_path() is not None, "a CJK font (fonts-noto-cjk)")
    return write_text_video(tmp_path_factory.mktemp("read") / "media" / "slides.mp4", CARDS)


def test_pictures_identical_to_the_one_before_are_not_kept(text_video):
    from mediarec.media.keyframes import extract_keyframes
    from mediarec.media.text_frames import TextFrameCollector

    collector = TextFrameCollector(1.0)
    visual = extract_keyframes(text_video, text_frames=collector)
    frames = collector.frames(visual.duration)
    # Five cards, each sampled three or four times: one picture per card is read.
    assert [round(frame.start) for frame in frames] == [round(start) for start in card_starts(CARDS)]
    assert frames[-1].end == pytest.approx(visual.duration, abs=0.2)
    assert frames[1].image.ndim == 2 and max(frames[1].image.shape) <= 960


# -- the model (models.ocr, PP-OCRv4 from the rapidocr-onnxruntime wheel) ----------------------------------------


@pytest.fixture(scope="module")
def reader():
    from mediarec.models.ocr import RapidOcrReader

    reader = RapidOcrReader()
    yield reader
    reader.unload()


@needs_cjk_font
def test_the_model_reads_english_and_chinese_and_nothing_on_a_blank_picture(reader):
    card = TextCard(1.0, ("Quarterly revenue grew", "海边的小狗在奔跑"), pixels=28)
    lines = reader.read(render_card(card, 640, 360))
    assert [line.text for line in lines] == ["Quarterly revenue grew", "海边的小狗在奔跑"]
    left, top, right, bottom = lines[0].box
    assert left == pytest.approx(40 / 640, abs=0.02) and top == pytest.approx(48 / 360, abs=0.03)
    assert right > left and bottom > top
    assert reader.read(render_card(TextCard(1.0), 640, 360)) == []
    assert reader.model_id.startswith("rapidocr:package:rapidocr-onnxruntime@")


def test_the_cuda_provider_is_asked_for_only_on_a_gpu_and_only_where_onnxruntime_has_it():
    import onnxruntime

    from mediarec.models.device import DeviceChoice
    from mediarec.models.ocr import RapidOcrReader

    has_cuda = "CUDAExecutionProvider" in onnxruntime.get_available_providers()
    assert RapidOcrReader(device=DeviceChoice("cuda", "float16")).uses_cuda == has_cuda
    assert not RapidOcrReader(device=DeviceChoice("cpu", "float32")).uses_cuda


def test_bad_options_and_a_folder_without_the_model_say_what_to_fix(tmp_path):
    from mediarec.models.base import ModelError
    from mediarec.models.ocr import RapidOcrReader

    with pytest.raises(ModelError, match="min_score is between 0 and 1"):
        RapidOcrReader(min_score=2)
    with pytest.raises(ModelError, match="has no ch_PP-OCRv4_det_infer.onnx"):
        _ = RapidOcrReader(str(tmp_path)).model_id


# -- indexed and searched (pipeline read stage, storage, the "read" channel) --------------------------------------


@pytest.fixture(scope="module")
def read_library(text_video, tmp_path_factory):
    from mediarec.app import Library
    from mediarec.config import load_settings

    root = tmp_path_factory.mktemp("read-library")
    environ = {
        "MEDIAREC_PROFILE": "offline",
        "MEDIAREC_CACHE_DIR": str(root / "cache"),
        "MEDIAREC_CONFIG": str(root / "config.toml"),
    }
    library = Library(load_settings(data_dir=root / "data", environ=environ))
    for _ in library.indexer().run([text_video.parent]):
        pass
    yield library, library.store.item_by_path(str(text_video))
    library.close()


def test_the_lines_are_stored_with_their_times_and_the_blank_cards_give_none(read_library):
    library, item = read_library
    lines = library.store.screen_text(item.id)
    starts = card_starts(CARDS)
    assert [line.text for line in lines] == ["Quarterly revenue grew", "海边的小狗在奔跑"]
    for line, card in zip(lines, (1, 3), strict=True):
        assert line.start == pytest.approx(starts[card], abs=0.5)
        assert line.end == pytest.approx(starts[card + 1], abs=0.5)
    blank = [(starts[i], starts[i] + CARDS[i].seconds) for i in (0, 2, 4)]
    assert not any(
        line.start < end - 0.5 and line.end > start + 0.5 for line in lines for start, end in blank
    )
    read_segments = library.store.item_segments(item.id, "read")
    assert sorted(s.text for s in read_segments) == sorted(line.text for line in lines)
    frames = {s.thumbnail: s for s in library.store.item_segments(item.id, "frame")}
    for segment in read_segments:  # a read moment shows the keyframe of its time
        keyframe = frames[segment.thumbnail]
        assert keyframe.start - 1.0 <= segment.start <= keyframe.end + 1.0


@pytest.mark.parametrize(
    ("query", "card"),
    [
        ("quarterly revenue", 1),  # the words
        ("the company's sales went up", 1),  # a paraphrase
        ("小狗", 3),  # the words, in Chinese
        ("a puppy running on the beach", 3),  # a paraphrase, in English
    ],
)
def test_searching_what_was_on_screen_lands_on_its_appearance(read_library, query, card):
    library, item = read_library
    [hit] = library.search(query)
    assert hit.item.id == item.id
    assert hit.best.modality == "read"
    assert hit.best.start == pytest.approx(card_starts(CARDS)[card], abs=1.0)
    assert hit.best.snippet == CARDS[card].lines[0]


def test_a_query_about_something_absent_finds_nothing(read_library):
    library, _ = read_library
    assert library.search("a submarine under the ice") == []


# -- storage (migration 0004_screen_text) ----------------------------------------------------------------------


def test_the_migration_keeps_every_segment_and_its_id_and_then_takes_read_segments(tmp_path):
    from mediarec.index.migrations import MIGRATIONS, migrate
    from mediarec.index.sqlite_driver import find_driver

    names = [name for name, _ in MIGRATIONS]
    before = MIGRATIONS[: names.index("0004_screen_text")]
    connection = find_driver().module.connect(str(tmp_path / "library.sqlite3"))
    connection.execute("PRAGMA foreign_keys=ON")
    migrate(connection, before)
    connection.execute(
        "INSERT INTO items(id, path, fingerprint, size, mtime, status, added_at) VALUES (7, '/v.mp4', 'f', 1, 0, "
        "'indexed', 0)"
    )
    connection.execute(
        "INSERT INTO segments(id, item_id, modality, start, end, text) VALUES (41, 7, 'speech', 1.0, 2.0, 'hi')"
    )
    connection.commit()
    migrate(connection)
    rows = connection.execute("SELECT id, item_id, modality, start, end, text FROM segments").fetchall()
    assert [tuple(row) for row in rows] == [(41, 7, "speech", 1.0, 2.0, "hi")]
    connection.execute(
        "INSERT INTO segments(item_id, modality, start, end, text) VALUES (7, 'read', 3, 4, 'Menu')"
    )
    connection.execute(
        "INSERT INTO screen_text_segments(item_id, start, end, text, box_json) VALUES (7, 3, 4, 'Menu', '[0,0,1,1]')"
    )
    connection.execute("DELETE FROM items WHERE id = 7")  # derived rows go with their item
    assert connection.execute("SELECT count(*) FROM screen_text_segments").fetchone()[0] == 0
    connection.close()


def test_show_lists_the_lines_shown_on_screen(read_library, capsys):
    from argparse import Namespace

    from mediarec.cli.finding import cmd_show

    library, item = read_library
    shown = library.show(item.path).to_json()["screen_text"]
    assert [line["text"] for line in shown] == ["Quarterly revenue grew", "海边的小狗在奔跑"]
    assert all(len(line["box"]) == 4 and line["end"] > line["start"] for line in shown)
    assert cmd_show(library, Namespace(path=item.path, json=False)) == 0
    printed = capsys.readouterr().out
    assert "  on screen:\n    [0:03-0:07] Quarterly revenue grew\n    [0:10-0:14] 海边的小狗在奔跑" in printed


def test_the_config_switch_is_checked_and_turns_reading_off(tmp_path):
    from mediarec.config import ConfigError, load_settings

    config = tmp_path / "config.toml"
    config.write_text('[index]\nread_text = "no"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[index\] read_text is true or false, not 'no'"):
        load_settings(config_path=config, data_dir=tmp_path)
    config.write_text("[index]\nread_text = false\nseconds_per_text_frame = 0.5\n", encoding="utf-8")
    settings = load_settings(config_path=config, data_dir=tmp_path).index
    assert (settings.read_text, settings.seconds_per_text_frame) == (False, 0.5)


def test_a_picture_moved_by_a_pixel_is_the_same_but_a_new_word_is_not():
    import numpy as np

    from mediarec.media.text_frames import differs

    rng = np.random.default_rng(0)
    gradient = np.linspace(20, 200, 256)[None, :] + rng.integers(-6, 7, (144, 256))
    picture = gradient.clip(0, 255).astype(np.uint8)
    picture[40:80, 60:120] = 250  # a bright square on a grainy gradient
    moved = np.concatenate([picture[:, :1], picture[:, :-1]], axis=1)  # one pixel to the right
    assert not differs(picture, moved)
    noisy = np.clip(picture.astype(np.int16) + rng.integers(-10, 11, picture.shape), 0, 255).astype(np.uint8)
    assert not differs(picture, noisy)
    plain = np.full((144, 256), 30, np.uint8)
    subtitled = plain.copy()
    subtitled[120:124, 100:104] = 240  # a few strokes of a short subtitle
    assert differs(plain, subtitled) and differs(subtitled, plain)


def test_a_picture_drifted_by_a_few_pixels_is_the_same_but_a_subtitle_on_it_or_a_pan_is_not():
    import numpy as np

    from mediarec.media.text_frames import differs, whole_picture_shift

    rng = np.random.default_rng(1)
    scene = np.linspace(20, 200, 300)[None, :] + rng.integers(-6, 7, (180, 300))
    scene[60:110, 80:150] = 250  # a bright shape on a grainy gradient
    view = lambda rows, columns: scene[10 + rows : 154 + rows, 20 + columns : 276 + columns].astype(np.uint8)  # noqa: E731
    still, drifted = view(0, 0), view(3, -4)  # a shaking camera: 3 pixels down, 4 left
    assert whole_picture_shift(still.astype(np.int16), drifted.astype(np.int16)) == (-3, 4)
    assert not differs(still, drifted) and not differs(drifted, still)
    subtitled = drifted.copy()
    subtitled[120:124, 100:104] = 0  # a few strokes of a short subtitle on the drifted picture
    assert differs(still, subtitled) and differs(subtitled, still)
    assert differs(still, view(0, 20))  # a pan: read again


def test_loading_the_model_leaves_qt_where_it_was():
    """cv2 (under rapidocr) points Qt at its own plugins when imported; a Qt application started after the model
    loaded in the same process (the desktop app, a test session) must still find its own."""
    import subprocess
    import sys

    script = (
        "import os\n"
        "from mediarec.models.ocr import RapidOcrReader\n"
        "RapidOcrReader().load()\n"
        "import cv2\n"
        "print(os.environ.get('QT_QPA_PLATFORM_PLUGIN_PATH'))\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert shown.stdout.strip() == "None"

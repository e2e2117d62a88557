"""The offline profile on real photos, before (tiny CLIP only) and after (with the image_labels model).

    .venv/bin/python benchmarks/devsets/build_photo_devset.py
    .venv/bin/python benchmarks/bench_image_labels.py [--manifest devsets/photos/manifest.jsonl] [--work DIR]

Indexes the development set's clips twice into fresh libraries: "before" with ``[models.image_labels] enabled =
false`` (what the offline profile was: the tiny CLIP's frames and its shapes vocabulary), "after" with the profile
as it is. For each it prints, as JSON:

* visual tags: precision with every applied visual tag judged (right when it is one of the item's accepted tags;
  a "red square" on a flower, or any tag on a photo ImageNet has no class for, is wrong), and recall over the
  shots (a shot with accepted tags whose item got one of them);
* visual queries ("a dog", 狗, for every tag two or more photos carry): R@5 (relevant items in the top 5 over
  min(5, relevant)), hit@5 (some relevant item in the top 5), and the share of negative queries answered with
  nothing;
* "looks like": P@5 of Library.similar(modality="looks") over the one-photo clips (same group in the top 5, out
  of 5; a missing hit counts as wrong) and the mean number of hits returned.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mediarec.app import Library  # noqa: E402
from mediarec.config import load_settings  # noqa: E402

VARIANTS = {"before": "[models.image_labels]\nenabled = false\n", "after": ""}
K = 5


def index(manifest: Path, work: Path, variant: str) -> tuple[Library, float]:
    folder = work / variant
    config = folder / "config.toml"
    folder.mkdir(parents=True, exist_ok=True)
    config.write_text(VARIANTS[variant], encoding="utf-8")
    environ = dict(os.environ, MEDIAREC_PROFILE="offline", MEDIAREC_CONFIG=str(config))
    environ["MEDIAREC_CACHE_DIR"] = str(work / "cache")
    library = Library(load_settings(data_dir=folder / "data", environ=environ))
    started = time.perf_counter()
    for _ in library.indexer().run([manifest.parent / "photos", manifest.parent / "mixed"]):
        pass
    return library, time.perf_counter() - started


def tag_scores(library: Library, items: list[dict], root: Path) -> dict:
    right = wrong = recalled = shots = 0
    for item in items:
        record = library.resolve(root / item["path"])
        predicted = {
            tag.name for tag in library.store.tags(record.id) if tag.source == "visual" and tag.score >= 0.5
        }
        right += len(predicted & set(item["tags"]))
        wrong += len(predicted - set(item["tags"]))
        for accepted in item["shots"]:
            if accepted:
                shots += 1
                recalled += bool(predicted & set(accepted))
    return {"precision": round(right / max(1, right + wrong), 3), "recall": round(recalled / max(1, shots), 3),
            "applied": right + wrong}  # fmt: skip


def query_scores(library: Library, queries: list[dict], root: Path) -> dict:
    recalls, hits, by_language, empty = [], [], {}, []
    for query in queries:
        found = [Path(hit.item.path).resolve() for hit in library.search(query["text"], K)]
        if query.get("negative"):
            empty.append(not found)
            continue
        relevant = {(root / path).resolve() for path in query["relevant"]}
        recall = len(relevant & set(found[:K])) / min(K, len(relevant))
        recalls.append(recall)
        hits.append(bool(relevant & set(found[:K])))
        by_language.setdefault(query["language"], []).append(recall)
    return {
        "queries": len(recalls), "recall@5": round(sum(recalls) / len(recalls), 3),
        "hit@5": round(sum(hits) / len(hits), 3),
        "recall@5_by_language": {lang: round(sum(v) / len(v), 3) for lang, v in sorted(by_language.items())},
        "negative_answered_with_nothing": round(sum(empty) / max(1, len(empty)), 3),
    }  # fmt: skip


def looks_scores(library: Library, items: list[dict], root: Path) -> dict:
    group_of = {(root / item["path"]).resolve(): item["group"] for item in items if item["group"]}
    sizes: dict[str, int] = {}
    for group in group_of.values():
        sizes[group] = sizes.get(group, 0) + 1
    precisions, returned = [], []
    for path, group in group_of.items():
        if sizes[group] < 2:
            continue
        hits = library.similar(path, K, modality="looks")
        same = sum(group_of.get(Path(hit.item.path).resolve()) == group for hit in hits)
        precisions.append(same / min(K, sizes[group] - 1))
        returned.append(len(hits))
    return {"items": len(precisions), "P@5": round(sum(precisions) / len(precisions), 3),
            "mean_hits": round(sum(returned) / len(returned), 2)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=ROOT / "devsets" / "photos" / "manifest.jsonl")
    parser.add_argument("--work", type=Path, default=None, help="where the libraries go (a temporary folder)")
    parser.add_argument("--variants", default="before,after")
    args = parser.parse_args(argv)
    lines = [json.loads(line) for line in args.manifest.read_text(encoding="utf-8").splitlines() if line]
    items = [line for line in lines if line["kind"] == "item"]
    queries = [line for line in lines if line["kind"] == "query"]
    root = args.manifest.parent
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-image-labels-"))
    report: dict = {"manifest": str(args.manifest), "items": len(items), "queries": len(queries),
                    "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"}  # fmt: skip
    for variant in args.variants.split(","):
        library, seconds = index(args.manifest, work, variant)
        try:
            report[variant] = {
                "index_seconds": round(seconds, 1),
                "visual_tags": tag_scores(library, items, root),
                "visual_queries": query_scores(library, queries, root),
                "looks_like": looks_scores(library, items, root),
            }
        finally:
            library.close()
        print(json.dumps({variant: report[variant]}), file=sys.stderr)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

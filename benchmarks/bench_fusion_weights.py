"""More like this P@5 per kind of item: the fusion before per-item weights (every present block counts fully, the
fixed-weight mean of calibrated cosines) beside the default now (each block weighed by its evidence, the untrained
gate on top), and each single modality, on an already indexed evaluation library. Prints one JSON object.

    .venv/bin/python benchmarks/bench_fusion_weights.py --manifest devsets/messy/manifest.jsonl \\
        --library benchmarks/_out/calsearch6/messy/library

`--library` is the data folder `mediarec eval` indexed into (OUT/library); it is opened read-only in spirit (only
read). "versus_single" sets fused against each modality on the same asking items, every other member of the
group a right answer (mediarec.evaluation.similar).
"""

from __future__ import annotations

import argparse
import json
import platform
import time

from mediarec.evaluation.manifest import load_manifest
from mediarec.evaluation.similar import evaluate_similar, item_layout, similarity_kind
from mediarec.index.store import LibraryStore
from mediarec.rank.fusion_scoring import DEFAULT_FUSION, WeightedFusion, library_calibration, make_fusion
from mediarec.rank.item_vector import DEFAULT_WEIGHTS


def labelled(store: LibraryStore, manifest_path: str) -> tuple[dict[int, str], dict[int, str]]:
    groups, kinds = {}, {}
    for item in load_manifest(manifest_path).items:
        record = store.item_by_path(str(item.path))
        if record is None or record.status != "indexed" or not item.group:
            continue
        groups[record.id] = item.group
        kind = similarity_kind(item.type, item.labels)
        if kind is not None:
            kinds[record.id] = kind
    return groups, kinds


def figures(result: dict) -> dict:
    fused = result["fused"]
    return {
        "precision@5": fused["precision@5"],
        "by_kind": {kind: value["precision@5"] for kind, value in fused.get("by_kind", {}).items()},
        "versus_single": fused.get("versus_single", {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--library", required=True, help="the data folder holding library.sqlite3")
    args = parser.parse_args()
    store = LibraryStore(f"{args.library}/library.sqlite3")
    groups, kinds = labelled(store, args.manifest)
    calibration = library_calibration(store, item_layout(store))
    started = time.perf_counter()
    before = evaluate_similar(store, groups, WeightedFusion(dict(DEFAULT_WEIGHTS), calibration), kinds=kinds)
    after = evaluate_similar(store, groups, make_fusion(DEFAULT_FUSION, calibration), kinds=kinds)
    singles = {
        m: {
            "precision@5": after[m]["precision@5"],
            "by_kind": {kind: value["precision@5"] for kind, value in after[m].get("by_kind", {}).items()},
        }
        for m in ("frame", "audio", "speech")
    }
    print(
        json.dumps(
            {
                "manifest": args.manifest,
                "items": len(groups),
                "before (every block fully)": figures(before),
                "after (blocks weighed by evidence)": figures(after),
                "single modalities": singles,
                "seconds": round(time.perf_counter() - started, 1),
                "machine": f"{platform.machine()}, {platform.python_version()}",
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()

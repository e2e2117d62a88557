"""Indexing on Ray against the local indexer, in one run on the same media, and the head's write ceiling.

Makes narrated clips (benchmarks/bench_indexing.py's), then indexes them into a fresh library each time with the
local indexer and with `local[N]` clusters for each N asked, all with the offline profile and one shared model
cache (warmed first, so no run pays the one-time model assembly or CLIP's ONNX export). Prints JSON: media seconds
per wall second for each, with and without the cluster's start-up (Ray itself and the encoders' first model
loads), and the scaling efficiency (rate / (N x rate of local[1])). A run written `local[N]:T` gives each encoder T
CPU slots and threads (`--cpus-per-encoder T`). Then the head alone: files per second its
single writer sustains writing synthetic results of product-sized models (ViT-B-32 frames, 512-d speech, 1024-d
YAMNet windows) through the cluster job's own write path, which bounds what any number of workers can reach.

    .venv/bin/python benchmarks/bench_cluster.py [--clips 8] [--seconds 20] [--runs local[1] local[2]] [--writes 300]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_indexing import make_clip

from mediarec.app import Library
from mediarec.config import load_settings
from mediarec.index.records import ItemIndexResult, NewSegment, TagRecord, TranscriptLine
from mediarec.pipeline.cluster import ClusterIndexer, parse_cluster_address
from mediarec.pipeline.cluster.worker import FileOutcome
from mediarec.rank.item_vector import DEFAULT_WEIGHTS, FusionLayout, fuse_item_vector, modality_block

PRODUCT_DIMS = {"frame": 512, "speech": 512, "audio": 1024}
SEGMENTS_PER_FILE = {"frame": 12, "speech": 10, "audio": 25}  # a few minutes of video


def index_once(media: Path, data_dir: Path, environ: dict, cluster: str | None) -> dict:
    library = Library(load_settings(data_dir=data_dir, environ=environ))
    try:
        if cluster is None:
            job = library.indexer()
        else:
            address, _, threads = cluster.partition(":")
            job = ClusterIndexer(
                library.store,
                library.models,
                library.settings,
                parse_cluster_address(address),
                cpus_per_encoder=int(threads or 1),
            )
        started = time.perf_counter()
        for _ in job.run([media]):
            pass
        wall = time.perf_counter() - started
    finally:
        library.close()
    summary = job.summary
    start_up = job.cluster.start_seconds if cluster is not None else 0.0
    return {
        "run": cluster or "local indexer",
        "files": len(summary.indexed),
        "failed": len(summary.failed),
        "media_seconds": round(summary.media_seconds, 1),
        "wall_seconds": round(wall, 1),
        "start_up_seconds": round(start_up, 1),
        "media_seconds_per_wall_second": round(summary.media_seconds / wall, 2),
        "after_start_up": round(summary.media_seconds / max(1e-9, wall - start_up), 2),
    }


def synthetic_outcome(item_id: int, rng: np.random.Generator) -> FileOutcome:
    layout = FusionLayout({m: (f"synthetic-{m}", dim) for m, dim in PRODUCT_DIMS.items()}, DEFAULT_WEIGHTS)
    segments, blocks = [], {}
    for modality, count in SEGMENTS_PER_FILE.items():
        vectors = rng.normal(size=(count, PRODUCT_DIMS[modality])).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        blocks[modality] = modality_block(vectors)
        text = "words said in this part of the file" if modality == "speech" else None
        segments += [
            NewSegment(modality, 5.0 * i, 5.0 * i + 5.0, vector, text) for i, vector in enumerate(vectors)
        ]
    result = ItemIndexResult(
        metadata={"kind": "video", "duration": 180.0, "title": f"clip {item_id}"},
        segments=segments,
        shots=[(5.0 * i, 5.0 * i + 5.0) for i in range(12)],
        transcript=[TranscriptLine(5.0 * i, 5.0 * i + 5.0, "words said here") for i in range(20)],
        encoded_by={m: (f"synthetic-{m}", dim) for m, dim in PRODUCT_DIMS.items()},
        item_vector=fuse_item_vector(layout, blocks),
        item_vector_model=(layout.model_id, layout.dim),
        tags=[TagRecord(item_id, f"tag {k}", "visual", 0.9) for k in range(10)],
    )
    return FileOutcome(item_id, result, layout, None, False, None, {})


def head_write_rate(workspace: Path, environ: dict, writes: int) -> dict:
    """The cluster job's write path (ClusterIndexer._write_outcome) on synthetic results, no Ray."""
    library = Library(load_settings(data_dir=workspace / "writes", environ=environ))
    rng = np.random.default_rng(0)
    try:
        job = ClusterIndexer(
            library.store, library.models, library.settings, parse_cluster_address("local[1]")
        )
        now = time.time()
        ids = [
            library.store.add_item(f"/synthetic/{i:05d}.mp4", f"fp-{i}", 1000 + i, now) for i in range(writes)
        ]
        outcomes = [synthetic_outcome(item_id, rng) for item_id in ids]  # made before the clock starts
        started = time.perf_counter()
        for item_id, outcome in zip(ids, outcomes, strict=True):
            job._write_outcome(library.store.item(item_id), outcome)
        wall = time.perf_counter() - started
    finally:
        library.close()
    vectors = sum(SEGMENTS_PER_FILE.values()) + 1
    return {
        "files": writes,
        "vectors_per_file": vectors,
        "files_per_second": round(writes / wall, 1),
        "ms_per_file": round(1000 * wall / writes, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--runs", nargs="+", default=["local[1]", "local[2]"])
    parser.add_argument("--writes", type=int, default=300)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder)
        environ = dict(os.environ, MEDIAREC_PROFILE="offline", MEDIAREC_CACHE_DIR=str(workspace / "cache"))
        environ["MEDIAREC_CONFIG"] = str(workspace / "config.toml")
        media, warm = workspace / "media", workspace / "warm"
        media.mkdir()
        warm.mkdir()
        for index in range(args.clips):
            make_clip(media, index, args.seconds, rng)
        make_clip(warm, 0, 5.0, rng)
        index_once(warm, workspace / "warm-data", environ, None)  # fills the model cache for every run
        runs = [index_once(media, workspace / "local", environ, None)]
        for number, cluster in enumerate(args.runs):
            runs.append(index_once(media, workspace / f"cluster{number}", environ, cluster))
        one = next((run for run in runs if run["run"] == "local[1]"), None)
        for run in runs[1:]:
            workers = parse_cluster_address(run["run"].partition(":")[0]).local_workers or 1
            if one is not None and ":" not in run["run"]:
                run["scaling_efficiency"] = round(
                    run["after_start_up"] / (workers * one["after_start_up"]), 2
                )
            run["vs_local_indexer"] = round(
                run["media_seconds_per_wall_second"] / runs[0]["media_seconds_per_wall_second"], 2
            )
        print(
            json.dumps(
                {
                    "machine": {
                        "cpus": os.cpu_count(),
                        "platform": platform.platform(),
                        "load_average": os.getloadavg(),
                    },
                    "media": {"clips": args.clips, "seconds_each": args.seconds},
                    "indexing": runs,
                    "head_writes": head_write_rate(workspace, environ, args.writes),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()

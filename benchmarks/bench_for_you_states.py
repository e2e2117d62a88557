"""For you at 10^5 items in each state the desktop meets it in, this checkout beside another commit's code, in one
run (issue 12, target 5: p95 <= 100 ms).

Two worker processes, one per code version (PYTHONPATH: this checkout, and a git worktree of --old-ref), each on
its own copy of bench_scale.py's library (build one with `bench_scale.py --keep DIR --no-grid`; the run copies it
twice beside --out), answer the same states in turn, alternating which goes first, so that both see the same load.
Every history event is written as the desktop writes it (app.items.record_viewing and set_feedback, on its writes
worker) and timed apart ("write"): the code since the learned gate moved to the writer's side trains it there,
the older code in For you. Then app.shelf.for_you (the shelf's refresh) is timed, wall and CPU. States:
  * quiet: the shelf asked again with nothing new (the variety slider, the shelf shown again);
  * after_play: just after a finished viewing of one of the shelf's cards;
  * after_play_in_session: the same after two other cards watched 20 and 10 minutes before (the shelf refreshed
    after each): the play makes new feedback pairs, which retrain the learned gate;
  * after_like, after_dislike, after_not_interested: just after that rating of a card;
  * cache_dropped: every kept candidate dropped first (as after new vectors: an indexed file);
and for each --plays N, after_play and after_play_in_session with N more plays of the watched topics over the last
two years (bench_for_you_history.longer_history). Each event is undone after its call. Prints one JSON object:
p50/p95 wall and CPU per state and code, the write's, the load average, and the share of calls whose cards were
the same in both.

    .venv/bin/python benchmarks/bench_for_you_states.py --library DIR --out DIR [--old-ref REF] [--repeats 20]
        [--plays 1000,3000,10000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
STATES = (
    "quiet",
    "after_play",
    "after_play_in_session",
    "after_like",
    "after_dislike",
    "after_not_interested",
    "cache_dropped",
)
HISTORY_STATES = ("after_play", "after_play_in_session")
RATINGS = {"after_like": 1, "after_dislike": -1, "after_not_interested": -2}


# -- the worker: one code version, one library -------------------------------------------------------------------


class Worker:
    def __init__(self, data_dir: Path):
        sys.path.insert(0, str(Path(__file__).parent))
        from mediarec.app import Library
        from mediarec.app.shelf import for_you
        from mediarec.config import load_settings
        from mediarec.rank.blas_threads import one_blas_thread_for_queries

        one_blas_thread_for_queries()
        self.library = Library(load_settings(data_dir=data_dir, profile="offline"))
        self.store = self.library.store
        self.for_you = lambda: for_you(self.library, 12, 0.3)
        self.learn()
        self.for_you()  # settled first (the older code trains a stale gate here), so both play the same cards
        cards = [card.row.id for card in self.for_you() if card.source != "continue"]
        self.session, self.others = cards[:2], cards[2:]
        self.turn = 0
        self.longer: contextlib.ExitStack | None = None

    def learn(self) -> None:
        """What the desktop's writes worker runs after a history write, in the code that has it."""
        if hasattr(self.library, "learn_from_history"):
            self.library.learn_from_history()

    def answer(self, command: dict) -> dict:
        if "plays" in command:
            return self.set_history(int(command["plays"]))
        state = command["state"]
        self.turn += 1
        card = self.others[self.turn % len(self.others)]
        with contextlib.ExitStack() as undo:
            self.learn()
            self.for_you()  # the shelf as shown before the event (and, in the older code, its training)
            write_ms = self.enter(state, card, undo)
            cpu, wall = cpu_seconds(), time.perf_counter()
            cards = self.for_you()
            wall_ms, cpu_ms = 1000 * (time.perf_counter() - wall), 1000 * (cpu_seconds() - cpu)
        return {
            "wall_ms": wall_ms,
            "cpu_ms": cpu_ms,
            "write_ms": write_ms,
            "cards": [c.row.id for c in cards],
        }

    def enter(self, state: str, card: int, undo: contextlib.ExitStack) -> float | None:
        """Put the library in `state` (undone when `undo` closes); the ms the measured event's write took."""
        from mediarec.app.items import record_viewing, set_feedback
        from mediarec.player.session import PlaySummary
        from mediarec.recommend.candidate_cache import CANDIDATES

        if state == "cache_dropped":
            CANDIDATES.forget(self.store)
            return None
        if state == "quiet":
            return None
        if state == "after_play_in_session":
            for minutes, item_id in zip((20, 10), self.session, strict=True):
                undo.enter_context(removed_plays(self.store))
                self.store.record_play(
                    item_id, seconds=self.duration(item_id), started_at=time.time() - 60 * minutes
                )
                self.learn()
                self.for_you()  # the refresh after each
        started = time.perf_counter()
        if state in RATINGS:
            undo.enter_context(restored_feedback(self.store, card))
            set_feedback(self.library, card, RATINGS[state])
        else:
            undo.enter_context(removed_plays(self.store))
            record_viewing(self.library, PlaySummary(card, 0.0, self.duration(card), True))
        return 1000 * (time.perf_counter() - started)

    def duration(self, item_id: int) -> float:
        item = self.store.item(item_id)
        return (item.duration or 60.0) if item else 60.0

    def set_history(self, plays: int) -> dict:
        import bench_for_you_history

        if self.longer is not None:
            self.longer.close()
        self.longer = contextlib.ExitStack()
        if plays:
            self.longer.enter_context(bench_for_you_history.longer_history(self.store, plays))
        self.learn()
        self.for_you()
        return {"plays": len(self.store.plays())}


@contextlib.contextmanager
def removed_plays(store):
    """The plays written inside the block removed after it."""
    (last,) = store.query("SELECT coalesce(max(rowid), 0) FROM plays")[0]
    try:
        yield
    finally:
        with store.transaction() as connection:
            connection.execute("DELETE FROM plays WHERE rowid > ?", (last,))


@contextlib.contextmanager
def restored_feedback(store, item_id: int):
    before = store.query("SELECT fingerprint, value, at FROM feedback WHERE item_id = ?", (item_id,))
    try:
        yield
    finally:
        with store.transaction() as connection:
            connection.execute("DELETE FROM feedback WHERE item_id = ?", (item_id,))
            if before:
                connection.execute(
                    "INSERT INTO feedback(item_id, fingerprint, value, at) VALUES (?, ?, ?, ?)",
                    (item_id, *before[0]),
                )


def cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def serve(data_dir: Path) -> None:
    worker = Worker(data_dir)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        print(json.dumps(worker.answer(json.loads(line))), flush=True)


# -- the driver --------------------------------------------------------------------------------------------------


class Child:
    def __init__(self, code_root: Path, data_dir: Path):
        environment = {**os.environ, "PYTHONPATH": str(code_root)}
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", str(data_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
            cwd=code_root,
        )
        assert json.loads(self.read())["ready"]

    def read(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("a worker stopped (see its stderr above)")
        return line

    def ask(self, command: dict) -> dict:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return json.loads(self.read())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    return {
        "p50": round(float(np.percentile(values, 50)), 1),
        "p95": round(float(np.percentile(values, 95)), 1),
    }


def run_states(children: dict[str, Child], states, repeats: int) -> dict:
    answers: dict[str, dict[str, list[dict]]] = {code: {s: [] for s in states} for code in children}
    for repeat in range(repeats):
        for state in states:
            order = list(children) if (repeat + STATES.index(state)) % 2 == 0 else list(reversed(children))
            for code in order:
                answers[code][state].append(children[code].ask({"state": state}))
    figures: dict = {}
    for state in states:
        entry: dict = {}
        for code in children:
            got = answers[code][state]
            writes = [a["write_ms"] for a in got if a["write_ms"] is not None]
            entry[code] = {
                "wall_ms": percentiles([a["wall_ms"] for a in got]),
                "cpu_ms": percentiles([a["cpu_ms"] for a in got]),
                **({"write_ms": percentiles(writes)} if writes else {}),
            }
        pairs = list(zip(*(answers[code][state] for code in children), strict=True))
        entry["same_cards"] = round(
            sum(len({tuple(a["cards"]) for a in pair}) == 1 for pair in pairs) / len(pairs), 3
        )
        figures[state] = entry
    return figures


def load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--library", type=Path, help="bench_scale's library folder (--keep DIR)")
    parser.add_argument("--out", type=Path, help="the two copies of the library go here")
    parser.add_argument("--old-ref", default="HEAD", help="the baseline's commit (default: HEAD)")
    parser.add_argument(
        "--old-tree", type=Path, help="a worktree of the baseline already made (else made here)"
    )
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--history-repeats", type=int, default=8)
    parser.add_argument(
        "--plays", default="1000,3000,10000", help="plays added, comma-separated ('' for none)"
    )
    parser.add_argument("--keep-copies", action="store_true", help="reuse copies already in --out")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    if args.library is None or args.out is None:
        parser.error("--library and --out are needed")
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    old_tree = (args.old_tree or args.out / "old-code").resolve()
    if args.old_tree is None and not old_tree.exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(old_tree), args.old_ref], cwd=ROOT, check=True
        )
    old_commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=old_tree, capture_output=True, text=True, check=True
    ).stdout.strip()
    copies = {"old": args.out / "library-old", "new": args.out / "library-new"}
    for copy in copies.values():
        if not (args.keep_copies and copy.exists()):
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(args.library, copy, symlinks=True)
    result: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "old": old_commit,
        "new": "this checkout ("
        + subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        + " + working tree)",
        "repeats": args.repeats,
        "load_before": load(),
    }
    started_cpu = os.times()
    children = {"old": Child(old_tree, copies["old"]), "new": Child(ROOT, copies["new"])}
    try:
        result["states"] = run_states(children, STATES, args.repeats)
        result["load_after_states"] = load()
        for plays in [int(value) for value in args.plays.split(",") if value.strip()]:
            counts = {code: child.ask({"plays": plays})["plays"] for code, child in children.items()}
            entry = {"plays": counts, "load_before": load()}
            entry.update(run_states(children, HISTORY_STATES, args.history_repeats))
            entry["load_after"] = load()
            result[f"plays_added_{plays}"] = entry
            print(json.dumps({plays: entry}), file=sys.stderr)
            for child in children.values():
                child.ask({"plays": 0})
    finally:
        for child in children.values():
            child.close()
    ended = os.times()
    result["children_cpu_s"] = round(
        ended.children_user + ended.children_system - started_cpu.children_user - started_cpu.children_system,
        1,
    )
    result["load_after"] = load()
    print(json.dumps(result))


if __name__ == "__main__":
    main()

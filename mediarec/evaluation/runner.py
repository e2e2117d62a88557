"""`mediarec eval`: index a labelled manifest into its own library (OUT/library, so the user's library is never
touched; a second run only indexes what changed) and measure what was asked, then write the report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mediarec.errors import MediarecError
from mediarec.evaluation.manifest import Manifest, ManifestError, load_manifest
from mediarec.evaluation.report import write_report

if TYPE_CHECKING:
    from mediarec.app import Library

PARTS = ("search", "similar", "asr", "recommend", "fusion", "tags")
SIMULATED_USERS = 24
DIVERSITY_SWEEP = (0.0, 0.15, 0.3, 0.5, 0.7, 0.9)
DEFAULT_DIVERSITY = 0.3
Progress = Callable[[str], None]


class EvaluationError(MediarecError):
    """The evaluation cannot run (unreadable manifest, nothing indexed); the message says why."""


@dataclass(frozen=True)
class EvaluationReport:
    results: dict
    markdown: str
    markdown_path: Path
    json_path: Path


def run_evaluation(
    settings,
    manifest_path: str | Path,
    out_dir: str | Path,
    what: str = "all",
    *,
    progress: Progress | None = None,
    users: int = SIMULATED_USERS,
    seed: int = 0,
) -> EvaluationReport:
    from mediarec.app import Library

    if what != "all" and what not in PARTS:
        raise EvaluationError(f"Unknown evaluation {what!r}; choose all or one of {', '.join(PARTS)}.")
    try:
        manifest = load_manifest(manifest_path)
    except ManifestError as error:
        raise EvaluationError(str(error)) from None
    out = Path(out_dir).expanduser().absolute()
    out.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda message: None)
    library = Library(settings.with_updates(data_dir=out / "library"))
    try:
        setup, item_ids = _index(library, manifest, say)
        setup["profile"] = settings.profile
        context = _Context(library, manifest, item_ids, users, seed, time.time())
        results: dict = {"setup": setup}
        for part in PARTS if what == "all" else (what,):
            say(f"evaluating {part} ...")
            started = time.perf_counter()
            results[part] = _RUNNERS[part](context)
            setup.setdefault("seconds", {})[part] = round(time.perf_counter() - started, 2)
        if "fusion" in results:
            from mediarec.rank.fusion_scoring import DEFAULT_FUSION

            results["fusion"]["default"] = DEFAULT_FUSION
        markdown, markdown_path, json_path = write_report(results, out)
    finally:
        library.close()
    return EvaluationReport(results, markdown, markdown_path, json_path)


def _index(library, manifest: Manifest, say: Progress) -> tuple[dict, dict]:
    started = time.perf_counter()
    indexer = library.indexer()
    reported = 0
    for event in indexer.run([item.path for item in manifest.items]):
        if event.stage == "indexing" and event.done >= reported + 20:
            reported = event.done
            say(f"indexed {event.done}/{event.total}")
    item_ids = {}
    for item in manifest.items:
        record = library.store.item_by_path(str(item.path))
        if record is not None and record.status == "indexed":
            item_ids[item.path] = record.id
    if not item_ids:
        failures = "; ".join(f"{path}: {error}" for path, error in indexer.summary.failed[:3])
        raise EvaluationError(f"None of the manifest's files could be indexed. {failures}")
    setup = {
        "manifest": str(manifest.path),
        "items": len(manifest.items),
        "indexed": len(item_ids),
        "queries": len(manifest.queries),
        "index_seconds": round(time.perf_counter() - started, 1),
        "newly_indexed": len(indexer.summary.indexed),
        "failed": [{"path": path, "error": error} for path, error in indexer.summary.failed],
        "models": library.models.model_ids(),
    }
    return setup, item_ids


@dataclass
class _Context:
    library: Library
    manifest: Manifest
    item_ids: dict
    users: int
    seed: int
    now: float
    _simulated: list | None = None

    @property
    def store(self):
        return self.library.store

    def groups(self) -> dict[int, str]:
        return {
            self.item_ids[i.path]: i.group for i in self.manifest.items if i.group and i.path in self.item_ids
        }

    def kinds(self) -> dict[int, str]:
        """Item id -> kind of item for "more like this" per kind (instruments and effects count as one kind)."""
        from mediarec.evaluation.similar import similarity_kind

        kinds = {}
        for item in self.manifest.items:
            kind = similarity_kind(item.type, item.labels)
            if kind is not None and item.path in self.item_ids:
                kinds[self.item_ids[item.path]] = kind
        return kinds

    def simulated_users(self):
        if self._simulated is None:
            from mediarec.evaluation.recommend_eval import simulate_users

            groups = self.groups()
            records = self.store.items_by_ids(list(groups))
            durations = {item_id: record.duration or 60.0 for item_id, record in records.items()}
            self._simulated = simulate_users(groups, durations, self.users, now=self.now, seed=self.seed)
        return self._simulated


def _search(context: _Context) -> dict:
    from mediarec.evaluation.retrieval import evaluate_search

    return evaluate_search(context.library, context.manifest, context.item_ids)


def _similar(context: _Context) -> dict:
    from mediarec.evaluation.similar import evaluate_similar

    return evaluate_similar(context.store, context.groups(), kinds=context.kinds())


def _asr(context: _Context) -> dict:
    from mediarec.evaluation.asr import evaluate_asr

    return evaluate_asr(context.store, context.manifest, context.item_ids)


def _recommend(context: _Context) -> dict:
    from mediarec.evaluation.recommend_eval import baseline_lists, evaluate_recommendations, score_lists
    from mediarec.rank.fusion_scoring import DEFAULT_FUSION

    groups, users = context.groups(), context.simulated_users()
    if not users:
        return {"skipped": "fewer than two label groups with two or more items"}
    sweep = []
    for diversity in DIVERSITY_SWEEP:
        result = evaluate_recommendations(
            context.store, groups, users, variant=DEFAULT_FUSION, diversity=diversity, now=context.now
        )
        sweep.append({"diversity": diversity, **result})
    systems = {
        f"For you ({DEFAULT_FUSION}, diversity {d})": s for d, s in zip(DIVERSITY_SWEEP, sweep, strict=True)
    }
    for kind in ("cold start", "random", "most watched"):
        lists = baseline_lists(context.store, groups, users, kind, context.now, context.seed)
        systems[f"baseline: {kind}"] = score_lists(context.store, groups, users, lists)
    return {
        "users": {
            "count": len(users),
            "groups": len(set(groups.values())),
            "mean_history": round(sum(len(u.history.plays) for u in users) / len(users), 1),
        },
        "systems": systems,
        "diversity_sweep": sweep,
        "default_diversity": DEFAULT_DIVERSITY,
    }


def _fusion(context: _Context) -> dict:
    from mediarec.evaluation.fusion_ablation import evaluate_fusion

    users = context.simulated_users()
    if not users:
        return {"skipped": "fewer than two label groups with two or more items"}
    return evaluate_fusion(context.store, context.groups(), users, now=context.now, kinds=context.kinds())


def _tags(context: _Context) -> dict:
    try:
        from mediarec.evaluation.tags import evaluate_tags
    except ImportError as error:
        return {"skipped": f"the tags evaluation is not available here ({error})"}
    return evaluate_tags(context.library, list(context.manifest.items))


_RUNNERS: dict[str, Callable[[_Context], dict]] = {
    "search": _search,
    "similar": _similar,
    "asr": _asr,
    "recommend": _recommend,
    "fusion": _fusion,
    "tags": _tags,
}

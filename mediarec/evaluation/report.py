"""The evaluation report: report.md (tables), report.json (every figure, per query and per item) and PNG plots."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

RETRIEVAL_METRICS = ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10")
RECOMMEND_METRICS = (
    "hit_rate@10",
    "precision@10",
    "ndcg@10",
    "coverage",
    "intra_list_diversity",
    "groups_in_top10",
    "novelty_bits",
)
SIMILAR_LABELS = {"fused": "fused", "frame": "looks like", "audio": "sounds like", "speech": "talks about"}


def write_report(results: dict, out_dir: Path) -> tuple[str, Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    plots = _plots(results, out_dir)
    markdown = render_markdown(results, plots)
    markdown_path = out_dir / "report.md"
    json_path = out_dir / "report.json"
    markdown_path.write_text(markdown, encoding="utf-8")
    json_path.write_text(
        json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    return markdown, markdown_path, json_path


# -- Markdown -----------------------------------------------------------------------------------------------------


def table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.3f}"
    return str(value)


def render_markdown(results: dict, plots: dict[str, str]) -> str:
    skipped = [
        f"- {name}: skipped ({value['skipped']})"
        for name, value in results.items()
        if isinstance(value, dict) and "skipped" in value
    ]
    results = {
        name: value for name, value in results.items() if not (isinstance(value, dict) and "skipped" in value)
    }
    parts: list[str | None] = ["# mediarec evaluation", "", _setup(results), *skipped]
    if "search" in results:
        parts += ["## Search", "", _search(results["search"]), _image(plots, "search")]
    if "similar" in results:
        parts += ["## More like this (precision@5 by label group)", "", _similar(results["similar"])]
        parts += [_image(plots, "similar")]
    if "asr" in results:
        parts += ["## Speech to text (word error rate)", "", _asr(results["asr"])]
    if "recommend" in results:
        parts += ["## Recommendations (simulated users)", "", _recommend(results["recommend"])]
        parts += [_image(plots, "recommend")]
    if "fusion" in results:
        parts += ["## Fusion ablation", "", _fusion(results["fusion"]), _image(plots, "fusion")]
    if "tags" in results:
        parts += ["## Tags", "", _generic(results["tags"])]
    return "\n".join(part for part in parts if part is not None) + "\n"


def _image(plots: dict[str, str], name: str) -> str | None:
    return f"\n![{name}]({plots[name]})\n" if name in plots else None


def _setup(results: dict) -> str:
    setup = results.get("setup", {})
    rows = [
        ("manifest", setup.get("manifest")),
        ("items (indexed / listed)", f"{setup.get('indexed')} / {setup.get('items')}"),
        ("queries", setup.get("queries")),
        ("profile", setup.get("profile")),
        ("indexing wall time (s)", setup.get("index_seconds")),
    ]
    rows += [(f"model: {role}", model) for role, model in setup.get("models", {}).items()]
    rows += [(f"time: {part} (s)", seconds) for part, seconds in setup.get("seconds", {}).items()]
    failed = setup.get("failed", [])
    text = table(("", ""), rows)
    if failed:
        text += "\n\nNot indexed: " + "; ".join(f"{f['path']} ({f['error']})" for f in failed)
    return text + "\n"


def _search(search: dict) -> str:
    rows = [
        (name, summary["queries"], *(summary[m] for m in RETRIEVAL_METRICS))
        for name, summary in search["by_type"].items()
    ]
    misses = [q for q in search["queries"] if q["first_relevant_rank"] is None][:10]
    header = ("query type", "queries", "R@1", "R@5", "R@10", "MRR", "nDCG@10")
    text = table(header, rows)
    if search.get("by_type_and_language"):
        by_language = [
            (name, summary["queries"], *(summary[m] for m in RETRIEVAL_METRICS))
            for name, summary in sorted(search["by_type_and_language"].items())
        ]
        text += "\n\n" + table(header, by_language)
    if misses:
        text += "\n\nSome queries whose answer was not in the top 50: " + "; ".join(
            f"{q['type']} “{q['text']}”" for q in misses
        )
    if search.get("hubs"):
        text += "\n\n" + _hubs(search["hubs"])
    if search.get("negatives", {}).get("queries"):
        text += "\n\n" + _negatives(search["negatives"])
    if search.get("moments"):
        text += "\n\n" + _moments(search["moments"])
    return text + "\n"


def _moments(moments: dict) -> str:
    rows = [
        (
            name,
            m["queries"],
            m["right_file_first"],
            m["lands_in_span"],
            m["lands_when_right_file"],
            m["median_start_error"],
            m["median_width"],
        )
        for name, m in moments.items()
    ]
    header = ("query type", "queries", "right file first", "lands in span", "lands (right file)",
              "median start error s", "median width s")  # fmt: skip
    return (
        "Where the first hit lands (queries with the span their answer is said in; a start up to 1.5 s before "
        "the span counts):\n\n" + table(header, rows)
    )


def _hubs(hubs: dict) -> str:
    rows = [(h["item"], h["queries"], h["share"]) for h in hubs["top_items"]]
    return (
        f"Hub share: {_cell(float(hubs['share']))} of all {hubs['queries']} queries have "
        f"`{hubs['item']}` first ({hubs['distinct_tops']} distinct first results).{_unrelated_hub(hubs)}\n\n"
        + table(("item first for the most queries", "queries", "share"), rows)
    )


def _unrelated_hub(hubs: dict) -> str:
    if "unrelated_share" not in hubs:
        return ""
    if not hubs["unrelated_count"]:
        return " No item tops a query it is not an answer to."
    return (
        f" Counting only queries an item is not an answer to: {_cell(float(hubs['unrelated_share']))} "
        f"(`{hubs['unrelated_item']}`, {hubs['unrelated_count']} queries)."
    )


def _negatives(negatives: dict) -> str:
    rows = [
        (
            "all",
            negatives["queries"],
            negatives["empty_rate"],
            negatives["mean_top_score"],
            negatives["mean_top_similarity"],
        )
    ]
    rows += [
        (f"query in {language}", s["queries"], s["empty_rate"], s["mean_top_score"], s["mean_top_similarity"])
        for language, s in negatives.get("by_language", {}).items()
    ]
    header = ("negative queries", "queries", "empty rate", "mean top score", "mean top similarity")
    text = "Negative queries (the set holds no answer; the right result is none):\n\n" + table(header, rows)
    if "positive_mean_top_score" in negatives:
        text += (
            "\n\nThe positive queries, for contrast: mean top score "
            f"{negatives['positive_mean_top_score']}, mean top similarity "
            f"{negatives.get('positive_mean_top_similarity')}."
        )
    answered = [q for q in negatives.get("queries_list", []) if q["results"]][:8]
    if answered:
        text += "\n\nSome negative queries that got results: " + "; ".join(
            f"“{q['text']}” → {q['top'][0]} ({q['top_score']})" for q in answered
        )
    return text


def _similar(similar: dict) -> str:
    rows = [
        (SIMILAR_LABELS.get(modality, modality), result["items"], result["precision@5"])
        for modality, result in similar.items()
    ]
    groups = sorted({group for result in similar.values() for group in result["by_group"]})
    modalities = list(similar)
    by_group = [
        (group, *(similar[m]["by_group"].get(group, float("nan")) for m in modalities)) for group in groups
    ]
    header = ("group", *(SIMILAR_LABELS.get(m, m) for m in modalities))
    text = table(("similarity", "items asking", "precision@5"), rows)
    kinds = sorted({kind for result in similar.values() for kind in result.get("by_kind", {})})
    if kinds:
        by_kind = [
            (
                kind,
                *(
                    similar[m]["by_kind"][kind]["precision@5"]
                    if kind in similar[m].get("by_kind", {})
                    else "–"
                    for m in modalities
                ),
            )
            for kind in kinds
        ]
        asking = [
            (kind, *(similar[m].get("by_kind", {}).get(kind, {}).get("items", 0) for m in modalities))
            for kind in kinds
        ]
        text += "\n\nBy kind of item (fused against each single modality):\n\n" + table(
            ("kind", *(SIMILAR_LABELS.get(m, m) for m in modalities)), by_kind
        )
        text += "\n\nItems asking, by kind:\n\n" + table(
            ("kind", *(SIMILAR_LABELS.get(m, m) for m in modalities)), asking
        )
    versus = similar.get("fused", {}).get("versus_single")
    if versus:
        text += "\n\n" + _versus_single(versus)
    return text + "\n\n" + table(header, by_group) + "\n"


def _versus_single(versus: dict) -> str:
    """Fused against each single modality on the same asking items and the same right answers."""
    rows = [
        (
            kind,
            SIMILAR_LABELS.get(m, m),
            v["items"],
            v["single"],
            v["fused"],
            "fused" if v["fused"] > v["single"] else "single" if v["fused"] < v["single"] else "same",
        )
        for kind, by_modality in versus.items()
        for m, v in by_modality.items()
    ]
    header = ("kind", "single modality", "items asking", "single P@5", "fused P@5", "better")
    return (
        "Fused against each single modality, same items asking, every other group member right:\n\n"
        + table(header, rows)
    )


def _asr(asr: dict) -> str:
    rows = [
        (language, s["items"], s["words"], s["wer"], s["mean_item_wer"])
        for language, s in asr["by_language"].items()
    ]
    worst = sorted(asr["items"], key=lambda o: -o["wer"])[:5]
    text = table(("language", "items", "words", "WER", "mean item WER"), rows)
    if worst:
        text += "\n\nHighest item WER:\n\n" + table(
            ("item", "WER", "reference", "heard"),
            [(o["path"], o["wer"], o["reference"][:60], o["hypothesis"][:60]) for o in worst],
        )
    non_speech = asr.get("non_speech")
    if non_speech and non_speech.get("items"):
        rows = [("all", *_leaks(non_speech))]
        rows += [(kind, *_leaks(s)) for kind, s in non_speech["by_type"].items()]
        text += "\n\nTranscripts on non-speech items (should all be 0):\n\n" + table(
            ("type", "items", "with transcript", "with spoken-language tag", "with either", "share"), rows
        )
        examples = non_speech["examples"][:6]
        if examples:
            text += "\n\n" + table(
                ("item", "type", "heard", "languages"),
                [(o["path"], o["type"], o["heard"][:60], ", ".join(o["languages"])) for o in examples],
            )
    return text + "\n"


def _leaks(summary: dict) -> tuple:
    return (
        summary["items"],
        summary["with_transcript"],
        summary["with_language_tag"],
        summary["with_either"],
        summary["share"],
    )


def _recommend(recommend: dict) -> str:
    rows = [(name, *(result[m] for m in RECOMMEND_METRICS)) for name, result in recommend["systems"].items()]
    header = ("system", "hit rate@10", "P@10", "nDCG@10", "coverage", "ILD", "groups/list", "novelty (bits)")
    users = recommend.get("users", {})
    text = (
        f"{users.get('count')} simulated users over {users.get('groups')} label groups; "
        f"{users.get('mean_history')} plays per history on average.\n\n"
    )
    return text + table(header, rows) + "\n"


def _fusion(fusion: dict) -> str:
    rows = []
    for name, similar in fusion["similar_fold_b"].items():
        recommend = fusion["recommend"].get(name, {})
        rows.append(
            (
                name,
                similar["precision@5"],
                recommend.get("hit_rate@10", float("nan")),
                recommend.get("ndcg@10", float("nan")),
                recommend.get("intra_list_diversity", float("nan")),
            )
        )
    header = ("fusion", "more like this P@5 (fold B)", "For you hit rate@10", "nDCG@10", "ILD")
    gate = fusion["gate"]
    lines = [table(header, rows), "", f"Default: `{fusion.get('default')}`.", ""]
    for name, similar in fusion["similar_fold_b"].items():
        if similar.get("versus_single"):
            lines += [f"`{name}` (fold B). " + _versus_single(similar["versus_single"]), ""]
    lines.append(f"Gate trained: {gate['trained']}; report: `{json.dumps(gate['report'])}`.")
    lines.append(f"Gate biases: `{json.dumps(gate['biases'])}`; theta: `{json.dumps(gate['theta'])}`.")
    gates = fusion["recommend"].get("gated", {}).get("gate")
    if gates:
        lines.append(f"Per-user gates in For you: `{json.dumps(gates)}`.")
    return "\n".join(lines) + "\n"


def _generic(result) -> str:
    if isinstance(result, dict) and all(not isinstance(v, (dict, list)) for v in result.values()):
        return table(("measure", "value"), list(result.items())) + "\n"
    return "```json\n" + json.dumps(result, indent=2, ensure_ascii=False, default=str)[:6000] + "\n```\n"


# -- plots --------------------------------------------------------------------------------------------------------


def _plots(results: dict, out_dir: Path) -> dict[str, str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # plots are optional (the `eval` extra); the tables and JSON still get written
        return {}
    plots = {}
    makers = {
        "search": _plot_search,
        "similar": _plot_similar,
        "recommend": _plot_recommend,
        "fusion": _plot_fusion,
    }
    for name, make in makers.items():
        if name in results and "skipped" not in results[name]:
            figure = make(plt, results[name])
            path = out_dir / f"{name}.png"
            figure.savefig(path, dpi=110, bbox_inches="tight")
            plt.close(figure)
            plots[name] = path.name
    return plots


def _bars(plt, groups: list[str], series: dict[str, list[float]], title: str, ylabel: str):
    figure, axes = plt.subplots(figsize=(max(6.0, 1.1 * len(groups) + 2), 3.6))
    width = 0.8 / max(1, len(series))
    for index, (label, values) in enumerate(series.items()):
        positions = [g + index * width - 0.4 + width / 2 for g in range(len(groups))]
        axes.bar(positions, [0 if math.isnan(v) else v for v in values], width, label=label)
    axes.set_xticks(range(len(groups)))
    axes.set_xticklabels(groups, rotation=30, ha="right", fontsize=8)
    axes.set_ylim(0, 1.05)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.legend(fontsize=7, ncols=min(4, len(series)))
    return figure


def _plot_search(plt, search: dict):
    types = list(search["by_type"])
    series = {m: [search["by_type"][t][m] for t in types] for m in RETRIEVAL_METRICS}
    return _bars(plt, types, series, "Search by query type", "score")


def _plot_similar(plt, similar: dict):
    groups = sorted({group for result in similar.values() for group in result["by_group"]})
    series = {
        SIMILAR_LABELS.get(m, m): [result["by_group"].get(g, float("nan")) for g in groups]
        for m, result in similar.items()
    }
    return _bars(plt, groups, series, "More like this: precision@5 by label group", "precision@5")


def _plot_recommend(plt, recommend: dict):
    sweep = recommend["diversity_sweep"]
    figure, axes = plt.subplots(figsize=(6.0, 3.6))
    knobs = [point["diversity"] for point in sweep]
    for metric in ("hit_rate@10", "ndcg@10", "intra_list_diversity", "coverage"):
        axes.plot(knobs, [point[metric] for point in sweep], marker="o", label=metric)
    axes.set_xlabel("diversity knob")
    axes.set_ylim(0, 1.05)
    axes.set_title("For you: relevance against diversity (simulated users)")
    axes.legend(fontsize=7)
    return figure


def _plot_fusion(plt, fusion: dict):
    names = list(fusion["similar_fold_b"])
    series = {
        "more like this P@5": [fusion["similar_fold_b"][n]["precision@5"] for n in names],
        "For you nDCG@10": [fusion["recommend"].get(n, {}).get("ndcg@10", float("nan")) for n in names],
        "For you hit rate@10": [
            fusion["recommend"].get(n, {}).get("hit_rate@10", float("nan")) for n in names
        ],
    }
    return _bars(plt, names, series, "Fusion ablation", "score")

"""Tags and chapters measured against a labelled manifest (`mediarec eval tags`).

Tags: every manifest item with ``"tags"`` and ``"tag_source"`` (audio, visual, speech, metadata) is compared
with the item's applied tags (score >= 0.5) of that source. The evaluation is closed-world over the label set of
each source (the union of its items' labels): a predicted tag inside that set and not on the item is a false
positive; a predicted tag outside it is not judged (counted as ``unjudged_predictions``), because the manifest
says nothing about it. For visual tags, labels that the library's vocabulary does not contain are left out and
counted (the offline profile's vocabulary knows shapes, not animals). Reported per tag, micro-averaged (all
decisions pooled) and macro-averaged (mean over tags with at least one labelled item).

Chapters: items with ``"chapters"`` (start times of every chapter after the first) are compared with
Library.chapters: a predicted boundary within TOLERANCE_SECONDS of a true one is a hit (one-to-one, closest
first); precision, recall and F1 over all boundaries, the mean offset of the hits, and the share of videos
with exactly the right number of chapters, reported per ``"chapter_cue"`` (what marks the chapters, e.g.
"pictures" or "words"; "all" when not given).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from mediarec.evaluation.metrics import mean
from mediarec.index.records import APPLIED_TAG_SCORE, ItemRecord

TOLERANCE_SECONDS = 2.0


def evaluate_tags(library, manifest_items: Sequence) -> dict:
    store = library.store
    cases: dict[str, list[tuple[int, set[str]]]] = defaultdict(list)
    chapter_cases: list[tuple[ItemRecord, list[float], str]] = []
    not_indexed = []
    for item in manifest_items:
        source = item.extra.get("tag_source")
        has_chapters = "chapters" in item.extra
        if not (item.tags and source) and not has_chapters:
            continue
        record = store.item_by_path(str(item.path))
        if record is None or record.status != "indexed":
            not_indexed.append(item.written_path)
            continue
        if item.tags and source:
            cases[source].append((record.id, {tag.strip().lower() for tag in item.tags}))
        if has_chapters:
            cue = str(item.extra.get("chapter_cue", "all"))
            chapter_cases.append((record, [float(t) for t in item.extra["chapters"]], cue))
    results: dict = {
        "tags": {
            source: score_tags(
                store, source_cases, source, _known_names(library) if source == "visual" else None
            )
            for source, source_cases in sorted(cases.items())
        }
    }
    if chapter_cases:
        by_cue: dict[str, list[tuple[ItemRecord, list[float]]]] = defaultdict(list)
        for record, truth, cue in chapter_cases:
            by_cue[cue].append((record, truth))
        results["chapters"] = {cue: score_chapters(library, group) for cue, group in sorted(by_cue.items())}
    if not_indexed:
        results["not_indexed"] = not_indexed
    return results


def score_tags(store, cases: list[tuple[int, set[str]]], source: str, known: set[str] | None = None) -> dict:
    label_set = set().union(*(expected for _, expected in cases))
    outside = sorted(label_set - known) if known is not None else []
    label_set -= set(outside)
    counts = {name: {"tp": 0, "fp": 0, "fn": 0} for name in label_set}
    unjudged = 0
    for item_id, expected in cases:
        expected = expected & label_set
        predicted = {
            tag.name.lower()
            for tag in store.tags(item_id)
            if tag.source == source and tag.score >= APPLIED_TAG_SCORE
        }
        unjudged += len(predicted - label_set)
        predicted &= label_set
        for name in predicted & expected:
            counts[name]["tp"] += 1
        for name in predicted - expected:
            counts[name]["fp"] += 1
        for name in expected - predicted:
            counts[name]["fn"] += 1
    per_tag = {name: {**c, **_prf(c["tp"], c["fp"], c["fn"])} for name, c in counts.items()}
    supported = [scores for scores in per_tag.values() if scores["tp"] + scores["fn"] > 0]
    pooled = {key: sum(c[key] for c in counts.values()) for key in ("tp", "fp", "fn")}
    return {
        "items": len(cases),
        "labels": len(label_set),
        "micro": _prf(pooled["tp"], pooled["fp"], pooled["fn"]),
        "macro": {
            key: round(mean([scores[key] for scores in supported]), 4)
            for key in ("precision", "recall", "f1")
        },
        "unjudged_predictions": unjudged,
        "labels_outside_vocabulary": outside,
        "per_tag": dict(
            sorted(per_tag.items(), key=lambda pair: (-(pair[1]["tp"] + pair[1]["fn"]), pair[0]))
        ),
    }


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def match_boundaries(
    predicted: Sequence[float], truth: Sequence[float], tolerance: float = TOLERANCE_SECONDS
) -> list[tuple[float, float]]:
    """One-to-one (predicted, true) pairs within ``tolerance``, closest pairs first."""
    pairs = sorted(
        ((abs(p - t), p, t) for p in predicted for t in truth if abs(p - t) <= tolerance), key=lambda x: x[0]
    )
    used_predicted, used_truth, matched = set(), set(), []
    for _, p, t in pairs:
        if p not in used_predicted and t not in used_truth:
            used_predicted.add(p)
            used_truth.add(t)
            matched.append((p, t))
    return matched


def score_chapters(library, cases: list[tuple[ItemRecord, list[float]]]) -> dict:
    tp = fp = fn = exact = 0
    offsets: list[float] = []
    videos = []
    for record, truth in cases:
        predicted = library.chapters(record.path).boundaries
        matched = match_boundaries(predicted, truth)
        tp += len(matched)
        fp += len(predicted) - len(matched)
        fn += len(truth) - len(matched)
        exact += int(len(predicted) == len(truth))
        offsets += [abs(p - t) for p, t in matched]
        videos.append(
            {
                "path": record.path,
                "truth": truth,
                "predicted": [round(p, 3) for p in predicted],
                "hits": len(matched),
            }
        )
    return {
        "videos": len(cases),
        "boundaries": tp + fn,
        "tolerance_seconds": TOLERANCE_SECONDS,
        **_prf(tp, fp, fn),
        "mean_offset_seconds": round(mean(offsets), 3) if offsets else None,
        "exact_chapter_count": round(exact / len(cases), 4),
        "per_video": videos,
    }


def _known_names(library) -> set[str] | None:
    from mediarec.understand.item import vocabulary_name
    from mediarec.understand.vocabulary import VocabularyError, load_vocabulary

    try:
        return {term.name for term in load_vocabulary(vocabulary_name(library.models)).terms}
    except VocabularyError:  # without a vocabulary every label is judged
        return None

"""The moment measure: does a search land on the sentence that answers it?

A query line may carry the span where its answer is said in its relevant item (``"span": [start, end]``, seconds;
benchmarks/devsets/build_moments_devset.py writes them). For each such query the first hit is looked at:

- right file first: the first hit is a relevant item;
- lands in the span: its best moment starts within the span, or up to START_TOLERANCE seconds before it (a lead-in
  is fine, landing after the sentence ended is not); a query whose first hit is the wrong file does not land;
- start error: seconds between the moment's start and the span's start (first hits of the right file only);
- width: the moment's end less its start (same hits).

Reported per query type, with medians (a few long misses should not hide that most hits land).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

START_TOLERANCE = 1.5


@dataclass(frozen=True)
class MomentOutcome:
    type: str
    right_file_first: bool
    start: float | None  # of the first hit's best moment; None when nothing was found
    end: float | None
    span: tuple[float, float]

    @property
    def lands(self) -> bool:
        return self.right_file_first and self.start is not None and _within(self.start, self.span)

    @property
    def start_error(self) -> float | None:
        return abs(self.start - self.span[0]) if self.right_file_first and self.start is not None else None

    @property
    def width(self) -> float | None:
        if not self.right_file_first or self.start is None or self.end is None:
            return None
        return max(0.0, self.end - self.start)

    def to_json(self) -> dict:
        return {
            "right_file_first": self.right_file_first,
            "start": self.start,
            "end": self.end,
            "span": list(self.span),
            "lands": self.lands,
        }


def _within(start: float, span: tuple[float, float]) -> bool:
    return span[0] - START_TOLERANCE <= start <= span[1]


def query_span(extra) -> tuple[float, float] | None:
    """The ``span`` a query line gives, or None (a malformed span counts as none: the query is still measured
    for recall)."""
    value = extra.get("span") if extra else None
    if not isinstance(value, (list, tuple)):
        return None
    try:
        start, end = (float(part) for part in value)
    except (TypeError, ValueError):
        return None
    return (start, end) if end >= start else None


def summarise_moments(outcomes: Sequence[MomentOutcome]) -> dict:
    """The measure per query type and over all of them; {} when no query has a span."""
    if not outcomes:
        return {}
    groups: dict[str, list[MomentOutcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.type].append(outcome)
    groups["all"] = list(outcomes)
    return {name: _figures(members) for name, members in groups.items()}


def _figures(outcomes: list[MomentOutcome]) -> dict:
    errors = [o.start_error for o in outcomes if o.start_error is not None]
    widths = [o.width for o in outcomes if o.width is not None]
    right = [o for o in outcomes if o.right_file_first]
    return {
        "queries": len(outcomes),
        "right_file_first": round(len(right) / len(outcomes), 4),
        "lands_in_span": round(sum(o.lands for o in outcomes) / len(outcomes), 4),
        "lands_when_right_file": round(sum(o.lands for o in right) / len(right), 4) if right else None,
        "median_start_error": round(float(np.median(errors)), 3) if errors else None,
        "median_width": round(float(np.median(widths)), 3) if widths else None,
    }

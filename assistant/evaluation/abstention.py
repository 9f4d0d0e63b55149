"""The abstention curve: what the figures would be if answers whose reader score is below a threshold were
refused, for a grid of thresholds; and `choose_threshold`, the best threshold under a false-abstention cap.

Every point applies the product's own refusal rule (`assistant.refusal.OperatingPoint.apply`) to the answer the
assistant would give with no score threshold, so the point at the product's threshold is exactly what the
product does. Pure functions over results.jsonl rows: no I/O, no models.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assistant.evaluation.metrics import rate
from assistant.refusal import OperatingPoint
from assistant.types import Answer

__all__ = ["CURVE_KEYS", "MAX_FALSE_ABSTENTION", "TABLE_STEP", "THRESHOLD_GRID", "abstention_curve", "best_point",
           "choose_threshold", "curve_thresholds", "table_points"]

THRESHOLD_GRID = tuple(round(i / 100, 2) for i in range(101))
"""0.0, 0.01, ..., 1.0: fine enough that a fused, calibrated probability (most of it between 0.05 and 0.3) is
not refused at a threshold a whole 0.05 away from the best one under the cap."""
TABLE_STEP = 0.05
"""The report's table lists every 0.05 (and the product's own threshold); the chart and the choice use all."""
MAX_FALSE_ABSTENTION = 0.10
"""The false-abstention cap a threshold is chosen under: refuse at most 1 answerable question in 10."""
CURVE_KEYS = ("threshold", "answered", "correct", "no_answer_accuracy", "false_abstention_rate")
"""One point of the curve. `answered`: the share of all questions not refused; `correct`: the share of all
questions answered with a gold answer contained or, when unanswerable, refused."""


def curve_thresholds(answer_threshold: float | None = None) -> list[float]:
    """The grid plus the product's own threshold (when it has one), ascending."""
    grid = set(THRESHOLD_GRID)
    if answer_threshold is not None:
        grid.add(float(answer_threshold))  # not rounded: its point must be exactly the product's refusals
    return sorted(grid)


def table_points(curve_points: Sequence[Mapping[str, Any]], own: float | None = None,
                 step: float = TABLE_STEP) -> list[Mapping[str, Any]]:
    """The points a table lists: every `step` of threshold, and the product's own threshold."""
    def listed(t: float) -> bool:
        return abs(t / step - round(t / step)) < 1e-9 or t == own

    return [p for p in curve_points if listed(float(p["threshold"]))]


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def abstention_curve(rows: Sequence[Mapping[str, Any]], thresholds: Iterable[float]) -> list[dict[str, Any]]:
    """One point per threshold, from scored rows (results.jsonl): each row's would-be answer (`raw_refused`,
    `raw_containment`, `answer_score`) is refused by `OperatingPoint(t).apply(answer)` and scored like the product's.

    Empty when no row has an answer score (no reader ran): a threshold would change nothing.
    """
    if not any(r.get("answer_score") is not None for r in rows):
        return []
    raw = [Answer(text="", refused=bool(r["raw_refused"]), answer_score=r.get("answer_score")) for r in rows]
    points = []
    for t in thresholds:
        point = OperatingPoint(t)
        refused = [point.apply(a).refused for a in raw]
        correct = [(not ref and bool(r["raw_containment"])) if r["answerable"] else ref
                   for r, ref in zip(rows, refused, strict=True)]
        points.append({
            "threshold": float(t),
            "answered": _round(rate(not ref for ref in refused)),
            "correct": _round(rate(correct)),
            "no_answer_accuracy": _round(rate(ref for r, ref in zip(rows, refused, strict=True)
                                              if not r["answerable"])),
            "false_abstention_rate": _round(rate(ref for r, ref in zip(rows, refused, strict=True)
                                                 if r["answerable"])),
        })
    return points


def choose_threshold(curve_points: Sequence[Mapping[str, Any]],
                     max_false_abstention: float = MAX_FALSE_ABSTENTION) -> float | None:
    """The threshold with the highest `correct` among the points whose false-abstention rate is at most
    `max_false_abstention` (a point with no answerable questions, rate None, qualifies); ties go to the lower
    threshold. None when no point qualifies or `correct` was never measured."""
    best: tuple[float, float] | None = None
    for p in sorted(curve_points, key=lambda p: float(p["threshold"])):
        far, correct = p.get("false_abstention_rate"), p.get("correct")
        if correct is None or (far is not None and far > max_false_abstention):
            continue
        if best is None or correct > best[1]:
            best = (float(p["threshold"]), float(correct))
    return None if best is None else best[0]


def best_point(curve_points: Sequence[Mapping[str, Any]],
               max_false_abstention: float = MAX_FALSE_ABSTENTION) -> dict[str, Any] | None:
    """The curve's point at `choose_threshold`, with the cap it was chosen under; None when none qualifies."""
    chosen = choose_threshold(curve_points, max_false_abstention)
    if chosen is None:
        return None
    point = next(p for p in curve_points if float(p["threshold"]) == chosen)
    return {**point, "max_false_abstention": max_false_abstention}

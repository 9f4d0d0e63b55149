"""Choosing thresholds from curves, on hand-made points where the right answer can be worked out by hand."""

from __future__ import annotations

from assistant.reader.calibrate import curve, pick_threshold


def test_curve_counts_correct_refusals_and_false_abstentions() -> None:
    # (score, answerable, answer contained)
    points = [(0.9, True, True), (0.8, True, False), (0.6, False, False), (0.4, True, True), (0.2, False, False)]
    by_t = {p["threshold"]: p for p in curve(points, grid=[0.0, 0.5, 0.7, 1.0])}
    assert by_t[0.0]["correct"] == 2 / 5  # answers everything: two answers hold the gold answer
    assert by_t[0.5] == {"threshold": 0.5, "correct": 2 / 5, "no_answer_accuracy": 1 / 2,
                         "false_abstention_rate": 1 / 3, "containment": 1 / 3}
    assert by_t[0.7]["correct"] == 3 / 5 and by_t[0.7]["false_abstention_rate"] == 1 / 3
    assert by_t[1.0]["correct"] == 2 / 5 and by_t[1.0]["false_abstention_rate"] == 1.0


def test_pick_threshold_maximises_correct_under_the_false_abstention_cap() -> None:
    pts = [
        {"threshold": 0.1, "correct": 0.50, "false_abstention_rate": 0.00},
        {"threshold": 0.3, "correct": 0.62, "false_abstention_rate": 0.05},
        {"threshold": 0.4, "correct": 0.62, "false_abstention_rate": 0.08},
        {"threshold": 0.6, "correct": 0.70, "false_abstention_rate": 0.20},
    ]
    assert pick_threshold(pts, 0.10) == 0.3  # 0.6 is better but abstains too often; ties go to the lower
    assert pick_threshold(pts, 0.25) == 0.6
    assert pick_threshold(pts, 0.0) == 0.1

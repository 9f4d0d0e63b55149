"""Choosing thresholds from curves, on hand-made points where the right answer can be worked out by hand."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.evidence import MAX_CANDIDATES
from assistant.reader import Fusion
from assistant.reader.cross_encoder import CrossEncoderReader, default_weights_dir
from assistant.training.calibrate import collect_fusion_questions, curve, pick_threshold

SQUAD = Path(__file__).resolve().parents[3] / "data" / "squad"


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


@pytest.mark.slow
def test_fusion_questions_are_what_the_product_retrieves_with_the_unfused_reader(tmp_path: Path) -> None:
    """Three Normans questions through the product's retrieval: reader probabilities and cosines per
    candidate, and "holds the answer" only where a gold answer is in the sentence."""
    rows = [json.loads(line) for line in (SQUAD / "Normans.jsonl").read_text(encoding="utf-8").splitlines()]
    picked = [next(r for r in rows if r["question"] == "Who was the Norse leader?"),
              next(r for r in rows if r["question"] == "When were the Normans in Normandy?"),
              next(r for r in rows if not r["answerable"])]
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(SQUAD / "Normans.txt", folder / "Normans.txt")
    (folder / "Normans.jsonl").write_text("".join(json.dumps(r) + "\n" for r in picked), encoding="utf-8")
    questions = collect_fusion_questions(default_weights_dir(), folder, "Normans", tmp_path / "work")
    assert [q.answerable for q in questions] == [True, True, False]
    for q in questions[:2]:
        assert any(ok for _, _, ok in q.candidates)
        assert all(0.0 <= p <= 1.0 and -1.0 <= s <= 1.0 for p, s, _ in q.candidates)
    assert not any(ok for _, _, ok in questions[2].candidates)
    assert len(questions[0].candidates) <= MAX_CANDIDATES


def test_the_shipped_reader_uses_the_fusion_its_config_names() -> None:
    config = json.loads((default_weights_dir() / "reader.json").read_text(encoding="utf-8"))
    assert CrossEncoderReader().fusion == Fusion.from_config(config.get("fusion"))

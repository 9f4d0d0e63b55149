"""assistant/training/second_opinion.py and span_gate.as_product: the re-ranker's weight fitted from the cache,
and the short answers the product then shows."""

from __future__ import annotations

import random
from typing import Any

import pytest

from assistant.errors import InputError
from assistant.reader.second_opinion import SecondOpinion
from assistant.training.second_opinion import first_holds, fit, reordered
from assistant.training.span_gate import as_product


def _row(article: str, holds_at: int, ms_right: bool, rng: random.Random) -> dict[str, Any]:
    """Five candidates, the reader's order; the one at `holds_at` holds the answer; the second opinion scores it
    highest when `ms_right`, else at random."""
    cands = []
    for i in range(5):
        right = i == holds_at
        cands.append({"p": round(0.6 - 0.1 * i, 3), "ms": 8.0 if right and ms_right else rng.uniform(-2, 2),
                      "holds": right, "span": f"span {i}", "span_p": 0.8, "span_f1": 1.0 if right else 0.0})
    return {"article": article, "question": "When was it built?", "answerable": True, "answer_score": 0.6,
            "candidates": cands, "second_opinion": True, "span": "span 0", "span_f1": cands[0]["span_f1"],
            "signals": None, "best_holds_answer": cands[0]["holds"]}


def test_a_second_opinion_that_knows_better_gets_weight_and_one_that_does_not_gets_none() -> None:
    rng = random.Random(0)
    knows = [_row(f"a{i % 4}", holds_at=i % 3, ms_right=True, rng=rng) for i in range(300)]
    fitted = fit(knows, knows[:30], "sha-r", "sha-m")
    assert fitted.weight > 0 and fitted.top >= 3 and fitted.measured["fit"]["first_holds"] == 1.0
    assert fitted.measured["fit"]["first_holds_reader_alone"] == pytest.approx(1 / 3, abs=0.01)
    assert fitted.measured["validation"]["all"]["first_holds"] == 1.0
    noise = [_row(f"a{i % 4}", holds_at=0, ms_right=False, rng=rng) for i in range(300)]
    assert fit(noise, [], "sha-r").weight == 0.0  # the reader alone is right every time: keep its order


def test_a_fit_needs_enough_scored_questions() -> None:
    rng = random.Random(0)
    with pytest.raises(InputError, match="cache more articles"):
        fit([_row("a", 0, True, rng) for _ in range(10)], [], "sha-r")
    unscored = [{**_row("a", 0, True, rng), "second_opinion": False} for _ in range(200)]
    with pytest.raises(InputError, match="model installed"):
        fit(unscored, [], "sha-r")


def test_the_short_answer_comes_from_the_sentence_the_second_opinion_puts_first() -> None:
    row = _row("a", holds_at=2, ms_right=True, rng=random.Random(0))
    assert first_holds([row], 0.0, 4) == 0.0 and first_holds([row], 1.0, 4) == 1.0
    assert reordered(row, 1.0, 2)[0] is row["candidates"][0]  # out of reach: the third is not re-ranked
    shown = as_product([row], SecondOpinion(1.0, 4))[0]
    assert shown["span"] == "span 2" and shown["span_f1"] == 1.0 and shown["best_holds_answer"]
    assert shown["signals"]["answer"] == 0.4 and shown["signals"]["margin"] == pytest.approx(-0.2)
    # The gate reads the opinion of the sentence first and its lead over the others it re-ranked (only those).
    others = [c["ms"] for c in row["candidates"][:4] if c is not row["candidates"][2]]
    assert shown["signals"]["opinion"] == 8.0 and shown["signals"]["opinion_lead"] == pytest.approx(8.0 - max(others))
    assert as_product([row], None)[0] is row
    kept = as_product([row], SecondOpinion(0.0, 4))[0]  # weight 0: the reader's first, with its opinion read
    assert kept["span"] == "span 0" and kept["signals"]["opinion"] == row["candidates"][0]["ms"]
    unscored = {**row, "second_opinion": False}
    assert as_product([unscored], SecondOpinion(1.0, 4))[0] is unscored

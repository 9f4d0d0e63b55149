"""The one refusal rule for a scored answer, shared by the chain and the evaluation's abstention curve, so that
the curve's point at the product's threshold is exactly what the product does."""

from __future__ import annotations

from dataclasses import replace

from assistant.types import Answer

__all__ = ["REFUSAL", "refuse_below"]

REFUSAL = "The article does not say."


def refuse_below(answer: Answer, threshold: float | None) -> Answer:
    """`answer` refused when its reader score is below `threshold`; unchanged when it passes, is already
    refused, has no score, or there is no threshold."""
    if threshold is None or answer.refused or answer.answer_score is None or answer.answer_score >= threshold:
        return answer
    return replace(answer, text=REFUSAL, refused=True, citations=[], short_answer=None,
                   reason=f"the article does not seem to answer this (reader score {answer.answer_score:.2f} "
                          f"< {threshold:.2f})")

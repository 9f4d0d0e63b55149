"""The one refusal rule for a scored answer, shared by the chain's gate and the evaluation's abstention curve,
so that the curve's point at the product's threshold is exactly what the product does."""

from __future__ import annotations

from dataclasses import replace

from assistant.types import Answer

__all__ = ["REFUSAL", "below_threshold", "refuse_below"]

REFUSAL = "The article does not say."


def below_threshold(score: float, threshold: float | None) -> str | None:
    """Why an answer with the reader's `score` is refused at `threshold`, or None when it passes."""
    if threshold is None or score >= threshold:
        return None
    return (f"No sentence of the article answers this: the closest one is not about what you asked "
            f"(the reader's confidence is {score:.2f}; it answers from {threshold:.2f}).")


def refuse_below(answer: Answer, threshold: float | None) -> Answer:
    """`answer` refused when its reader score is below `threshold`; unchanged when it passes, is already
    refused, has no score, or there is no threshold."""
    if answer.refused or answer.answer_score is None:
        return answer
    why = below_threshold(answer.answer_score, threshold)
    if why is None:
        return answer
    return replace(answer, text=REFUSAL, refused=True, citations=[], short_answer=None, reason=why)

"""The refusal gate: decide before generation whether the article answers the question at all.

Refusing here is cheaper and safer than asking a small model to notice that it does not know. Two kinds of
refusal: instructions to the assistant (a principle, not a judgement), and the reader's probability that the
best sentence answers falling below the threshold chosen on held-out articles.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.evidence import Evidence
from assistant.injection import looks_like_injection
from assistant.refusal import below_threshold

__all__ = ["GateDecision", "decide", "looks_like_injection"]


@dataclass(frozen=True)
class GateDecision:
    answerable: bool
    reason: str
    score: float | None = None  # the reader's probability for the best sentence; None when it never ran


def decide(question: str, evidence: list[Evidence], threshold: float) -> GateDecision:
    if looks_like_injection(question):
        return GateDecision(False, "Instructions to the assistant are not questions about the article.")
    if not evidence:
        return GateDecision(False, "Nothing in the article matches the question.")
    score = evidence[0].probability
    why = below_threshold(score, threshold)
    if why:
        return GateDecision(False, why, score)
    return GateDecision(True, f"the reader's probability that the article answers: {score:.2f}", score)

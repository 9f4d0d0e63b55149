"""The refusal gate: decide before generation whether the article answers the question at all.

Refusing here is cheaper and safer than asking a small model to notice that it does not know. Two kinds of
refusal: instructions to the assistant (a principle, not a judgement), and the probability that the best
sentence answers (the reader's, fused with the bi-encoder's cosine) falling below the threshold chosen on
held-out articles.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from assistant.evidence import Evidence
from assistant.injection import looks_like_injection
from assistant.refusal import below_threshold
from index import content_terms

__all__ = ["GateDecision", "decide", "looks_like_injection", "not_mentioned"]


@dataclass(frozen=True)
class GateDecision:
    answerable: bool
    reason: str
    score: float | None = None  # the best sentence's probability (reader fused with cosine); None when it never ran


def not_mentioned(question: str, vocabulary: Collection[str]) -> str | None:
    """The question's words the article never uses, as the phrase they stand in ("the NATO Secretary
    General"), or None. Only an explanation of a refusal, never a reason to refuse: the reader decides."""
    words = re.findall(r"[^\W_]+(?:[’'-][^\W_]+)*", question)
    missing = [i for i, w in enumerate(words) if (t := content_terms(w)) and t[0] not in vocabulary]
    if not missing:
        return None
    runs: list[list[int]] = []
    for i in missing:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    # A name says it best ("Kerrow Point"); else the longest run of missing words.
    named = [[i for i in run if i and words[i][:1].isupper()] for run in runs]
    run = next((n for n in named if n), None) or max(runs, key=len)
    i, j = run[0], run[-1]
    while i > 1 and words[i - 1][:1].isupper():  # the name the missing words belong to ("NATO Secretary ...")
        i -= 1
    while j + 1 < len(words) and words[j + 1][:1].isupper():
        j += 1
    phrase = " ".join(words[i:j + 1])
    return f"the {phrase}" if i and words[i - 1].lower() == "the" else phrase


def decide(question: str, evidence: list[Evidence], threshold: float,
           vocabulary: Collection[str] = ()) -> GateDecision:
    """`vocabulary`: the article's content terms, to say in plain words what it does not mention."""
    def refused(why: str, score: float | None = None) -> GateDecision:
        absent = not_mentioned(question, vocabulary) if vocabulary else None  # only a refusal needs it
        return GateDecision(False, f"The article does not mention {absent}." if absent else why, score)

    if looks_like_injection(question):
        return GateDecision(False, "Instructions to the assistant are not questions about the article.")
    if not evidence:
        return refused("Nothing in the article matches the question.")
    score = max(e.probability for e in evidence)  # the best, even when a follow-up's near-tie went first
    why = below_threshold(score, threshold)
    if why:
        return refused(why, score)
    return GateDecision(True, f"the probability that the article answers: {score:.2f}", score)

"""The refusal gate: decide before generation whether the article answers the question at all.

Refusing here is cheaper and safer than asking a small model to notice that it does not know.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.evidence import Evidence, expected_type
from assistant.injection import looks_like_injection
from index import Hit, content_terms

__all__ = ["GateDecision", "decide", "looks_like_injection"]


@dataclass(frozen=True)
class GateDecision:
    answerable: bool
    reason: str


def decide(question: str, hits: list[Hit], evidence: list[Evidence], *, vocabulary: frozenset[str],
           min_similarity: float, min_coverage: float) -> GateDecision:
    if looks_like_injection(question):
        return GateDecision(False, "instructions to the assistant are not questions about the article")
    if not hits or not evidence:
        return GateDecision(False, "nothing in the article matches the question")
    best = evidence[0]
    top_similarity = max(e.similarity for e in evidence)
    terms = set(content_terms(question))
    covered = max((e.coverage for e in evidence), default=0.0)
    passage_cov = max(
        (len(terms & set(content_terms(h.passage.text))) / len(terms) for h in hits[:3]), default=0.0
    ) if terms else 0.0
    unknown = sorted(terms - vocabulary)
    if len(terms) >= 2 and len(unknown) / len(terms) >= 0.5 and top_similarity < 0.6:
        return GateDecision(False, f"the article never mentions {', '.join(unknown)}")
    if top_similarity < min_similarity and passage_cov < 0.5:
        return GateDecision(False, f"the article is not about this (similarity {top_similarity:.2f})")
    if terms and max(covered, passage_cov) < min_coverage:
        return GateDecision(False, "the question's key words do not occur in the article")
    if not terms and top_similarity < min_similarity + 0.15:
        return GateDecision(False, "the question names nothing the article talks about")
    kind = expected_type(question)
    if kind and not any(e.typed for e in evidence[:6]):
        return GateDecision(False, f"the article gives no {kind} for this")
    return GateDecision(True, f"best evidence similarity {best.similarity:.2f}, coverage {best.coverage:.2f}")

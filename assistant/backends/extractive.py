"""The extractive answer: the article's own best sentences, cited. No model, so it cannot invent; it is
also what the generative path falls back to when a generated sentence is not backed by the article."""

from __future__ import annotations

import re

from assistant.evidence import Evidence, is_yes_no, polarity
from assistant.types import Citation

__all__ = ["extractive_answer"]


def _wants_two(question: str) -> bool:
    q = question.lower()
    wh = re.findall(r"\b(what|when|where|who|which|why|how)\b", q)
    two_part = bool(re.search(r"\band (where|when|who|why|how)\b", q))
    return q.startswith("why") or " why " in q or len(set(wh)) >= 2 or two_part


def extractive_answer(question: str, evidence: list[Evidence], article_text: str) -> tuple[str, list[Citation]]:
    """One sentence, or two for why-questions and two-part questions (the second only when it scores
    close to the first)."""
    if not evidence:
        return "", []
    chosen = [evidence[0]]
    if len(evidence) > 1 and _wants_two(question) and evidence[1].score >= 0.8 * evidence[0].score:
        chosen.append(evidence[1])
    chosen.sort(key=lambda e: e.sentence.start)
    citations = []
    parts = []
    for n, e in enumerate(chosen, start=1):
        s = e.sentence
        citations.append(Citation(n, e.hit.passage.id, article_text[s.start:s.end], s.start, s.end))
        parts.append(f"{s.text} [{n}]")
    text = " ".join(parts)
    if is_yes_no(question):
        text = f"{polarity(question, evidence[0].sentence.text)}. {text}"
    return text, citations

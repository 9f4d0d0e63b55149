"""The extractive answer: the article's own best sentences, cited. No model, so it cannot invent; it is
also what the generative path falls back to when a generated sentence is not backed by the article."""

from __future__ import annotations

import re

from assistant.evidence import Evidence, is_multi_part, is_yes_no, polarity
from assistant.types import Citation
from index import Sentence

__all__ = ["choose_evidence", "extractive_answer"]

NEIGHBOUR_BONUS = 0.15


def _adjacent(a: Sentence, b: Sentence, text: str) -> bool:
    """Next to each other in one paragraph: nothing but spaces between them."""
    left, right = (a, b) if a.start < b.start else (b, a)
    return a.paragraph == b.paragraph and not text[left.end:right.start].strip()


def _wants_two(question: str) -> bool:
    return bool(re.search(r"\bwhy\b", question, re.IGNORECASE)) or is_multi_part(question)


def choose_evidence(question: str, evidence: list[Evidence], article_text: str) -> list[Evidence]:
    """The sentences that answer: one, or two for why-questions and two-part questions: the second when it
    scores close to the first (a neighbour gets a head start), or when it is the neighbour that holds what
    the first lacks. In article order."""
    if not evidence:
        return []
    first = evidence[0]
    chosen = [first]
    if len(evidence) > 1 and _wants_two(question):
        # A reason or a second part usually goes on in the next sentence: a neighbour needs less score.
        def weight(e: Evidence) -> float:
            return e.score + (NEIGHBOUR_BONUS if _adjacent(first.sentence, e.sentence, article_text) else 0.0)
        second = max(evidence[1:], key=weight)
        # "When ... and where?": a neighbour that holds the date the first sentence lacks completes it.
        completes = (is_multi_part(question) and not first.typed and second.typed
                     and _adjacent(first.sentence, second.sentence, article_text))
        if completes or weight(second) >= 0.8 * first.score:
            chosen.append(second)
    return sorted(chosen, key=lambda e: e.sentence.start)


def extractive_answer(question: str, evidence: list[Evidence], article_text: str) -> tuple[str, list[Citation]]:
    """The chosen sentences themselves, cited (with Yes./No. first for a yes/no question)."""
    chosen = choose_evidence(question, evidence, article_text)
    if not chosen:
        return "", []
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

"""Citations that point at the article's exact words.

A citation is only ever made from offsets into the canonical text, so `text[start:end] == quote` holds by
construction. Which generated sentence is backed, and by what, is the verifier's call
(assistant/pipeline/verify.py), and it numbers each as it keeps it (`Numbering`: the one place a citation number
is given, so the `[n]` streamed is the `[n]` of the final answer); this module turns them into citations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.markup import strip_markers
from assistant.types import Citation, Segment
from index import Hit, Sentence

__all__ = ["Numbering", "SupportedSentence", "build_citations", "segment", "split_answer"]


def split_answer(text: str) -> list[str]:
    """An answer's sentences, markers off; a cut falls after . ! ? before a capital, digit or quote."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"“‘'])", strip_markers(text))
    return [p.strip() for p in parts if p.strip()]


@dataclass(frozen=True)
class SupportedSentence:
    """A generated sentence the article backs: `evidence` is the article sentence it is cited to, `n` its
    citation number (given by `Numbering` when the verifier keeps it; 0 until then)."""

    text: str
    evidence: Sentence
    hit: Hit
    lexical: float
    similarity: float
    n: int = 0


class Numbering:
    """One citation number per distinct quoted sentence, 1, 2, ... in the order they are first cited."""

    def __init__(self) -> None:
        self._by_span: dict[tuple[int, int], int] = {}

    def __call__(self, evidence: Sentence) -> int:
        return self._by_span.setdefault((evidence.start, evidence.end), len(self._by_span) + 1)


def build_citations(article_text: str, backed: Sequence[SupportedSentence]) -> tuple[list[Segment], list[Citation]]:
    """A sentence segment per backed sentence, citing its `n`, and one citation per number, as the verifier
    numbered them."""
    if any(s.n < 1 for s in backed):
        raise ValueError("a backed sentence has no citation number: Numbering gives them as the verifier keeps them")
    citations: dict[int, Citation] = {}
    for s in backed:
        start, end = s.evidence.start, s.evidence.end
        citations.setdefault(s.n, Citation(s.n, s.hit.passage.id, article_text[start:end], start, end))
    return [segment(s) for s in backed], sorted(citations.values(), key=lambda c: c.n)


def segment(backed: SupportedSentence) -> Segment:
    """A backed sentence as the answer shows it: its words, citing its number."""
    return Segment("sentence", backed.text, backed.n)

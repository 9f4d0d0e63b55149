"""Citations that point at the article's exact words.

A citation is only ever made from offsets into the canonical text, so `text[start:end] == quote` holds by
construction. Which generated sentence is backed, and by what, is the verifier's call
(assistant/pipeline/verify.py); this module numbers what it kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.markup import strip_markers
from assistant.types import Citation
from index import Hit, Sentence

__all__ = ["SupportedSentence", "build_citations", "split_answer"]


def split_answer(text: str) -> list[str]:
    """An answer's sentences, markers off; a cut falls after . ! ? before a capital, digit or quote."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"“‘'])", strip_markers(text))
    return [p.strip() for p in parts if p.strip()]


@dataclass(frozen=True)
class SupportedSentence:
    """A generated sentence the article backs: `evidence` is the article sentence it is cited to."""

    text: str
    evidence: Sentence
    hit: Hit
    lexical: float
    similarity: float


def build_citations(article_text: str, backed: Sequence[SupportedSentence]) -> tuple[str, list[Citation]]:
    """Answer text with `[n]` after each sentence and one citation per distinct quoted sentence."""
    citations: list[Citation] = []
    by_span: dict[tuple[int, int], int] = {}
    parts = []
    for s in backed:
        span = (s.evidence.start, s.evidence.end)
        if span not in by_span:
            n = len(citations) + 1
            by_span[span] = n
            quote = article_text[span[0]:span[1]]
            citations.append(Citation(n, s.hit.passage.id, quote, span[0], span[1]))
        parts.append(f"{s.text} [{by_span[span]}]")
    return " ".join(parts), citations

"""Citations that point at the article's exact words, and the check that each answer sentence is backed.

A citation is only ever made from offsets into the canonical text, so `text[start:end] == quote` holds
by construction; `locate` maps a model's loosely copied quote back to those exact offsets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.evidence import Evidence
from assistant.types import Citation
from index import Hit, Sentence, content_terms
from index.text import normalize

__all__ = ["SupportedSentence", "build_citations", "locate", "split_answer", "strip_markers", "supported"]

_MARKER = re.compile(r"\s*\[(\d{1,2})\]")
_NUM = re.compile(r"\d+(?:[.,]\d+)?")


def locate(quote: str, text: str, near: int = 0) -> tuple[int, int] | None:
    """Offsets of `quote` in `text`: exact first, then ignoring case, whitespace and quote styles.
    The match closest to `near` wins."""
    quote = quote.strip()
    if not quote:
        return None
    exact = [m.start() for m in re.finditer(re.escape(quote), text)]
    if exact:
        start = min(exact, key=lambda s: abs(s - near))
        return start, start + len(quote)
    folded = normalize(text).lower()
    if len(folded) != len(text):  # NFKC changed lengths: offsets would not map back
        return None
    words = normalize(quote).lower().split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    found = [(m.start(), m.end()) for m in re.finditer(pattern, folded)]
    if not found:
        return None
    return min(found, key=lambda se: abs(se[0] - near))


def strip_markers(text: str) -> str:
    return _MARKER.sub("", text).strip()


def split_answer(text: str) -> list[str]:
    text = strip_markers(text)
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"“‘'])", text)
    return [p.strip() for p in parts if p.strip()]


@dataclass(frozen=True)
class SupportedSentence:
    text: str
    evidence: Sentence
    hit: Hit
    lexical: float
    similarity: float


_NEGATION = re.compile(r"\b(not|no|never|none|neither|nor|without|cannot)\b|n[’']t\b", re.IGNORECASE)


def supported(sentence: str, question: str, candidates: Sequence[Evidence], vectors: Sequence[Sequence[float]],
              sentence_vector: Sequence[float], *, depth: int = 2) -> SupportedSentence | None:
    """The article sentence that backs `sentence`, if one does. A small model writes fluent sentences that
    are wrong, so the bar is high: the sentence must add something beyond the question's words, every word
    it adds (and every number) must come from one of the best evidence passages, it must not negate what
    that sentence says (or the reverse), and its meaning must be close to it."""
    terms = set(content_terms(sentence))
    new = terms - set(content_terms(question))
    if not new:
        return None  # restates the question: answers nothing
    numbers = set(_NUM.findall(sentence))
    best: SupportedSentence | None = None
    for cand, vec in list(zip(candidates, vectors))[:depth]:
        if numbers - set(_NUM.findall(cand.sentence.text)):
            continue
        have = set(content_terms(cand.hit.passage.text))
        lexical = len(new & have) / len(new)
        sim = sum(a * b for a, b in zip(sentence_vector, vec))
        negation_agrees = bool(_NEGATION.search(sentence)) == bool(_NEGATION.search(cand.sentence.text))
        if lexical >= 0.8 and sim >= 0.3 and negation_agrees:
            found = SupportedSentence(sentence, cand.sentence, cand.hit, lexical, sim)
            if best is None or lexical + sim > best.lexical + best.similarity:
                best = found
    return best


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

"""BM25 over the passages: catches names, numbers and rare words that a small embedder blurs."""

from __future__ import annotations

from rank_bm25 import BM25Okapi

from index.text import content_terms
from index.types import Passage

__all__ = ["LexicalIndex"]


class LexicalIndex:
    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        corpus = [content_terms(p.text) or ["_"] for p in passages]
        self._bm25 = BM25Okapi(corpus) if passages else None

    def search(self, query: str, k: int) -> list[tuple[Passage, float]]:
        terms = content_terms(query)
        if not self._bm25 or not terms:
            return []
        scores = self._bm25.get_scores(terms)
        ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
        return [(self.passages[i], float(scores[i])) for i in ranked[:k] if scores[i] > 0]

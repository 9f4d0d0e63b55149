"""Types that leave the index stage. Frozen so that nobody downstream edits an offset by accident."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    """The canonical (cleaned) article: every offset in the project points into `text`."""

    title: str
    text: str
    source: str

    def slice(self, start: int, end: int) -> str:
        return self.text[start:end]


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int
    paragraph: int


@dataclass(frozen=True)
class Passage:
    """A few whole sentences; `article.text[start:end] == text` always holds."""

    id: str
    text: str
    start: int
    end: int
    paragraph: int

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Hit:
    """A search result; `dense` is the cosine similarity to the query, `lexical` the BM25 score. `score` is the
    search's fused score; in an Answer's passages, reordered by the reader, its best sentence's probability."""

    passage: Passage
    score: float
    rank: int
    dense: float = 0.0
    lexical: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {**self.passage.to_dict(), "score": round(self.score, 6)}

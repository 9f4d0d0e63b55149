"""Types that leave the index stage. Frozen so that nobody downstream edits an offset by accident."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    """A search result. `signals` holds each ranking's own score by name (`dense`: the cosine similarity to
    the query, `lexical`: BM25; `sentence`: for a passage the reader took up for one of its sentences, not
    found by the search, that sentence's cosine). `score` is the search's fused score (0 for such a passage);
    in an Answer's passages, reordered by the reader, its best sentence's probability."""

    passage: Passage
    score: float
    rank: int
    signals: dict[str, float] = field(default_factory=dict, hash=False)

    @property
    def dense(self) -> float:
        return self.signals.get("dense", 0.0)

    @property
    def lexical(self) -> float:
        return self.signals.get("lexical", 0.0)

    def to_dict(self) -> dict[str, object]:
        return {**self.passage.to_dict(), "score": round(self.score, 6)}

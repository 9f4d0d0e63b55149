"""What crosses from the assistant to every surface (CLI, Python, web chat, HTTP API, evaluation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from index import Hit

__all__ = ["Answer", "Citation", "Message", "Segment", "SegmentKind", "ShortAnswer"]

Message = dict[str, str]

SegmentKind = Literal["short", "verdict", "sentence", "refusal"]


@dataclass(frozen=True)
class Segment:
    """One piece of an answer, in the order shown: the short answer's words (`short`), Yes./No. or "The article
    says:" (`verdict`), a sentence citing source `n` (`sentence`), or a refusal's text (`refusal`). Every surface
    renders these (`assistant.markup.markdown` for `Answer.text`, the page's HTML, the terminal); none reads
    bold or `[n]` back out of text."""

    kind: SegmentKind
    text: str
    n: int | None = None  # the citation a sentence carries

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "text": self.text, "n": self.n}


@dataclass(frozen=True)
class Citation:
    """Marker `[n]` in the answer; `article.text[start:end] == quote` always holds (`article.text`: the cleaned
    article, `GET /v1/article`). For a .txt or .md article, `source_start`/`source_end` locate the quote in the
    user's own file (its characters, decoded from UTF-8), or are None when it cannot be located there."""

    n: int
    passage_id: str
    quote: str
    start: int
    end: int
    source_start: int | None = None
    source_end: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"n": self.n, "passage_id": self.passage_id, "quote": self.quote, "start": self.start,
                "end": self.end, "source_start": self.source_start, "source_end": self.source_end}


@dataclass(frozen=True)
class ShortAnswer:
    """The few words that answer ("1992"), inside the first cited sentence; `article.text[start:end] == text`."""

    text: str
    start: int
    end: int
    score: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "start": self.start, "end": self.end, "score": round(self.score, 4)}


@dataclass(frozen=True)
class Answer:
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Hit] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    question: str = ""
    standalone_question: str = ""
    backend: str = ""
    reason: str = ""  # why it answered as it did, or why it refused, in words a reader understands
    # Why it refused, as a kind a program can branch on (assistant/refusal.py: "instructions", "not_found",
    # "below_threshold", "unbacked"); None when it answers.
    refusal: str | None = None
    # The probability that the article answers the question: the reader's, fused with the bi-encoder's (None
    # when no reader ran: an injection, an empty search). The answer is refused below the chain's threshold.
    answer_score: float | None = None
    short_answer: ShortAnswer | None = None
    article_sha256: str = ""  # of the cleaned text every offset indexes: a client can check it has that text
    # The answer as its pieces; `text` is their Markdown (`assistant.markup.markdown(segments) == text`).
    segments: list[Segment] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """The JSON shape shared by `ask --json`, the Gradio /ask endpoint and the HTTP API."""
        return {
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [h.to_dict() for h in self.passages],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "standalone_question": self.standalone_question,
            "backend": self.backend,
            "reason": self.reason,
            "refusal": self.refusal,
            "answer_score": None if self.answer_score is None else round(self.answer_score, 4),
            "short_answer": self.short_answer.to_dict() if self.short_answer else None,
            "article_sha256": self.article_sha256,
            "segments": [s.to_dict() for s in self.segments],
        }

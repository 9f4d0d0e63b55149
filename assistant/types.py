"""What crosses from the assistant to every surface (CLI, Python, web chat, HTTP API, evaluation)."""

from __future__ import annotations

from dataclasses import dataclass, field

from index import Hit

__all__ = ["Answer", "Citation", "Message"]

Message = dict[str, str]


@dataclass(frozen=True)
class Citation:
    """Marker `[n]` in the answer; `article.text[start:end] == quote` always holds."""

    n: int
    passage_id: str
    quote: str
    start: int
    end: int

    def to_dict(self) -> dict[str, object]:
        return {"n": self.n, "passage_id": self.passage_id, "quote": self.quote, "start": self.start,
                "end": self.end}


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
    reason: str = ""

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
        }

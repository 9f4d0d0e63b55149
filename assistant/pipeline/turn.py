"""The state one question carries through the steps. Frozen: each step returns a copy with its part filled in."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from assistant.citations import SupportedSentence
from assistant.evidence import Evidence
from assistant.question import Question, analyse
from assistant.refusal import Decision
from assistant.types import Message, Segment, ShortAnswer
from index import Hit

__all__ = ["Route", "Turn"]

# What the turn does once decided, set by the step that decides it: refused (the screen, the overview's, the
# credits' or the reader's decision), the article's own sentences quoted as chosen without the reader (an
# overview's, a byline), the reader's sentence as the answer, or a generated answer checked sentence by
# sentence. Every later step reads it; none decides it again.
Route = Literal["refuse", "quote", "extract", "generate"]


@dataclass(frozen=True)
class Turn:
    """`question` as asked; `standalone` what is searched and read (the question itself, or its rewrite when it
    leans on the conversation: `follow_up`). `asked` and `query` are their analyses (assistant/question.py),
    made once; every step reads them instead of the text."""

    question: str
    history: list[Message] = field(default_factory=list)
    k: int | None = None
    min_score: float | None = None  # overrides the refusal threshold (evaluation asks with 0.0)
    t0: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)
    standalone: str = ""
    follow_up: bool = False  # the rewrite changed the question: it leaned on the conversation
    query_vector: list[float] = field(default_factory=list)  # the bi-encoder's vector of `standalone`
    hits: list[Hit] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    decision: Decision | None = None  # set by the screen (instructions) or the decision after reading
    route: Route | None = None  # set with the decision, once: what the rest of the steps do
    draft: str | None = None  # what the model wrote (None: no model ran)
    backed: list[SupportedSentence] = field(default_factory=list)  # its sentences the article backs, in order
    generated: int = 0  # how many sentences of the draft were checked against the article
    found_nothing: bool = False  # the model said the passages do not answer (or wrote nothing): verify.py decides
    # What the answer opens with (the bold short answer, or Yes./No./"The article says:") and the short answer
    # itself: decided once, by Compose.open after the decision, and read by streaming and composing alike.
    opening: Segment | None = None
    short: ShortAnswer | None = None
    asked: Question = field(init=False, repr=False, compare=False)
    query: Question = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "asked", analyse(self.question))
        object.__setattr__(self, "query", analyse(self.standalone or self.question))

    def lap(self, key: str, started: float) -> dict[str, float]:
        return {**self.timings, key: time.perf_counter() - started}

"""The retrieval chain: a row of small steps over one typed state (`Turn`, assistant/pipeline/turn.py).

    screen -> rewrite -> [overview] -> [credits] -> retrieve -> read -> decide -> generate + verify -> compose
    (pipeline/decide.py, rewrite.py, overview.py, credits.py, retrieve.py, read.py, decide.py, generate.py +
    verify.py, compose.py)

Each step returns a new `Turn`; a decided turn (a refusal, or an overview or a byline, quoted as chosen)
skips what is left up to composing. `answer` runs the steps and
`stream` runs the same ones, yielding the answer's segments as they are verified: a generated sentence is
checked against the article as soon as it is complete and shown only if it passes, so what streams is never
taken back, and the segments streamed are exactly the final `Answer.segments` (their Markdown, `Answer.text`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from assistant.backends import Backend
from assistant.evidence import EvidenceFinder
from assistant.pipeline.compose import Compose
from assistant.pipeline.credits import Credits
from assistant.pipeline.decide import Decide, Screen
from assistant.pipeline.generate import Generate
from assistant.pipeline.overview import Overview
from assistant.pipeline.read import Read, rerank
from assistant.pipeline.retrieve import Retrieve
from assistant.pipeline.rewrite import Rewrite
from assistant.pipeline.turn import Turn
from assistant.pipeline.verify import Checker
from assistant.refusal import REFUSAL, OperatingPoint
from assistant.settings import Settings
from assistant.types import Answer, Segment
from index import ArticleIndex

__all__ = ["REFUSAL", "AnswerChain", "Turn", "rerank"]

Step = Callable[[Turn], Turn]


class AnswerChain:
    def __init__(self, index: ArticleIndex, backend: Backend, settings: Settings, finder: EvidenceFinder) -> None:
        self.index = index
        self.backend = backend
        self.settings = settings
        self.finder = finder
        self.screen_step = Screen()
        self.rewrite_step = Rewrite(backend, settings.history_tokens)
        self.overview_step = Overview(index, finder)
        self.credits_step = Credits(index, finder)
        self.search_step = Retrieve(index, settings.top_k, settings.read_passages)
        self.read_step = Read(index, finder, settings.top_k)
        self.decide_step = Decide(finder, settings.answer_threshold, generates=backend.generates)
        self.generate_step = Generate(backend, finder, context_sentences=settings.context_sentences,
                                  max_tokens=settings.max_tokens, temperature=settings.temperature)
        self.compose_step = Compose(index, finder, backend.name)

    @property
    def backend_name(self) -> str:
        return self.backend.name

    @property
    def operating_point(self) -> OperatingPoint:
        """The threshold answers are refused below, and its rule (assistant/refusal.py), resolved once."""
        return self.decide_step.point

    @property
    def steps(self) -> tuple[Step, ...]:
        """Everything before generation, in order: the one list `answer` and `stream` run."""
        return (self.screen_step.run, self.rewrite_step.run, self.overview_step.run, self.credits_step.run,
                self.search_step.run, self.read_step.run, self.decide_step.run)

    def prepare(self, turn: Turn) -> Turn:
        """`turn` through the steps before generation, up to the one that sets its route (a refusal, a quote,
        or the decision after reading): the rest is skipped."""
        for step in self.steps:
            if turn.route is not None:
                break
            turn = step(turn)
        return turn

    def retrieve(self, turn: Turn) -> Turn:
        """Search and read only (calibration and the probes score the reader's evidence for a question)."""
        return self.read_step.run(self.search_step.run(turn))

    def answer(self, turn: Turn) -> Answer:
        turn = self.compose_step.open(self.prepare(turn))
        check = Checker(turn, self.finder, self.index.embedder)
        for _ in self.generate_step.run(turn, check):
            pass
        return self.compose_step.run(check.outcome(turn))

    def stream(self, turn: Turn) -> Iterator[Segment | Answer]:
        """The same steps; yields the answer's segments as they are verified (the opening first, then each
        generated sentence the article backs), then the Answer, whose segments start with those shown."""
        turn = self.compose_step.open(self.prepare(turn))
        shown: list[Segment] = []
        check = Checker(turn, self.finder, self.index.embedder)
        if turn.opening:
            shown.append(turn.opening)
            yield turn.opening  # the short answer (or Yes./No.) first: every answer with evidence starts with it
        for segment in self.generate_step.run(turn, check):
            shown.append(segment)
            yield segment
        answer = self.compose_step.run(check.outcome(turn))
        # Nothing generated was shown (extractive backend, refusal, overview, or no sentence backed): the rest
        # comes now. Something shown is always the start of the answer, never replaced.
        assert answer.segments[:len(shown)] == shown, (shown, answer.segments)
        yield from answer.segments[len(shown):]
        yield answer

"""Questions about the article as a document ("Who wrote this article?", "When was it published?"): answered
by the article's own byline or dateline (index/credits.py), cited like any sentence, or refused with what the
article lacks. The reader is not asked: no sentence of the content answers them, and asked anyway it picked the
sentence about someone else's article (the CSTO article has no byline; "Who is the author of the article?"
got Tokayev's article at 0.21, above the refusal threshold)."""

from __future__ import annotations

from dataclasses import replace

from assistant.evidence import EvidenceFinder
from assistant.pipeline.overview import quoted, ranked
from assistant.pipeline.turn import Turn
from assistant.refusal import credited
from index import ArticleIndex, find_credit

__all__ = ["Credits"]


class Credits:
    """The step for a question with a `Question.credit`; any other question passes through unchanged."""

    def __init__(self, index: ArticleIndex, finder: EvidenceFinder) -> None:
        self.index = index
        self.finder = finder

    def run(self, turn: Turn) -> Turn:
        credit = turn.query.credit
        if credit is None:
            return turn
        self.finder.use(self.index.article)
        found = find_credit(self.finder.sentences, credit)
        evidence = None
        if found is not None:
            evidence = quoted(self.index, self.finder, self.finder.sentences.index(found), 1.0)
        decision = credited(credit, evidence is not None)
        return replace(turn, standalone=turn.standalone or turn.question, evidence=[evidence] if evidence else [],
                       hits=ranked([evidence.hit]) if evidence else [], decision=decision,
                       route="quote" if evidence else "refuse")

"""The reading step: the learned reader judges the sentences of the retrieved passages (and the article's
nearest ones), and the passages are re-ranked by what it found: the passage an answer cites comes first.

For a follow-up, a near-tie goes to the paragraph the last exchange came from (`evidence.FOLLOWUP_TIE`); any
other question's few best sentences are re-ranked by a second opinion (assistant/reader/second_opinion.py).
"""

from __future__ import annotations

import time
from dataclasses import replace

from assistant.evidence import Evidence, EvidenceFinder, prefer_paragraph, second_look
from assistant.markup import plain
from assistant.pipeline.turn import Turn
from assistant.types import Message
from index import ArticleIndex, Hit

__all__ = ["Read", "last_exchange", "rerank"]


class Read:
    def __init__(self, index: ArticleIndex, finder: EvidenceFinder, top_k: int) -> None:
        self.index = index
        self.finder = finder
        self.top_k = top_k

    def run(self, turn: Turn) -> Turn:
        t = time.perf_counter()
        self.finder.use(self.index.article)  # follows a rebuild while serving
        evidence = self.finder.find(turn.standalone, turn.hits, turn.query_vector, self.index.passages)
        if turn.follow_up:  # the conversation says where to look; the second opinion reads the rewrite alone
            if last := last_exchange(turn.history):
                evidence = prefer_paragraph(evidence, self.finder.locate(last))
        else:
            evidence = second_look(turn.standalone, evidence, self.finder.reader.second_opinion)
        # A passage the search did not rank but one of whose sentences the reader read joins the ranking.
        searched = {h.passage.id for h in turn.hits}
        hits = turn.hits + list({e.hit.passage.id: e.hit for e in evidence
                                 if e.hit.passage.id not in searched}.values())
        return replace(turn, hits=rerank(hits, evidence)[:turn.k or self.top_k], evidence=evidence,
                       timings=turn.lap("read_s", t))


def rerank(hits: list[Hit], evidence: list[Evidence]) -> list[Hit]:
    """The passages in the evidence's order: first the one holding its first sentence (the one an answer cites,
    after the second opinion or the conversation's preference), then the next; each passage's `score` is the
    best probability of a sentence inside it. Passages none of whose sentences were read keep the search's
    order after them, with score 0. Ranks renumbered from 1."""
    def place(h: Hit) -> tuple[int, bool, float]:
        p = h.passage
        inside = [(i, e.probability) for i, e in enumerate(evidence)
                  if p.start <= e.sentence.start and e.sentence.end <= p.end]
        if not inside:
            return len(evidence), True, -1.0
        first = inside[0][0]
        # Of two overlapping passages holding the same sentence, the one its citation names comes first.
        return first, evidence[first].hit.passage.id != p.id, max(q for _, q in inside)

    placed = sorted(((place(h), h) for h in hits), key=lambda x: (x[0][0], x[0][1], -x[0][2], x[1].rank))
    return [replace(h, rank=i, score=max(best, 0.0)) for i, ((_, _, best), h) in enumerate(placed, start=1)]


def last_exchange(history: list[Message]) -> str:
    """The last question and the answer to it, as words to locate in the article (markers and bold off)."""
    for i in range(len(history) - 1, 0, -1):
        if history[i]["role"] == "assistant" and history[i - 1]["role"] == "user":
            return f"{history[i - 1]['content']} {plain(history[i]['content'])}".strip()
    return ""

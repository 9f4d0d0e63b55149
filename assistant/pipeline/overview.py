"""Overview answers: "What does the article say about Russia?", "What is this article about?", "Summarize the
part on Armenia". No one sentence answers these, so the reader's single best sentence is the wrong tool: a few
sentences are chosen instead, relevant to the topic and not repeating each other (maximal marginal relevance
over the bi-encoder's vectors), and shown in article order, each cited. Nothing is generated: the article's own
sentences are the answer. Refused only when the article does not mention the topic (assistant/refusal.py).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from assistant.evidence import Evidence, EvidenceFinder
from assistant.pipeline.turn import Turn
from assistant.refusal import overview
from index import ArticleIndex, Hit, content_terms

__all__ = ["OVERVIEW_SENTENCES", "REDUNDANCY_WEIGHT", "Overview", "mmr", "quoted", "ranked"]

# About four sentences: enough to say what the article says about a topic, short enough to read in the chat.
OVERVIEW_SENTENCES = 4
# Maximal marginal relevance: each next sentence maximises relevance - REDUNDANCY_WEIGHT x its highest cosine
# with one already chosen (Carbonell & Goldstein 1998; 0.3 is their lambda of 0.7 written as a penalty).
REDUNDANCY_WEIGHT = 0.3


def mmr(relevance: np.ndarray, vectors: np.ndarray, k: int, weight: float = REDUNDANCY_WEIGHT) -> list[int]:
    """Up to `k` row indexes: the most relevant first, then each maximising relevance minus `weight` times its
    similarity to the closest one chosen."""
    chosen: list[int] = []
    left = list(range(len(relevance)))
    while left and len(chosen) < k:
        if chosen:
            redundancy = (vectors[left] @ vectors[chosen].T).max(axis=1)
            scores = relevance[left] - weight * redundancy
        else:
            scores = relevance[left]
        best = left[int(np.argmax(scores))]
        chosen.append(best)
        left.remove(best)
    return chosen


class Overview:
    """The step for an overview question (`Question.overview`); any other question passes through unchanged."""

    def __init__(self, index: ArticleIndex, finder: EvidenceFinder, sentences: int = OVERVIEW_SENTENCES) -> None:
        self.index = index
        self.finder = finder
        self.sentences = sentences

    def run(self, turn: Turn) -> Turn:
        if not turn.query.overview:
            return turn
        t = time.perf_counter()
        self.finder.use(self.index.article)
        topic = turn.query.topic
        related = self.finder.related(set(content_terms(topic or "")))
        chosen: list[Evidence] = []
        if related:
            vectors = np.stack([v for _, v in related])
            if topic:
                target = np.asarray(self.index.embedder.embed([topic])[0], dtype=np.float64)
            else:  # the whole article: the sentences nearest its centre and its title
                title = np.asarray(self.index.embedder.embed([self.index.article.title])[0], dtype=np.float64)
                centre = self.finder.related(set())
                mean = np.mean(np.stack([v for _, v in centre]), axis=0)
                target = mean / (np.linalg.norm(mean) or 1.0) + title
            relevance = vectors @ target
            picked = sorted(mmr(relevance, vectors, self.sentences))  # article order
            chosen = [e for j in picked
                      if (e := quoted(self.index, self.finder, related[j][0], float(relevance[j]))) is not None]
        decision = overview(turn.query, self.finder.vocabulary, len(chosen))
        if not decision.answerable:
            chosen = []
        hits = ranked([e.hit for e in sorted(chosen, key=lambda e: -e.similarity)])
        return replace(turn, standalone=turn.standalone or turn.question, evidence=chosen, hits=hits,
                       decision=decision, route="quote" if decision.answerable else "refuse",
                       timings=turn.lap("overview_s", t))


def quoted(index: ArticleIndex, finder: EvidenceFinder, i: int, similarity: float) -> Evidence | None:
    """The article's sentence i as evidence chosen without the reader, with the passage that holds it (None for
    a sentence too long for any one passage)."""
    s = finder.sentences[i]
    home = next((p for p in index.passages if p.start <= s.start and s.end <= p.end), None)
    if home is None:
        return None
    return Evidence(s, Hit(home, similarity, 0, {"sentence": similarity}), similarity, similarity)


def ranked(hits: list[Hit]) -> list[Hit]:
    """One hit per passage, most relevant first, ranks from 1."""
    seen: dict[str, Hit] = {}
    for h in hits:
        seen.setdefault(h.passage.id, h)
    return [replace(h, rank=i) for i, h in enumerate(seen.values(), start=1)]

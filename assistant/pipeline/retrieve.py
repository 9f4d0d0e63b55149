"""The search step: the standalone question's vector and the index's hybrid search (dense + BM25, fused)."""

from __future__ import annotations

import time
from dataclasses import replace

from assistant.errors import BackendError
from assistant.pipeline.turn import Turn
from index import ArticleIndex, StoreError

__all__ = ["Retrieve"]


class Retrieve:
    """`read_passages` passages (at least the `k` the answer lists): the reader looks into all of them."""

    def __init__(self, index: ArticleIndex, top_k: int, read_passages: int) -> None:
        self.index = index
        self.top_k = top_k
        self.read_passages = read_passages

    def run(self, turn: Turn) -> Turn:
        t = time.perf_counter()
        query = turn.standalone or turn.question
        vector = self.index.embedder.embed([query])[0]
        try:
            hits = self.index.search(query, max(turn.k or self.top_k, self.read_passages), vector=vector)
        except StoreError as exc:
            raise BackendError(str(exc)) from None
        return replace(turn, standalone=query, query_vector=vector, hits=hits, timings=turn.lap("retrieve_s", t))

"""The generation step: the prompt from the passages that hold the best evidence, and the model's stream, each
sentence handed to the verifier as soon as it is complete. Nothing runs for a refusal or the extractive backend."""

from __future__ import annotations

import time
from collections.abc import Iterator

from assistant.backends import Backend
from assistant.evidence import EvidenceFinder
from assistant.pipeline.turn import Turn
from assistant.pipeline.verify import Checker
from assistant.types import Message, Segment
from index import Hit
from prompts import chat_messages

__all__ = ["Generate"]


class Generate:
    def __init__(self, backend: Backend, finder: EvidenceFinder, *, context_passages: int, max_tokens: int,
                 temperature: float) -> None:
        self.backend = backend
        self.finder = finder
        self.context_passages = context_passages
        self.max_tokens = max_tokens
        self.temperature = temperature

    def context(self, turn: Turn) -> list[Hit]:
        """The passages holding the best evidence, best first: small, precise prompts for a small model."""
        chosen: list[Hit] = []
        for e in turn.evidence:
            if e.hit not in chosen:
                chosen.append(e.hit)
            if len(chosen) == self.context_passages:
                break
        return chosen

    def messages(self, turn: Turn) -> list[Message]:
        passages = "\n".join(f"[{i}] {self.finder.prompt_text(h)}" for i, h in enumerate(self.context(turn), start=1))
        return chat_messages("answer", passages=passages, question=turn.standalone)

    def run(self, turn: Turn, check: Checker) -> Iterator[Segment]:
        """Runs the model and has `check` check its answer sentence by sentence; yields each backed sentence,
        citing its source, as soon as it is complete."""
        if turn.route != "generate":  # refused, an overview (the article's own sentences), or extractive
            return
        t = time.perf_counter()
        timings = check.timings
        stream = self.backend.generate(self.messages(turn), max_tokens=self.max_tokens, temperature=self.temperature)
        try:
            for piece in stream:
                timings.setdefault("first_token_s", time.perf_counter() - turn.t0)
                for part in check.feed(piece):
                    timings.setdefault("first_verified_s", time.perf_counter() - turn.t0)
                    yield part
                if check.finished:
                    break  # the answer paragraph is over (or the model found nothing): stop generating
            for part in check.close():
                timings.setdefault("first_verified_s", time.perf_counter() - turn.t0)
                yield part
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
            timings["generate_s"] = time.perf_counter() - t
            check.ran = True

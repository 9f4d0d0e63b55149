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
from index import Sentence
from prompts import chat_messages

__all__ = ["Generate"]


class Generate:
    def __init__(self, backend: Backend, finder: EvidenceFinder, *, context_sentences: int, max_tokens: int,
                 temperature: float) -> None:
        self.backend = backend
        self.finder = finder
        self.context_sentences = context_sentences
        self.max_tokens = max_tokens
        self.temperature = temperature

    def context(self, turn: Turn) -> list[Sentence]:
        """The sentences the reader found most probable, best first. The model may only rephrase the best one
        (the verifier keeps only what it backs: `choose_evidence`), so it is given the best `context_sentences`,
        each after the one before it, rather than whole passages: measured with the local model on the CSTO dev
        set and its follow-ups (`python -m benchmarks.context_probe`), two sentences against two passages (about
        275 prompt tokens, read at about 250 tokens a second on 2 cores) brought the first text from 1.32 to
        0.97 s (p50) with the same answers held; one sentence was faster still (0.83 s) but lost a follow-up."""
        chosen: list[Sentence] = []
        for e in turn.evidence:
            if e.sentence not in chosen:
                chosen.append(e.sentence)
            if len(chosen) == self.context_sentences:
                break
        return chosen

    def messages(self, turn: Turn) -> list[Message]:
        shown = [self.finder.prompt_sentence(s) for s in self.context(turn)]
        passages = "\n".join(f"[{i}] {text}" for i, text in enumerate(shown, start=1))
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

"""The decision step: answer or refuse, from what the reader found (the rule is assistant/refusal.py's)."""

from __future__ import annotations

import time
from dataclasses import replace

from assistant.evidence import EvidenceFinder
from assistant.pipeline.turn import Turn
from assistant.refusal import decide, resolve_threshold, screen

__all__ = ["Decide", "Screen"]


class Screen:
    """Before any retrieval: a question that talks to the assistant is refused without embedding, searching or
    reading anything (empty and oversized input never gets this far: assistant/history.py)."""

    def run(self, turn: Turn) -> Turn:
        decision = screen(turn.asked)
        return turn if decision is None else replace(turn, standalone=turn.question, decision=decision)


class Decide:
    def __init__(self, finder: EvidenceFinder, answer_threshold: float | None) -> None:
        self.finder = finder
        self.answer_threshold = answer_threshold

    @property
    def threshold(self) -> float:
        """Below this probability the answer is refused: the setting, else the reader's validated one."""
        return resolve_threshold(self.answer_threshold, self.finder.reader.threshold)

    def run(self, turn: Turn) -> Turn:
        t = time.perf_counter()
        threshold = self.threshold if turn.min_score is None else turn.min_score
        decision = decide(turn.query, turn.evidence, threshold, self.finder.vocabulary)
        return replace(turn, decision=decision, timings=turn.lap("decide_s", t))

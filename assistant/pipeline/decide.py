"""The decision steps: refuse before retrieval (`Screen`), or after reading answer or refuse at the operating
point (`Decide`; the rule is assistant/refusal.py's). Each sets the turn's route, once."""

from __future__ import annotations

import time
from dataclasses import replace

from assistant.evidence import EvidenceFinder
from assistant.pipeline.turn import Route, Turn
from assistant.refusal import OperatingPoint, screen

__all__ = ["Decide", "Screen"]


class Screen:
    """Before any retrieval: a question that talks to the assistant is refused without embedding, searching or
    reading anything (empty and oversized input never gets this far: assistant/history.py)."""

    def run(self, turn: Turn) -> Turn:
        decision = screen(turn.asked)
        if decision is None:
            return turn
        return replace(turn, standalone=turn.question, decision=decision, route="refuse")


class Decide:
    """`point`: resolved once, here, from the setting and the reader's validated threshold; `generates`: whether
    the backend writes the answer (route "generate") or the reader's sentence is it ("extract")."""

    def __init__(self, finder: EvidenceFinder, answer_threshold: float | None, *, generates: bool) -> None:
        self.finder = finder
        self.point = OperatingPoint.resolve(answer_threshold, finder.reader.threshold)
        self.generates = generates

    def run(self, turn: Turn) -> Turn:
        t = time.perf_counter()
        decision = self.point.at(turn.min_score).decide(turn.query, turn.evidence, self.finder.vocabulary)
        route: Route = "refuse" if not decision.answerable else "generate" if self.generates else "extract"
        return replace(turn, decision=decision, route=route, timings=turn.lap("decide_s", t))

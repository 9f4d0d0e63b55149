"""Composing the answer as segments: the short answer (or Yes./No. when the cited sentence settles it, else "The
article says:") first, then the backed generated sentences or the reader's sentence, each citing its source; a
refusal in its one text with its reason. `Answer.text` is their Markdown (assistant/markup.py)."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Any

from assistant.citations import build_citations
from assistant.evidence import Evidence, EvidenceFinder, extractive_answer, quote_sentences
from assistant.markup import markdown
from assistant.pipeline.turn import Turn
from assistant.reader import Reader
from assistant.refusal import Decision, refusal_text, unbacked
from assistant.span_gate import span_signals
from assistant.types import Answer, Citation, Segment, ShortAnswer
from assistant.yes_no import SAYS, settle
from index import ArticleIndex, content_terms

__all__ = ["Compose", "span_candidate", "trim_span"]


class Compose:
    def __init__(self, index: ArticleIndex, finder: EvidenceFinder, backend_name: str) -> None:
        self.index = index
        self.finder = finder
        self.reader: Reader = finder.reader
        self.backend_name = backend_name

    def open(self, turn: Turn) -> Turn:
        """`turn` with what its answer opens with, decided once: the short answer in bold; for a yes/no question
        Yes./No. when the cited sentence settles it (assistant/yes_no.py), else "The article says:". Nothing
        for a refusal or without evidence."""
        if turn.route not in ("extract", "generate") or not turn.evidence:  # refused, or quoted (overview, byline)
            return turn
        if turn.query.yes_no:
            best = turn.evidence[0].sentence
            settled = settle(turn.query, best.text, self.finder.before(best))
            return replace(turn, opening=Segment("verdict", f"{settled.answer}." if settled.answer else SAYS))
        short = self.short_answer(turn)
        return replace(turn, opening=Segment("short", short.text) if short else None, short=short)

    def run(self, turn: Turn) -> Answer:
        t = time.perf_counter()
        decision = turn.decision
        assert decision is not None, "composing runs after the decision"
        common: dict[str, Any] = {"passages": turn.hits, "question": turn.question,
                                  "standalone_question": turn.standalone, "backend": self.backend_name,
                                  "answer_score": decision.score, "article_sha256": self.index.article_sha256}
        if turn.route == "refuse":
            return _refused(decision, turn, t, common)
        citations: list[Citation] = []
        sentences: list[Segment] = []
        reason = "extractive"
        if turn.route == "quote":
            sentences, citations = quote_sentences(turn.evidence, self.index.article.text)
            reason = decision.reason
        elif turn.backed:
            sentences, citations = build_citations(self.index.article.text, turn.backed)
            dropped = turn.generated - len(turn.backed)
            reason = f"generated; {dropped} unsupported sentence(s) removed" if dropped else "generated"
        elif turn.draft is not None:
            reason = ("the model found no answer; the article's best sentence is shown" if turn.found_nothing
                      else "the model's answer was not backed by the article; the article's best sentence is shown")
        if not citations:
            sentences, citations = extractive_answer(turn.evidence, self.index.article.text)
        if not citations:
            return _refused(unbacked(decision.score), turn, t, common)
        citations = [replace(c, source_start=at[0], source_end=at[1]) if (at := self.index.source_span(c.start, c.end))
                     else c for c in citations]
        segments = [turn.opening, *sentences] if turn.opening else sentences
        return Answer(markdown(segments), False, citations=citations, reason=reason, short_answer=turn.short,
                      timings=_total(turn, t), segments=segments, **common)

    def short_answer(self, turn: Turn) -> ShortAnswer | None:
        """The reader's span in the best sentence (the one every answer cites first), when the question wants
        a few words and the span is likely right: the reader's short-answer gate (assistant/span_gate.py), when
        it has one, gives the probability, and `ShortAnswer.score` is that probability."""
        found = span_candidate(turn, self.index.article.text, self.reader.span_threshold)
        if found is None:
            return None
        start, end, prob = found
        text = self.index.article.text[start:end]
        gate = self.reader.span_gate
        if gate is None:
            return ShortAnswer(text, start, end, prob)
        p = gate.probability(span_signals(turn.standalone, text, prob, [e.probability for e in turn.evidence],
                                          [e.opinion for e in turn.evidence]))
        return ShortAnswer(text, start, end, p) if p >= gate.level else None


def span_candidate(turn: Turn, text: str, floor: float, best: Evidence | None = None) -> tuple[int, int, float] | None:
    """The span the reader found in the best sentence (or in `best`, one of the turn's candidates: the cache
    keeps each one's), trimmed, in article offsets, with its probability: None when the question wants no few
    words, the span is under `floor`, is the whole sentence, or only repeats the question's own words ("CSTO
    help" for "What does CSTO stand for?")."""
    if not turn.evidence or not turn.query.wants_short:
        return None
    best = best or turn.evidence[0]
    if best.span is None:
        return None
    start, end, prob = best.span
    start, end = trim_span(text, start, end)
    s = best.sentence
    if (prob < floor or end <= start or not (s.start <= start and end <= s.end)
            or text[start:end].strip() == text[s.start:s.end].strip()):
        return None
    if not set(content_terms(text[start:end])) - set(content_terms(turn.standalone)):
        return None
    return start, end, prob


def _refused(decision: Decision, turn: Turn, started: float, common: dict[str, Any]) -> Answer:
    text = refusal_text(decision.kind)
    return Answer(text, True, reason=decision.reason, refusal=decision.kind, timings=_total(turn, started),
                  segments=[Segment("refusal", text)], **common)


def _total(turn: Turn, started: float) -> dict[str, float]:
    timings = turn.lap("verify_s", started)
    timings["total_s"] = time.perf_counter() - turn.t0
    return timings


_PAIRS = {"(": ")", "“": "”", "‘": "’", '"': '"'}
_CLOSERS = ".,;:!?\"”’)"


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Punctuation the tokenizer glued to the span's edges off: a leading bracket or quote only when the span
    does not close it, a trailing one only when the span does not open it, and a final dot unless it ends an
    abbreviation ("U.S.", "D.C.")."""
    while start < end and not text[start].isalnum() and text[start] not in "$£€":
        closer = _PAIRS.get(text[start])
        if closer is not None and closer in text[start + 1:end]:
            break
        start += 1
    while end > start and text[end - 1] in _CLOSERS:
        last = text[end - 1]
        opener = next((o for o, c in _PAIRS.items() if c == last), None)
        if opener is not None and text.count(opener, start, end - 1) > 0:
            break
        if last == "." and re.search(r"(?:\b\w\.){2,}$", text[start:end]):
            break
        end -= 1
    return start, end

"""Whether the short answer is shown: a calibrated probability that the reader's span is right.

The bold short answer is what a reader copies, so it is shown only when it is likely right. The reader's own
span probability is one signal of several: a span that repeats the question's words, one that is not the kind
of thing the question asks for (a "when" answered without a date or a number, a "who" without a name), one in a
sentence the reader barely preferred to the next, one the reader is unsure answers at all. A logistic
regression over these signals (`SpanSignals`), fitted with scikit-learn on questions of articles the reader
never saw (`python -m assistant.training.span_gate`), gives P(span right); below `SpanGate.level` the answer
opens with its cited sentence instead. The fitted numbers ship as JSON beside the reader
(`assistant/reader/weights/span_gate.json`, with what they were measured on), never a pickle.

"Right" is what the evaluation calls it: token F1 of at least 0.5 against a gold answer; on a question the
article does not answer, no span is right.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from index import content_terms

__all__ = ["FEATURES", "NO_OPINION", "SpanGate", "SpanSignals", "expected_type", "span_signals", "type_pattern"]

_MONTH = (r"January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|"
          r"Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
                 r"thousand|million|billion|dozen|half|several|many|few|first|second|third")
_TYPES: dict[str, re.Pattern[str]] = {
    "date": re.compile(rf"\d|\b(?:{_MONTH})\b|\b(?:century|centuries|decade|year|years|ago|age|era|period|dynasty|"
                       r"reign|war|spring|summer|autumn|fall|winter|morning|evening|night|day|week|month)\b",
                       re.IGNORECASE),
    "number": re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE),
    "name": re.compile(r"(?:^|\s|\()[A-Z]"),
}
# What a question's opening asks for. "What year", "how many" before the bare "what"/"how".
_ASKS = (
    (re.compile(r"\b(?:when|what\s+(?:year|date|day|month|century|decade|time|period)|which\s+(?:year|date|"
                r"century|decade)|how\s+long\s+ago|since\s+when)\b", re.IGNORECASE), "date"),
    (re.compile(r"\bhow\s+(?:many|much|long|old|far|big|large|tall|often|high|deep|wide)|\bwhat\s+(?:percentage|"
                r"percent|number|amount|proportion|share|size|population)\b", re.IGNORECASE), "number"),
    (re.compile(r"\b(?:who|whom|whose)\b", re.IGNORECASE), "name"),
    (re.compile(r"\bwhere\b", re.IGNORECASE), "name"),
)

FEATURES = ("span_logit", "answer_logit", "margin", "log_words", "question_overlap", "type_match",
            "type_mismatch", "opinion", "opinion_lead")
# Without a second opinion (a follow-up, or its model not installed) its two features take their mean over the
# gate's training questions (`SpanGate.fill`), so the gate reads an average opinion rather than a wrong one.
NO_OPINION = (0.0, 0.0)


def expected_type(question: str) -> str | None:
    """"date", "number" or "name" when the question's wording asks for one, else None."""
    for pattern, kind in _ASKS:
        if pattern.search(question):
            return kind
    return None


def type_pattern(kind: str) -> re.Pattern[str]:
    """What text of the kind `expected_type` names ("date", "number", "name") looks like."""
    return _TYPES[kind]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class SpanSignals:
    """What the gate reads about one short answer. `span`: the reader's span probability; `answer`: the fused
    probability that its sentence answers; `margin`: how far that sentence leads the next; `words`: the span's
    length; `question_overlap`: the share of its content words the question already has; `type_match`: the
    span is (True) or is not (False) the kind of thing the question asks for, None when it asks for no kind;
    `opinion`: the second opinion's score of its sentence and `opinion_lead` how far that leads the best of the
    others it scored (assistant/reader/second_opinion.py), None without one. ms-marco's relevance says whether
    the sentence is the right one, which the span's own probability does not: on the cache's train articles,
    out of fold, the share of answerable questions with a right short answer shown went from 0.235 to 0.284 at
    the same precision (docs/reader.md)."""

    span: float
    answer: float
    margin: float
    words: int
    question_overlap: float
    type_match: bool | None
    opinion: float | None = None
    opinion_lead: float | None = None

    def vector(self, fill: tuple[float, float] = NO_OPINION) -> list[float]:
        """In `FEATURES` order; `fill` stands in for the second opinion's two when there is none."""
        opinion = fill if self.opinion is None or self.opinion_lead is None else (self.opinion, self.opinion_lead)
        return [_logit(self.span), _logit(self.answer), self.margin, math.log(max(self.words, 1)),
                self.question_overlap, float(self.type_match is True), float(self.type_match is False), *opinion]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def span_signals(question: str, span_text: str, span_probability: float, probabilities: Sequence[float],
                 opinions: Sequence[float | None] = ()) -> SpanSignals:
    """The signals of `span_text` as the answer to `question`; `probabilities`: the candidates' fused
    probabilities, first the one the span lies in; `opinions`: the second opinion's scores of the same
    candidates (None for those it did not score)."""
    terms = set(content_terms(span_text))
    asked = set(content_terms(question))
    kind = expected_type(question)
    best = probabilities[0] if probabilities else 0.0
    second = probabilities[1] if len(probabilities) > 1 else 0.0
    scored = [o for o in opinions[1:] if o is not None]
    first = opinions[0] if opinions else None
    return SpanSignals(
        span=span_probability, answer=best, margin=best - second, words=len(span_text.split()),
        question_overlap=len(terms & asked) / len(terms) if terms else 1.0,
        type_match=None if kind is None else bool(_TYPES[kind].search(span_text)),
        opinion=first, opinion_lead=first - max(scored) if first is not None and scored else None)


@dataclass(frozen=True)
class SpanGate:
    """P(span right) = sigmoid(bias + weights . signals); shown at `level` or above. `measured`: what the fit
    and its validation found (kept with the numbers, for the model card and `--json` readers); `fill`: the
    second opinion's two signals where there is none (their mean over the questions it was fitted on)."""

    weights: tuple[float, ...]
    bias: float
    level: float
    reader_sha256: str = ""
    measured: dict[str, Any] = field(default_factory=dict, compare=False)
    fill: tuple[float, float] = NO_OPINION

    def probability(self, signals: SpanSignals) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, signals.vector(self.fill), strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def shows(self, signals: SpanSignals) -> bool:
        return self.probability(signals) >= self.level

    def to_dict(self) -> dict[str, Any]:
        return {"format": 2, "features": list(FEATURES), "weights": list(self.weights), "bias": self.bias,
                "level": self.level, "fill": list(self.fill), "reader_sha256": self.reader_sha256,
                "measured": self.measured}

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> SpanGate:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read the short-answer gate ({exc})") from None
        if not isinstance(data, dict) or data.get("features") != list(FEATURES):
            raise InputError(f"{path}: not a short-answer gate over {', '.join(FEATURES)}")
        try:
            fill = data.get("fill", NO_OPINION)
            return cls(tuple(float(w) for w in data["weights"]), float(data["bias"]), float(data["level"]),
                       str(data.get("reader_sha256", "")), dict(data.get("measured", {})),
                       (float(fill[0]), float(fill[1])))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{path}: malformed short-answer gate ({exc})") from None

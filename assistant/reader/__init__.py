"""The reader: which candidate sentence answers a question, whether any does, and the short answer in it.

One abstract method, `read`, so the chain can use the trained cross-encoder or, in unit tests, a fake.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.reader.fusion import Fusion
from assistant.reader.second_opinion import SecondOpinion
from assistant.span_gate import SpanGate
from index import Sentence

__all__ = ["Candidate", "Fusion", "Reader", "Reading", "SecondOpinion", "is_title", "reader_context"]


def reader_context(title: str, sentences: Sequence[Sentence], i: int) -> str:
    """What the reader sees beside sentence i: the article's title and the sentence before it in its paragraph.
    Training and inference both build it here."""
    before = sentences[i - 1].text if i and sentences[i - 1].paragraph == sentences[i].paragraph else ""
    return f"{title}: {before}" if before else title


def is_title(sentence: Sentence, title: str) -> bool:
    """The title names the topic and answers nothing: never a candidate, in training or at run time."""
    return sentence.paragraph == 0 and sentence.text.strip() == title.strip()


@dataclass(frozen=True)
class Candidate:
    """A sentence to judge, with what a reader needs around it: the article's title and the sentence before."""

    sentence: str
    context: str = ""


@dataclass(frozen=True)
class Reading:
    """`probability`: that this sentence answers the question rather than nothing in the article does.
    `span`: (start, end, probability) of the short answer in characters of the sentence, or None."""

    probability: float
    span: tuple[int, int, float] | None = None


class Reader(ABC):
    name: str = "reader"
    # Below `threshold` the best sentence is not taken as an answer; below `span_threshold` no short answer is
    # given. Even odds until a reader is validated: a trained reader carries its own, chosen on held-out
    # articles (its reader.json), and the chain reads the threshold once (assistant/refusal.py: OperatingPoint).
    threshold: float = 0.5
    span_threshold: float = 0.5
    span_gate: SpanGate | None = None  # P(short answer right), fitted for this reader (assistant/span_gate.py)
    fusion: Fusion = Fusion()  # the identity unless fitted (assistant/reader/fusion.py)
    # Re-ranks the few most probable sentences, fitted for this reader (assistant/reader/second_opinion.py).
    second_opinion: SecondOpinion | None = None

    def answer_probability(self, reading: Reading, similarity: float) -> float:
        """What the chain ranks and refuses on: the reading's probability fused with the bi-encoder's cosine
        between question and sentence."""
        return self.fusion(reading.probability, similarity)

    @abstractmethod
    def read(self, question: str, candidates: list[Candidate]) -> list[Reading]:
        """One Reading per candidate, in order."""

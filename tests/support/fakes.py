"""Fakes over mocks: a deterministic embedder, a scripted LLM and a word-overlap reader, shared by the tests."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from assistant.backends import Backend
from assistant.reader import Candidate, Reader, Reading, SecondOpinion
from index import Embedder, content_terms

__all__ = ["FakeEmbedder", "FakeLLM", "FakeOpinion", "FakeReader"]


class FakeEmbedder(Embedder):
    """Hashed bag of stemmed content words: same text, same vector; shared words, higher cosine."""

    name = "fake-embedder"

    def __init__(self, dims: int = 256) -> None:
        self.dims = dims
        self.calls = 0

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        out = []
        for text in texts:
            v = [0.0] * self.dims
            for w in content_terms(text):
                h = int(hashlib.md5(w.encode()).hexdigest(), 16)
                v[h % self.dims] += 1.0 if (h >> 8) % 2 else -1.0
            norm = math.sqrt(sum(x * x for x in v)) or 1.0
            out.append([x / norm for x in v])
        return out


class FakeLLM(Backend):
    """Replies from a script: a fixed string, or a function of the messages. Records what it was sent."""

    name = "fake"

    def __init__(self, reply: str | Callable[[list[dict[str, str]]], str] = "") -> None:
        self.reply = reply
        self.prompts: list[list[dict[str, str]]] = []

    def generate(self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float) -> Iterator[str]:
        self.prompts.append(messages)
        text = self.reply(messages) if callable(self.reply) else self.reply
        for i in range(0, len(text), 7):
            yield text[i:i + 7]


class FakeReader(Reader):
    """Probability = the share of the question's content words in the sentence or its context; the short
    answer is the sentence's first number. Deterministic, instant, and easy to reason about in a test."""

    name = "fake-reader"
    threshold = 0.5
    span_threshold = 0.5

    def read(self, question: str, candidates: list[Candidate]) -> list[Reading]:
        terms = set(content_terms(question))
        out = []
        for c in candidates:
            have = set(content_terms(c.sentence)) | set(content_terms(c.context))
            prob = len(terms & have) / len(terms) if terms else 0.0
            m = re.search(r"\d[\d,.]*\d|\d", c.sentence)
            out.append(Reading(prob, (m.start(), m.end(), 0.9) if m else None))
        return out


@dataclass(frozen=True)
class FakeOpinion(SecondOpinion):
    """A second opinion that scores a sentence by how many times it holds `favourite` (a word): enough to move
    a sentence first in a test, and to see which questions it was asked about (`asked`)."""

    favourite: str = ""
    asked: list[str] = field(default_factory=list, compare=False)

    @property
    def available(self) -> bool:
        return True

    def scores(self, question: str, sentences: Sequence[str]) -> list[float]:
        self.asked.append(question)
        return [float(s.lower().count(self.favourite.lower())) for s in sentences]

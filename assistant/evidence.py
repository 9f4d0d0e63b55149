"""Sentence-level evidence: which sentences of the retrieved passages answer the question, and how well.

Both the refusal gate and the extractive answer read from here, so they can never disagree about what the
article says. Scores combine embedding similarity, coverage of the question's words and whether the
sentence holds the kind of thing asked for (a date for "when", a number for "how many" ...).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from index import Embedder, Hit, Sentence, content_terms, split_sentences
from index.text import stem, tokenize
from index.types import Article

__all__ = ["Evidence", "EvidenceFinder", "expected_type", "is_yes_no", "matches_type", "polarity"]

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
                 "hundred|hundreds|thousand|thousands|million|millions|billion|dozen|dozens|once|twice|single|"
                 "first|second|third|half")
_NUMBER = re.compile(rf"\b(\d[\d,.]*|{_NUMBER_WORDS})\b", re.IGNORECASE)
_DATE = re.compile(rf"\b(1[5-9]\d\d|20\d\d|{_MONTHS})\b|\b\d{{1,2}}(st|nd|rd|th)?\s+({_MONTHS})\b"
                   r"|\b(yesterday|today|century|decade|days|weeks|months|years)\b", re.IGNORECASE)
_UNITS = ("second|minute|hour|day|week|month|year|decade|century|time")
_AUX = re.compile(r"^(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|shall|may|might|"
                  r"must)\b", re.IGNORECASE)
_NEGATION = re.compile(r"\b(not|no|never|none|neither|nor|without|cannot)\b|n[’']t\b", re.IGNORECASE)


def expected_type(question: str) -> str | None:
    q = question.lower()
    if re.search(r"\bhow long\b", q):
        return "duration"
    if re.search(r"\bhow (many|much)\b|\bwhat (number|percentage|share|amount)\b", q):
        return "number"
    if re.search(r"\bwhen\b|\b(what|which) (year|date|day|month|time)\b|\bon what date\b", q):
        return "date"
    return None


def _counted_noun(question: str) -> str | None:
    m = re.search(r"\bhow many\s+([a-z][\w-]*)", question.lower())
    return stem(m.group(1)) if m else None


def matches_type(question: str, sentence: str) -> bool:
    kind = expected_type(question)
    if kind is None:
        return True
    if kind == "date":
        return bool(_DATE.search(sentence))
    if kind == "duration":
        return bool(re.search(rf"({_NUMBER.pattern})\W+(\w+\W+)?({_UNITS})s?\b", sentence, re.IGNORECASE))
    noun = _counted_noun(question)
    if noun is None:
        return bool(_NUMBER.search(sentence))
    words = tokenize(sentence)
    return any(_NUMBER.fullmatch(w) and any(stem(x) == noun for x in words[i + 1:i + 4])
               for i, w in enumerate(words))


def is_yes_no(question: str) -> bool:
    return bool(_AUX.match(question.strip())) and " or " not in question.lower()


def polarity(question: str, sentence: str) -> str:
    """'No' when the sentence negates what a yes/no question asks, else 'Yes'."""
    asked_negative = bool(_NEGATION.search(question))
    negated = bool(_NEGATION.search(sentence))
    return "No" if negated != asked_negative else "Yes"


@dataclass(frozen=True)
class Evidence:
    sentence: Sentence
    hit: Hit
    similarity: float
    coverage: float
    typed: bool
    score: float


class EvidenceFinder:
    """Scores the sentences inside retrieved passages; sentence vectors are computed once per article."""

    def __init__(self, article: Article, embedder: Embedder) -> None:
        self.article = article
        self.embedder = embedder
        self.sentences = split_sentences(article)
        self._index = {(s.start, s.end): i for i, s in enumerate(self.sentences)}
        self._vectors: list[list[float]] | None = None
        self._lock = threading.Lock()
        self.vocabulary = frozenset(content_terms(article.text))

    def _sentence_vectors(self) -> list[list[float]]:
        with self._lock:
            if self._vectors is None:
                self._vectors = self.embedder.embed([s.text for s in self.sentences])
            return self._vectors

    def vector(self, sentence: Sentence) -> list[float]:
        return self._sentence_vectors()[self._index[(sentence.start, sentence.end)]]

    def find(self, question: str, hits: list[Hit], query_vector: list[float]) -> list[Evidence]:
        vectors = self._sentence_vectors()
        terms = set(content_terms(question))
        found: dict[tuple[int, int], Evidence] = {}
        for hit in hits:
            for i, s in enumerate(self.sentences):
                if s.start < hit.passage.start or s.end > hit.passage.end:
                    continue
                if (s.start, s.end) in found:
                    continue
                sim = sum(a * b for a, b in zip(query_vector, vectors[i]))
                have = set(content_terms(s.text))
                coverage = len(terms & have) / len(terms) if terms else 0.0
                typed = matches_type(question, s.text)
                heading = len(s.text.split()) < 6 and not re.search(r"[.!?]$", s.text)
                score = (sim + 0.25 * hit.dense + 0.35 * coverage + (0.1 if typed else -0.3)
                         - (0.25 if heading else 0.0) - 0.02 * (hit.rank - 1))
                found[(s.start, s.end)] = Evidence(s, hit, sim, coverage, typed, score)
        return sorted(found.values(), key=lambda e: (-e.score, e.sentence.start))

    def passage_coverage(self, question: str, hit: Hit) -> float:
        terms = set(content_terms(question))
        if not terms:
            return 0.0
        return len(terms & set(content_terms(hit.passage.text))) / len(terms)

"""Sentence-level evidence: which sentences of the retrieved passages answer the question, and how well.

Both the refusal gate and the extractive answer read from here, so they can never disagree about what the
article says. Scores combine embedding similarity, coverage of the question's words and whether the
sentence holds the kind of thing asked for (a date for "when", a number for "how many" ...).
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from dataclasses import dataclass

from assistant.injection import looks_like_planted_orders, redact_injections
from index import Embedder, Hit, Sentence, content_terms, split_sentences
from index.text import stem, tokenize
from index.types import Article

__all__ = ["Evidence", "EvidenceFinder", "expected_type", "is_multi_part", "is_yes_no", "matches_type", "polarity"]

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


# How much the share of the question's (rarity-weighted) words counts beside embedding similarity.
COVERAGE_WEIGHT = 1.4
# A sentence that names (or follows one naming) the question's most specific name.
ANCHOR_BONUS = 0.3
_NAMING = re.compile(r"\b(known as|also called|so-called|dubbed|nicknamed|referred to as|termed)\b"
                     r"|[“\"‘][^”\"’]{2,60}[”\"’]", re.IGNORECASE)


def expected_type(question: str) -> str | None:
    q = question.lower()
    if re.search(r"\b(nickname|what name|which name|what (is|are|was|were) \w+( \w+)? (called|known as)|"
                 r"(known|referred to) as what)\b", q):
        return "name"
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
    if kind == "name":
        return bool(_NAMING.search(sentence))
    if kind == "duration":
        return bool(re.search(rf"({_NUMBER.pattern})\W+(\w+\W+)?({_UNITS})s?\b", sentence, re.IGNORECASE))
    noun = _counted_noun(question)
    if noun is None:
        return bool(_NUMBER.search(sentence))
    words = tokenize(sentence)
    return any(_NUMBER.fullmatch(w) and any(stem(x) == noun for x in words[i + 1:i + 4])
               for i, w in enumerate(words))


def is_multi_part(question: str) -> bool:
    """"When ... and where?": each part wants something else, so no single sentence has to hold every type."""
    q = question.lower()
    wh = set(re.findall(r"\b(what|when|where|who|which|why|how)\b", q))
    return len(wh) >= 2 or bool(re.search(r"\band (where|when|who|why|how|what)\b", q))


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
    weighted_coverage: float
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
        self._terms = [set(content_terms(s.text)) for s in self.sentences]
        # The words of the sentence just before, in the same paragraph: where a topic is named for the next.
        self._before = [self._terms[i - 1] if i and self.sentences[i - 1].paragraph == s.paragraph else set()
                        for i, s in enumerate(self.sentences)]
        self._planted = {i for i, s in enumerate(self.sentences) if looks_like_planted_orders(s.text)}
        df = Counter(t for terms in self._terms for t in terms)
        n = len(self.sentences)
        # A word every other sentence uses (the article's subject) says little about which one answers.
        self._idf = {t: math.log(1 + n / (c + 0.5)) for t, c in df.items()}
        self._unseen_idf = math.log(1 + n / 0.5)

    def idf(self, term: str) -> float:
        return self._idf.get(term, self._unseen_idf)

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
        total = sum(self.idf(t) for t in terms)
        multi = is_multi_part(question)
        anchor = self._anchor(question)
        found: dict[tuple[int, int], Evidence] = {}
        for hit in hits:
            for i, s in enumerate(self.sentences):
                if s.start < hit.passage.start or s.end > hit.passage.end:
                    continue
                if (s.start, s.end) in found or i in self._planted:  # orders, not content: never evidence
                    continue
                sim = sum(a * b for a, b in zip(query_vector, vectors[i]))
                have = self._terms[i]
                coverage = len(terms & have) / len(terms) if terms else 0.0
                weighted = self._weighted_coverage(terms, i, total)
                typed = matches_type(question, s.text)
                heading = len(s.text.split()) < 6 and not re.search(r"[.!?]$", s.text)
                type_score = (0.05 if typed else 0.0) if multi else (0.1 if typed else -0.3)
                anchored = anchor is not None and self.mentions(i, anchor)
                score = (sim + 0.25 * hit.dense + COVERAGE_WEIGHT * weighted + type_score
                         + (ANCHOR_BONUS if anchored else 0.0)
                         - (0.25 if heading else 0.0) - 0.02 * (hit.rank - 1))
                found[(s.start, s.end)] = Evidence(s, hit, sim, coverage, weighted, typed, score)
        return sorted(found.values(), key=lambda e: (-e.score, e.sentence.start))

    def mentions(self, i: int, term: str) -> bool:
        """Sentence i names `term`, or follows a sentence of its paragraph that does ("As a result, it ...")."""
        return term in self._terms[i] or term in self._before[i]

    def _anchor(self, question: str) -> str | None:
        """The most specific name the question uses ("China" in "What was China's position on the Kursk
        events?"): capitalised inside the question and known to the article. The answer is about it."""
        words = re.findall(r"[^\W\d_][\w’'-]*", question)
        names = {stem(t) for w in words[1:] if w[0].isupper() for t in tokenize(w)}
        known = [n for n in names if n in self._idf]
        return max(known, key=lambda n: (self.idf(n), n)) if known else None

    def _weighted_coverage(self, terms: set[str], i: int, total: float) -> float:
        """Rare words must be in the sentence itself; the topic may be named just before it ("Armenia ...
        As a result, Yerevan has frozen its participation"), which earns half."""
        if not total:
            return 0.0
        here, before = self._terms[i], self._before[i]
        got = sum(self.idf(t) * (1.0 if t in here else 0.5 if t in before else 0.0) for t in terms)
        return got / total

    def prompt_text(self, hit: Hit) -> str:
        """The passage as the model sees it: instruction-like sentences planted in the article removed."""
        p = hit.passage
        planted = (self.sentences[i] for i in sorted(self._planted))
        inside = [(s.start - p.start, s.end - p.start, s.text) for s in planted
                  if p.start <= s.start and s.end <= p.end]
        return redact_injections(p.text, inside) if inside else p.text

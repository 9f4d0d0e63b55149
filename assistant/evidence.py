"""Sentence-level evidence: which sentences of the retrieved passages answer the question, and how likely.

The learned reader judges each candidate sentence (with the title and the sentence before it) and gives the
probability that it answers, plus the short answer inside it. The refusal decision, the extractive answer
and the check of a generated answer all read from here, so they never disagree about what the article says.
The bi-encoder prunes the candidates, to keep the reader's work small, and its cosine is fused with the
reader's probability (assistant/reader/fusion.py): the two make different mistakes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from assistant.injection import looks_like_planted_orders
from assistant.reader import Candidate, Reader, SecondOpinion, is_title, reader_context
from assistant.reader.second_opinion import reorder
from assistant.settings import ARTICLE_SENTENCES, MAX_CANDIDATES
from assistant.types import Citation, Segment
from index import Embedder, Hit, Passage, Sentence, content_terms, split_sentences
from index.types import Article

__all__ = ["ARTICLE_SENTENCES", "FOLLOWUP_TIE", "MAX_CANDIDATES", "Evidence", "EvidenceFinder", "choose_evidence",
           "extractive_answer", "prefer_paragraph", "quote_sentences", "second_look"]

# A follow-up's answer tends to lie near the last one (conversational QA: QuAC, CoQA). For a question that leaned
# on the conversation, a sentence in the paragraph the last exchange came from wins when it is within this much
# fused probability of the best: a near-tie the reader cannot call, never a clear winner, and never the refusal.
# Measured on the validation articles with `python -m benchmarks.reader_probes` (a previous question drawn from
# the same paragraph or another one; its place found as the chain finds it): at 0.02 the answering sentence
# comes first for 0.744 of the answerable questions after a question on the same paragraph instead of 0.735,
# and 0.735 after one on another paragraph, unchanged; at 0.05 a change of topic costs (0.725). On the CSTO
# follow-ups it settles c01, where the members sentence trailed another by 0.001.
FOLLOWUP_TIE = 0.02
# A sentence that opens with a pronoun goes on about what the one before it named.
_GOES_ON = re.compile(r"^(?:it|its|they|their|he|his|she|her|this|these)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Evidence:
    """`probability`: that this sentence answers the question (the reader's, fused with `similarity`, the
    bi-encoder's cosine: assistant/reader/fusion.py). `span`: the short answer's
    (start, end, probability) in article offsets, inside the sentence, or None. `opinion`: the second opinion's
    score (assistant/reader/second_opinion.py), None where it did not score this sentence."""

    sentence: Sentence
    hit: Hit
    similarity: float
    probability: float
    span: tuple[int, int, float] | None = None
    opinion: float | None = None


class EvidenceFinder:
    """Reads the sentences inside retrieved passages and the article's nearest ones; sentence vectors are
    computed once per article."""

    def __init__(self, article: Article, embedder: Embedder, reader: Reader,
                 max_candidates: int = MAX_CANDIDATES, article_sentences: int = ARTICLE_SENTENCES) -> None:
        self.max_candidates = max_candidates
        self.article_sentences = article_sentences
        self.embedder = embedder
        self.reader = reader
        self._lock = threading.Lock()
        self._load(article)

    def _load(self, article: Article) -> None:
        self.article = article
        self.sentences = split_sentences(article)
        self._index = {(s.start, s.end): i for i, s in enumerate(self.sentences)}
        self.vocabulary = frozenset(t for s in self.sentences for t in content_terms(s.text))
        self._vectors: np.ndarray | None = None  # one row per sentence
        self._planted = {i for i, s in enumerate(self.sentences) if looks_like_planted_orders(s.text)}
        # The title names the topic; it answers nothing (and the reader never saw it as a candidate).
        self._skip = self._planted | {i for i, s in enumerate(self.sentences) if is_title(s, article.title)}

    def use(self, article: Article) -> None:
        """Follow the index to a changed article (a rebuild while serving); nothing to do when unchanged."""
        if article is self.article or article.text == self.article.text:
            return
        with self._lock:
            self._load(article)

    def _sentence_vectors(self) -> np.ndarray:
        with self._lock:
            if self._vectors is None:
                vectors = self.embedder.embed([s.text for s in self.sentences])
                self._vectors = (np.asarray(vectors, dtype=np.float64) if vectors
                                 else np.zeros((0, 0), dtype=np.float64))
            return self._vectors

    def vector(self, sentence: Sentence) -> list[float]:
        return [float(x) for x in self._sentence_vectors()[self._index[(sentence.start, sentence.end)]]]

    def before(self, sentence: Sentence) -> str:
        """The sentence before `sentence` in its paragraph ("" for a paragraph's first): what its pronouns lean on."""
        i = self._index.get((sentence.start, sentence.end))
        if not i or self.sentences[i - 1].paragraph != sentence.paragraph:
            return ""
        return self.sentences[i - 1].text

    def context(self, i: int) -> str:
        """What the reader sees around sentence i: the title, and the sentence before it in its paragraph."""
        return reader_context(self.article.title, self.sentences, i)

    def candidates(self, hits: list[Hit], query_vector: list[float],
                   passages: Sequence[Passage] = ()) -> list[tuple[int, Hit, float]]:
        """(sentence index, its best hit, similarity) for the sentences of the hits and the article's
        `article_sentences` nearest ones (each with a hit on the first of `passages` that holds it, ranked after
        the search's hits), nearest first, pruned."""
        vectors = self._sentence_vectors()
        if not len(vectors):
            return []
        sims = vectors @ np.asarray(query_vector, dtype=np.float64)
        found: dict[int, tuple[int, Hit, float]] = {}
        for hit in hits:
            for i, s in enumerate(self.sentences):
                if s.start < hit.passage.start or s.end > hit.passage.end:
                    continue
                if i in found or i in self._skip:  # orders, not content: never evidence
                    continue
                found[i] = (i, hit, float(sims[i]))
        if passages and self.article_sentences:
            nearest = [int(i) for i in np.argsort(-sims, kind="stable") if int(i) not in self._skip]
            homes: dict[str, Hit] = {}
            for i in nearest[:self.article_sentences]:
                sim = float(sims[i])
                s = self.sentences[i]
                home = next((p for p in passages if p.start <= s.start and s.end <= p.end), None)
                if i in found or home is None:
                    continue
                hit = homes.setdefault(home.id, Hit(home, 0.0, len(hits) + 1 + len(homes), {"sentence": sim}))
                found[i] = (i, hit, sim)
        return sorted(found.values(), key=lambda c: (-c[2], c[0]))[:self.max_candidates]

    def find(self, question: str, hits: list[Hit], query_vector: list[float],
             passages: Sequence[Passage] = ()) -> list[Evidence]:
        """The candidates, most probable answer first. With `passages` (the index's), the article's nearest
        sentences compete too, each with a hit of its own (see `candidates`)."""
        cands = self.candidates(hits, query_vector, passages)
        readings = self.reader.read(question, [Candidate(self.sentences[i].text, self.context(i))
                                               for i, _, _ in cands])
        out = []
        for (i, hit, sim), r in zip(cands, readings):
            s = self.sentences[i]
            span = (s.start + r.span[0], s.start + r.span[1], r.span[2]) if r.span else None
            out.append(Evidence(s, hit, sim, self.reader.answer_probability(r, sim), span))
        return sorted(out, key=lambda e: (-e.probability, e.sentence.start))

    def locate(self, text: str) -> int | None:
        """The paragraph of the sentence nearest `text` by the bi-encoder (where an earlier exchange came from);
        None for an empty article."""
        vectors = self._sentence_vectors()
        if not len(vectors) or not text.strip():
            return None
        sims = vectors @ np.asarray(self.embedder.embed([text])[0], dtype=np.float64)
        order = [int(i) for i in np.argsort(-sims, kind="stable") if int(i) not in self._skip]
        return self.sentences[order[0]].paragraph if order else None

    def related(self, terms: set[str]) -> list[tuple[int, np.ndarray]]:
        """The sentences that could be evidence (no title, no planted orders) and use one of `terms` (every one
        when `terms` is empty), or go on about one that does ("It stands 42 metres tall." right after it, in its
        paragraph), with their vectors, in article order: what an overview chooses from."""
        vectors = self._sentence_vectors()
        found: list[int] = []
        for i, s in enumerate(self.sentences):
            if i in self._skip:
                continue
            previous = self.sentences[i - 1] if i else None
            if (not terms or terms & set(content_terms(s.text))
                    or (found and found[-1] == i - 1 and previous is not None
                        and previous.paragraph == s.paragraph and _GOES_ON.match(s.text))):
                found.append(i)
        return [(i, vectors[i]) for i in found]

    def prompt_sentence(self, sentence: Sentence) -> str:
        """`sentence` as the model sees it: after the sentence before it in its paragraph (what its pronouns lean
        on), unless that one is an instruction planted in the article, which never reaches the model."""
        i = self._index.get((sentence.start, sentence.end))
        before = self.before(sentence)
        if before and i is not None and (i - 1) in self._planted:
            before = ""
        return f"{before} {sentence.text}" if before else sentence.text


def prefer_paragraph(evidence: list[Evidence], paragraph: int | None, within: float = FOLLOWUP_TIE) -> list[Evidence]:
    """`evidence` with the most probable sentence of `paragraph` first when it is within `within` of the best
    (see FOLLOWUP_TIE); otherwise unchanged."""
    if paragraph is None or not evidence or evidence[0].sentence.paragraph == paragraph:
        return evidence
    best = evidence[0].probability
    near = next((e for e in evidence if e.sentence.paragraph == paragraph and e.probability >= best - within), None)
    return evidence if near is None else [near, *(e for e in evidence if e is not near)]


def second_look(question: str, evidence: list[Evidence], opinion: SecondOpinion | None) -> list[Evidence]:
    """`evidence` with its `opinion.top` most probable sentences in the second opinion's order
    (assistant/reader/second_opinion.py); unchanged without one. Each keeps its probability: the refusal reads
    the best of them, whichever comes first."""
    if opinion is None or len(evidence) < 2 or not opinion.available:
        return evidence
    head = evidence[:opinion.top]
    scores = opinion.scores(question, [e.sentence.text for e in head])
    order = reorder([e.probability for e in head], scores, opinion.weight)
    return [replace(head[i], opinion=scores[i]) for i in order] + evidence[opinion.top:]


def choose_evidence(evidence: list[Evidence]) -> list[Evidence]:
    """The sentence that answers: the first of the evidence (the reader's most probable one, or the second
    opinion's choice among its best few: `second_look`). Every backend answers from it: the
    extractive answer quotes it, a model may only rephrase it. (The old hand rule that added the first
    sentence's neighbour for why- and two-part questions was measured with the reader on the CSTO dev set:
    containment stayed 0.70 and citation precision fell from 0.92 to 0.89, so it is gone.)"""
    return evidence[:1]


def extractive_answer(evidence: list[Evidence], article_text: str) -> tuple[list[Segment], list[Citation]]:
    """The chosen sentence itself, cited. No model, so it cannot invent; it is also what a generated answer
    falls back to when none of its sentences is backed. (The chain puts Yes./No. or the short answer first.)"""
    return quote_sentences(choose_evidence(evidence), article_text)


def quote_sentences(evidence: Sequence[Evidence], article_text: str) -> tuple[list[Segment], list[Citation]]:
    """The sentences in the order given, each citing its own number, one citation each."""
    citations = []
    parts = []
    for n, e in enumerate(evidence, start=1):
        s = e.sentence
        citations.append(Citation(n, e.hit.passage.id, article_text[s.start:s.end], s.start, s.end))
        parts.append(Segment("sentence", s.text, n))
    return parts, citations

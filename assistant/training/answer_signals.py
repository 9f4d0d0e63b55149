"""What the answer decision reads about a question and the sentence the reader chose for it.

The reader's probability says how well the sentence matches the question; it says little about a question
made unanswerable by one word (a name the article never mentions, a number it does not write, a "not" the
sentence lacks), which is how people write unanswerable questions. These signals add that: how much of the
question the chosen sentence, its neighbours and the whole article cover, its names and numbers in
particular, whether the sentence holds the kind of thing asked for, and whether one of the two is negated.
Computed by one function (`answer_signals`) at run time and when the cache of training questions is built
(assistant/training/cache.py), so the fitted decision reads exactly what it was fitted on.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from assistant.reader.fusion import _logit  # the fusion's own: the same clamp at 1e-6
from assistant.span_gate import expected_type, type_pattern
from index.text import STOPWORDS, content_terms, uses_term

__all__ = ["ANSWER_FEATURES", "AnswerSignals", "answer_signals"]

ANSWER_FEATURES = ("answer_logit", "margin", "similarity", "sentence_coverage", "context_coverage",
                   "article_coverage", "names_in_sentence", "names_in_article", "type_match", "type_mismatch",
                   "negation_mismatch")
_NAME_OR_NUMBER = re.compile(r"\b[A-Z][A-Za-z'-]+|\b\d[\d,.]*\d\b|\b\d\b")
_NEGATION = re.compile(r"\b(?:not|never|no|none|neither|nor|cannot|without)\b|n't\b", re.IGNORECASE)


def _names(question: str) -> set[str]:
    """The question's names and numbers, lower-cased; its first word is capitalised as a sentence start."""
    found = {m.group().lower().rstrip(".,") for m in _NAME_OR_NUMBER.finditer(question) if m.start() > 0}
    return {n for n in found if n not in STOPWORDS}


def _share(wanted: Collection[str], text: str) -> float:
    if not wanted:
        return 1.0
    low = text.lower()
    return sum(1 for w in wanted if re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", low)) / len(wanted)


def _covered(terms: Collection[str], vocabulary: Collection[str]) -> float:
    return sum(1 for t in terms if uses_term(t, vocabulary)) / len(terms) if terms else 1.0


@dataclass(frozen=True)
class AnswerSignals:
    """`answer`: the fused probability that the best sentence answers; `margin`: its lead over the second;
    `similarity`: its cosine to the question; the coverages: the share of the question's content terms in the
    sentence, in it with its neighbours, in the article; `names_in_*`: the share of the question's names and
    numbers in the sentence and in the article (1 when it has none); `type_match`: the sentence holds (True)
    or lacks (False) the kind of thing asked for, None when no kind is asked; `negation_mismatch`: exactly
    one of question and sentence is negated."""

    answer: float
    margin: float
    similarity: float
    sentence_coverage: float
    context_coverage: float
    article_coverage: float
    names_in_sentence: float
    names_in_article: float
    type_match: bool | None
    negation_mismatch: bool

    def vector(self) -> list[float]:
        """In `ANSWER_FEATURES` order."""
        return [_logit(self.answer), self.margin, self.similarity, self.sentence_coverage, self.context_coverage,
                self.article_coverage, self.names_in_sentence, self.names_in_article,
                float(self.type_match is True), float(self.type_match is False), float(self.negation_mismatch)]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def answer_signals(question: str, sentence: str, neighbours: Sequence[str], probabilities: Sequence[float],
                   similarity: float, article_text: str, vocabulary: Collection[str]) -> AnswerSignals:
    """The signals of `sentence` (the reader's best) as the answer to `question`. `neighbours`: the sentences
    around it; `probabilities`: the candidates' fused probabilities, best first; `vocabulary`: the article's
    content terms (index.text.content_terms of every sentence)."""
    terms = set(content_terms(question))
    context = " ".join([*neighbours, sentence])
    names = _names(question)
    kind = expected_type(question)
    best = probabilities[0] if probabilities else 0.0
    second = probabilities[1] if len(probabilities) > 1 else 0.0
    return AnswerSignals(
        answer=best, margin=best - second, similarity=similarity,
        sentence_coverage=_covered(terms, set(content_terms(sentence))),
        context_coverage=_covered(terms, set(content_terms(context))),
        article_coverage=_covered(terms, vocabulary),
        names_in_sentence=_share(names, sentence), names_in_article=_share(names, article_text),
        type_match=None if kind is None else bool(type_pattern(kind).search(sentence)),
        negation_mismatch=bool(_NEGATION.search(question)) != bool(_NEGATION.search(sentence)))

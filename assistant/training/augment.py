"""Unanswerable training questions made from answerable ones by swapping a name or a number.

The reader learned ranking from 3,000 questions but answerability barely (AUC 0.68), and its learning curve
says more questions help (+0.045 AUC per doubling). SQuAD 2.0's own unanswerable questions were written this
way more than any other ("entity swap": the question keeps the answering sentence's words but one name or
number in it is one the sentence does not support), so the cheapest extra negatives are the same edit made
by program: take a training question whose answer is known, replace one of its names or numbers that the
answering sentence holds with another of the article's names or numbers, and keep the result only if no
sentence of the article holds the new word together with most of the question's other words. The answering
sentence becomes the distractor the reader must learn to refuse.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.text import STOPWORDS
from index.types import Sentence

__all__ = ["SwapQuestion", "Swapper", "word_set"]

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]|\d[\d,.]*\d|\d")
_STOP = STOPWORDS


@dataclass(frozen=True)
class SwapQuestion:
    question: str
    removed: str  # the question's word that the answering sentence supports
    inserted: str  # the article's word put in its place


def _runs(text: str, skip_first: bool) -> list[tuple[int, int, str]]:
    """(start, end, kind) of each name (a run of capitalised words joined by single spaces) and each plain
    number. Other words are not swapped: an edited verb or noun too often keeps the meaning, and an
    unanswerable label on an answerable question teaches the wrong thing."""
    out: list[tuple[int, int, str]] = []
    words = list(_WORD.finditer(text))
    i = 0
    while i < len(words):
        w = words[i].group()
        if i == 0 and skip_first:
            i += 1
            continue
        if w.isdigit() and text[words[i].end():words[i].end() + 1] not in "-%/" and \
                text[max(0, words[i].start() - 1):words[i].start()] not in "-/$":
            out.append((words[i].start(), words[i].end(), f"number{len(w)}"))
        elif w[0].isupper() and w.lower() not in _STOP:
            j = i
            while (j + 1 < len(words) and words[j + 1].group()[0].isupper()
                   and words[j + 1].group().lower() not in _STOP
                   and text[words[j].end():words[j + 1].start()] == " "):
                j += 1
            out.append((words[i].start(), words[j].end(), f"name{j - i + 1}"))
            i = j
        i += 1
    return out


def word_set(text: str) -> set[str]:
    """The lower-cased words and numbers of `text` (the made questions' one tokenisation: edits.py too)."""
    return {w.lower() for w in _WORD.findall(text)}


class Swapper:
    """One article's swappable names and numbers, found once, so that each of its training questions costs a
    set lookup rather than a pass over every sentence."""

    def __init__(self, sentences: Sequence[Sentence]) -> None:
        self.sentences = list(sentences)
        self._words = [word_set(s.text) for s in self.sentences]
        # a capitalised word the article also writes in lower case is a common word, not a name
        lower = set().union(*(set(re.findall(r"\b[a-z][a-z'-]*", s.text)) for s in self.sentences))
        self._runs: list[tuple[int, str, str, set[str]]] = []  # (paragraph, text, kind, its words)
        for sent in self.sentences:
            for a, b, kind in _runs(sent.text, skip_first=True):
                words = word_set(sent.text[a:b])
                if not words & lower:
                    self._runs.append((sent.paragraph, sent.text[a:b], kind, words))

    def swap(self, question: str, answering: Sentence, rng: random.Random) -> SwapQuestion | None:
        """The question with one name or number that the answering sentence holds swapped for another of the
        article's of the same kind (a name of as many words, a number of as many digits), or None when no swap
        leaves a question the article cannot answer."""
        qwords = word_set(question)
        if len(qwords) < 3:
            return None
        # the question's first word is capitalised because it starts the sentence, not because it is a name
        slots = [r for r in _runs(question, skip_first=True) if question[r[0]:r[1]] in answering.text]
        if not slots:
            return None
        start, end, kind = rng.choice(slots)
        old = question[start:end]
        taken = qwords | word_set(answering.text)
        pool = sorted({text for paragraph, text, k, words in self._runs
                       if paragraph != answering.paragraph and k == kind and text != old and not words & taken})
        if not pool:
            return None
        others = {w for w in qwords - word_set(old) if w not in _STOP}
        need = max(1, (len(others) + 1) // 2)
        for new in rng.sample(pool, min(len(pool), 5)):
            # answerable after all if some sentence holds the new name with most of the question's other words
            if any(new in s.text and len(others & words) >= need for s, words in zip(self.sentences, self._words)):
                continue
            return SwapQuestion(question[:start] + new + question[end:], old, new)
        return None

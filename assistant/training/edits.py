"""Unanswerable questions made from answerable ones by the edits people make when they write them.

SQuAD 2.0's human unanswerable questions are mostly mechanical edits of answerable ones (SQuAD2-CR: entity
swap 44%, antonym 21%, negation 14%, number swap 12%). Entity swaps are `assistant/training/augment.py`'s;
this file makes the other three from a training question and the sentence that answers it:

- `number`: a number the question shares with the sentence changed to one the article never writes
  (a year moved by a few years, a count scaled or shifted, a spelled number to another);
- `negation`: "not" put after the question's auxiliary ("When did X not ...?") where the sentence states
  the fact plainly, or taken out where the sentence denies it;
- `antonym`: a word the question shares with the sentence swapped for its WordNet antonym ("largest" ->
  "smallest"; `data/antonyms`), inflected as the word was.

Each edit is kept only when no sentence of the article answers the edited question after all: none holds the
new word (for a negation: a negation) together with most of the question's other content words. The
answering sentence stays among the candidates as the hard distractor the reader must learn to refuse.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.training.augment import word_set
from index.text import STOPWORDS

__all__ = ["Edit", "Editor"]

_NUMBER = re.compile(r"(?<![\w.,$-])\d{1,3}(?:,\d{3})+(?![\w.,%/-]\d)|(?<![\w.,$-])\d+(?![\w.,%/-]?\d)")
_SPELLED = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_AUX = re.compile(r"\b(is|are|was|were|do|does|did|can|could|will|would|has|have|had|should|may|might|must)\b",
                  re.IGNORECASE)
_PRONOUNS = frozenset({"he", "she", "it", "they", "we", "you", "i"})
_NEGATION = re.compile(r"\b(not|never|no|none|neither|nor|cannot)\b|n't\b", re.IGNORECASE)


@dataclass(frozen=True)
class Edit:
    question: str
    kind: str  # number, negation, antonym
    removed: str
    inserted: str


def _content(text: str) -> set[str]:
    return {w for w in word_set(text) if w not in STOPWORDS and len(w) > 2}


def _inflections(base: str) -> dict[str, str]:
    """Regular inflected forms of `base`, each mapped to its suffix ("" for the base itself)."""
    out = {base: ""}
    stem = base[:-1] if base.endswith("e") else base
    y = base[:-1] + "i" if base.endswith("y") and len(base) > 2 and base[-2] not in "aeiou" else base
    double = base + base[-1] if re.fullmatch(r"[^aeiou]*[aeiou][bdgmnpt]", base) else base
    for suffix in ("er", "est", "ed"):
        out[(y if y != base else (stem if base.endswith("e") else double)) + suffix] = suffix
    out[(stem if base.endswith("e") and not base.endswith("ee") else double) + "ing"] = "ing"
    out[(y + "es") if y != base else (base + "es" if re.search(r"(s|x|z|ch|sh)$", base) else base + "s")] = "s"
    out[y + "ly" if y != base else base + "ly"] = "ly"
    return out


def _inflect(base: str, suffix: str) -> str:
    for form, s in _inflections(base).items():
        if s == suffix:
            return form
    return base


def _negation_slot(question: str) -> int | None:
    """Where a "not"/"never" goes so that the question stays grammatical, or None where this cannot tell
    without a parser: after the copula of a subject question ("What was [not] the largest city?"), before
    the past-tense verb of one ("Who [never] conquered England?"), after a pronoun subject that follows an
    auxiliary ("How many sons did he [not] have?")."""
    words = list(re.finditer(r"[A-Za-z']+", question))
    if len(words) < 3:
        return None
    first, second = words[0].group().lower(), words[1].group().lower()
    if first in ("what", "who", "which"):
        if second in ("is", "are", "was", "were"):
            return words[2].start()
        if second.endswith("ed") and second not in STOPWORDS:
            return words[1].start()
    for aux, pronoun, after in zip(words, words[1:], words[2:]):
        if _AUX.fullmatch(aux.group()) and pronoun.group().lower() in _PRONOUNS:
            return after.start()
    return None


class Editor:
    """One article's sentences (word sets, found once) and the antonym table; `edit` makes one question."""

    def __init__(self, sentences: Sequence[str], antonyms: Mapping[str, Sequence[str]]) -> None:
        self.sentences = list(sentences)
        self._content = [_content(s) for s in self.sentences]
        self._lower = [s.lower() for s in self.sentences]
        self._numbers = {n.replace(",", "") for s in self.sentences for n in _NUMBER.findall(s)}
        self._negated = [bool(_NEGATION.search(s)) for s in self.sentences]
        self.antonyms = antonyms
        # word form -> (base, suffix) for every inflection of every word the table holds
        self._forms: dict[str, tuple[str, str]] = {}
        for base in antonyms:
            for form, suffix in _inflections(base).items():
                self._forms.setdefault(form, (base, suffix))
        for base in antonyms:
            self._forms[base] = (base, "")

    def edit(self, kind: str, question: str, answering: str, rng: random.Random) -> Edit | None:
        """The question edited by `kind` (number, negation, antonym), or None when no such edit leaves a
        question the article cannot answer."""
        made = {"number": self._number, "negation": self._negation, "antonym": self._antonym}[kind](
            question, answering, rng)
        return made

    def _answered(self, question: str, needle: str | None, negated: bool = False, skip: str = "") -> bool:
        """Whether some sentence holds `needle` (or, `negated`, a negation) and most of the question's other
        content words: the edited question may be answerable after all."""
        others = _content(question) - ({needle.lower()} if needle else set())
        need = max(1, (len(others) + 1) // 2)
        for sentence, low, words, neg in zip(self.sentences, self._lower, self._content, self._negated):
            if sentence == skip or (negated and not neg):
                continue
            if needle and not re.search(rf"\b{re.escape(needle.lower())}\b", low):
                continue
            if len(others & words) >= need:
                return True
        return False

    def _number(self, question: str, answering: str, rng: random.Random) -> Edit | None:
        numbers = [m for m in _NUMBER.finditer(question) if m.group() in answering]
        spelled = [m for m in re.finditer(rf"\b({'|'.join(_SPELLED)})\b", question, re.IGNORECASE)
                   if re.search(rf"\b{m.group().lower()}\b", answering.lower())]
        if not numbers and not spelled:
            return None
        m = rng.choice(numbers + spelled)
        old = m.group()
        if old.lower() in _SPELLED:
            options = [w for w in _SPELLED if w != old.lower() and not re.search(rf"\b{w}\b", answering.lower())]
            new = rng.choice(options)
            new = new.capitalize() if old[0].isupper() else new
        else:
            value = int(old.replace(",", ""))
            if 1000 <= value <= 2100 and "," not in old:  # a year
                choices = [value + d for d in (-10, -5, -3, -2, -1, 1, 2, 3, 5, 10)]
            else:
                choices = [value * 2, value * 3, value + max(1, value // 2), max(1, value - max(1, value // 2)),
                           value + 1 + rng.randrange(9), value * 10]
            choices = [c for c in choices if c != value and str(c) not in self._numbers]
            if not choices:
                return None
            c = rng.choice(choices)
            new = f"{c:,}" if "," in old else str(c)
        edited = question[:m.start()] + new + question[m.end():]
        return Edit(edited, "number", old, new)

    def _negation(self, question: str, answering: str, rng: random.Random) -> Edit | None:
        found = _NEGATION.search(question)
        if found:
            if not _NEGATION.search(answering) or found.group().lower() not in ("not", "never", "n't"):
                return None
            edited = re.sub(r"\s+", " ", question[:found.start()] + question[found.end():]).replace(" ?", "?")
            if self._answered(edited, None, skip=answering):
                return None
            return Edit(edited, "negation", found.group(), "")
        if _NEGATION.search(answering):
            return None  # the sentence already denies something: adding a "not" may not flip it
        at = _negation_slot(question)
        if at is None:
            return None
        word = "never" if question[at:].split(" ", 1)[0].endswith("ed") else "not"
        edited = question[:at] + word + " " + question[at:]
        if self._answered(edited, None, negated=True, skip=answering):
            return None
        return Edit(edited, "negation", "", word)

    def _antonym(self, question: str, answering: str, rng: random.Random) -> Edit | None:
        low = answering.lower()
        slots = []
        for m in re.finditer(r"[A-Za-z]+", question):
            word = m.group().lower()
            if word in STOPWORDS or word not in self._forms or not re.search(rf"\b{word}\b", low):
                continue
            base, suffix = self._forms[word]
            options = [a for a in self.antonyms.get(base, ()) if not re.search(rf"\b{_inflect(a, suffix)}\b", low)]
            if options:
                slots.append((m, base, suffix, options))
        if not slots:
            return None
        m, _base, suffix, options = rng.choice(slots)
        new = _inflect(rng.choice(options), suffix)
        new = new.capitalize() if m.group()[0].isupper() else new
        edited = question[:m.start()] + new + question[m.end():]
        if self._answered(edited, new):
            return None
        return Edit(edited, "antonym", m.group(), new)

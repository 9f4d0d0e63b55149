"""Whether a generated sentence claims what its cited sentence says, not only uses its words.

Word overlap lets a recombination through: "Ukraine condemned Belarus's Kursk operation" has every word of
"Belarus condemned Ukraine's Kursk operation". Four checks of the claim's structure, each cheap and exact:

- **numbers keep their unit**: "lasted 7 days" is not backed by "deployed on 7 January ... only 5 days";
- **names keep their titles**: a run of capitalised words ("President Nikol Pashinyan", "Belarus's Foreign
  Ministry") must be in the cited sentence, as it is written there (a shorter run of it is fine);
- **names keep their order**: the names the two sentences share come in the same order, clause by clause
  ("Ukraine ... Belarus" against "Belarus ... Ukraine" is a swap of roles; a passive's agent may stand anywhere);
- **one sentence, one claim**: the words it adds to the question come from the cited sentence, names from its
  paragraph too (what a pronoun stood for), not from another sentence's facts merged in.

Measured on data/faithfulness/csto.jsonl (`python -m benchmarks.faithfulness`): docs/architecture.md#verification.
"""

from __future__ import annotations

import re

from index import content_terms, uses_term
from index.text import ascii_quotes

__all__ = ["claims_match"]

_NUMBER_UNIT = re.compile(r"(\d+(?:[.,]\d+)?)\s+([A-Za-z]+)")
# A run of capitalised words, possessives and "of" inside it: "Armenian Prime Minister Nikol Pashinyan",
# "Kazakhstan's Foreign Ministry", "Collective Security Treaty Organization".
_NAME_RUN = re.compile(r"[A-Z][\w-]*(?:'s)?(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w-]*(?:'s)?)*")
_NAME = re.compile(r"\b[A-Z][\w-]+")
_DATES = {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
# Clauses: a name's role is only compared with the names of its own clause ("if Pashinyan's government ...").
# Commas are not cut at: an apposition ("Russia, a partner for China, ...") is one clause with its subject.
_CLAUSE = re.compile(r"[;:—]|\b(?:if|when|while|because|although|after|before|since|unless|whereas|amid|during|"
                     r"despite)\b")
# A passive's agent ("was issued by the CSTO press service") may stand anywhere: not compared.
_AGENT = re.compile(r"\bby\s+(?:the\s+)?(?:[A-Z][\w-]*(?:'s)?\s*)+")
_LEAD_WORDS = {"The", "A", "An", "In", "On", "At", "It", "This", "These", "Their", "Its", "He", "She", "They", "After",
               "Only", "As", "If", "When", "Although", "However", "With"}


def _plain(text: str) -> str:
    return ascii_quotes(text)


def _numbers_keep_units(sentence: str, cited: str) -> bool:
    pairs = {(n, u.lower()) for n, u in _NUMBER_UNIT.findall(cited)}
    numbers = {n for n, _ in pairs} | set(re.findall(r"\d+(?:[.,]\d+)?", cited))
    for n, unit in _NUMBER_UNIT.findall(sentence):
        if n not in numbers:
            return False
        if content_terms(unit) and (n, unit.lower()) not in pairs:
            return False
    return True


def _runs(text: str) -> list[str]:
    out = []
    for m in _NAME_RUN.finditer(text):
        words = m.group().split()
        if m.start() == 0 or text[:m.start()].rstrip().endswith((".", ":", "—")):
            while words and words[0] in _LEAD_WORDS:
                words = words[1:]
        if len(words) >= 2:
            out.append(" ".join(words))
    return out


def _titles_kept(sentence: str, cited: str) -> bool:
    flat = " ".join(cited.split())
    return all(run in flat or run.replace("'s", "") in flat for run in _runs(sentence))


def _names(text: str) -> list[str]:
    """Capitalised words in order, dates' months and days left out (a date moves freely in a sentence)."""
    out = []
    for m in _NAME.finditer(text):
        w = m.group().removesuffix("'s")
        if w not in _LEAD_WORDS and w not in _DATES:
            out.append(w)
    return out


def _order_kept(sentence: str, cited: str) -> bool:
    """Within each clause of `sentence`, the names it shares with `cited` come in `cited`'s order (any of a
    name's occurrences there); a passive's agent is left out on both sides."""
    theirs = _names(_AGENT.sub(" ", cited))
    for clause in _CLAUSE.split(_AGENT.sub(" ", sentence)):
        at = -1
        for name in (n for n in _names(clause) if n in theirs):
            later = [i for i, t in enumerate(theirs) if t == name and i > at]
            if not later:
                return False
            at = later[0]
    return True


def _one_claim(sentence: str, question: str, cited: str, paragraph: str) -> bool:
    new = set(content_terms(sentence)) - set(content_terms(question))
    here = set(content_terms(cited))
    names = {t for m in _NAME.finditer(paragraph) for t in content_terms(m.group())}
    return all(uses_term(t, here) or uses_term(t, names) for t in new)


def claims_match(sentence: str, question: str, cited: str, paragraph: str = "") -> bool:
    """`sentence` (generated) claims what `cited` (the article sentence it cites; `paragraph`: the passage
    around it) says, by the four checks above."""
    sentence, cited, paragraph = _plain(sentence), _plain(cited), _plain(paragraph or cited)
    return (_numbers_keep_units(sentence, cited) and _titles_kept(sentence, cited) and _order_kept(sentence, cited)
            and _one_claim(sentence, question, cited, paragraph))

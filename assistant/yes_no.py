"""Whether the cited sentence settles a yes/no question, and which way.

A bare "Yes." or "No." is what a reader copies, so it is given only when the sentence the answer cites states
or denies the very claim asked about. Three tests, each a reason the sentence may not settle it:

- **hedged**: the sentence speaks of what would, could or may be, of a thing done "de facto" or "partly", of a
  debate or a plan ("the next logical step would be the country's withdrawal" does not say it withdrew);
- **contrasted**: it joins two claims with "while", "but", "although" ... ("Belarus condemned it, while
  Kazakhstan evaded an assessment" says yes of one and no of the other);
- **not covered**: a word of the question is not in the sentence (a name may be in the sentence before it,
  which its pronouns lean on): "Has Armenia withdrawn?" is not settled by "Yerevan has frozen its
  participation", nor "Was it founded in 1995?" by "Founded in 1992";
- **compared**: the question compares a quantity ("more than once"): "only once" holds all its words.

Otherwise the polarity is the sentence's: "No" when a negation in it governs the question's words ("Uzbekistan
... is not a CSTO member" answers "Is Uzbekistan a CSTO member?"), "Yes" when it does not, even if the sentence
denies something else ("Is Uzbekistan an important player?" - "Uzbekistan, another important player, is not a
CSTO member" - "Yes"). Flipped when the question itself is negated.

Unsettled, the answer opens with `SAYS` and quotes the sentence, so the reader judges. Measured on the yes/no
gold set (`data/yes-no/gold.jsonl`, `python -m benchmarks.yes_no`): see docs/evaluation.md#yes-no.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.question import NEGATION, Question
from index import content_terms, uses_term

__all__ = ["SAYS", "Settled", "settle"]

SAYS = "The article says:"

# Modal, hedging and partial words: the sentence reports a possibility, a plan, a dispute or a part, not a fact.
# Matched case-sensitively after the sentence's first letter is lowered, so the month "May" is not a modal.
_HEDGE = re.compile(
    r"\b(?:would|could|might|may|should|can|reportedly|allegedly|apparently|possibly|probably|perhaps|likely|"
    r"unlikely|seem(?:s|ed|ingly)?|appear(?:s|ed)?|de facto|de jure|on paper|partly|partially|largely|mostly|"
    r"almost|nearly|whether|if|unless|debated?|disputed|claim(?:s|ed)?|allege[sd]?|expected|proposed|planned|"
    r"considered|suspected|rumou?red|next (?:logical )?step|so far|not yet|on the verge)\b")
# Two claims joined in one sentence: a bare answer would speak for one of them only.
_CONTRAST = re.compile(r"\b(?:while|whereas|but|although|though|however|yet|except|instead)\b", re.IGNORECASE)
# A question that compares a quantity ("more than once", "at least 10") needs arithmetic the rules do not do:
# "only once" holds every word of "more than once".
_COMPARES = re.compile(r"\b(?:more|less|fewer|greater|smaller|larger|higher|lower)\s+than\b|\bat\s+(?:least|most)\b",
                       re.IGNORECASE)
# "Not only X but Y" affirms X; it is no negation, and its "but" joins no contrast.
_NOT_ONLY = re.compile(r"\bnot\s+only\b", re.IGNORECASE)
_NOT_ONLY_BUT = re.compile(r"\bnot\s+only\b(.*?)\bbut\b", re.IGNORECASE)
# A negation governs the words after it up to the end of its clause.
_NAME = re.compile(r"\b[A-Z][\w’'-]+")
_CLAUSE_END = re.compile(r"[,;:.!?—–()]|\s-\s")
Polarity = Literal["Yes", "No"]


@dataclass(frozen=True)
class Settled:
    """`answer`: "Yes"/"No" when the sentence settles the question, else None; `why`: what kept it from a bare
    answer ("hedged", "contrasted", "not covered: 1995"), empty when settled."""

    answer: Polarity | None
    why: str = ""


def _negated(sentence: str, terms: set[str]) -> bool:
    """A negation in `sentence` whose clause holds one of the question's `terms`."""
    masked = _NOT_ONLY.sub(lambda m: " " * len(m.group()), sentence)
    for m in NEGATION.finditer(masked):
        end = _CLAUSE_END.search(masked, m.end())
        scope = set(content_terms(masked[m.end():end.start() if end else len(masked)]))
        if any(uses_term(t, scope) for t in terms):
            return True
    return False


def settle(question: Question, sentence: str, before: str = "") -> Settled:
    """Does `sentence` (the one the answer cites; `before`: the sentence before it in its paragraph) settle the
    yes/no `question`?"""
    lowered = sentence[:1].lower() + sentence[1:]
    if _HEDGE.search(lowered):
        return Settled(None, "hedged")
    if _CONTRAST.search(_NOT_ONLY_BUT.sub(" ", sentence)):
        return Settled(None, "contrasted")
    if _COMPARES.search(question.text):
        return Settled(None, "compared")
    terms = list(dict.fromkeys(content_terms(question.text)))
    words = set(content_terms(sentence))
    names = set(content_terms(" ".join(_NAME.findall(before))))
    missing = [t for t in terms if not uses_term(t, words) and t not in names]
    if missing:
        return Settled(None, "not covered: " + ", ".join(missing))
    negated = _negated(sentence, set(terms))
    return Settled("No" if negated != question.negated else "Yes")

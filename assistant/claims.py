"""Whether a generated sentence claims what its cited sentence says, not only uses its words.

Word overlap lets a recombination through: "Ukraine condemned Belarus's Kursk operation" has every word of
"Belarus condemned Ukraine's Kursk operation". Checks of the claim's structure, each cheap and exact:

- **numbers keep their unit and place**: "lasted 7 days" is not backed by "deployed on 7 January ... only 5
  days", nor "deployed on 12 January" by "deployed on 7 January ... to the forces on 12 January";
- **names keep their titles**: a run of capitalised words ("President Nikol Pashinyan", "Belarus's Foreign
  Ministry") must be in the cited sentence, as it is written there (a shorter run of it is fine);
- **names keep their order**: the names the two sentences share come in the same order, clause by clause
  ("Ukraine ... Belarus" against "Belarus ... Ukraine" is a swap of roles; a passive's agent may stand anywhere);
- **things keep their owners**: "support for Syria" is not "support for Russia", "the CSTO's hands" not
  "Moscow's hands";
- **speakers and hedges are kept**: "Pashinyan said X" is not X in the author's voice, "Tokayev envisioned"
  not "it is difficult to say whether Tokayev envisioned";
- **one sentence, one claim**: the words it adds to the question come from the cited sentence, names from its
  paragraph too (what a pronoun stood for), not from another sentence's facts merged in.

Negation is compared with the part of the cited sentence the claim rephrases (`negation_agrees`).
Measured on data/faithfulness/csto.jsonl (`python -m benchmarks.faithfulness`): docs/architecture.md#verification.
"""

from __future__ import annotations

import re

from assistant.question import negates
from index import content_terms, uses_term
from index.text import ascii_quotes

__all__ = ["claims_match", "negation_agrees"]

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
               "Only", "As", "If", "When", "Although", "However", "With", "Whether", "While", "Because", "Since",
               "Unless", "Though", "Whereas", "Before", "During", "Despite"}


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


# The words a number follows, a preposition or two between: "deployed on 7 January" -> ("deployed", "7").
_NUMBER_PLACE = re.compile(r"\b([a-z][a-z-]+)\s+(?:(?:on|in|at|of|for|by|since|until|from|to|about|around|over|"
                           r"under|than|only|just|some|nearly|almost)\s+){0,2}(\d+(?:[.,]\d+)?)")


def _numbers_keep_places(sentence: str, cited: str) -> bool:
    """A number stays with the word it follows: "deployed on 12 January" is not backed by "deployed on 7
    January, ... to Kazakh security forces on 12 January" ("deployed" is there, with another number)."""
    theirs = {(w, n) for w, n in _NUMBER_PLACE.findall(cited)}
    placed = {w for w, _ in theirs}
    return all((w, n) in theirs for w, n in _NUMBER_PLACE.findall(sentence) if w in placed)


_NAMED = r"[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*"
# "support for Russia", "war against Ukraine", "tools in Moscow's hands": a word and the name it is of or for.
_RELATION = re.compile(rf"\b([a-z][a-z-]+)\s+(for|of|to|against|from|with)\s+(?:the\s+)?({_NAMED})(?!'s)")
_OWNER = re.compile(rf"({_NAMED})'s\s+([a-z][a-z-]+)")


def _relations(text: str) -> dict[tuple[str, str], list[set[str]]]:
    out: dict[tuple[str, str], list[set[str]]] = {}
    for word, prep, name in _RELATION.findall(text):
        out.setdefault((word, prep), []).append(set(name.split()) - _LEAD_WORDS)
    for name, word in _OWNER.findall(text):
        out.setdefault((word, "of"), []).append(set(name.split()) - _LEAD_WORDS)
    return out


def _relations_kept(sentence: str, cited: str) -> bool:
    """A thing keeps whose or whom it is for: "support for Syria" is not backed by "support for Russia: Syria
    and North Korea", nor "in the CSTO's hands" by "in Moscow's hands" (the word and its relation are in the
    cited sentence, with another name)."""
    theirs = _relations(cited)
    for key, names in _relations(sentence).items():
        if key in theirs and any(n and not any(n & m for m in theirs[key]) for n in names):
            return False
    return True


# Reporting verbs that are not also common plural nouns ("states", "notes", "claims" are left out).
_REPORTING = (r"(?:said|says|stated|announced|announces|claimed|noted|reiterated|reiterates|declared|declares|told|"
              r"argued|argues|warned|warns|insisted|insists|wrote)")
_SPEAKER = re.compile(rf"({_NAMED})(?:'s\s+[a-z]+)?\s+{_REPORTING}\b")
_PRONOUN_SPEAKER = re.compile(rf"\b(?:he|she|they|it)\s+(?:also\s+)?{_REPORTING}\b", re.IGNORECASE)


def _speaker_kept(sentence: str, cited: str) -> bool:
    """Who says it is what the cited sentence says: "Pashinyan said the CSTO has lost ..." is not backed by a
    sentence that says it in the author's voice. A name from the paragraph may stand for the cited sentence's
    "he said"."""
    flat = " ".join(cited.split())
    for name in _SPEAKER.findall(sentence):
        words = set(name.split()) - _LEAD_WORDS
        if words and not any(w in flat for w in words) and not _PRONOUN_SPEAKER.search(flat):
            return False
    return True


# Where a negation's scope ends: a clause, or a comma's part of one ("..., yet they are proceeding cautiously
# to not incur sanctions" negates only its own part).
# Not at "and", "as", "before" or "when": "without showing as much enthusiasm as before for participation in
# institutions Moscow dominates" is negated to its end.
_PARTS = re.compile(r"[;:—,(]|\b(?:but|yet|if|while|because|although|though|unless|whereas|that|which|who)\b")


def _rephrased(sentence: str, cited: str) -> list[str]:
    """The parts of `cited` that `sentence` rephrases: those holding at least half as many of its content words
    (a stem counts: "indicates" is in "indicate") as the part holding most; none when no part holds any."""
    terms = set(content_terms(sentence))
    parts = [(sum(uses_term(t, set(content_terms(p))) for t in terms), p) for p in _PARTS.split(cited)]
    top = max((n for n, _ in parts), default=0)
    return [p for n, p in parts if top and 2 * n >= top]


def negation_agrees(sentence: str, cited: str) -> bool:
    """The claim is negated exactly when a part of the cited sentence it rephrases is ("Russian leadership
    seeks to reduce ..." is backed by "... why Moscow has not asked ...: First of all, Russian leadership seeks
    to reduce ...", and "Kazakhstan views the CSTO as necessary" is not by "Kazakhstan does not view the CSTO as
    necessary"); with no part in common, the whole sentences are compared."""
    parts = _rephrased(sentence, cited)
    return negates(sentence) == (any(negates(p) for p in parts) if parts else negates(cited))


# What makes a statement a possibility rather than a fact (case-sensitive: the month "May" is no modal).
_MODAL = re.compile(r"\b(?:would|could|might|may|reportedly|allegedly|possibly|probably|perhaps|likely|unlikely|"
                    r"seem(?:s|ed|ingly)?|appear(?:s|ed)?|whether|difficult to say|hard to say|not clear)\b")


def _hedge_kept(sentence: str, cited: str) -> bool:
    """A possibility stays one: "Tokayev envisioned a new alliance" is not backed by "It is difficult to say
    whether Tokayev envisioned a new alliance". The parts of the cited sentence the claim rephrases (as for
    negation) decide; the claim keeps a hedge of its own in any words ("would", "if", "whether", ...)."""
    if _MODAL.search(sentence) or re.search(r"\b(?:if|unless|whether)\b", sentence, re.IGNORECASE):
        return True
    return not any(_MODAL.search(p) for p in _rephrased(sentence, cited[:1].lower() + cited[1:]))


def claims_match(sentence: str, question: str, cited: str, paragraph: str = "") -> bool:
    """`sentence` (generated) claims what `cited` (the article sentence it cites; `paragraph`: the passage
    around it) says, by the checks above."""
    sentence, cited, paragraph = _plain(sentence), _plain(cited), _plain(paragraph or cited)
    return (_numbers_keep_units(sentence, cited) and _numbers_keep_places(sentence, cited)
            and _titles_kept(sentence, cited) and _order_kept(sentence, cited)
            and _relations_kept(sentence, cited) and _speaker_kept(sentence, cited) and _hedge_kept(sentence, cited)
            and _one_claim(sentence, question, cited, paragraph))

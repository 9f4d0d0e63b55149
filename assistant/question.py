"""One analysis of a question, done once and carried by the `Turn`: every step reads this value, none re-parses
the text. What kind of answer it wants (yes/no, a few words, an explanation), whether it is negated, whether it
talks to the assistant instead of about the article, and whether it leans on the conversation.

The reference patterns (pronouns, "that country", "the second one") live here because two steps need them: the
analysis says *whether* a question leans on the history, the rewrite (assistant/pipeline/rewrite.py) says *what*
it leans on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from assistant.injection import looks_like_injection
from index import Credit, content_terms

__all__ = ["DEMONSTRATIVE", "ELLIPSIS_WORDS", "NEGATION", "ORDINAL", "PERSON", "PLURAL", "START", "THING", "Kind",
           "Question", "analyse", "negates", "strip_lead"]

# One negation test for questions, article sentences and generated sentences alike.
NEGATION = re.compile(r"\b(not|no|never|none|neither|nor|without|cannot)\b|n[’']t\b", re.IGNORECASE)
THING = r"it|its"
PERSON = r"he|him|his|she|her"
PLURAL = r"they|them|their|these|those"
DEMONSTRATIVE = re.compile(r"\b(?:that|this|the same)\s+(country|state|organi[sz]ation|alliance|bloc|person|man|"
                           r"woman|leader|president|city|region|company|group|party|base|article|event|operation)\b",
                           re.IGNORECASE)
ORDINAL = re.compile(r"\bthe\s+(first|second|third|fourth|last|latter|former)(?:\s+one)?\b", re.IGNORECASE)
START = re.compile(r"^(what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|has|have|had|can|"
                   r"could|will|would|should|may|might|must)\b", re.IGNORECASE)
_PRONOUN = re.compile(rf"\b({THING}|{PERSON}|{PLURAL})\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(its|their|his|her)\b", re.IGNORECASE)
# A name: a capitalised word after the first (every question's first word is capitalised anyway).
_NAME = re.compile(r"(?<=\s)(?:[A-Z][\w’'-]+|[A-Z]{2,})")
_LEAD = re.compile(r"^(?:and|so|but|also|then|ok(?:ay)?|well)\b[,:]?\s+(?:(?:what|how)\s+about\s+)?"
                   r"|^(?:what|how)\s+about\s+", re.IGNORECASE)
_AUX = re.compile(r"^(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|shall|may|might|"
                  r"must)\b", re.IGNORECASE)
# "Why ...", "How did ..." ask for a reason or a manner: a sentence, not a few words. "How many/much/long/old
# ..." ask for a quantity, which is a short answer.
_EXPLAIN = re.compile(r"\bwhy\b|\bhow\b(?!\s+(many|much|long|old|far|big|large|tall|often|high|deep|wide|soon))",
                      re.IGNORECASE)
# "When and where did ...?", "When did ..., and where?": two things asked at once. A few bold words answer one of
# them at best (on the CSTO dev set, "When did the CSTO carry out its only collective operation, and where?" got
# a bold year from another sentence), so the sentence is the answer, as for a why-question.
_WH = r"(?:when|where|who|whom|why|how|what|which)"
_TWO_PARTS = re.compile(rf"\b{_WH}\s+(?:and|or)\s+{_WH}\b|,?\s+(?:and|or)\s+{_WH}(?:\s+\w+){{0,3}}\s*\?*\s*$",
                        re.IGNORECASE)

# A question with no question word this short is an ellipsis ("And Kazakhstan?", "in 2022?", "Only Belarus?"):
# the CSTO follow-ups' one is 1 word ("Kazakhstan?" once "And" is off); the shortest question of the CSTO gold sets
# without a question word at its start is 6 ("Under what condition would that happen?", which leans on "that").
ELLIPSIS_WORDS = 5

# Questions that ask what the article says rather than one fact: answered with a few cited sentences, not one.
# The topic is what follows "about" / "on" / "of"; none for the whole article ("What is this article about?").
_ARTICLE = r"(?:the|this)\s+(?:article|text|piece|story|report|author|writer)"
_OVERVIEW = re.compile(
    rf"^(?:what\s+(?:does|do|did)\s+(?:{_ARTICLE}|it)\s+(?:say|tell(?:\s+us|\s+me)?|write|report|mention)"
    rf"(?:\s+about|\s+on|\s+of)?"
    r"|what\s+do\s+(?:we|i)\s+learn\s+(?:about|of)"
    r"|(?:please\s+)?(?:summari[sz]e|sum\s+up)"
    r"|(?:please\s+)?(?:give|show)\s+(?:me\s+|us\s+)?(?:a\s+|an\s+|the\s+)?(?:short\s+|brief\s+|quick\s+)?"
    r"(?:summary|overview|gist|rundown)(?:\s+of|\s+on|\s+about)?"
    r"|tell\s+me\s+(?:more\s+)?about"
    r"|(?:what(?:'s|\s+is)\s+)?(?:a\s+|the\s+)?(?:summary|overview|gist)\s+(?:of|on|about))"
    r"(?P<topic>.*?)[\s?.!]*$", re.IGNORECASE)
_WHOLE = re.compile(rf"^(?:what(?:'s|\s+is)\s+{_ARTICLE}\s+(?:all\s+)?about|what\s+is\s+it\s+about)\b[\s?.!]*$",
                    re.IGNORECASE)
_PART = re.compile(r"^(?:the\s+)?(?:part|section|bit|passage|paragraph)s?\s+(?:on|about|of)\s+", re.IGNORECASE)
_ITSELF = re.compile(rf"^(?:{_ARTICLE}|it|this)$", re.IGNORECASE)

# Questions about the article as a document, not about what it says: who wrote it, when it was published.
# Only its own words answer them (index/credits.py): a byline or a dateline, or none. "The article" and "this
# piece" name the document; "Tokayev's article" or "the report" name something the article talks about.
_DOCUMENT = r"(?:the|this)\s+(?:article|piece|essay|column|op-ed|blog\s+post|post)"
_NAMES_DOCUMENT = re.compile(rf"{_DOCUMENT}|\bthis\b", re.IGNORECASE)
_CREDITS: dict[Credit, re.Pattern[str]] = {
    "author": re.compile(
        rf"^(?:who\s+(?:is|was|'s|’s)\s+(?:the\s+)?(?:author|writer)(?:\s+of\s+{_DOCUMENT})?"
        rf"|who\s+(?:wrote|authored|penned)\s+(?:{_DOCUMENT}|this)"
        rf"|who\s+is\s+{_DOCUMENT}\s+by"
        rf"|by\s+whom\s+was\s+{_DOCUMENT}\s+written"
        rf"|(?:what\s+is\s+)?the\s+(?:author|writer)['’]s\s+name"
        rf"|what\s+is\s+the\s+name\s+of\s+the\s+(?:author|writer)(?:\s+of\s+{_DOCUMENT})?"
        rf"|who\s+is\s+{_DOCUMENT}['’]s\s+(?:author|writer))[\s?.!]*$", re.IGNORECASE),
    "published": re.compile(
        rf"^(?:when\s+(?:was|is)\s+{_DOCUMENT}\s+(?:first\s+)?(?:published|written|posted|dated)"
        rf"|when\s+did\s+{_DOCUMENT}\s+(?:come\s+out|appear)"
        rf"|(?:on\s+)?what\s+(?:date|day)\s+was\s+{_DOCUMENT}\s+(?:published|written|posted)"
        rf"|what\s+is\s+the\s+(?:publication\s+)?date\s+of\s+{_DOCUMENT})[\s?.!]*$", re.IGNORECASE),
}

Kind = Literal["yes_no", "explain", "factoid", "overview"]


def negates(text: str) -> bool:
    return bool(NEGATION.search(text))


def strip_lead(question: str) -> str:
    """ "And is Uzbekistan in the CSTO?" -> "Is Uzbekistan in the CSTO?": a leading And/So/But (or "what about")
    joins a follow-up to the conversation and says nothing about the article."""
    out = _LEAD.sub("", question.strip(), count=1)
    return out[0].upper() + out[1:] if out else question


def _leans_on_history(question: str) -> bool:
    """A pronoun, "that country", "the second one", or too few words of its own ("Kazakhstan?", "in 2022?",
    "What year?").
    A possessive whose owner the question itself names stands alone ("What did Armenia do about its
    membership?"): the name comes before it."""
    pronoun = _PRONOUN.search(question)
    if pronoun is not None:
        pronouns = [m.group(1).lower() for m in _PRONOUN.finditer(question)]
        possessives = all(p in {"its", "their", "his", "her"} for p in pronouns)
        first = _POSSESSIVE.search(question)
        if not (possessives and first is not None and _NAME.search(question[:first.start()])):
            return True
    if DEMONSTRATIVE.search(question) or ORDINAL.search(question):
        return True
    # One content word is an ellipsis ("What year?", "Where exactly?") unless it is a name the question asks
    # about ("What is the CSTO?" stands alone, and after an exchange on Armenia it is still about the CSTO).
    terms = content_terms(question)
    if not terms or (len(terms) < 2 and not _NAME.search(question)):
        return True
    return not START.match(question) and len(question.split()) <= ELLIPSIS_WORDS


@dataclass(frozen=True)
class Question:
    """`text` as asked (stripped). `kind`: a yes/no question, one that asks for a reason or a manner
    ("why", "how did") or for two things at once ("when and where"), or one a few words answer ("who",
    "when", "how many", "which")."""

    text: str
    kind: Kind
    negated: bool
    injection: bool
    leans_on_history: bool
    topic: str | None = None  # an overview's subject ("Russia"); None for the whole article or another kind
    credit: Credit | None = None  # asks who wrote the article or when it was published (index/credits.py)

    @property
    def overview(self) -> bool:
        """Asks what the article says (about something), not for one fact: a few cited sentences answer it."""
        return self.kind == "overview"

    @property
    def yes_no(self) -> bool:
        return self.kind == "yes_no"

    @property
    def wants_short(self) -> bool:
        """Who, when, where, how many, which, what ...: yes. Why/how questions and yes/no questions: no."""
        return self.kind == "factoid"


@lru_cache(maxsize=4096)
def analyse(text: str) -> Question:
    """The question's analysis (cached: a question is analysed once however many steps read it)."""
    text = text.strip()
    bare = strip_lead(text)
    topic: str | None = None
    if _WHOLE.match(bare):
        kind: Kind = "overview"
    elif (m := _OVERVIEW.match(bare)) and (m.group("topic").strip() or not bare.lower().startswith("tell")):
        kind = "overview"
        topic = _PART.sub("", m.group("topic").strip()).strip() or None
        if topic is not None and _ITSELF.match(topic):
            topic = None  # "Summarize the article": the whole of it
    elif _AUX.match(text) and " or " not in text.lower():
        kind = "yes_no"
    elif _EXPLAIN.search(text) or _TWO_PARTS.search(text):
        kind = "explain"
    else:
        kind = "factoid"
    if kind == "overview":
        # Its own words ("What does the article say") lean on nothing; only a topic can ("about them").
        leans = topic is not None and any(p.search(topic) for p in (_PRONOUN, DEMONSTRATIVE, ORDINAL))
    else:
        leans = _leans_on_history(bare)
    credit = next((c for c, pattern in _CREDITS.items() if pattern.match(bare)), None)
    if credit is not None and _NAMES_DOCUMENT.search(bare):
        # "the article", "this": the document the chat is about, never a thing of the history. A bare "Who is
        # the author?" may mean the author of a book the conversation is about: the history may resolve it.
        leans = False
    return Question(text, kind, negates(text), looks_like_injection(text), leans, topic, credit)

"""Word-level helpers shared by lexical search and the assistant's checks (one tokenizer everywhere)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

__all__ = ["RELATED_PREFIX", "STOPWORDS", "ascii_quotes", "content_terms", "normalize", "stem", "tokenize",
           "uses_term"]

STOPWORDS = frozenset(
    """happen occur mention describe discuss explain
    a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself no nor not of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves also shall may might must upon whose s t don does did done according article
    author say says said tell told text passage many much kind type sort way""".split()  # noqa: SIM905
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


_QUOTES = str.maketrans({"’": "'", "‘": "'", "‛": "'", "′": "'", "“": '"', "”": '"', "„": '"', "″": '"'})


def ascii_quotes(text: str) -> str:
    """Typographic quotes as ASCII, one character for one, so offsets into the result are offsets into
    `text`: phone keyboards type "CSTO’s", the training data mostly says "CSTO's"."""
    return text.translate(_QUOTES)


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


def tokenize(text: str) -> list[str]:
    """Lower-cased words; a possessive 's is dropped so that Russia’s matches Russia."""
    words = []
    for w in _WORD.findall(normalize(text).lower()):
        if w.endswith("'s"):
            w = w[:-2]
        words.append(w.replace("'", ""))
    return [w for w in words if w]


_IRREGULAR = {
    w: base for base, forms in {
        "leave": "left", "go": "went gone", "begin": "began begun", "build": "built", "send": "sent",
        "take": "took taken", "make": "made", "hold": "held", "lead": "led", "win": "won", "fight": "fought",
        "give": "gave given", "pay": "paid", "bring": "brought", "buy": "bought", "think": "thought",
        "keep": "kept", "meet": "met", "run": "ran", "write": "wrote written", "speak": "spoke spoken",
        "choose": "chose chosen", "fall": "fell fallen", "rise": "rose risen", "break": "broke broken",
        "become": "became", "come": "came", "see": "saw seen", "know": "knew known", "grow": "grew grown",
        "draw": "drew drawn", "stand": "stood", "sell": "sold", "spend": "spent", "lose": "lost",
        "strike": "struck", "say": "said", "tell": "told", "get": "got gotten", "find": "found_",
        "child": "children", "man": "men", "woman": "women", "person": "people",
    }.items() for w in forms.split()
}


def stem(word: str) -> str:
    """A light suffix stripper: enough to match launched/launch, countries/country, troops/troop, and
    the common irregular verbs (left/leave, sent/send). "found" stays "found" (founded, not find)."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ied", "y"), ("ed", ""), ("es", ""),
                         ("s", ""), ("ly", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                return word
            return word[: -len(suffix)] + repl
    return word


def content_terms(text: str) -> list[str]:
    """Stemmed words that carry meaning (no stopwords), in order."""
    return [stem(w) for w in tokenize(text) if w not in STOPWORDS]


# A word counts as used when a word that starts like it is there: "membership" is not claimed absent from an
# article about "members", "neutral" is covered by "neutrality". Five letters: the shortest stem that still
# tells "member" from "memo".
RELATED_PREFIX = 5


def uses_term(term: str, vocabulary: Collection[str]) -> bool:
    """`vocabulary` (content terms) holds `term`, or a word that starts like it."""
    if term in vocabulary:
        return True
    return len(term) >= RELATED_PREFIX and any(t.startswith(term[:RELATED_PREFIX]) for t in vocabulary)

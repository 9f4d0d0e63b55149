"""The article's own credits: the sentence that names who wrote it (a byline) or when it was published (a
dateline), when the article has one. A question about the article as a document ("Who wrote this article?")
is answered from these words or not at all: no sentence of the article's content answers it, and the reader,
asked anyway, picks whoever the article says wrote something else (on the CSTO article, Tokayev's article).

Credits sit at the article's edges: a byline or dateline under the title or at the end (a "By Jane Doe" line,
"Published 12 August 2024"). A sentence anywhere that says who wrote or published the article itself ("This
article was written by ...") counts too. Only the article's text is searched, so every answer cites its words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from index.types import Sentence

__all__ = ["EDGE_SENTENCES", "Credit", "find_credit"]

Credit = Literal["author", "published"]

# How far from each edge a byline or dateline is looked for: news pages put it right under the title (after a
# standfirst or a label, within a few blocks) or at the end; a body sentence never is one.
EDGE_SENTENCES = 8
# A byline or dateline is a short line; a body sentence that starts "By 2030, ..." is longer.
_CREDIT_CHARS = 100

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{4})\b", re.IGNORECASE)
# "By Jane Doe", "Written by ...", "Author: ..."; a name follows "by" ("By 2030, ..." and "By contrast" do not).
_BYLINE = re.compile(r"^(?i:(?:written|posted|words|text|story|reporting)\s+)?(?i:by)\s+[A-Z][^\W\d_]"
                     r"|^(?i:authors?|writer)\s*:\s*\S")
# "About the author" ends many pieces: the sentence after it (or the rest of its own) names them.
_ABOUT = re.compile(r"^about\s+the\s+authors?\b\W*", re.IGNORECASE)
_DATELINE = re.compile(r"^(?:(?:first\s+)?(?:published|posted|updated|date[d]?)\b\s*(?:on\b)?\s*:?\s*)?"
                       rf"(?:\w+day,?\s+)?{_DATE.pattern}", re.IGNORECASE)
_DOCUMENT = r"(?:this|the)\s+(?:article|piece|essay|column|op-ed|post|blog\s+post)"
_SAYS = {
    "author": re.compile(rf"\b{_DOCUMENT}\s+(?:was|is|has\s+been)\s+(?:written|authored|contributed)\s+by\b"
                         rf"|\bthe\s+author\s+of\s+{_DOCUMENT}\s+(?:is|was)\b", re.IGNORECASE),
    "published": re.compile(rf"\b{_DOCUMENT}\s+(?:was\s+|is\s+)?(?:first\s+)?(?:published|posted)\s+(?:on|in)\s+"
                            rf"[^.]*{_DATE.pattern}", re.IGNORECASE),
}


# A credit line ends in a name or a date, never a sentence's last word and full stop ("By Monday, the strike had
# ended."); after a dateline's date only a time or a place may follow ("12 August 2024, 10:30 GMT").
_PROSE_END = re.compile(r"[a-z]{3,}\.$")
_AFTER_DATE_WORDS = 6


def _is_line(sentence: Sentence, pattern: re.Pattern[str]) -> bool:
    text = sentence.text
    m = pattern.match(text)
    if m is None or len(text) > _CREDIT_CHARS or _PROSE_END.search(text):
        return False
    return pattern is _BYLINE or len(text[m.end():].split()) <= _AFTER_DATE_WORDS


def find_credit(sentences: Sequence[Sentence], credit: Credit) -> Sentence | None:
    """The sentence that names the article's author (`credit` "author") or its publication date ("published"),
    or None when the article has none. `sentences`: the article's, in order (assistant and index split alike)."""
    line = _BYLINE if credit == "author" else _DATELINE
    edges = [*sentences[:EDGE_SENTENCES], *sentences[-EDGE_SENTENCES:]]
    found = next((s for s in edges if _is_line(s, line)), None)
    if found is not None:
        return found
    if credit == "author":
        for i, s in enumerate(sentences):
            if (m := _ABOUT.match(s.text)) is not None and i >= len(sentences) - EDGE_SENTENCES:
                if s.text[m.end():].strip():
                    return s
                if i + 1 < len(sentences):
                    return sentences[i + 1]
    return next((s for s in sentences if _SAYS[credit].search(s.text)), None)

"""Sentence-aware chunking: passages are runs of whole sentences inside one paragraph, with exact offsets.

Small passages make small prompts for a small model and precise citations; overlapping windows make sure
that an answer spread over two neighbouring sentences sits whole in at least one passage.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from index.types import Article, Passage, Sentence

__all__ = ["ChunkParams", "chunk", "split_sentences"]

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "e.g", "i.e", "cf", "al",
    "no", "nos", "vol", "fig", "figs", "pp", "p", "ed", "eds", "gen", "gov", "sen", "rep", "lt", "col",
    "capt", "sgt", "maj", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "inc", "ltd", "co", "corp", "approx", "est", "u.s", "u.k", "u.n", "e.u", "a.m", "p.m",
}
# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and a capital, digit or quote.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ])")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the period at `dot` ends an abbreviation or an initial rather than the sentence. A word glued to
    a digit or a symbol ("1960s.", "30 °C.") is not one, nor is a lower-case single letter ("of size n."): both
    once hid real sentence ends (`python -m benchmarks.sentence_probe`)."""
    if text[dot] != ".":
        return False
    m = re.search(r"([A-Za-z.]+)$", text[:dot])
    if not m:
        return False
    if m.start() > 0 and not (text[m.start() - 1].isspace() or text[m.start() - 1] in "(\"'“‘[-/"):
        return False
    word = m.group(1).lower().strip(".")
    return word in _ABBREVIATIONS or (len(word) == 1 and m.group(1)[0].isupper())  # initials: "J. Smith"


def split_sentences(article: Article) -> list[Sentence]:
    """All sentences of the canonical text, paragraph by paragraph (the title is paragraph 0)."""
    sentences: list[Sentence] = []
    for paragraph, m in enumerate(re.finditer(r"[^\n]+", article.text)):
        p_start, p_text = m.start(), m.group(0)
        begin = 0
        for b in _BOUNDARY.finditer(p_text):
            if _is_abbreviation(p_text, b.start()):
                continue
            sentences.extend(_make(p_text, p_start, begin, b.end(), paragraph))
            begin = b.end()
        sentences.extend(_make(p_text, p_start, begin, len(p_text), paragraph))
    return sentences


def _make(p_text: str, p_start: int, begin: int, end: int, paragraph: int) -> list[Sentence]:
    chunk_text = p_text[begin:end]
    stripped = chunk_text.strip()
    if not stripped:
        return []
    lead = len(chunk_text) - len(chunk_text.lstrip())
    start = p_start + begin + lead
    return [Sentence(stripped, start, start + len(stripped), paragraph)]


@dataclass(frozen=True)
class ChunkParams:
    max_sentences: int = 2
    overlap: int = 1
    max_chars: int = 700

    def __post_init__(self) -> None:
        if self.max_sentences < 1:
            raise ValueError("max_sentences must be at least 1")
        if not 0 <= self.overlap < self.max_sentences:
            raise ValueError("overlap must be at least 0 and smaller than max_sentences")
        if self.max_chars < 50:
            raise ValueError("max_chars must be at least 50")

    def key(self) -> str:
        return f"s{self.max_sentences}-o{self.overlap}-c{self.max_chars}"


def _passage(article: Article, run: list[Sentence]) -> Passage:
    start, end = run[0].start, run[-1].end
    text = article.text[start:end]
    digest = hashlib.sha256(f"{start}:{end}:{text}".encode()).hexdigest()[:16]
    return Passage(id=f"p{digest}", text=text, start=start, end=end, paragraph=run[0].paragraph)


def chunk(article: Article, params: ChunkParams | None = None) -> list[Passage]:
    """Windows of up to `max_sentences` sentences (fewer when `max_chars` would be passed), stepping by
    `max_sentences - overlap`, never across a paragraph; every sentence lands in at least one passage."""
    params = params or ChunkParams()
    by_paragraph: dict[int, list[Sentence]] = {}
    for s in split_sentences(article):
        by_paragraph.setdefault(s.paragraph, []).append(s)
    passages: list[Passage] = []
    seen: set[tuple[int, int]] = set()
    for sentences in by_paragraph.values():
        i = 0
        while i < len(sentences):
            run = [sentences[i]]
            while (len(run) < params.max_sentences and i + len(run) < len(sentences)
                   and sentences[i + len(run)].end - run[0].start <= params.max_chars):
                run.append(sentences[i + len(run)])
            if (run[0].start, run[-1].end) not in seen:
                seen.add((run[0].start, run[-1].end))
                passages.append(_passage(article, run))
            if i + len(run) >= len(sentences):
                break
            i += max(1, len(run) - params.overlap)
    return passages

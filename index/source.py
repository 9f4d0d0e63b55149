"""Offsets in the user's own file: where a span of the cleaned article text sits in the `.txt` or `.md` it came
from. Cleaning only drops whole blocks and rejoins hard-wrapped lines, so a quote is found in the file with
its spaces matching any run of whitespace (a line break, a CRLF, a no-break space) and, in Markdown, with
inline markup (`**`, `_`, backticks, link brackets) allowed between its words."""

from __future__ import annotations

import re
from pathlib import Path

from index.load import load_article
from index.types import Article

__all__ = ["SourceMap"]

_MARKUP = r"(?:[*_`\[\]]|\]\([^)]*\))*"  # emphasis, code, a link's brackets and target


class SourceMap:
    """Built once per article; `span(start, end)` of the cleaned text -> (start, end) in the file's
    characters (the file decoded as UTF-8, byte-order mark dropped), or None."""

    def __init__(self, article: Article) -> None:
        self.article = article
        self.raw: str | None = None
        self._cache: dict[tuple[int, int], tuple[int, int] | None] = {}
        path = Path(article.source)
        self.markdown = path.suffix.lower() in (".md", ".markdown")
        if path.suffix.lower() not in (".txt", ".text", ".md", ".markdown") or not path.is_file():
            return
        try:
            same = load_article(path).text == article.text  # the file has not changed since it was indexed
            raw = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError, ValueError):
            return
        if same:
            self.raw = raw

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        if self.raw is None or not 0 <= start < end <= len(self.article.text):
            return None
        key = (start, end)
        if key not in self._cache:
            self._cache[key] = self._find(start, end)
        return self._cache[key]

    def lines(self, start: int, end: int) -> tuple[int, int] | None:
        """The 1-based lines of the file that characters start..end of it (a `span`) sit on: what an editor
        shows, where a character offset means little to a reader."""
        if self.raw is None or not 0 <= start < end <= len(self.raw):
            return None
        first = self.raw.count("\n", 0, start) + 1
        return first, first + self.raw.count("\n", start, end - 1)

    def _find(self, start: int, end: int) -> tuple[int, int] | None:
        assert self.raw is not None
        words = self.article.text[start:end].split()
        if not words:
            return None
        edge = _MARKUP if self.markdown else ""  # markup may sit between words; the span starts and ends on text
        pattern = f"{edge}\\s+{edge}".join(re.escape(w) for w in words)
        found = [(m.start(), m.end()) for m in re.finditer(pattern, self.raw)]
        if not found:
            return None
        # The same words can occur twice: the occurrence at the same relative place in the file wins.
        where = start / max(1, len(self.article.text)) * len(self.raw)
        return min(found, key=lambda se: abs(se[0] - where))

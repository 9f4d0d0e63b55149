"""Offsets into the user's own file, for .txt and .md articles."""

from __future__ import annotations

from pathlib import Path

from index import load_article
from index.source import SourceMap


def _check(path: Path, quote: str) -> tuple[int, int] | None:
    article = load_article(path)
    start = article.text.index(quote)
    return SourceMap(article).span(start, start + len(quote))


def test_a_quote_is_found_in_a_hard_wrapped_crlf_text_file(tmp_path: Path) -> None:
    raw = ("The Tower\r\n\r\nShare article\r\n\r\nThe tower of Varn was built in 1871 by the engineer Maria Holt,\r\n"
           "who also designed\u00a0its lamp. It stands 42 metres tall.\r\n")
    p = tmp_path / "tower.txt"
    p.write_bytes(raw.encode("utf-8-sig"))
    quote = "The tower of Varn was built in 1871 by the engineer Maria Holt, who also designed its lamp."
    start, end = _check(p, quote) or (0, 0)
    file_text = p.read_bytes().decode("utf-8-sig")
    assert " ".join(file_text[start:end].split()) == quote  # the same words, with the file's own line break
    assert SourceMap(load_article(p)).lines(start, end) == (5, 6)  # the quote is wrapped over lines 5 and 6
    one = file_text.index("It stands")
    assert SourceMap(load_article(p)).lines(one, one + len("It stands 42 metres tall.")) == (6, 6)


def test_a_quote_is_found_across_markdown_markup(tmp_path: Path) -> None:
    p = tmp_path / "notes.md"
    p.write_text("# Notes\n\nThe **bridge** opened in [the spring of 1932](https://example.org) after *six* years.\n",
                 encoding="utf-8")
    quote = "The bridge opened in the spring of 1932 after six years."
    start, end = _check(p, quote) or (0, 0)
    assert p.read_text(encoding="utf-8")[start:end].startswith("The **bridge** opened in [the spring")
    assert p.read_text(encoding="utf-8")[start:end].endswith("years.")


def test_no_source_offsets_for_html_or_a_file_changed_since_indexing(tmp_path: Path) -> None:
    html = tmp_path / "page.html"
    html.write_text("<html><body><h1>T</h1><p>The tower was built in 1871 by Maria Holt.</p></body></html>")
    assert _check(html, "The tower was built in 1871 by Maria Holt.") is None
    txt = tmp_path / "t.txt"
    txt.write_text("T\n\nThe tower was built in 1871 by Maria Holt.\n")
    article = load_article(txt)
    txt.write_text("T\n\nSomething else entirely now stands here.\n")
    assert SourceMap(article).span(3, 20) is None
    assert SourceMap(article).lines(3, 20) is None

"""The terminal's rendering of an answer's sources: a reader can find each quote in their own file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant import Assistant
from assistant.cli import format_sources


def test_sources_name_the_line_of_the_users_file(tmp_path: Path, make_assistant: Callable[..., Assistant]) -> None:
    article = tmp_path / "varn.txt"
    article.write_text("The Lighthouse of Varn\n\nHarbour News\n\nThe lighthouse of Varn was built in 1871 by\n"
                       "the engineer Maria Holt.\n\nIts lamp was converted to electricity in 1936.\n", encoding="utf-8")
    a = make_assistant(article)
    answer = a.ask("When was the lamp converted to electricity?")
    c = answer.citations[0]
    assert c.quote == "Its lamp was converted to electricity in 1936." and c.source_start is not None
    line = format_sources(answer, a.index).splitlines()[0]
    assert line.endswith(f"(varn.txt line 8, characters {c.source_start}-{c.source_end}; "
                         f"article text {c.start}-{c.end})")
    wrapped = a.ask("Who built the lighthouse of Varn?")
    assert "varn.txt lines 5-6" in format_sources(wrapped, a.index)


def test_without_a_file_position_only_the_article_text_offsets(tmp_path: Path,
                                                                make_assistant: Callable[..., Assistant]) -> None:
    page = tmp_path / "varn.html"
    page.write_text("<html><body><h1>Varn</h1><p>The lamp was converted to electricity in 1936.</p></body></html>",
                    encoding="utf-8")
    a = make_assistant(page)
    answer = a.ask("When was the lamp converted to electricity?")
    c = answer.citations[0]
    assert c.source_start is None
    assert format_sources(answer, a.index) == f"  [1] “{c.quote}” (article text {c.start}-{c.end})"

"""The command line answers through a running serve on the same article, exactly as in its own process."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from tests.ui.test_http_api import _serve
from ui.cli import main
from ui.remote import find_serve


@pytest.fixture
def served(make_assistant: Callable[..., Assistant], small_article: Path) -> Iterator[tuple[str, Assistant]]:
    a = make_assistant(article=small_article)
    for url in _serve(a):
        yield url, a


def test_a_serve_on_the_same_article_answers_as_this_process_would(
        served: tuple[str, Assistant], small_article: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url, a = served
    q = "When was the lighthouse of Varn built?"
    assert main(["ask", q, "--article", str(small_article), "--server", url, "--json"]) == 0
    out, err = capsys.readouterr()
    remote, local = json.loads(out), a.ask(q).to_dict()
    assert f"answered by the serve at {url}" in err
    for key in ("answer", "refused", "citations", "passages", "short_answer", "reason", "standalone_question",
                "backend", "article_sha256"):
        assert remote[key] == local[key], key
    assert main(["search", "lighthouse keepers", "--article", str(small_article), "--server", url, "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert [h["text"] for h in hits] == [h.passage.text for h in a.search("lighthouse keepers")]


def test_a_serve_on_another_article_or_none_is_not_used(served: tuple[str, Assistant], small_article: Path,
                                                         tmp_path: Path) -> None:
    url, _ = served
    assert find_serve(url, small_article) is not None
    other = tmp_path / "other.txt"
    other.write_text("Another Article\n\nIt says something else entirely about harbours.\n")
    assert find_serve(url, other) is None  # another article: answered in this process
    assert find_serve("http://127.0.0.1:9", small_article) is None  # nothing listening


def test_a_bad_question_is_refused_by_the_serve_as_here(served: tuple[str, Assistant], small_article: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = served
    assert main(["ask", "   ", "--article", str(small_article), "--server", url]) == 2
    assert "empty" in capsys.readouterr().err

"""assistant/pipeline/credits.py: "Who wrote this article?" is answered by the byline, or refused truthfully."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.question import analyse
from tests.support.fakes import FakeLLM

Make = Callable[..., Assistant]

STORY = """The Bridge Vote

By Jane Doe

Published 12 August 2024

The council voted on Monday to close the old bridge. It passed by nine votes to two.

In his column, published on 3 March, the mayor wrote that the bridge would reopen in 2026.
"""


@pytest.fixture
def story(tmp_path: Path) -> Path:
    p = tmp_path / "story.txt"
    p.write_text(STORY, encoding="utf-8")
    return p


@pytest.mark.parametrize("question", ["Who wrote this article?", "Who is the author of the article?",
                                      "Who is the author?", "What is the name of the author?"])
def test_the_byline_answers_who_wrote_the_article(make_assistant: Make, story: Path, question: str) -> None:
    a = make_assistant(article=story)
    ans = a.ask(question)
    assert not ans.refused and [c.quote for c in ans.citations] == ["By Jane Doe"]
    assert ans.text == "By Jane Doe [1]" and ans.reason == "the article's byline"


def test_the_dateline_answers_when_it_was_published_on_both_backends(make_assistant: Make, story: Path) -> None:
    llm = FakeLLM("It was published in 1999.")
    for a in (make_assistant(article=story), make_assistant(article=story, generator=llm)):
        ans = a.ask("When was the article published?")
        assert not ans.refused and [c.quote for c in ans.citations] == ["Published 12 August 2024"]
    assert llm.prompts == []  # the article's words, not the model's


def test_an_article_without_a_byline_says_so_instead_of_naming_someone_it_mentions(make_assistant: Make,
                                                                                   small_article: Path) -> None:
    a = make_assistant(article=small_article)
    ans = a.ask("Who is the author of the article?")
    assert ans.refused and ans.refusal == "not_found" and ans.reason == "The article does not name its author."
    when = a.ask("When was this article published?")
    assert when.refused and when.reason == "The article does not say when it was published."
    streamed = list(a.respond("Who wrote this article?").segments())
    assert [s.kind for s in streamed] == ["refusal"]


def test_something_the_article_talks_about_is_not_the_article(make_assistant: Make, story: Path) -> None:
    assert analyse("When was the mayor's column published?").credit is None
    assert analyse("Who wrote the report?").credit is None
    assert analyse("How does the author describe the vote?").credit is None
    a = make_assistant(article=story)
    ans = a.ask("When was the mayor's column published?")
    assert ans.reason not in ("the article's dateline", "The article does not say when it was published.")


def test_a_question_about_the_article_stands_alone_in_a_conversation(make_assistant: Make, story: Path) -> None:
    history = [{"role": "user", "content": "What did the mayor write?"},
               {"role": "assistant", "content": "The mayor wrote that the bridge would reopen in 2026. [1]"}]
    ans = make_assistant(article=story).ask("Who is the author of the article?", history=history)
    assert ans.standalone_question == "Who is the author of the article?"
    assert [c.quote for c in ans.citations] == ["By Jane Doe"]


def test_a_bare_who_is_the_author_may_lean_on_the_conversation() -> None:
    assert analyse("Who is the author?").credit == "author" and analyse("Who is the author?").leans_on_history
    assert not analyse("Who is the author of this article?").leans_on_history

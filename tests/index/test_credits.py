"""index/credits.py: a byline or dateline is found at the article's edges, never taken from its prose."""

from __future__ import annotations

import pytest

from index import Article, find_credit, split_sentences


def _sentences(*blocks: str) -> list:
    text = "\n\n".join(["The Big Story", *blocks])
    return split_sentences(Article("The Big Story", text, "x.txt"))


@pytest.mark.parametrize("line", ["By Jane Doe", "Written by Jane Doe and John Roe", "Author: J. Smith",
                                  "BY JANE DOE", "By The Associated Press"])
def test_a_byline_under_the_title_names_the_author(line: str) -> None:
    found = find_credit(_sentences(line, "The council voted on Monday."), "author")
    assert found is not None and found.text == line


@pytest.mark.parametrize("line", ["By Monday, the strike had ended.", "By 2030, solar will supply half of demand.",
                                  "By contrast, the rest stayed open."])
def test_a_sentence_that_starts_with_by_is_not_a_byline(line: str) -> None:
    assert find_credit(_sentences(line, "The council voted on Monday."), "author") is None


@pytest.mark.parametrize("line", ["12 August 2024", "Published: August 12, 2024 10:30 GMT", "Updated on 2024-08-12",
                                  "Monday, August 12, 2024"])
def test_a_dateline_gives_the_publication_date(line: str) -> None:
    found = find_credit(_sentences(line, "The council voted."), "published")
    assert found is not None and found.text == line


def test_a_dated_event_in_the_prose_is_not_a_dateline() -> None:
    prose = "On 6 August 2024, the army launched a full-scale incursion into the region."
    assert find_credit(_sentences(prose, "It took control of part of it."), "published") is None
    assert find_credit(_sentences("6 August 2024: the army launched a full-scale incursion into the region and "
                                  "took control of part of it"), "published") is None


def test_a_sentence_that_credits_the_article_itself_counts_anywhere() -> None:
    body = [f"Sentence number {i} says nothing of who wrote it." for i in range(20)]
    s = _sentences(*body, "This article was written by Jane Doe, a fellow at the institute.", *body)
    assert (found := find_credit(s, "author")) is not None and found.text.startswith("This article was written")
    s = _sentences(*body, "This article was first published on 3 May 2021 by the Guardian.", *body)
    assert (found := find_credit(s, "published")) is not None and "3 May 2021" in found.text
    # Another article the text talks about is not this one.
    s = _sentences(*body, "In his article, published on 8 August 2024, Tokayev was written about by many.", *body)
    assert find_credit(s, "published") is None and find_credit(s, "author") is None


def test_a_byline_deep_in_the_body_is_not_looked_for() -> None:
    body = [f"Sentence number {i} says nothing of who wrote it." for i in range(20)]
    assert find_credit(_sentences(*body[:10], "By Jane Doe", *body), "author") is None


def test_an_about_the_author_note_at_the_end_names_the_author() -> None:
    body = [f"Sentence number {i} says nothing of who wrote it." for i in range(20)]
    s = _sentences(*body, "About the author", "Jane Doe is a fellow at the institute.")
    assert (found := find_credit(s, "author")) is not None and found.text.startswith("Jane Doe")
    s = _sentences(*body, "About the author: Jane Doe is a fellow at the institute.")
    assert (found := find_credit(s, "author")) is not None and "Jane Doe" in found.text

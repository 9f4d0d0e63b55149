"""assistant/pipeline/overview.py: "what does the article say about X" gets a few cited sentences, not one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant import Answer, Assistant
from assistant.pipeline.overview import mmr
from tests.support.fakes import FakeLLM

Make = Callable[..., Assistant]


def test_an_overview_cites_the_sentences_about_its_topic_in_article_order(make_assistant: Make,
                                                                          small_article: Path) -> None:
    llm = FakeLLM("The lighthouse is a famous lighthouse.")
    a = make_assistant(article=small_article, generator=llm)
    ans = a.ask("What does the article say about the lighthouse?")
    assert not ans.refused and ans.refusal is None and len(ans.citations) >= 2
    assert [c.start for c in ans.citations] == sorted(c.start for c in ans.citations)  # article order
    for c in ans.citations:
        assert a.article_text[c.start:c.end] == c.quote and f"[{c.n}]" in ans.text
    # The sentence that names it, and the one that goes on about it ("It stands ..."); not the council's vote.
    assert [c.quote[:20] for c in ans.citations] == ["The lighthouse of Va", "It stands 42 metres "]
    assert ans.text.startswith("The lighthouse of Varn was built in 1871") and not ans.text.startswith("**")
    assert llm.prompts == []  # the article's own sentences: nothing generated
    assert ans.passages and all(p.rank == i for i, p in enumerate(ans.passages, start=1))


def test_an_overview_of_a_topic_the_article_never_mentions_is_refused_in_plain_words(make_assistant: Make,
                                                                                     small_article: Path) -> None:
    ans = make_assistant(article=small_article).ask("What does the article say about Brazil?")
    assert ans.refused and ans.refusal == "not_found" and ans.reason == "The article does not mention Brazil."


def test_the_whole_article_and_at_most_four_sentences(make_assistant: Make, small_article: Path) -> None:
    a = make_assistant(article=small_article)
    ans = a.ask("What is this article about?")
    assert not ans.refused and 2 <= len(ans.citations) <= 4
    assert not any("JavaScript" in c.quote or c.quote == "The Lighthouse of Varn" for c in ans.citations)
    streamed = list(a.stream("Summarize the article."))
    final = streamed[-1]
    assert isinstance(final, Answer) and final.text == a.ask("Summarize the article.").text
    assert "".join(p for p in streamed[:-1] if isinstance(p, str)) == final.text


def test_mmr_skips_a_near_duplicate_of_a_sentence_already_chosen() -> None:
    vectors = np.array([[1.0, 0.0], [0.99, 0.141], [0.0, 1.0]])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    relevance = np.array([0.9, 0.89, 0.6])
    assert mmr(relevance, vectors, 2) == [0, 2]  # the second is the first again
    assert mmr(relevance, vectors, 2, weight=0.0) == [0, 1]  # without the penalty, relevance alone
    assert mmr(relevance, vectors, 5) == [0, 2, 1]


def test_a_streamed_overview_arrives_a_cited_sentence_at_a_time(make_assistant: Make, small_article: Path) -> None:
    pieces = list(make_assistant(article=small_article).stream("What does the article say about the lighthouse?"))
    final = pieces[-1]
    assert isinstance(final, Answer) and len(final.citations) == 2
    text = [p for p in pieces[:-1] if isinstance(p, str)]
    assert len(text) == 2 and text[0].endswith("[1]") and text[1].startswith(" It stands")
    assert "".join(text) == final.text

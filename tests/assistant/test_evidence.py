"""Sentence evidence: rare question words count more than the article's subject, the topic may come from the
sentence before, a "nickname" question wants a name, and a second sentence prefers the first's neighbour."""

from __future__ import annotations

from assistant.backends import extractive_answer
from assistant.evidence import EvidenceFinder, expected_type, is_multi_part, matches_type
from index import Article, Hit, Passage
from tests.conftest import FakeEmbedder

TEXT = (
    "The Alliance\n"
    "The Alliance of Norland was founded by five states. The Alliance meets every spring in Varn. "
    "Relations between Ostia and the Alliance have soured over the years. "
    "As a result, its government suspended its membership in the bloc. "
    "Critics of the Alliance call it the “Paper Shield,” a name that stuck. "
    "Looking back over its long history, the Alliance has sent its own troops abroad only once. "
    "That mission took place in Kesk in 2019.\n"
)


def _finder() -> tuple[EvidenceFinder, Article]:
    article = Article("The Alliance", TEXT, "test")
    return EvidenceFinder(article, FakeEmbedder()), article


def _all_hits(article: Article) -> list[Hit]:
    passage = Passage("p1", article.text, 0, len(article.text), 0)
    return [Hit(passage, 1.0, 1, dense=0.5)]


def _best(question: str) -> str:
    finder, article = _finder()
    vector = finder.embedder.embed([question])[0]
    return finder.find(question, _all_hits(article), vector)[0].sentence.text


def test_rare_words_outweigh_the_articles_subject() -> None:
    finder, _ = _finder()
    assert finder.idf("membership") > finder.idf("alliance")
    assert finder.idf("never-seen") > finder.idf("membership")


def test_topic_named_in_the_previous_sentence_counts() -> None:
    # "Ostia" is named only in the sentence before the one that answers; it earns that sentence half.
    finder, article = _finder()
    question = "What did Ostia do about its membership in the Alliance?"
    evidence = finder.find(question, _all_hits(article), finder.embedder.embed([question])[0])
    answer = next(e for e in evidence if e.sentence.text.startswith("As a result"))
    assert answer.coverage == 1 / 3  # only "membership" is in the sentence itself
    assert answer.weighted_coverage > answer.coverage
    idf = finder.idf
    expected = (idf("membership") + 0.5 * idf("ostia") + 0.5 * idf("alliance")) / sum(
        idf(t) for t in ("ostia", "membership", "alliance"))
    assert abs(answer.weighted_coverage - expected) < 1e-9


def test_name_questions_want_a_name() -> None:
    assert expected_type("What nickname does the Alliance have?") == "name"
    assert expected_type("What is the Alliance called by critics?") == "name"
    assert matches_type("What nickname does the Alliance have?", "Critics call it the “Paper Shield.”")
    assert not matches_type("What nickname does the Alliance have?", "Ostia called for help.")
    assert _best("What nickname do critics give the Alliance?").startswith("Critics")


def test_multi_part_questions_do_not_demand_every_type_of_one_sentence() -> None:
    assert is_multi_part("When did the Alliance send troops abroad, and where?")
    assert not is_multi_part("When was the Alliance founded?")
    finder, article = _finder()
    question = "When did the Alliance send troops abroad, and where?"
    evidence = finder.find(question, _all_hits(article), finder.embedder.embed([question])[0])
    text, citations = extractive_answer(question, evidence, article.text)
    assert "[2]" in text
    quotes = [c.quote for c in citations]
    assert quotes[0].endswith("troops abroad only once.")
    assert quotes[1:] == ["That mission took place in Kesk in 2019."]
    assert all(article.text[c.start:c.end] == c.quote for c in citations)


def test_the_questions_most_specific_name_anchors_the_answer() -> None:
    finder, _ = _finder()
    assert finder._anchor("What did Ostia do about the Alliance?") == "ostia"  # rarer than "alliance"
    assert finder._anchor("what did ostia do?") is None  # nothing capitalised: no anchor, no guess
    assert finder._anchor("What did Narnia do?") is None  # a name the article never uses
    index = {s.text[:12]: i for i, s in enumerate(finder.sentences)}
    assert finder.mentions(index["Relations be"], "ostia")
    assert finder.mentions(index["As a result,"], "ostia")  # "its government" follows the naming sentence
    assert not finder.mentions(index["Critics of t"], "ostia")

import pytest

from assistant.citations import Numbering, SupportedSentence, build_citations, split_answer
from assistant.markup import markdown, plain, strip_markers
from index import Hit, Passage, Sentence

TEXT = "Founded in 1992, the CSTO brings together six countries. Russia leads it."


def test_split_and_strip_markers() -> None:
    assert strip_markers("It was 1992 [1]. Six states [2].") == "It was 1992. Six states."
    assert plain("**1992**. It was 1992 [1].") == "1992. It was 1992."
    assert split_answer("It was founded in 1992 [1]. It has six members [2].") == [
        "It was founded in 1992.", "It has six members."]


def test_one_citation_per_quoted_sentence_and_quotes_are_verbatim() -> None:
    first, second = Sentence(TEXT[:56], 0, 56, 0), Sentence(TEXT[57:], 57, len(TEXT), 0)
    hit = Hit(Passage("p1", TEXT, 0, len(TEXT), 0), 1.0, 1)
    number = Numbering()
    backed = [SupportedSentence("It was founded in 1992.", first, hit, 1.0, 0.9, number(first)),
              SupportedSentence("It has six members.", first, hit, 1.0, 0.8, number(first)),
              SupportedSentence("Russia leads it.", second, hit, 1.0, 0.9, number(second))]
    segments, citations = build_citations(TEXT, backed)
    assert markdown(segments) == "It was founded in 1992. [1] It has six members. [1] Russia leads it. [2]"
    assert [(s.kind, s.n) for s in segments] == [("sentence", 1), ("sentence", 1), ("sentence", 2)]
    assert [c.n for c in citations] == [1, 2]
    for c in citations:
        assert TEXT[c.start:c.end] == c.quote and c.passage_id == "p1"


def test_a_sentence_the_verifier_did_not_number_is_an_error_not_a_guess() -> None:
    first = Sentence(TEXT[:56], 0, 56, 0)
    hit = Hit(Passage("p1", TEXT, 0, len(TEXT), 0), 1.0, 1)
    with pytest.raises(ValueError, match="no citation number"):
        build_citations(TEXT, [SupportedSentence("It was founded in 1992.", first, hit, 1.0, 0.9)])

"""assistant/pipeline/verify.py: which generated sentence the article backs, and the check as the model writes."""

from __future__ import annotations

from assistant.evidence import Evidence
from assistant.pipeline.verify import ANSWER_ENDS, NOT_FOUND, supported
from index import Hit, Passage, Sentence
from tests.support.fakes import FakeEmbedder

TEXT = "The lighthouse of Varn was built in 1871 by the engineer Maria Holt. It was not lit until 1872."
FIRST = Sentence(TEXT[:68], 0, 68, 0)
SECOND = Sentence(TEXT[69:], 69, len(TEXT), 0)
HIT = Hit(Passage("p1", TEXT, 0, len(TEXT), 0), 1.0, 1)
QUESTION = "Who built the lighthouse of Varn?"
embed = FakeEmbedder().embed


def _backs(sentence: str, evidence: Sentence = FIRST) -> bool:
    cand = Evidence(evidence, HIT, 0.9, 0.9)
    return supported(sentence, QUESTION, [cand], embed([evidence.text]), embed([sentence])[0]) is not None


def test_a_sentence_in_the_articles_words_is_backed_and_cited_to_its_sentence() -> None:
    cand = Evidence(FIRST, HIT, 0.9, 0.9)
    sentence = "The engineer Maria Holt built it in 1871."
    found = supported(sentence, QUESTION, [cand], embed([FIRST.text]), embed([sentence])[0])
    assert found is not None and found.evidence == FIRST and found.lexical == 1.0


def test_what_the_bar_keeps_out() -> None:
    assert not _backs("The lighthouse of Varn was built.")  # only the question's words: answers nothing
    assert not _backs("Maria Holt built it in 1875.")  # a number the sentence does not hold
    assert not _backs("Maria Holt never built it.")  # negates what the article says
    assert not _backs("Maria Holt was a famous painter from Paris.")  # words the passage does not have
    assert _backs("It was not lit until 1872.", SECOND)  # a negation the article makes itself is fine


def test_an_answer_in_the_questions_own_words_plus_not_or_only_is_an_answer() -> None:
    """A yes/no or how-many answer may repeat every content word of its question: what it adds is "not" or
    "only once", which must be the cited sentence's own words."""
    text = "Uzbekistan, another player in the region, is not a CSTO member. It has held a summit only once."
    member, summit = Sentence(text[:63], 0, 63, 0), Sentence(text[64:], 64, len(text), 0)
    hit = Hit(Passage("p1", text, 0, len(text), 0), 1.0, 1)

    def backs(sentence: str, question: str, evidence: Sentence) -> bool:
        cand = Evidence(evidence, hit, 0.9, 0.9)
        return supported(sentence, question, [cand], embed([evidence.text]), embed([sentence])[0]) is not None

    assert backs("Uzbekistan is not a CSTO member.", "Is Uzbekistan a CSTO member?", member)
    assert not backs("Uzbekistan is a CSTO member.", "Is Uzbekistan a CSTO member?", member)  # adds nothing
    assert backs("It has held a summit only once.", "How many summits has it held?", summit)
    assert not backs("It has held a summit only twice.", "How many summits has it held?", summit)  # not its words


def test_the_models_ways_of_saying_it_found_nothing_and_where_its_answer_ends() -> None:
    assert NOT_FOUND.search("NOT IN ARTICLE") and NOT_FOUND.search("There is no information on that.")
    assert NOT_FOUND.search("Maria Holt built it.") is None
    assert NOT_FOUND.search("The article does not mention it.")
    assert ANSWER_ENDS.search("Maria Holt built it. [1]\n\nPassage: ...")
    assert ANSWER_ENDS.search("Maria Holt built it.\n[2] The town ...")
    assert ANSWER_ENDS.search("Maria Holt built it in 1871.") is None


def test_a_sentence_built_from_the_passages_other_sentence_is_not_cited_to_this_one() -> None:
    # Every word it adds is in the passage, so only the similarity floor sees it says something else.
    text = "The lighthouse of Varn was built in 1871 by the engineer Maria Holt. Its keepers grew potatoes."
    built = Sentence(text[:68], 0, 68, 0)
    cand = Evidence(built, Hit(Passage("p", text, 0, len(text), 0), 1.0, 1), 0.9, 0.9)
    sentence = "Keepers grew potatoes there."
    assert supported(sentence, QUESTION, [cand], embed([built.text]), embed([sentence])[0]) is None

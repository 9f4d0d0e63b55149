from collections.abc import Callable
from pathlib import Path

from assistant import Assistant
from assistant.pipeline.read import last_exchange
from assistant.pipeline.turn import Turn
from tests.support.fakes import FakeOpinion, FakeReader


def test_the_reader_judges_sentences_and_reorders_the_passages(make_assistant: Callable[..., Assistant],
                                                               small_article: Path) -> None:
    chain = make_assistant(small_article).chain()
    turn = chain.read_step.run(chain.search_step.run(Turn(question="When did the keepers leave the lighthouse?")))
    best = turn.evidence[0]
    assert "The keepers left in 1989" in best.sentence.text and best.span is not None
    assert [e.probability for e in turn.evidence] == sorted((e.probability for e in turn.evidence), reverse=True)
    assert turn.hits[0].passage.start <= best.sentence.start and best.sentence.end <= turn.hits[0].passage.end
    assert [h.rank for h in turn.hits] == list(range(1, len(turn.hits) + 1)) and "read_s" in turn.timings


def test_the_last_exchange_is_its_words_without_marks() -> None:
    history = [{"role": "user", "content": "Who built it?"},
               {"role": "assistant", "content": "**Maria Holt**. The lighthouse was built by Maria Holt. [1]"}]
    assert last_exchange(history) == "Who built it? Maria Holt. The lighthouse was built by Maria Holt."
    assert last_exchange([]) == ""


def test_a_second_opinion_reorders_the_readers_best_few_and_never_the_refusal(
        make_assistant: Callable[..., Assistant], small_article: Path, fake_reader: FakeReader) -> None:
    question = "When was the lighthouse of Varn built?"
    plain = make_assistant(small_article).chain()
    before = plain.read_step.run(plain.search_step.run(Turn(question=question))).evidence
    assert "built in 1871" in before[0].sentence.text and len(before) >= 3
    favourite = before[2].sentence.text.split()[-1].strip(".")  # a word of the reader's third sentence
    fake_reader.second_opinion = FakeOpinion(favourite=favourite, weight=50.0, top=3)
    chain = make_assistant(small_article).chain()
    after = chain.read_step.run(chain.search_step.run(Turn(question=question))).evidence
    assert after[0].sentence == before[2].sentence  # moved first
    assert {e.sentence for e in after[:3]} == {e.sentence for e in before[:3]} and after[3:] == before[3:]
    decided = chain.prepare(Turn(question=question))
    assert decided.decision is not None and decided.decision.score == before[0].probability  # the best, still


def test_a_follow_up_keeps_the_conversations_preference_and_asks_no_second_opinion(
        make_assistant: Callable[..., Assistant], small_article: Path, fake_reader: FakeReader) -> None:
    opinion = FakeOpinion(favourite="council", weight=50.0, top=10)
    fake_reader.second_opinion = opinion
    history = [{"role": "user", "content": "Who built the lighthouse of Varn?"},
               {"role": "assistant", "content": "The lighthouse of Varn was built in 1871 by Maria Holt. [1]"}]
    turn = make_assistant(small_article).chain().prepare(Turn(question="How tall is it?", history=history))
    assert turn.follow_up and opinion.asked == [] and "council" not in turn.evidence[0].sentence.text


def test_the_second_opinions_scores_travel_with_the_sentences_it_scored(
        make_assistant: Callable[..., Assistant], small_article: Path, fake_reader: FakeReader) -> None:
    fake_reader.second_opinion = FakeOpinion(favourite="lighthouse", weight=1.0, top=2)
    chain = make_assistant(small_article).chain()
    evidence = chain.read_step.run(chain.search_step.run(Turn(question="When was the lighthouse built?"))).evidence
    assert [e.opinion is not None for e in evidence] == [True, True] + [False] * (len(evidence) - 2)
    assert all(e.opinion == e.sentence.text.lower().count("lighthouse") for e in evidence[:2])

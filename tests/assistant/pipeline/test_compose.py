from collections.abc import Callable
from pathlib import Path

from assistant import Assistant
from assistant.span_gate import FEATURES, SpanGate
from tests.support.fakes import FakeReader


def _gate(level: float) -> SpanGate:
    return SpanGate(tuple(0.0 for _ in FEATURES), 0.0, level, "sha")  # every span: P(right) = 0.5


def test_a_span_below_the_gates_level_is_not_shown(make_assistant: Callable[..., Assistant],
                                                    fake_reader: FakeReader, small_article: Path) -> None:
    fake_reader.span_gate = _gate(0.6)
    held = make_assistant(small_article).ask("When was the lighthouse of Varn built?")
    assert held.short_answer is None and not held.refused
    assert held.text.startswith("The lighthouse of Varn was built in 1871")  # its cited sentence first


def test_a_span_at_the_gates_level_is_shown_with_its_probability(make_assistant: Callable[..., Assistant],
                                                                 fake_reader: FakeReader, small_article: Path) -> None:
    fake_reader.span_gate = _gate(0.5)
    shown = make_assistant(small_article).ask("When was the lighthouse of Varn built?")
    assert shown.short_answer is not None and shown.short_answer.text == "1871"
    assert shown.short_answer.score == 0.5 and shown.text.startswith("**1871**.")


def test_a_yes_no_question_the_sentence_does_not_settle_quotes_it(make_assistant: Callable[..., Assistant],
                                                                  small_article: Path) -> None:
    settled = make_assistant(small_article).ask("Was the lighthouse of Varn built in 1871?")
    assert settled.text.startswith("Yes. The lighthouse of Varn was built in 1871")
    other_year = make_assistant(small_article).ask("Was the lighthouse of Varn built in 1875?")
    assert other_year.text.startswith("The article says: The lighthouse of Varn was built in 1871")


def test_why_the_articles_sentence_is_shown_instead_of_the_models(make_assistant: Callable[..., Assistant],
                                                                   small_article: Path) -> None:
    from tests.support.fakes import FakeLLM

    q = "When was the lighthouse of Varn built?"
    nothing = make_assistant(small_article, generator=FakeLLM("NOT IN ARTICLE")).ask(q)
    assert nothing.reason == "the model found no answer; the article's best sentence is shown"
    later = make_assistant(small_article, generator=FakeLLM("Paris is lovely. The article does not say.")).ask(q)
    assert later.reason == "the model found no answer; the article's best sentence is shown"
    unbacked = make_assistant(small_article, generator=FakeLLM("It was painted blue by sailors.")).ask(q)
    assert unbacked.reason == "the model's answer was not backed by the article; the article's best sentence is shown"
    for answer in (nothing, later, unbacked):
        assert "1871" in answer.text and answer.citations


class _CountingGate:
    """A short-answer gate that counts how often it is asked (every span: P(right) = 0.9)."""

    level = 0.5

    def __init__(self) -> None:
        self.asked = 0

    def probability(self, signals: object) -> float:
        self.asked += 1
        return 0.9


def test_the_short_answer_is_decided_once_per_answer_streamed_or_not(make_assistant: Callable[..., Assistant],
                                                                    fake_reader: FakeReader,
                                                                    small_article: Path) -> None:
    from assistant.types import Answer

    gate = _CountingGate()
    fake_reader.span_gate = gate  # type: ignore[assignment]
    assistant = make_assistant(small_article)
    pieces = list(assistant.stream("When was the lighthouse of Varn built?"))
    answer = pieces[-1]
    assert isinstance(answer, Answer) and answer.short_answer is not None and pieces[0] == "**1871**. "
    assert gate.asked == 1
    assistant.ask("When was the lighthouse of Varn built?")
    assert gate.asked == 2

"""A streamed answer as one object: the text as it is verified, then the final Answer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assistant import Answer, Assistant, InputError, Response
from tests.support.fakes import FakeLLM


def test_iterating_gives_text_only_and_the_answer_after(make_assistant: Callable[..., Assistant],
                                                        small_article: Path) -> None:
    a = make_assistant(small_article)
    response = a.respond("When was the lighthouse of Varn built?")
    assert isinstance(response, Response)
    pieces = list(response)
    assert pieces and all(isinstance(p, str) for p in pieces)
    answer = response.answer()
    assert isinstance(answer, Answer) and answer.text == "".join(pieces) == response.shown == response.text()
    assert answer.text == a.ask("When was the lighthouse of Varn built?").text
    assert list(response) == []  # read once


def test_the_answer_without_iterating_reads_the_stream(make_assistant: Callable[..., Assistant],
                                                       small_article: Path) -> None:
    llm = FakeLLM("It was built in 1871 by the engineer Maria Holt.")
    answer = make_assistant(small_article, generator=llm, backend="llamacpp").respond(
        "Who built the lighthouse of Varn?").answer()
    assert not answer.refused and answer.citations and llm.prompts


def test_bad_input_raises_before_anything_streams(make_assistant: Callable[..., Assistant],
                                                  small_article: Path) -> None:
    with pytest.raises(InputError):
        make_assistant(small_article).respond("   ")

"""Any LangChain chat model as the generator: its sentences are verified and cited like the local model's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from langchain_core.language_models import FakeListChatModel

from assistant import Answer, Assistant, BackendError
from assistant.backends import ChatModelBackend

Make = Callable[..., Assistant]


@pytest.fixture
def make_llm_assistant(make_assistant: Make, small_article: Path) -> Callable[[list[str]], Assistant]:
    def make(responses: list[str]) -> Assistant:
        return make_assistant(article=small_article, generator=ChatModelBackend(FakeListChatModel(responses=responses)))

    return make


def test_a_chat_model_answer_is_verified_and_cited(make_llm_assistant: Callable[[list[str]], Assistant]) -> None:
    a = make_llm_assistant(["The lighthouse of Varn was built in 1871. The moon is made of green cheese."])
    ans = a.ask("When was the lighthouse of Varn built?")
    assert not ans.refused and ans.backend == "llm" and ans.reason.startswith("generated; 1 unsupported")
    assert "1871" in ans.text and "cheese" not in ans.text
    assert ans.citations and a.article_text[ans.citations[0].start:ans.citations[0].end] == ans.citations[0].quote


def test_assistant_takes_the_chat_model_as_llm(data_dir: Path, small_article: Path, fake_embedder: object,
                                               fake_reader: object) -> None:
    llm = FakeListChatModel(responses=["The keepers left in 1989."])
    a = Assistant(article=small_article, data_dir=data_dir, llm=llm, embedder=fake_embedder,  # type: ignore[arg-type]
                  reader=fake_reader)  # type: ignore[arg-type]
    out = list(a.stream("When did the keepers leave?"))
    assert isinstance(out[-1], Answer) and "1989" in out[-1].text and out[-1].backend == "llm"
    assert "".join(p for p in out[:-1] if isinstance(p, str)) == out[-1].text


def test_the_chat_model_rewrites_follow_ups(make_llm_assistant: Callable[[list[str]], Assistant]) -> None:
    # The first reply is the rewrite (kept: it keeps the question's words), the second the answer.
    a = make_llm_assistant(["When was the lighthouse of Varn's lamp converted to electricity?",
                            "The lamp was converted to electricity in 1936."])
    history = [{"role": "user", "content": "Tell me about the lighthouse of Varn."},
               {"role": "assistant", "content": "It was built in 1871. [1]"}]
    ans = a.ask("When was its lamp converted to electricity?", history)
    assert ans.standalone_question == "When was the lighthouse of Varn's lamp converted to electricity?"
    assert "1936" in ans.text


def test_a_failing_chat_model_is_one_clean_error(make_assistant: Make, small_article: Path) -> None:
    class Broken(FakeListChatModel):
        def _call(self, *args: object, **kwargs: object) -> str:
            raise ConnectionError("connection refused\nmore detail")

        def _stream(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def,override]
            raise ConnectionError("connection refused\nmore detail")

    a = make_assistant(article=small_article, generator=ChatModelBackend(Broken(responses=["x"])))
    with pytest.raises(BackendError, match=r"^the chat model Broken failed: connection refused$"):
        a.ask("When was the lighthouse of Varn built?")


def test_only_chat_models_are_accepted() -> None:
    with pytest.raises(TypeError, match="BaseChatModel"):
        ChatModelBackend("gpt-4")

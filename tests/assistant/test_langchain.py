"""assistant/langchain.py: the runnable (callbacks see streamed answers) and the retriever over the index."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from assistant import Answer, Assistant, InputError
from tests.support.fakes import FakeLLM


def test_as_retriever_gives_documents_with_offsets_and_signals(make_assistant: Callable[..., Assistant],
                                                               small_article: Path) -> None:
    a = make_assistant(article=small_article)
    retriever = a.as_retriever(k=2)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("When was the lighthouse built?")
    assert len(docs) == 2 and all(isinstance(d, Document) for d in docs)
    top = docs[0]
    assert a.article_text[top.metadata["start"]:top.metadata["end"]] == top.page_content
    assert {"id", "start", "end", "score", "dense", "lexical"} <= set(top.metadata)
    assert top.metadata["id"] == a.search("When was the lighthouse built?", 2)[0].passage.id
    assert top.metadata["article_sha256"] == a.article_sha256
    assert retriever.batch(["lamp electricity", "restoration cost"])[1][0].page_content.startswith("The town")


class _Recorder(BaseCallbackHandler):
    """A LangChain callback handler that writes down what it is told: the runs that start and their outputs."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.ended: list[object] = []

    def on_chain_start(self, serialized: dict[str, Any] | None, inputs: dict[str, Any], **kwargs: Any) -> None:
        self.started.append(str(kwargs.get("name") or (serialized or {}).get("name")))

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        self.ended.append(outputs)


def test_a_streamed_answer_reaches_the_callbacks(make_assistant: Callable[..., Assistant], small_article: Path) -> None:
    llm = FakeLLM("The lamp was converted to electricity in 1936. The keepers left in 1989.")
    runnable = make_assistant(article=small_article, generator=llm).as_runnable()
    recorder = _Recorder()
    out = list(runnable.stream({"question": "When was the lamp converted to electricity?"},
                               config={"callbacks": [recorder], "run_name": "streamed"}))
    final = out[-1]
    assert isinstance(final, Answer) and not final.refused
    # The run starts first and ends last, with the Answer itself (the prompt's template runs inside it).
    assert recorder.started[0] == "streamed" and recorder.ended[-1] is final


def test_an_invoked_answer_reaches_the_callbacks(make_assistant: Callable[..., Assistant], small_article: Path) -> None:
    recorder = _Recorder()
    answer = make_assistant(article=small_article).as_runnable().invoke(
        {"question": "Who built the lighthouse of Varn?"}, config={"callbacks": [recorder]})
    assert recorder.started == ["article-assistant"] and len(recorder.ended) == 1
    assert isinstance(answer, Answer) and "Maria Holt" in answer.text


def test_the_retriever_holds_the_index_and_checks_the_query(make_assistant: Callable[..., Assistant],
                                                           small_article: Path) -> None:
    a = make_assistant(article=small_article)
    retriever = a.as_retriever(k=1)
    assert retriever.index is a.index
    with pytest.raises(InputError, match="empty"):
        retriever.invoke("   ")

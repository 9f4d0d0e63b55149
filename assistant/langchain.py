"""The LangChain adapters, outside the core: the assistant as a Runnable, and the article's hybrid search as a
retriever.

`Assistant.as_runnable()` and `Assistant.as_retriever(k=4)` build them; both compose with any LangChain chain
and report to its callbacks (a streamed answer too: the callbacks see the run start, and end with the Answer).
The Runnable wraps anything that asks and streams as `Assistant` does; the core never calls back into it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import ConfigDict, Field

from assistant.errors import InputError
from assistant.history import validate_question
from assistant.types import Answer
from index import ArticleIndex

__all__ = ["AnswerRunnable", "ArticleRetriever", "Asks"]


class Asks(Protocol):
    """What the Runnable wraps: `Assistant`'s two ways of answering."""

    def ask(self, question: str, history: list[dict[str, Any]] | None = None, *, backend: str | None = None,
            k: int | None = None, min_score: float | None = None) -> Answer: ...

    def stream(self, question: str, history: list[dict[str, Any]] | None = None, *, backend: str | None = None,
               k: int | None = None) -> Iterator[str | Answer]: ...


def _inputs(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or "question" not in value:
        raise InputError('the input must be a dict with a "question"')
    return value


class AnswerRunnable(Runnable[dict[str, Any], Any]):
    """`invoke({"question", "history"?, "k"?})` -> Answer; `stream` yields the verified text pieces, then the
    Answer. Composes with any runnable (`|`), batches, and reports to LangChain callbacks under the name
    "article-assistant"."""

    name: str | None = "article-assistant"

    def __init__(self, assistant: Asks, backend: str | None = None) -> None:
        self.assistant = assistant
        self.backend = backend

    def _ask(self, value: dict[str, Any]) -> Answer:
        x = _inputs(value)
        return self.assistant.ask(x["question"], x.get("history"), backend=self.backend, k=x.get("k"),
                                  min_score=x.get("min_score"))

    def invoke(self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        answer: Answer = self._call_with_config(self._ask, input, config)
        return answer

    def stream(self, input: dict[str, Any], config: RunnableConfig | None = None,
               **kwargs: Any | None) -> Iterator[Any]:
        """Under the config's callbacks: they see the run start, and end with the final Answer."""
        yield from self._transform_stream_with_config(iter([input]), self._pieces, config)

    def _pieces(self, inputs: Iterator[dict[str, Any]]) -> Iterator[Any]:
        for value in inputs:
            x = _inputs(value)
            yield from self.assistant.stream(x["question"], x.get("history"), backend=self.backend, k=x.get("k"))


class ArticleRetriever(BaseRetriever):
    """Documents in search order: `page_content` is the passage (exact article text), `metadata` holds its
    `id`, `start`/`end` offsets into the cleaned article (`Assistant.article_text`), the fused `score` and each
    ranking's signal (`dense`: cosine similarity, `lexical`: BM25)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: ArticleIndex = Field(exclude=True)
    k: int = 4  # checked by Assistant.as_retriever (history.validate_k), the one check of k
    max_query_chars: int = 2000  # Settings.max_question_chars, passed by Assistant.as_retriever

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        del run_manager
        docs = []
        for hit in self.index.search(validate_question(query, self.max_query_chars), self.k):
            p = hit.passage
            docs.append(Document(page_content=p.text, id=p.id, metadata={
                "id": p.id, "start": p.start, "end": p.end, "score": hit.score, **hit.signals,
                "article_sha256": self.index.article_sha256}))
        return docs

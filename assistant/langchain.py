"""The LangChain adapters: the chain as a Runnable, and the article's hybrid search as a retriever.

`Assistant.as_runnable()` and `Assistant.as_retriever(k=4)` build them; both compose with any LangChain chain
and report to its callbacks (a streamed answer too: the callbacks see the run start, and end with the Answer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import ConfigDict, Field

from assistant.history import validate_question
from assistant.pipeline.turn import Turn
from assistant.types import Answer
from index import ArticleIndex

if TYPE_CHECKING:
    from assistant.chain import AnswerChain

__all__ = ["AnswerRunnable", "ArticleRetriever"]


class AnswerRunnable(Runnable[dict[str, Any], Any]):
    """`invoke({"question", "history"?, "k"?})` -> Answer; `stream` yields the verified text pieces, then the
    Answer. Composes with any runnable (`|`), batches, and reports to LangChain callbacks under the name
    "article-assistant"."""

    name: str | None = "article-assistant"

    def __init__(self, chain: AnswerChain, prepare: Callable[[dict[str, Any]], Turn],
                 on_answer: Callable[[Answer], Answer] | None = None) -> None:
        self.chain = chain
        self.prepare = prepare  # validates the input dict into a Turn
        self.on_answer = on_answer or (lambda a: a)  # the opt-in chat log sees every final Answer

    def invoke(self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        answer: Answer = self._call_with_config(lambda x: self.chain.answer(self.prepare(x)), input, config)
        return self.on_answer(answer)

    def stream(self, input: dict[str, Any], config: RunnableConfig | None = None,
               **kwargs: Any | None) -> Iterator[Any]:
        """Under the config's callbacks: they see the run start, and end with the final Answer."""
        yield from self._transform_stream_with_config(iter([input]), self._pieces, config)

    def _pieces(self, inputs: Iterator[dict[str, Any]]) -> Iterator[Any]:
        for input in inputs:
            for piece in self.chain.stream(self.prepare(input)):
                yield self.on_answer(piece) if isinstance(piece, Answer) else piece


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

"""The article's hybrid search as a LangChain retriever: `Assistant.as_retriever(k=4)` plugs into any chain."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

__all__ = ["ArticleRetriever"]


class ArticleRetriever(BaseRetriever):
    """Documents in search order: `page_content` is the passage (exact article text), `metadata` holds its
    `id`, `start`/`end` offsets into `Assistant.article_text`, the fused `score` and each ranking's signal
    (`dense`: cosine similarity, `lexical`: BM25)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Any = Field(exclude=True)
    k: int = 4  # checked by Assistant.as_retriever (history.validate_k), the one check of k

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        del run_manager
        docs = []
        for hit in self.assistant.search(query, self.k):
            p = hit.passage
            docs.append(Document(page_content=p.text, id=p.id, metadata={
                "id": p.id, "start": p.start, "end": p.end, "score": hit.score, **hit.signals,
                "article_sha256": self.assistant.article_sha256}))
        return docs

"""`Assistant.as_retriever` is a real LangChain retriever over the hybrid search."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from assistant import Assistant


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

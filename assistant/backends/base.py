"""The swappable generator: one abstract method."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

from assistant.types import Message

__all__ = ["Backend"]


class Backend(ABC):
    name: str = "backend"

    @abstractmethod
    def generate(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]:
        """Stream the reply to a chat, piece by piece."""

    def complete(self, messages: list[Message], *, max_tokens: int, temperature: float = 0.0) -> str:
        return "".join(self.generate(messages, max_tokens=max_tokens, temperature=temperature))

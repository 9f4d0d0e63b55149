"""The swappable generator: one abstract method (`generate`), plus what the chain needs to know of it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from assistant.types import Message

__all__ = ["Backend"]


class Backend(ABC):
    """Capabilities are class flags so the chain asks the backend in use, never the configured name:
    `generates` (False: the answer is the reader's sentence itself), `rewrites_followups` (the model is good
    enough to turn a follow-up into a standalone question; its rewrite is still checked)."""

    name: ClassVar[str] = "backend"
    generates: ClassVar[bool] = True
    rewrites_followups: ClassVar[bool] = False

    # Where each constructor argument comes from: the name of a Settings field (a method is called). The
    # factory (`assistant.backends.make_backend`) reads them, so a backend is built from plain arguments and
    # never sees Settings; a backend with no settings of its own leaves this empty.
    SETTINGS: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def unavailable(cls, **arguments: Any) -> str | None:
        """Why this backend cannot run with these constructor arguments (the web chat offers only those that
        can), or None."""
        del arguments
        return None

    def load(self) -> None:  # noqa: B027 - optional: most backends have nothing to load
        """Load weights or connect now rather than on the first question (serve does this at start)."""

    @abstractmethod
    def generate(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]:
        """Stream the reply to a chat, piece by piece."""

    def complete(self, messages: list[Message], *, max_tokens: int, temperature: float = 0.0) -> str:
        return "".join(self.generate(messages, max_tokens=max_tokens, temperature=temperature))

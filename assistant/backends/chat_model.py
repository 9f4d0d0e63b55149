"""Any LangChain chat model (`ChatOpenAI`, `ChatOllama`, a `FakeListChatModel` in tests) as the generator:
`Assistant(llm=model)`. Its sentences go through the same verification as the local model's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from assistant.backends.base import Backend
from assistant.errors import BackendError
from assistant.types import Message

__all__ = ["ChatModelBackend", "to_langchain_messages"]

_ROLES = {"system": "system", "user": "human", "assistant": "ai"}


def to_langchain_messages(messages: list[Message]) -> list[Any]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[m["role"]](content=m["content"]) for m in messages]


def _text(content: Any) -> str:
    """A chunk's text; some models stream content as a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in content
                       if isinstance(p, (str, dict)))
    return ""


class ChatModelBackend(Backend):
    """`max_tokens` and `temperature` are the model's own settings (set them when constructing it): chat
    models name them differently (`max_tokens`, `num_predict`, ...)."""

    name: ClassVar[str] = "llm"
    rewrites_followups: ClassVar[bool] = True

    def __init__(self, llm: Any) -> None:
        from langchain_core.language_models import BaseChatModel

        if not isinstance(llm, BaseChatModel):
            raise TypeError(f"llm must be a langchain_core BaseChatModel, not {type(llm).__name__}")
        self.llm = llm

    def generate(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]:
        del max_tokens, temperature
        try:
            for chunk in self.llm.stream(to_langchain_messages(messages)):
                piece = _text(chunk.content)
                if piece:
                    yield piece
        except (BackendError, GeneratorExit):
            raise
        except Exception as exc:  # whatever the provider raises: one clean line for every surface
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise BackendError(f"the chat model {type(self.llm).__name__} failed: {first or type(exc).__name__}") \
                from None

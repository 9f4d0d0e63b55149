"""Any OpenAI-compatible chat server (vLLM, Ollama, llama.cpp server, a hosted API): the way to a bigger
model or a GPU cluster. URL, model and key come from settings, i.e. the environment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from assistant.backends.base import Backend
from assistant.errors import BackendError, InputError
from assistant.types import Message

if TYPE_CHECKING:
    from assistant.settings import Settings

__all__ = ["OpenAIBackend"]


NEEDS_URL = "the openai backend needs ARTICLE_ASSISTANT_OPENAI_BASE_URL (e.g. http://127.0.0.1:8000/v1)"


class OpenAIBackend(Backend):
    name: ClassVar[str] = "openai"
    rewrites_followups: ClassVar[bool] = True

    def __init__(self, base_url: str | None, model: str, api_key: str | None, timeout_s: float = 60.0) -> None:
        if not base_url:
            raise InputError(NEEDS_URL)
        from openai import OpenAI

        self.base_url = base_url
        self.model = model
        self.client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s, max_retries=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIBackend:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return cls(settings.openai_base_url, settings.openai_model, key, settings.request_timeout_s)

    @classmethod
    def unavailable(cls, settings: Settings) -> str | None:
        return None if settings.openai_base_url else NEEDS_URL

    def generate(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]:
        import openai

        try:
            stream = self.client.chat.completions.create(
                model=self.model, messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens, temperature=temperature, stream=True,
            )
            for chunk in stream:
                choices = getattr(chunk, "choices", None)
                if choices and choices[0].delta.content:
                    yield choices[0].delta.content
        except openai.APIConnectionError:
            raise BackendError(f"cannot reach the model server at {self.base_url}") from None
        except openai.AuthenticationError:
            raise BackendError(f"the model server at {self.base_url} rejected the API key") from None
        except openai.APIStatusError as exc:
            raise BackendError(f"the model server at {self.base_url} answered {exc.status_code}") from None
        except openai.APITimeoutError:
            raise BackendError(f"the model server at {self.base_url} timed out") from None

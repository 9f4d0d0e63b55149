"""Any OpenAI-compatible chat server (vLLM, Ollama, llama.cpp server, a hosted API): the way to a bigger
model or a GPU cluster. URL, model and key are its constructor's arguments; the factory reads them from the settings
(`SETTINGS`), i.e. the environment."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from assistant.backends.base import Backend
from assistant.errors import BackendError, InputError
from assistant.types import Message

__all__ = ["OpenAIBackend"]


NEEDS_URL = "the openai backend needs ARTICLE_ASSISTANT_OPENAI_BASE_URL (e.g. http://127.0.0.1:8000/v1)"


class OpenAIBackend(Backend):
    name: ClassVar[str] = "openai"
    rewrites_followups: ClassVar[bool] = True

    SETTINGS: ClassVar[Mapping[str, str]] = {"base_url": "openai_base_url", "model": "openai_model",
                                              "api_key": "openai_api_key", "timeout_s": "request_timeout_s"}

    def __init__(self, base_url: str | None, model: str, api_key: str | None, timeout_s: float = 60.0) -> None:
        if not base_url:
            raise InputError(NEEDS_URL)
        from openai import OpenAI

        self.base_url = base_url
        self.model = model
        self.client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s, max_retries=1)

    @classmethod
    def unavailable(cls, **arguments: Any) -> str | None:
        return None if arguments.get("base_url") else NEEDS_URL

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

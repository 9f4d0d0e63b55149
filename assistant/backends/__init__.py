"""The backends, by name: one registry that settings validation, the CLI, the web chat and the factory read.

A new backend is one file with a `Backend` subclass (its `from_settings` is the factory) plus one line here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.backends.base import Backend
from assistant.backends.chat_model import ChatModelBackend
from assistant.backends.extractive import ExtractiveBackend
from assistant.backends.llamacpp import LlamaCppBackend
from assistant.backends.openai import OpenAIBackend
from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.settings import Settings

__all__ = ["BACKENDS", "Backend", "ChatModelBackend", "ExtractiveBackend", "LlamaCppBackend", "OpenAIBackend",
           "available_backends", "make_backend"]

BACKENDS: dict[str, type[Backend]] = {
    "extractive": ExtractiveBackend,
    "llamacpp": LlamaCppBackend,
    "openai": OpenAIBackend,
}


def make_backend(settings: Settings, name: str | None = None) -> Backend:
    name = name or settings.backend
    if name not in BACKENDS:
        raise InputError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return BACKENDS[name].from_settings(settings)


def available_backends(settings: Settings) -> list[str]:
    """The registered backends that can run with these settings (a configured URL, a model file on disk)."""
    return [name for name, cls in BACKENDS.items() if cls.unavailable(settings) is None]

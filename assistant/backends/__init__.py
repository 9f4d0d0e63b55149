"""The backends and their factory. Which backends there are is `assistant.registry.BACKENDS` (a leaf the
settings read without loading any backend); a new one is one file plus one line there."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from assistant.backends.base import Backend
from assistant.backends.chat_model import ChatModelBackend
from assistant.backends.extractive import ExtractiveBackend
from assistant.backends.llamacpp import LlamaCppBackend
from assistant.backends.openai import OpenAIBackend
from assistant.errors import InputError
from assistant.registry import BACKENDS

if TYPE_CHECKING:
    from assistant.settings import Settings

__all__ = ["BACKENDS", "Backend", "ChatModelBackend", "ExtractiveBackend", "LlamaCppBackend", "OpenAIBackend",
           "available_backends", "backend_class", "make_backend"]


def backend_class(name: str) -> type[Backend]:
    """The class registered under `name` (InputError for a name that is not registered)."""
    if name not in BACKENDS:
        raise InputError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    found = BACKENDS[name]
    if isinstance(found, str):
        module, _, attr = found.partition(":")
        found = getattr(importlib.import_module(module), attr)
    if not (isinstance(found, type) and issubclass(found, Backend)):
        raise InputError(f"backend {name!r} is registered as {BACKENDS[name]!r}, not a Backend class")
    return found


def make_backend(settings: Settings, name: str | None = None) -> Backend:
    return backend_class(name or settings.backend).from_settings(settings)


def available_backends(settings: Settings) -> list[str]:
    """The registered backends that can run with these settings (a configured URL, a model file on disk)."""
    return [name for name in BACKENDS if backend_class(name).unavailable(settings) is None]

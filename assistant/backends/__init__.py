"""The backends and their factory. Which backends there are is `assistant.registry.BACKENDS` (a leaf the
settings read without loading any backend); a new one is one file plus one line there."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
           "available_backends", "backend_arguments", "backend_class", "make_backend"]


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


def backend_arguments(cls: type[Backend], settings: Settings) -> dict[str, Any]:
    """The plain constructor arguments `cls.SETTINGS` names, read from the settings (a method is called, a
    secret unwrapped): the one place a backend's settings are read."""
    out: dict[str, Any] = {}
    for argument, name in cls.SETTINGS.items():
        value = getattr(settings, name)
        value = value() if callable(value) else value
        out[argument] = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    return out


def make_backend(settings: Settings, name: str | None = None) -> Backend:
    cls = backend_class(name or settings.backend)
    return cls(**backend_arguments(cls, settings))


def available_backends(settings: Settings) -> list[str]:
    """The registered backends that can run with these settings (a configured URL, a model file on disk)."""
    out = []
    for name in BACKENDS:
        cls = backend_class(name)
        try:
            arguments = backend_arguments(cls, settings)
        except InputError:  # e.g. no local model at all
            continue
        if cls.unavailable(**arguments) is None:
            out.append(name)
    return out

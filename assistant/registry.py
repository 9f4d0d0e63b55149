"""The backends, by name: the one list that settings validation, the CLI's `--backend` choices, the web chat's
menu and the factory (`assistant.backends.make_backend`) read. A leaf: names and where each class lives, so
that reading the settings loads no backend (nor what a backend loads).

A new backend is one file with a `Backend` subclass (its `SETTINGS` say which settings its constructor takes)
plus one line here.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BACKENDS"]

BACKENDS: dict[str, Any] = {  # name -> "module:Class" (or the class itself, registered at run time)
    "extractive": "assistant.backends.extractive:ExtractiveBackend",
    "llamacpp": "assistant.backends.llamacpp:LlamaCppBackend",
    "openai": "assistant.backends.openai:OpenAIBackend",
}

"""article-assistant: answers questions about one article, only from it, with verified citations.

The names below load on first use, so `import assistant.errors` (or any one module) does not load the models'
libraries: `from assistant import Assistant` does.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.errors import BackendError, InputError
    from assistant.response import Response
    from assistant.settings import Settings
    from assistant.types import Answer, Citation, Segment

__all__ = ["Answer", "Assistant", "BackendError", "Citation", "InputError", "Response", "Segment", "Settings"]

_HOMES = {"Answer": "assistant.types", "Assistant": "assistant.api", "BackendError": "assistant.errors",
          "Citation": "assistant.types", "InputError": "assistant.errors", "Response": "assistant.response",
          "Segment": "assistant.types", "Settings": "assistant.settings"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name]), name)
    globals()[name] = value
    return value

"""article-assistant: answers questions about one article, only from it, with verified citations."""

from assistant.api import Assistant
from assistant.errors import BackendError, InputError
from assistant.settings import Settings
from assistant.types import Answer, Citation

__all__ = ["Answer", "Assistant", "BackendError", "Citation", "InputError", "Settings"]

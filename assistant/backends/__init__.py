"""Generators the chain can use: a local GGUF (llamacpp), an OpenAI-compatible server (openai), or none
(extractive, where the answer is the article's own sentences)."""

from assistant.backends.base import Backend
from assistant.backends.extractive import choose_evidence, extractive_answer
from assistant.backends.llamacpp import LlamaCppBackend
from assistant.backends.openai import OpenAIBackend

__all__ = ["Backend", "LlamaCppBackend", "OpenAIBackend", "choose_evidence", "extractive_answer"]

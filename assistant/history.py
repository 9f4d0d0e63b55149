"""Chat history in the OpenAI/Gradio message shape: validated, and trimmed to the newest turns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.errors import InputError

__all__ = ["approx_tokens", "trim_history", "validate_history", "validate_k", "validate_question"]

ROLES = {"user", "assistant", "system"}


def approx_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def validate_question(question: object, max_chars: int, what: str = "question") -> str:
    """`what` names the input in the error ("the search query is empty" for `search ""`)."""
    if not isinstance(question, str):
        raise InputError(f"the {what} must be text")
    q = " ".join(question.split())
    if not q:
        raise InputError(f"the {what} is empty")
    if len(q) > max_chars:
        raise InputError(f"the {what} is {len(q)} characters long; the limit is {max_chars}")
    return q


def validate_history(history: object, max_turns: int = 50) -> list[dict[str, str]]:
    """A list of {"role", "content"} dicts; Gradio's extra keys (metadata, options) are ignored."""
    if history is None:
        return []
    if not isinstance(history, Sequence) or isinstance(history, (str, bytes)):
        raise InputError("history must be a list of {\"role\", \"content\"} messages")
    out: list[dict[str, str]] = []
    for i, m in enumerate(history):
        if not isinstance(m, dict):
            raise InputError(f"history[{i}] must be an object with role and content")
        role, content = m.get("role"), _content_text(m.get("content"))
        if role not in ROLES:
            raise InputError(f"history[{i}].role must be one of user, assistant, system")
        if content is None:
            raise InputError(f"history[{i}].content must be text")
        out.append({"role": str(role), "content": content})
    if len(out) > max_turns:
        out = out[-max_turns:]
    return out


def _content_text(content: Any) -> str | None:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts / Gradio message parts
        parts = [p.get("text", "") if isinstance(p, dict) else p for p in content]
        if all(isinstance(p, str) for p in parts):
            return " ".join(parts)
    return None


def trim_history(history: list[dict[str, str]], budget_tokens: int) -> list[dict[str, str]]:
    """The newest messages that fit in the budget, in order."""
    kept: list[dict[str, str]] = []
    used = 0
    for m in reversed(history):
        if m["role"] == "system":
            continue
        cost = approx_tokens(m["content"])
        if used + cost > budget_tokens:
            break
        kept.append(m)
        used += cost
    return list(reversed(kept))


def validate_k(k: object, name: str = "k") -> int | None:
    """How many passages to retrieve: None (the setting) or 1..50. The one check every surface uses."""
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 50:
        raise InputError(f"{name} must be between 1 and 50")
    return k

"""Prompt templates are files in prompts/templates, loaded by name; a missing variable fails loudly.

`chat_prompt("answer")` is a LangChain `ChatPromptTemplate` (the system template, then the named one as the
user's turn), so a LangChain user can reuse or swap the product's prompts; `chat_messages` fills one in with
the same strictness as `render`.
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["PromptError", "chat_messages", "chat_prompt", "load_prompt", "render"]

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class PromptError(KeyError):
    """A template is missing, or a variable it needs was not given."""

    def __str__(self) -> str:
        return str(self.args[0])


@cache
def load_prompt(name: str) -> str:
    path = resources.files("prompts") / "templates" / f"{name}.txt"
    if not path.is_file():
        raise PromptError(f"no prompt template named {name!r}")
    return path.read_text(encoding="utf-8")


def _check(name: str, needed: set[str], given: set[str]) -> None:
    missing = needed - given
    if missing:
        raise PromptError(f"prompt {name!r} needs {', '.join(sorted(missing))}")
    extra = given - needed
    if extra:
        raise PromptError(f"prompt {name!r} has no variable {', '.join(sorted(extra))}")


def render(name: str, **variables: object) -> str:
    """Fill `{name}` fields; every field in the template must be given (extra variables are an error too)."""
    template = load_prompt(name)
    _check(name, {field for _, field, _, _ in string.Formatter().parse(template) if field}, set(variables))
    return template.format(**variables)


@cache
def chat_prompt(name: str, system: str | None = "system") -> Any:
    """The `ChatPromptTemplate` of template `name` as the user's turn, after template `system` (None: none)."""
    from langchain_core.prompts import ChatPromptTemplate

    parts = ([("system", load_prompt(system))] if system else []) + [("human", load_prompt(name))]
    return ChatPromptTemplate.from_messages(parts)


def chat_messages(name: str, system: str | None = "system", **variables: object) -> list[dict[str, str]]:
    """`chat_prompt(name, system)` filled in, as {"role", "content"} messages for a backend."""
    prompt = chat_prompt(name, system)
    _check(name, set(prompt.input_variables), set(variables))
    return [{"role": _ROLES[m.type], "content": str(m.content)} for m in prompt.invoke(variables).to_messages()]

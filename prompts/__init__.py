"""Prompt templates are files in prompts/templates, loaded by name; a missing variable fails loudly."""

from __future__ import annotations

import string
from functools import cache
from importlib import resources

__all__ = ["PromptError", "load_prompt", "render"]


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


def render(name: str, **variables: object) -> str:
    """Fill `{name}` fields; every field in the template must be given (extra variables are an error too)."""
    template = load_prompt(name)
    needed = {field for _, field, _, _ in string.Formatter().parse(template) if field}
    missing = needed - variables.keys()
    if missing:
        raise PromptError(f"prompt {name!r} needs {', '.join(sorted(missing))}")
    extra = variables.keys() - needed
    if extra:
        raise PromptError(f"prompt {name!r} has no variable {', '.join(sorted(extra))}")
    return template.format(**variables)

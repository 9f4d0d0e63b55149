"""Follow-up rewriting: "When was it founded?" after "What is the CSTO?" -> "When was the CSTO founded?".

Rule-based by default: it is instant and cannot invent facts. A language model may do it instead
(`rewrite_question` in the chain) but its output is only kept when it passes `plausible_rewrite`.
"""

from __future__ import annotations

import re

from index import content_terms

__all__ = ["plausible_rewrite", "rewrite_followup"]

_SINGULAR = r"it|its|he|him|his|she|her"
_PLURAL = r"they|them|their|these|those"
_WH = re.compile(r"^(what|which|who|whom|whose|when|where|why|how)\b", re.IGNORECASE)
_ENTITY = re.compile(r"\b(?:the\s+)?(?:[A-Z][\w’'-]*|[A-Z]{2,})(?:\s+(?:of\s+the\s+|of\s+)?[A-Z][\w’'-]*)*")


def _needs_context(question: str) -> bool:
    if re.search(rf"\b({_SINGULAR}|{_PLURAL})\b", question, re.IGNORECASE):
        return True
    return len(content_terms(question)) < 2


def _entity(text: str) -> str | None:
    """The last named thing in a sentence, skipping its first word (capitalised anyway)."""
    words = text.strip().split(maxsplit=1)
    rest = words[1] if len(words) > 1 else ""
    found = [m.group(0).strip() for m in _ENTITY.finditer(rest)]
    found = [f for f in found if not re.fullmatch(r"(?:the\s+)?(I|A|The)", f)]
    if not found:
        return None
    name = found[-1]
    if not name.lower().startswith("the ") and re.fullmatch(r"[A-Z]{2,}", name):
        name = f"the {name}"
    return name


def _plural_phrase(question: str) -> str | None:
    m = re.match(r"^(?:which|what)\s+(\w+)\s+(are|were|is|was|have|had|did|do)\s+(.+?)\??$", question.strip(),
                 re.IGNORECASE)
    if not m:
        return None
    noun, verb, rest = m.groups()
    return f"the {noun} that {verb} {rest}"


def rewrite_followup(question: str, history: list[dict[str, str]]) -> str:
    """A standalone version of `question`, or `question` itself when it already stands alone."""
    users = [m["content"] for m in history if m["role"] == "user"]
    if not users or not _needs_context(question):
        return question
    previous = users[-1]
    plural = _plural_phrase(previous)
    entity = _entity(previous)
    out = question
    if plural and re.search(rf"\b({_PLURAL})\b", out, re.IGNORECASE):
        out = re.sub(rf"\b(?:{_PLURAL})\b", plural, out, count=1, flags=re.IGNORECASE)
    elif entity and re.search(rf"\b({_SINGULAR})\b", out, re.IGNORECASE):
        out = re.sub(r"\bits\b", f"{entity}’s", out, count=1, flags=re.IGNORECASE)
        out = re.sub(rf"\b(?:{_SINGULAR})\b", entity, out, count=1, flags=re.IGNORECASE)
    if out == question:
        out = f"{question.rstrip('?')}? (following: {previous.strip()})"
    return out[0].upper() + out[1:]


def plausible_rewrite(original: str, candidate: str) -> bool:
    """A model's rewrite is kept only if it is one short question that keeps the original's words."""
    candidate = candidate.strip()
    if not candidate or "\n" in candidate or len(candidate) > max(200, 3 * len(original)):
        return False
    kept = set(content_terms(original))
    return not kept or len(kept & set(content_terms(candidate))) >= max(1, len(kept) // 2)

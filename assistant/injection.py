"""Text that talks to the assistant instead of about the article: in a question it is refused; in the
article itself (planted "ignore previous instructions") it is never shown to the model nor cited."""

from __future__ import annotations

import re

__all__ = ["looks_like_injection", "looks_like_planted_orders", "redact_injections"]

# The windows (a verb and what it overrides at most 40 characters apart, "reveal ... system prompt" 30) catch the
# attempts in tests/assistant/test_injection.py and tests/assistant/test_refusal.py; none of the 53,730 questions
# in data/train's SQuAD-format and sentence-selection files matches, at these windows nor at twice them
# (`python -m benchmarks.injection_scan`).
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instructions?|rules?|prompts?|guidelines|"
    r"previous|above|system)\b"
    r"|\b(reveal|show|print|repeat|output|tell me|what is|what are)\b.{0,30}\b(system prompt|your prompt|"
    r"your instructions|hidden prompt|initial prompt|the prompt)\b"
    r"|\byou are now\b|\bact as (if you|an? (ai|assistant|chatbot|unrestricted|unfiltered|different))\b"
    r"|\bpretend (to be|you are)\b|\bjailbreak\b|\bdeveloper mode\b"
    r"|<\|im_start\|>|<\|system\|>|\[/?INST\]",
    re.IGNORECASE | re.DOTALL,
)
# Article prose may well "ignore previous agreements" or "act as a deterrent": a sentence counts as planted
# orders only when it addresses the assistant itself.
_PLANTED = re.compile(
    r"\b(ignore|disregard|forget|override)\s+(all\s+|any\s+)?(the\s+|your\s+|of\s+your\s+)?"
    r"(previous|prior|above|earlier|preceding|system|original)\s+(instructions?|prompts?|rules|guidelines)\b"
    r"|\b(ignore|disregard|forget)\s+(all\s+|the\s+|your\s+)?(instructions?|rules|guidelines)\s+(above|before)\b"
    r"|\b(system prompt|hidden prompt|your (instructions|prompt))\b"
    r"|\byou are now\b|\bjailbreak\b|\bdeveloper mode\b"
    r"|<\|im_start\|>|<\|system\|>|\[/?INST\]",
    re.IGNORECASE,
)


def looks_like_injection(text: str) -> bool:
    """A question that tries to instruct the assistant."""
    return bool(_INJECTION.search(text))


def looks_like_planted_orders(sentence: str) -> bool:
    """An article sentence that talks to the assistant (stricter than for questions: prose is not orders)."""
    return bool(_PLANTED.search(sentence))


def redact_injections(text: str, sentences: list[tuple[int, int, str]]) -> str:
    """`text` with each of its instruction-like sentences ((start, end, sentence) relative to `text`)
    replaced by a marker, so a model reading the passage cannot take orders from it."""
    out, last = [], 0
    for start, end, sentence in sorted(sentences):
        if looks_like_planted_orders(sentence):
            out.append(text[last:start])
            out.append("[instructions removed]")
            last = end
    out.append(text[last:])
    return "".join(out)

"""The answer's Markdown, written in one place: each `Segment` as the piece of `Answer.text` (and of a stream)
it becomes. The short answer leads in bold (`**1992**. The CSTO was founded ... [1]`), Yes./No. or "The article
says:" lead as they are, and each sentence is followed by `[n]`, the source it cites. The page and the terminal
render the segments themselves; only a conversation's history, which clients send back as text, is read here
(`MARKER`, `plain`), since it comes without its segments."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from assistant.types import Segment

__all__ = ["MARKER", "bold", "markdown", "piece", "plain", "render", "spacing", "strip_markers"]

MARKER = re.compile(r"\s*\[(\d{1,2})\]")


def strip_markers(text: str) -> str:
    return MARKER.sub("", text).strip()


def bold(text: str) -> str:
    return f"**{text}**"


def spacing(segment: Segment, after: Segment | None) -> str:
    """What separates `segment` from the one before it (`after`; None: it comes first), on every surface: a
    space between two sentences; nothing after an opening, which ends with its own space."""
    return " " if segment.kind == "sentence" and after is not None and after.kind == "sentence" else ""


def piece(segment: Segment, after: Segment | None = None) -> str:
    """`segment` as Markdown, following `after` (None: it comes first). Joined in order, the pieces are
    `markdown` of the segments: what a stream yields is exactly the start of the final text."""
    if segment.kind == "short":
        return f"{bold(segment.text)}. "
    if segment.kind == "verdict":
        return f"{segment.text} "
    if segment.kind == "sentence":
        return f"{spacing(segment, after)}{segment.text} [{segment.n}]"
    return segment.text


def render(segments: Iterable[Segment], draw: Callable[[Segment, Segment | None], str]) -> str:
    """The segments drawn in order, each knowing the one before it (a surface's `piece`), joined."""
    out: list[str] = []
    after: Segment | None = None
    for s in segments:
        out.append(draw(s, after))
        after = s
    return "".join(out)


def markdown(segments: Iterable[Segment]) -> str:
    """An answer's text, its segments rendered as Markdown."""
    return render(segments, piece)


def plain(text: str) -> str:
    """An answer's text (a history's reply) as words: markers and bold off."""
    return MARKER.sub("", text).replace("**", "").strip()

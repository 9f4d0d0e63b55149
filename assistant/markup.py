"""The answer's two marks, written and read in one place: `[n]` after a sentence cites source n, and the short
answer leads in bold (`**1992**. The CSTO was founded ...`). The chain writes them; the rewrite, the chain's
follow-up step and the web page read them back."""

from __future__ import annotations

import re

__all__ = ["BOLD_LEAD", "MARKER", "bold", "plain", "strip_markers"]

MARKER = re.compile(r"\s*\[(\d{1,2})\]")
BOLD_LEAD = re.compile(r"\*\*(.+?)\*\*")


def strip_markers(text: str) -> str:
    return MARKER.sub("", text).strip()


def bold(text: str) -> str:
    return f"**{text}**"


def plain(text: str) -> str:
    """An answer as words: markers and bold off."""
    return MARKER.sub("", text).replace("**", "").strip()

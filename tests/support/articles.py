"""The articles and gold files the tests read: the shipped article, the dev gold set, and a small article with
page chrome to clean."""

from __future__ import annotations

from pathlib import Path

from assistant.settings import default_article_path

__all__ = ["ARTICLE", "GOLD", "SMALL_ARTICLE"]

ARTICLE = default_article_path()
GOLD = Path(__file__).resolve().parents[2] / "data" / "gold-dev.jsonl"

SMALL_ARTICLE = """The Lighthouse of Varn

Harbour News

The lighthouse of Varn was built in 1871 by the engineer Maria Holt. It stands 42 metres tall on the northern cliff.

Its lamp was converted to electricity in 1936. The keepers left in 1989, when the light became automatic.

Share article
FacebookTwitter

The town council voted to restore the tower in 2019. Restoration cost 3 million euros and took two years.

Harbour News

For the full operation of the site you need to enable JavaScript in your browser settings.
"""

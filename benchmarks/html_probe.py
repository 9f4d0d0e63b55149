"""Main text from HTML pages: index/load.py's block filter (`read_html`) against trafilatura, on the shared SQuAD
articles dressed as web pages.

    pip install trafilatura && python -m benchmarks.html_probe

Each of the ten articles becomes a page with what news and wiki pages carry around the text: a navigation
menu, a cookie notice, share buttons, a "related articles" box, a newsletter sign-up, comments and a footer,
with scripts and styles. For each extractor: the share of the article's sentences kept whole (recall) and the
share of the furniture's lines that leak into the text (noise: a sentence of it anywhere, a short item as a
line of its own), and the time it took. The furniture is made
here, so the figures say how each copes with these common kinds, not with every site.
"""

from __future__ import annotations

import html
import json
import re
import sys
import time
from pathlib import Path

from index import load_article, split_sentences
from index.load import parse_article

DATA = Path(__file__).resolve().parent.parent / "data" / "squad"

FURNITURE = [
    "Home", "News", "World", "Politics", "Business", "Sport", "Subscribe", "Sign in",
    "We use cookies to improve your experience. By continuing you accept our cookie policy.",
    "Share on Facebook", "Share on Twitter", "Copy link",
    "Related articles: Ten things you did not know about history", "Most read this week",
    "Sign up for our newsletter and get the best stories in your inbox every morning.",
    "12 comments", "This comment was removed by a moderator.", "Reply", "Report",
    "About us", "Contact", "Privacy policy", "Terms of use", "© 2024 The Daily Page. All rights reserved.",
]


def page(title: str, paragraphs: list[str]) -> str:
    nav = "".join(f'<li><a href="/{w.lower()}">{html.escape(w)}</a></li>' for w in FURNITURE[:8])
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!doctype html><html><head><title>{html.escape(title)} | The Daily Page</title>
<style>body {{ font-family: serif }}</style><script>window.dataLayer = [];</script></head><body>
<header><nav><ul>{nav}</ul></nav><div class="cookie">{html.escape(FURNITURE[8])}</div></header>
<main><article><h1>{html.escape(title)}</h1>
<div class="share"><a>{FURNITURE[9]}</a> <a>{FURNITURE[10]}</a> <a>{FURNITURE[11]}</a></div>
{body}</article>
<aside><h3>{html.escape(FURNITURE[12])}</h3><p>{html.escape(FURNITURE[13])}</p>
<form><p>{html.escape(FURNITURE[14])}</p><input type="email"></form></aside>
<section class="comments"><h3>{FURNITURE[15]}</h3><p>{html.escape(FURNITURE[16])}</p><a>{FURNITURE[17]}</a>
<a>{FURNITURE[18]}</a></section></main>
<footer><a>{FURNITURE[19]}</a> <a>{FURNITURE[20]}</a> <a>{FURNITURE[21]}</a> <a>{FURNITURE[22]}</a>
<p>{html.escape(FURNITURE[23])}</p></footer><script>track();</script></body></html>"""


def _ours(raw: str) -> str:
    return parse_article(raw.encode(), "page.html", ".html").text


def _trafilatura(raw: str) -> str:
    import trafilatura

    return trafilatura.extract(raw, include_comments=False, include_tables=True, favor_recall=True) or ""


def measure() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    articles = []
    for txt in sorted(DATA.glob("*.txt")):
        article = load_article(txt)
        paragraphs = [p for p in article.text.split("\n") if p.strip()][1:]
        sentences = [s.text for s in split_sentences(article) if s.paragraph > 0]
        articles.append((page(article.title, paragraphs), sentences))
    for name, extract in (("block filter (index/load.py)", _ours), ("trafilatura", _trafilatura)):
        kept = total = leaked = 0
        seconds = 0.0
        for raw, sentences in articles:
            t0 = time.perf_counter()
            text = extract(raw)
            seconds += time.perf_counter() - t0
            flat = re.sub(r"\s+", " ", text)
            kept += sum(1 for s in sentences if re.sub(r"\s+", " ", s) in flat)
            total += len(sentences)
            lines = {line.strip() for line in text.splitlines()}
            # a line of furniture leaked: a sentence of it anywhere, or a one- or two-word item ("World",
            # "Reply") as a line of its own (inside the article's sentences those words are the article's)
            leaked += sum(1 for f in FURNITURE if (len(f.split()) >= 3 and f in flat) or f in lines)
        out[name] = {"sentences_kept": round(kept / total, 4), "furniture_leaked": round(leaked / (len(FURNITURE)
                     * len(articles)), 4), "seconds": round(seconds, 3)}
    return out


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
    sys.exit(0)

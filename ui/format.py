"""Display formatting for the web chat: Answer -> HTML. No retrieval or citation logic lives here; the
offsets come from `Citation.start/end` into `Assistant.article_text` (paragraphs separated by a blank line).

Everything taken from the user, the model or the article goes through `esc` before any markup is added.
"""

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from assistant.markup import render, spacing
from assistant.types import Segment
from index import content_terms

__all__ = [
    "EMPTY_SOURCES", "answer_html", "article_html", "error_html", "esc", "example_questions", "header_html",
    "paragraph_bounds", "pending_html", "question_html", "sources_html", "sources_panel", "status_html",
    "streaming_html",
]

EMPTY_SOURCES = ('<div class="aa-sources"><h3>Sources</h3><p class="aa-note">Ask a question: the passages the '
                 'answer cites appear here, with the quoted words highlighted.</p></div>')

# Characters that are inert in HTML but that a template engine or a Markdown/LaTeX renderer would act on.
_INERT = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;", "`": "&#96;", "\\": "&#92;",
                        "*": "&#42;", "_": "&#95;", "~": "&#126;"})


# A refusal's label says which kind it is (assistant/refusal.py): orders to the assistant are not "not found".
_BADGES = {"instructions": "Not a question about the article"}


def esc(text: object) -> str:
    """HTML-escaped text that no Markdown, LaTeX or template syntax can touch."""
    return html.escape(str(text), quote=True).translate(_INERT)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """Reads Answer/Citation objects and their `to_dict()` form alike (the chat keeps dicts in its state)."""
    if isinstance(obj, dict):
        key = "answer" if name == "text" else name
        return obj.get(key, default)
    return getattr(obj, name, default)


def question_html(question: str) -> str:
    return f'<div class="aa-q">{esc(question)}</div>'


def pending_html() -> str:
    return '<div class="aa-pending" role="status">Checking the article…</div>'


def streaming_html(segments: Sequence[Any], turn: int = 0) -> str:
    """The verified segments so far (they are never taken back), rendered as the final answer renders them,
    and a cursor."""
    return (f'<div class="aa-answer aa-streaming">{_segments_html(segments, turn)}'
            f'<span class="aa-cursor" aria-hidden="true">▍</span></div>')


def error_html(message: str) -> str:
    return f'<div class="aa-error">⚠️ {esc(message)}</div>'


def _cite(n: int, turn: int) -> str:
    """Marker n as a link to this answer's own source n."""
    return (f'<a class="aa-cite" href="#src-t{turn}-{n}" data-n="{n}" data-turn="{turn}" '
            f'title="Show source {n} of this answer" aria-label="source {n}">[{n}]</a>')


def _segments_html(segments: Sequence[Any], turn: int) -> str:
    """An answer's segments (`Segment`s, or their `to_dict()` form from the chat's state) as HTML: the short
    answer in bold, each sentence escaped and followed by the link to the source it cites. The marks come from
    the segments, never from Markdown or `[n]` found in text (a quoted sentence's own "[3]" stays text)."""
    def draw(seg: Segment, after: Segment | None) -> str:
        if seg.kind == "short":
            return f'<strong class="aa-short">{esc(seg.text)}</strong>. '
        if seg.kind == "verdict":
            return f"{esc(seg.text)} "
        if seg.kind == "sentence":
            cite = f" {_cite(seg.n, turn)}" if seg.n is not None else ""
            return f"{spacing(seg, after)}{esc(seg.text)}{cite}"
        return esc(seg.text)

    return render([Segment(**s) if isinstance(s, dict) else s for s in segments], draw)


def answer_html(answer: Any, turn: int = 0) -> str:
    """The final answer as a chat message, rendered from its segments: markers link to this answer's sources
    (`turn`: its place in the chat, so an older answer's [1] opens its own source 1); a refusal looks
    different. An answer made without segments shows its text as it is, escaped."""
    text = str(_get(answer, "text", ""))
    if _get(answer, "refused", False):
        reason = str(_get(answer, "reason", "") or "")
        why = f'<div class="aa-why">{esc(reason)}</div>' if reason else ""
        badge = _BADGES.get(str(_get(answer, "refusal", "") or ""), "Not in the article")
        return f'<div class="aa-refusal"><span class="aa-badge">{badge}</span> {esc(text)}{why}</div>'
    segments = _get(answer, "segments", None) or []
    return f'<div class="aa-answer">{_segments_html(segments, turn) if segments else esc(text)}</div>'


def paragraph_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph(s) of `text` holding characters start..end (paragraphs are split by a blank line)."""
    begin = text.rfind("\n\n", 0, max(start, 0))
    begin = 0 if begin < 0 else begin + 2
    stop = text.find("\n\n", max(end, start))
    return begin, len(text) if stop < 0 else stop


def _highlight(text: str, begin: int, stop: int, spans: Iterable[tuple[int, int, int]], id_prefix: str = "") -> str:
    """Escaped text[begin:stop] with each (start, end, n) span wrapped in <mark>; overlaps are clipped."""
    out: list[str] = []
    pos = begin
    for start, end, n in sorted(spans):
        start, end = max(start, pos, begin), min(end, stop)
        if start >= end:
            continue
        ident = f' id="{id_prefix}{n}"' if id_prefix else ""
        out.append(esc(text[pos:start]))
        out.append(f'<mark class="aa-mark"{ident} data-n="{n}">{esc(text[start:end])}</mark>')
        pos = end
    out.append(esc(text[pos:stop]))
    return "".join(out).replace("\n", "<br>")


def _first_words(text: str, words: int = 6) -> str:
    head = text.split()
    return " ".join(head[:words]) + ("…" if len(head) > words else "")


def sources_html(answer: Any, article_text: str, turn: int = 0, question: str = "") -> str:
    """One answer's sources: a card per cited paragraph, with every quote of the answer in it marked; the
    header names the paragraph as a reader would ("Paragraph 8 of 14 · “Looking back at …”"), the offsets
    are in its tooltip. A refusal gets a note with the reason instead."""
    asked = f'<p class="aa-asked">For: “{esc(question)}”</p>' if question else ""
    if _get(answer, "refused", False):
        reason = str(_get(answer, "reason", "") or "no passage of the article answers this")
        lead = ("No sources: an instruction, not a question about the article."
                if _get(answer, "refusal", None) == "instructions" else "No sources: the article does not say.")
        return (f'<section class="aa-sources aa-sources-refused" id="aa-src-t{turn}" data-turn="{turn}">'
                f'<h3>Sources</h3>{asked}<p class="aa-note aa-refused-note">{lead} '
                f'<span class="aa-why">{esc(reason)}</span></p></section>')
    citations = list(_get(answer, "citations", []) or [])
    if not citations:
        return EMPTY_SOURCES
    paragraphs = sum(1 for p in article_text.split("\n\n") if p.strip()) - 1  # the title is not a paragraph
    cards: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for c in citations:
        n, start, end = int(_get(c, "n")), int(_get(c, "start")), int(_get(c, "end"))
        cards.setdefault(paragraph_bounds(article_text, start, end), []).append((start, end, n))
    items = []
    for (begin, stop), spans in cards.items():
        body = _highlight(article_text, begin, stop, spans, f"src-t{turn}-")
        number = article_text.count("\n\n", 0, begin)  # paragraph 1 is the first after the title
        where = (f"Paragraph {number} of {paragraphs}" if number else "The title") + \
            f" · “{_first_words(article_text[begin:stop])}”"
        offsets = "; ".join(f"[{n}] characters {s}–{e} of the article text" for s, e, n in spans)
        nums = " ".join(f"[{n}]" for _, _, n in spans)
        items.append(
            f'<li class="aa-source"><div class="aa-source-head" title="{esc(offsets)}"><span class="aa-num">{nums}'
            f'</span> <span class="aa-where">{esc(where)}</span></div><p class="aa-para">{body}</p></li>')
    return (f'<section class="aa-sources" id="aa-src-t{turn}" data-turn="{turn}"><h3>Sources</h3>{asked}'
            f'<ol class="aa-source-list">{"".join(items)}</ol></section>')


def sources_panel(turns: Sequence[Any], article_text: str, current: int | None = None) -> str:
    """Every answered turn's sources, each in its own section; only `current`'s (default: the newest) is shown.
    A click on an older answer's marker shows that answer's section (see ui/static/app.js)."""
    answered = [(i, t) for i, t in enumerate(turns) if _get(t, "answer")]
    if not answered:
        return EMPTY_SOURCES
    current = answered[-1][0] if current is None else current
    sections = []
    for i, t in reversed(answered):
        section = sources_html(t["answer"], article_text, i, str(t.get("question", "")))
        if i != current:
            section = section.replace("<section ", "<section hidden ", 1)
        sections.append(section)
    return f'<div class="aa-sources-all">{"".join(sections)}</div>'


def header_html(title: str, article_text: str) -> str:
    """The page's heading: the article's title (escaped: an opened file's title is a stranger's text)."""
    paragraphs = sum(1 for p in article_text.split("\n\n") if p.strip()) - 1  # the title is not one
    return (f'<div class="aa-header"><h1>{esc(title)}</h1><p>Ask about this article ({paragraphs} paragraphs). '
            f'Answers come only from it, and every claim cites its exact words; when the article does not say, '
            f'the assistant says so.</p></div>')


def status_html(message: str, error: bool = False) -> str:
    """One line under "Open another article": what was opened, or why not (escaped)."""
    kind = "aa-open-error" if error else "aa-open-ok"
    return f'<p class="{kind}" role="{"alert" if error else "status"}">{esc(message)}</p>'


# How many answers keep their own copy of the article (their quotes highlighted) for "Read the article": a
# click on an older answer's marker shows that answer's quotes there. Older answers than these show the article
# without highlights rather than another answer's (the CSTO article is 20 kB: 8 copies, 160 kB a page update).
ARTICLE_VIEWS = 8


def _article_body(article_text: str, spans: Sequence[tuple[int, int, int]], id_prefix: str) -> str:
    parts = []
    pos = 0
    for i, para in enumerate(article_text.split("\n\n")):
        begin, stop = pos, pos + len(para)
        pos = stop + 2
        if not para.strip():
            continue
        mine = [s for s in spans if s[0] < stop and s[1] > begin]
        tag = "h3" if i == 0 else "p"
        parts.append(f"<{tag}>{_highlight(article_text, begin, stop, mine, id_prefix)}</{tag}>")
    return "".join(parts)


def article_html(article_text: str, turns: Sequence[Any] = (), current: int | None = None) -> str:
    """The whole article, paragraph by paragraph: one copy for each of the last ARTICLE_VIEWS answers with
    its quotes highlighted, of which only `current`'s (default: the newest) shows, and one without highlights
    (shown for an answer without a copy). A click on an answer's marker shows that answer's copy
    (ui/static/app.js), as it shows that answer's sources."""
    answered = [(i, t) for i, t in enumerate(turns) if _get(t, "answer")][-ARTICLE_VIEWS:]
    if not answered:
        return f'<div class="aa-article">{_article_body(article_text, (), "")}</div>'
    current = answered[-1][0] if current is None else current
    views = [f'<div class="aa-article" data-turn="plain"{"" if current not in dict(answered) else " hidden"}>'
             f'{_article_body(article_text, (), "")}</div>']
    for i, t in answered:
        citations = _get(t["answer"], "citations", []) or []
        spans = [(int(_get(c, "start")), int(_get(c, "end")), int(_get(c, "n"))) for c in citations]
        hidden = "" if i == current else " hidden"
        views.append(f'<div class="aa-article" data-turn="{i}"{hidden}>'
                     f'{_article_body(article_text, spans, f"art-t{i}-")}</div>')
    return f'<div class="aa-article-all">{"".join(views)}</div>'


# -- example questions -------------------------------------------------------------------------------
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,7}\b")
_NAME = re.compile(r"\b([A-Z][a-z][\w'-]*(?:\s+[A-Z][a-z][\w'-]*)*)")
_SENTENCE_START = re.compile(r"(^|[.!?:;\"“‘(]\s*)$")
_POSSESSIVE = re.compile(r"['’]s$")


def _names(body: str) -> list[str]:
    """Names the article repeats: acronyms and capitalised words not at the start of a sentence, most
    frequent first."""
    counts: Counter[str] = Counter()
    for para in body.split("\n\n"):
        for m in _ACRONYM.finditer(para):
            counts[m.group(0)] += 2
        for m in _NAME.finditer(para):
            if _SENTENCE_START.search(para[max(0, m.start() - 3):m.start()]):
                continue  # a sentence's first word is capitalised anyway
            name = _POSSESSIVE.sub("", m.group(1)).strip("'-")
            if content_terms(name):
                counts[name] += 1
    return [n for n, _ in counts.most_common()]


def example_questions(title: str, article_text: str, limit: int = 4) -> list[str]:
    """A few questions to click, built from any article: about the names it repeats most (an acronym first,
    as "What is the X?") and the first year it mentions; about the title when the text names little else."""
    questions: list[str] = []
    head = " ".join(title.split()).rstrip(".")
    body = article_text.split("\n\n", 1)[1] if "\n\n" in article_text else article_text
    names = _names(body)
    if head and not head.endswith("?") and len(names) < 2:
        subject = re.sub(r"^(The|A|An)\s", lambda m: m.group(1).lower() + " ", head)
        questions.append(f"What does the article say about {subject}?")
        names = [n for n in names if n.lower() not in head.lower()]
    for name in names[:limit - 1]:
        if _ACRONYM.fullmatch(name) and not any(q.startswith("What is ") for q in questions):
            questions.append(f"What is the {name}?")
        else:
            questions.append(f"What does the article say about {name}?")
    if head.endswith("?") and len(questions) < 2:  # a title that is a question: the article's own
        questions.append(re.split(r"[:—–]\s*|\s-\s", head)[-1].strip() or head)
    year = _YEAR.search(body)
    if year:
        questions = [*questions[:limit - 1], f"What does the article say about {year.group(1)}?"]
    unique: list[str] = []
    for q in questions:
        if q.lower() not in {u.lower() for u in unique}:
            unique.append(q)
    return unique[:limit]

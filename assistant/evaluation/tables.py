"""Markdown tables of an eval run, for the console and report.md: the summary with its intervals and gate, the
figures per kind and per article, the abstention curve, the best threshold, the failed questions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from assistant.evaluation.abstention import table_points
from assistant.evaluation.metrics import FIGURES

if TYPE_CHECKING:
    from assistant.evaluation.gate import Bound

__all__ = [
    "CONSOLE_FIGURES",
    "COUNTS",
    "CURVE_COLUMNS",
    "MAX_FAILURES_LISTED",
    "abstention_table",
    "article_table",
    "best_threshold_text",
    "failures_section",
    "fmt",
    "interval_text",
    "kind_table",
    "markdown_table",
    "summary_table",
]

CONSOLE_FIGURES = ("correct", "containment", "short_answer_f1", "hit_at_3", "citation_precision",
                   "no_answer_accuracy", "false_abstention_rate")
"""The per-article table printed at the end of a suite run (report.md has every figure)."""
MAX_FAILURES_LISTED = 300
"""report.md lists at most this many failed questions (results.jsonl has them all)."""
COUNTS = ("n", "answerable", "unanswerable")
CURVE_COLUMNS = ("answered", "correct", "no_answer_accuracy", "false_abstention_rate")


def fmt(value: object) -> str:
    """A figure for a table: 3 decimals, integers as they are, "n/a" for not measured."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]], right_from: int = 1,
           right_to: int | None = None) -> str:
    """A Markdown table; columns right_from..right_to (exclusive) are right-aligned (numbers)."""
    stop = len(header) if right_to is None else right_to
    align = ["---:" if right_from <= i < stop else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def interval_text(interval: object) -> str:
    if not isinstance(interval, list | tuple) or len(interval) != 2:
        return ""
    return f"{fmt(float(interval[0]))} to {fmt(float(interval[1]))}"


def summary_table(summary: Mapping[str, Any], bounds: Mapping[str, Bound] | None = None) -> str:
    """figure | value | 95% interval | gate: the overall figures, each with its bootstrap interval (when the
    summary has them; in a suite of enough articles, also the interval over articles) and, when gated, its bound
    and pass/FAIL."""
    bounds = bounds or {}
    intervals: Mapping[str, Any] = summary.get("intervals") or {}
    over_articles: Mapping[str, Any] | None = summary.get("intervals_over_articles")
    extra = [] if over_articles is None else ["95% interval, other articles"]
    rows: list[list[object]] = [[k, fmt(summary.get(k)), "", *([""] * len(extra)), ""] for k in COUNTS]
    for name in FIGURES:
        value = summary.get(name)
        gate = ""
        if name in bounds:
            b = bounds[name]
            verdict = "not measured" if value is None else ("FAIL" if b.check(value) else "pass")
            gate = f"{verdict} ({b.describe()})"
        spans = [interval_text(intervals.get(name))]
        if over_articles is not None:
            spans.append(interval_text(over_articles.get(name)))
        rows.append([name, fmt(value), *spans, gate])
    return markdown_table(["figure", "value", "95% interval", *extra, "gate"], rows, right_from=1,
                          right_to=3 + len(extra))


def _group_table(groups: Mapping[str, Mapping[str, Any]], label: str, figures: Sequence[str]) -> str:
    header = [label, "n", *figures]
    rows = [[name, fmt(f.get("n")), *(fmt(f.get(fig)) for fig in figures)] for name, f in groups.items()]
    return markdown_table(header, rows)


def kind_table(summary: Mapping[str, Any], figures: Sequence[str] = FIGURES) -> str:
    """One row per kind of question, one column per figure."""
    return _group_table(summary.get("by_kind") or {}, "kind", figures)


def article_table(summary: Mapping[str, Any], figures: Sequence[str] = FIGURES) -> str:
    """One row per article of a suite run, one column per figure, then the pooled figures."""
    groups = {**(summary.get("by_article") or {}), "**all (pooled)**": summary}
    return _group_table(groups, "article", figures)


def abstention_table(summary: Mapping[str, Any]) -> str:
    """The abstention curve: a row per 0.05 of threshold and the product's own, marked; a sentence if none."""
    curve: Sequence[Mapping[str, Any]] = summary.get("abstention_curve") or []
    if not curve:
        return ("No scores: no answer carries a reader score (`answer_score`), so refusing below a threshold "
                "would change nothing.")
    own = summary.get("answer_threshold")
    rows = []
    for p in table_points(curve, own):
        t = f"{p['threshold']:g}" + (" (product)" if own is not None and p["threshold"] == own else "")
        rows.append([t, *(fmt(p.get(c)) for c in CURVE_COLUMNS)])
    return markdown_table(["refused below", *CURVE_COLUMNS], rows)


def best_threshold_text(summary: Mapping[str, Any]) -> str:
    """What threshold these questions would choose, next to the product's, and per article in a suite; "" when the
    curve is empty."""
    best: Mapping[str, Any] | None = summary.get("best_threshold")
    if not summary.get("abstention_curve"):
        return ""
    if best is None:
        return "No threshold keeps false abstention under the cap on these questions."
    own = summary.get("answer_threshold")
    cap = best["max_false_abstention"]
    text = (f"Chosen on these {summary.get('n')} questions (highest `correct` with false abstention at most "
            f"{cap:g}), the threshold would be **{best['threshold']:g}**: `correct` {fmt(best['correct'])}, "
            f"no-answer accuracy {fmt(best['no_answer_accuracy'])}, false abstention "
            f"{fmt(best['false_abstention_rate'])}, against {fmt(summary.get('correct'))} at the product's "
            f"{'none' if own is None else f'{own:g}'}. A threshold chosen on the questions it is measured on "
            "flatters them, and one article's choice need not carry to another (on the SQuAD validation "
            "articles it missed the cap by 0.08: README, \"The reader\"): check it on other questions before "
            f"setting `ARTICLE_ASSISTANT_ANSWER_THRESHOLD={best['threshold']:g}`.")
    by_article: Mapping[str, Mapping[str, Any]] = summary.get("by_article") or {}
    if not by_article:
        return text
    rows = []
    for name, figures in by_article.items():
        b = figures.get("best_threshold")
        rows.append([name, fmt(figures.get("n")), "n/a" if b is None else f"{b['threshold']:g}",
                     fmt(None if b is None else b["correct"]), fmt(None if b is None else b["false_abstention_rate"]),
                     fmt(figures.get("correct"))])
    return "\n\n".join([text, "Each article's own choice:", markdown_table(
        ["article", "n", "threshold", "correct at it", "false abstention at it", "correct at the product's"], rows)])


def failures_section(rows: Sequence[Mapping[str, Any]], limit: int = MAX_FAILURES_LISTED) -> str:
    """The questions that failed, with the gold answers, the answer given and why they failed (the first
    `limit` of them; the article too when the rows come from several)."""
    failed = [r for r in rows if r.get("failures")]
    if not failed:
        return "No question failed."
    several = len({r.get("article") for r in rows}) > 1
    out = []
    for r in failed[:limit]:
        expected = " / ".join(f"“{a}”" for a in r.get("answers") or []) or "(a refusal)"
        given = r.get("response") or "(no answer)"
        if r.get("refused"):
            given += " *(refused)*"
        where = f"{r['kind']}, {r.get('article')}" if several else r["kind"]
        out.append(
            f"- **{r['id']}** ({where}) {_cell(r['question'])}\n"
            f"  - expected: {_cell(expected)}\n"
            f"  - answer: {_cell(given)}\n"
            f"  - failed: {'; '.join(r['failures'])}"
        )
    if len(failed) > limit:
        out.append(f"- … and {len(failed) - limit} more (see results.jsonl)")
    return "\n".join(out)

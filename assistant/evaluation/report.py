"""Human-readable output of an eval run: Markdown tables, report.md, the charts (per kind, per article, the
abstention curve), run comparisons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.evaluation.abstention import table_points
from assistant.evaluation.metrics import FIGURES
from assistant.evaluation.uncertainty import RESAMPLES

if TYPE_CHECKING:
    from assistant.evaluation.runner import Bound

__all__ = [
    "ABSTENTION_CHART",
    "ARTICLE_CHART",
    "CHARTFIGURES",
    "CHART_NAME",
    "CONSOLE_FIGURES",
    "MAX_FAILURES_LISTED",
    "abstention_table",
    "article_table",
    "best_threshold_text",
    "comparison_text",
    "failures_section",
    "fmt",
    "kind_table",
    "summary_table",
    "write_abstention_chart",
    "write_chart",
    "write_report",
]

CHART_NAME = "by_kind.png"
ARTICLE_CHART = "by_article.png"
ABSTENTION_CHART = "abstention.png"
CHARTFIGURES = ("correct", "containment", "hit_at_3", "citation_recall", "no_answer_accuracy")
CONSOLE_FIGURES = ("correct", "containment", "short_answer_f1", "hit_at_3", "citation_precision",
                   "no_answer_accuracy", "false_abstention_rate")
"""The per-article table printed at the end of a suite run (report.md has every figure)."""
MAX_FAILURES_LISTED = 300
"""report.md lists at most this many failed questions (results.jsonl has them all)."""
_COUNTS = ("n", "answerable", "unanswerable")
_CURVE_COLUMNS = ("answered", "correct", "no_answer_accuracy", "false_abstention_rate")


def fmt(value: object) -> str:
    """A figure for a table: 3 decimals, integers as they are, "n/a" for not measured."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _diff(a: object, b: object) -> str:
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, int | float) or not isinstance(b, int | float):
        return "n/a"
    d = b - a
    if isinstance(a, int) and isinstance(b, int):
        return f"{d:+d}"
    return f"{d:+.3f}"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], right_from: int = 1,
           right_to: int | None = None) -> str:
    """A Markdown table; columns right_from..right_to (exclusive) are right-aligned (numbers)."""
    stop = len(header) if right_to is None else right_to
    align = ["---:" if right_from <= i < stop else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _span(interval: object) -> str:
    if not isinstance(interval, list | tuple) or len(interval) != 2:
        return ""
    return f"{fmt(float(interval[0]))} to {fmt(float(interval[1]))}"


def _p(p: object) -> str:
    """A bootstrap p-value; 0 means no resample crossed 0, so it is below what the resamples resolve."""
    if p == 0:
        return f"< {2 / RESAMPLES:.3f}"
    return fmt(p)


def summary_table(summary: Mapping[str, Any], bounds: Mapping[str, Bound] | None = None) -> str:
    """figure | value | 95% interval | gate: the overall figures, each with its bootstrap interval (when the
    summary has them; in a suite of enough articles, also the interval over articles) and, when gated, its bound
    and pass/FAIL."""
    bounds = bounds or {}
    intervals: Mapping[str, Any] = summary.get("intervals") or {}
    over_articles: Mapping[str, Any] | None = summary.get("intervals_over_articles")
    extra = [] if over_articles is None else ["95% interval, other articles"]
    rows: list[list[object]] = [[k, fmt(summary.get(k)), "", *([""] * len(extra)), ""] for k in _COUNTS]
    for name in FIGURES:
        value = summary.get(name)
        gate = ""
        if name in bounds:
            b = bounds[name]
            verdict = "not measured" if value is None else ("FAIL" if b.check(value) else "pass")
            gate = f"{verdict} ({b.describe()})"
        spans = [_span(intervals.get(name))] + ([] if over_articles is None else [_span(over_articles.get(name))])
        rows.append([name, fmt(value), *spans, gate])
    return _table(["figure", "value", "95% interval", *extra, "gate"], rows, right_from=1, right_to=3 + len(extra))


def _group_table(groups: Mapping[str, Mapping[str, Any]], label: str, figures: Sequence[str]) -> str:
    header = [label, "n", *figures]
    rows = [[name, fmt(f.get("n")), *(fmt(f.get(fig)) for fig in figures)] for name, f in groups.items()]
    return _table(header, rows)


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
        rows.append([t, *(fmt(p.get(c)) for c in _CURVE_COLUMNS)])
    return _table(["refused below", *_CURVE_COLUMNS], rows)


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
    return "\n\n".join([text, "Each article's own choice:", _table(
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


def write_chart(summary: Mapping[str, Any], path: Path, figures: Sequence[str] = CHARTFIGURES,
                group: str = "by_kind") -> Path:
    """A grouped bar chart (PNG, Agg backend) of `figures` for each kind (`group="by_article"`: each article);
    "n/a" marks a figure not measured."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    by_kind: Mapping[str, Mapping[str, Any]] = summary.get(group) or {}
    kinds = list(by_kind)
    width = 0.8 / max(1, len(figures))
    fig = Figure(figsize=(max(6.0, 1.1 * len(kinds) + 2), 4.2), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for i, name in enumerate(figures):
        values = [by_kind[k].get(name) for k in kinds]
        xs = [x + (i - (len(figures) - 1) / 2) * width for x in range(len(kinds))]
        ax.bar(xs, [float("nan") if v is None else v for v in values], width, label=name)
        for x, v in zip(xs, values, strict=True):
            if v is None:
                ax.text(x, 0.01, "n/a", rotation=90, ha="center", va="bottom", fontsize=7, color="grey")
    labels = [f"{k.replace('_', ' ')}\n(n={by_kind[k].get('n')})" for k in kinds]
    tilt = len(kinds) > 6
    ax.set_xticks(list(range(len(kinds))), labels, fontsize=8, rotation=25 if tilt else 0,
                  ha="right" if tilt else "center", rotation_mode="anchor")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share")
    what = "article" if group == "by_article" else "kind of question"
    ax.set_title(f"Figures per {what} (n/a: not measured)", pad=24)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(figures), frameon=False)
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path


def write_abstention_chart(summary: Mapping[str, Any], path: Path) -> Path:
    """The abstention curve (PNG, Agg backend): each figure against the threshold, the product's threshold
    dashed; a chart saying "no scores" when the curve is empty."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    curve: Sequence[Mapping[str, Any]] = summary.get("abstention_curve") or []
    fig = Figure(figsize=(6.4, 4.8), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    xs = [float(p["threshold"]) for p in curve]
    for name in _CURVE_COLUMNS:
        ys = [float("nan") if p.get(name) is None else float(p[name]) for p in curve]
        ax.plot(xs, ys, marker=".", label=name)
    own = summary.get("answer_threshold")
    if own is not None and curve:
        ax.axvline(float(own), color="grey", linestyle="--", linewidth=1, label=f"product threshold {own:g}")
    if not curve:
        ax.text(0.5, 0.5, "no scores: no answer carries a reader score", ha="center", va="center",
                transform=ax.transAxes, color="grey")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("refuse answers whose reader score is below")
    ax.set_ylabel("share")
    ax.set_title("Abstention curve")
    ax.grid(alpha=0.3)
    if curve:
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False)
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path


def write_report(path: Path, summary: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
                 bounds: Mapping[str, Bound] | None = None, chart: str | None = CHART_NAME) -> Path:
    """report.md: run details, the summary table, the per-kind table and chart, the failed questions."""
    run: Mapping[str, Any] = summary.get("run") or {}
    settings: Mapping[str, Any] = summary.get("settings") or {}
    by_article: Mapping[str, Any] | None = summary.get("by_article")
    parts = ["# Evaluation report", ""]
    if by_article is not None:
        if run.get("gold") != run.get("suite"):
            parts.append(f"- SQuAD file: `{run.get('gold', '?')}`")
        parts.append(f"- suite: `{run.get('suite', '?')}`, {len(by_article)} articles, each in its own index")
    else:
        parts += [f"- gold file: `{run.get('gold', '?')}`",
                  f"- article: {run.get('article_title', '?')} (`{settings.get('article', '?')}`)"]
    parts.append(f"- backend: {summary.get('backend', '?')}; embedder: {run.get('embedder', '?')}; "
                 f"passages retrieved: {run.get('k', '?')}")
    if run.get("sample") is not None:
        parts.append(f"- sample: {run['sample']} questions per article (seed {run.get('seed', 0)})")
    own = summary.get("answer_threshold")
    parts.append("- reader-score refusal: " + ("none" if own is None else f"below {own:g}"))
    parts.append(f"- started: {run.get('started', '?')}; took {fmt(run.get('duration_s'))} s")
    gate = summary.get("gate")
    if gate is not None:
        parts.append("- gate: " + ("passed" if gate.get("passed") else "FAILED: " + "; ".join(gate["failures"])))
    parts += ["", "## Summary", "", summary_table(summary, bounds), ""]
    if run.get("intervals"):
        parts += [f"95% interval: {run['intervals']} (how far a figure would move with other questions like "
                  "these; `eval --compare` gives paired intervals of a difference between two runs).", ""]
    if by_article is not None:
        parts += ["## By article", "", article_table(summary), ""]
        if chart:
            parts += [f"![Figures per article]({ARTICLE_CHART})", ""]
    parts += ["## By kind", "", kind_table(summary), ""]
    if chart:
        parts += [f"![Figures per kind]({chart})", ""]
    parts += ["## Abstention curve", "",
              "The figures had answers whose reader score is below each threshold been refused "
              "(`answered`: share of all questions answered).", "", abstention_table(summary), ""]
    if chart and summary.get("abstention_curve"):
        parts += [f"![Abstention curve]({ABSTENTION_CHART})", ""]
    chosen = best_threshold_text(summary)
    if chosen:
        parts += [chosen, ""]
    failed = sum(1 for r in rows if r.get("failures"))
    parts += [f"## Failed questions ({failed} of {len(rows)})", "", failures_section(rows), ""]
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def comparison_text(a: Mapping[str, Any], b: Mapping[str, Any], label_a: str, label_b: str,
                    figures: Sequence[str] = FIGURES,
                    paired: tuple[int, Mapping[str, Mapping[str, Any]]] | None = None) -> str:
    """Two summaries side by side (overall, then per kind), with the difference B - A; with `paired` (how many
    questions both runs asked, and per figure B - A on them, its interval and p: `paired_differences`), a
    table of those too."""
    parts = [f"A: {label_a} (backend {a.get('backend', '?')})", f"B: {label_b} (backend {b.get('backend', '?')})"]
    sa: Mapping[str, Any] = a.get("settings") or {}
    sb: Mapping[str, Any] = b.get("settings") or {}
    changed = [f"{k}: {sa.get(k)!r} -> {sb.get(k)!r}" for k in sorted(set(sa) | set(sb)) if sa.get(k) != sb.get(k)]
    if changed:
        parts.append("settings that differ: " + "; ".join(changed))
    names = [*_COUNTS, *figures]
    parts += ["", _table(["figure", "A", "B", "B - A"],
                         [[n, fmt(a.get(n)), fmt(b.get(n)), _diff(a.get(n), b.get(n))] for n in names])]
    if paired is None:
        parts += ["", "(no paired intervals: a run has no results.jsonl)"]
    elif not paired[0]:
        parts += ["", "(no paired intervals: the runs asked no question in common)"]
    else:
        asked, diffs = paired
        parts += ["", f"On the {asked} questions both runs asked, B - A with its 95% paired-bootstrap interval "
                      "(p: how likely a difference this large is by chance):", "",
                  _table(["figure", "B - A", "95% interval", "p"],
                         [[name, f"{d['diff']:+.3f}", _span(d.get("interval")), _p(d.get("p"))]
                          for name, d in diffs.items()])]
    ka: Mapping[str, Mapping[str, Any]] = a.get("by_kind") or {}
    kb: Mapping[str, Mapping[str, Any]] = b.get("by_kind") or {}
    rows = []
    for kind in sorted(set(ka) | set(kb)):
        fa, fb = ka.get(kind, {}), kb.get(kind, {})
        for n in names:
            if fa.get(n) is None and fb.get(n) is None:
                continue
            rows.append([kind, n, fmt(fa.get(n)), fmt(fb.get(n)), _diff(fa.get(n), fb.get(n))])
    if rows:
        parts += ["", "By kind:", "", _table(["kind", "figure", "A", "B", "B - A"], rows, right_from=2)]
    return "\n".join(parts)

"""report.md: the run's details, then the tables (`tables`) with the charts (`charts`) beside them and the failed
questions, in one Markdown file next to results.jsonl and summary.json."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.evaluation.charts import ABSTENTION_CHART, ARTICLE_CHART, CHART_NAME
from assistant.evaluation.tables import (
    abstention_table,
    article_table,
    best_threshold_text,
    failures_section,
    fmt,
    kind_table,
    summary_table,
)

if TYPE_CHECKING:
    from assistant.evaluation.gate import Bound

__all__ = ["write_report"]


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

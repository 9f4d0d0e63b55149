"""The end of a run: the bootstrap intervals and the gate added to the summary, the output folder written
(results.jsonl, summary.json, the charts, report.md), the tables printed and the exit code returned."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.evaluation.charts import ABSTENTION_CHART, ARTICLE_CHART, CHART_NAME, write_abstention_chart, write_chart
from assistant.evaluation.gate import Bound, check_gate
from assistant.evaluation.report import write_report
from assistant.evaluation.tables import CONSOLE_FIGURES, article_table, summary_table
from assistant.evaluation.uncertainty import LEVEL, MIN_ARTICLES, RESAMPLES, bootstrap_intervals

__all__ = ["CHARTS_EXTRA", "finish"]

CHARTS_EXTRA = "pip install 'article-assistant[eval]'"


def finish(out: Path, scored: list[dict[str, Any]], summary: dict[str, Any], bounds: Mapping[str, Bound],
            gate: bool, started: datetime, echo: Callable[[str], None]) -> int:
    """Gate, write the output files, print the tables and the time taken; the exit code."""
    duration = (datetime.now(UTC) - started).total_seconds()
    summary["run"]["duration_s"] = round(duration, 3)
    summary["intervals"] = bootstrap_intervals(scored)
    summary["run"]["intervals"] = (f"{LEVEL:.0%} percentile bootstrap, {RESAMPLES} resamples of the questions "
                                   "within each article, seed 0")
    if len(summary.get("by_article") or {}) >= MIN_ARTICLES:
        summary["intervals_over_articles"] = bootstrap_intervals(scored, articles=True)
        summary["run"]["intervals"] += "; over articles: whole articles resampled"
    gate_failures = check_gate(summary, bounds)
    summary["gate"] = {"passed": not gate_failures, "failures": gate_failures}
    suite = "by_article" in summary
    try:
        out.mkdir(parents=True, exist_ok=True)
        with (out / "results.jsonl").open("w", encoding="utf-8") as f:
            for r in scored:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        chart: str | None = CHART_NAME
        try:
            write_chart(summary, out / CHART_NAME)
            if suite:
                write_chart(summary, out / ARTICLE_CHART, group="by_article")
            write_abstention_chart(summary, out / ABSTENTION_CHART)
        except ImportError:  # matplotlib is the `eval` extra's: the figures stand without their charts
            chart = None
            echo(f"charts skipped: they need matplotlib ({CHARTS_EXTRA})")
        write_report(out / "report.md", summary, scored, bounds, chart=chart)
    except OSError as exc:
        raise InputError(f"{out}: cannot write the results ({exc.strerror or exc})") from None

    echo(summary_table(summary, bounds))
    if suite:
        echo("\n" + article_table(summary, CONSOLE_FIGURES))
    echo(f"\nwrote {out / 'results.jsonl'}, {out / 'summary.json'}, {out / 'report.md'}")
    echo(f"took {duration:.1f} s for {len(scored)} questions")
    if not gate:
        return 0
    if gate_failures:
        echo("\ngate FAILED: " + "; ".join(gate_failures))
        return 1
    echo("\ngate passed")
    return 0

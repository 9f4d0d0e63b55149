"""The charts of an eval run (PNG, matplotlib's Agg backend, imported only when a chart is drawn): the figures per
kind or per article, and the abstention curve."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.tables import CURVE_COLUMNS

__all__ = ["ABSTENTION_CHART", "ARTICLE_CHART", "CHARTFIGURES", "CHART_NAME", "write_abstention_chart", "write_chart"]

CHART_NAME = "by_kind.png"
ARTICLE_CHART = "by_article.png"
ABSTENTION_CHART = "abstention.png"
CHARTFIGURES = ("correct", "containment", "hit_at_3", "citation_recall", "no_answer_accuracy")


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
    for name in CURVE_COLUMNS:
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

"""How far a figure would move with other questions: bootstrap intervals, and paired ones for comparing runs.

A figure on 31 questions moves 0.032 with one answer; on 653 it still moves a few hundredths between question
samples. So each summary carries a 95% percentile-bootstrap interval per figure, and `--compare` gives one for
B - A on the questions both runs asked, resampled together (a paired bootstrap, as Koehn 2004 compares
translation systems): two runs on the same questions differ far less by chance than their separate intervals
suggest. Questions are resampled within each article, so an interval says how much the figure would move with
other questions like these of the same articles, not with other articles. A suite of MIN_ARTICLES or more also
gets intervals over articles (whole articles resampled): on the ten SQuAD articles `correct` 0.587 is 0.570 to
0.602 over questions and 0.538 to 0.642 over articles, since articles differ far more than question samples.

Every figure is a ratio of sums over rows (`terms`: a numerator and a denominator per row, the one definition
the summary's figures are computed from too), so a resample is a weight vector and all resamples are two
matrix products.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from assistant.errors import InputError

__all__ = ["INTERVAL_FIGURES", "LEVEL", "MIN_ARTICLES", "RESAMPLES", "TERM_FIELDS", "bootstrap_intervals",
           "paired_differences", "terms"]

RESAMPLES = 1000
LEVEL = 0.95
INTERVAL_FIGURES = (
    "correct", "exact_match", "token_f1", "containment", "short_answer_em", "short_answer_f1",
    "short_answer_coverage", "semantic_similarity", "hit_at_1", "hit_at_3", "mrr", "citation_precision",
    "citation_recall", "no_answer_accuracy", "false_abstention_rate",
)
"""Every figure of a summary that is a mean over questions (not the latency percentiles)."""
MIN_ARTICLES = 5
"""A suite of at least this many articles also gets intervals over articles: whole articles resampled, an
estimate of how far a figure would move on other articles like these. With fewer, a resample is too often a
copy of one or two articles to say anything."""
TERM_FIELDS = ("answerable", "refused", "error", "correct", "exact_match", "token_f1", "containment",
               "short_answer", "short_answer_em", "short_answer_f1", "semantic_similarity", "hit_at_1", "hit_at_3",
               "reciprocal_rank", "citations", "citations_supported", "cited_reference")
"""The fields of a scored row that `terms` reads."""


def _value(v: object) -> float:
    return 0.0 if v is None else float(v)  # type: ignore[arg-type]


def terms(rows: Sequence[Mapping[str, Any]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per figure, (numerator, denominator) per row: the figure is sum(numerator) / sum(denominator), None when
    the denominator sums to 0 (the subsets are described at `runner.summarize`)."""
    def col(values: Sequence[float]) -> np.ndarray:
        return np.asarray(values, dtype=np.float64)

    ans = [bool(r["answerable"]) for r in rows]
    answered = [not r["refused"] and not r["error"] for r in rows]
    ref = [a and r["hit_at_1"] is not None for a, r in zip(ans, rows)]
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {
        "correct": (col([_value(r["correct"]) for r in rows]), col([r["correct"] is not None for r in rows])),
    }
    for name in ("exact_match", "token_f1", "containment", "short_answer_em", "short_answer_f1",
                 "semantic_similarity"):
        out[name] = (col([_value(r[name]) if a else 0.0 for a, r in zip(ans, rows)]),
                     col([a and r[name] is not None for a, r in zip(ans, rows)]))
    out["short_answer_coverage"] = (col([a and d and r["short_answer"] is not None
                                         for a, d, r in zip(ans, answered, rows)]),
                                    col([a and d for a, d in zip(ans, answered)]))
    for name, key in (("hit_at_1", "hit_at_1"), ("hit_at_3", "hit_at_3"), ("mrr", "reciprocal_rank")):
        out[name] = (col([_value(r[key]) if f else 0.0 for f, r in zip(ref, rows)]),
                     col([f and r[key] is not None for f, r in zip(ref, rows)]))
    out["citation_precision"] = (col([_value(r["citations_supported"]) if f else 0.0 for f, r in zip(ref, rows)]),
                                 col([len(r["citations"]) if f else 0 for f, r in zip(ref, rows)]))
    out["citation_recall"] = (col([f and bool(r["cited_reference"]) for f, r in zip(ref, rows)]), col(ref))
    out["no_answer_accuracy"] = (col([not a and bool(r["refused"]) for a, r in zip(ans, rows)]),
                                 col([not a for a in ans]))
    out["false_abstention_rate"] = (col([a and bool(r["refused"]) for a, r in zip(ans, rows)]), col(ans))
    return out


def _articles(rows: Sequence[Mapping[str, Any]]) -> list[list[int]]:
    """The rows' indices, article by article."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(str(r.get("article", "")), []).append(i)
    return list(groups.values())


def _weights(rows: Sequence[Mapping[str, Any]], resamples: int, seed: int) -> np.ndarray:
    """(resamples, len(rows)): how often each row is drawn, drawing each article's rows from that article."""
    rng = np.random.default_rng(seed)
    w = np.zeros((resamples, len(rows)))
    for members in _articles(rows):
        w[:, members] = rng.multinomial(len(members), np.full(len(members), 1 / len(members)), size=resamples)
    return w


def _article_weights(rows: Sequence[Mapping[str, Any]], resamples: int, seed: int) -> np.ndarray:
    """(resamples, len(rows)): whole articles drawn with replacement, each drawn article with all its rows."""
    rng = np.random.default_rng(seed)
    groups = _articles(rows)
    counts = rng.multinomial(len(groups), np.full(len(groups), 1 / len(groups)), size=resamples)
    w = np.zeros((resamples, len(rows)))
    for g, members in enumerate(groups):
        w[:, members] = counts[:, [g]]
    return w


def _ratios(w: np.ndarray, num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Each resample's figure; NaN where a resample drew no row the figure averages over."""
    top, bottom = w @ num, w @ den
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)


def _interval(values: np.ndarray, level: float) -> list[float] | None:
    values = values[~np.isnan(values)]
    if not len(values):
        return None
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return [round(float(lo), 4), round(float(hi), 4)]


def _p_value(diffs: np.ndarray) -> float | None:
    if not len(diffs):
        return None
    ties = float((diffs == 0).mean()) / 2
    return round(min(1.0, 2 * min(float((diffs > 0).mean()) + ties, float((diffs < 0).mean()) + ties)), 3)


def bootstrap_intervals(rows: Sequence[Mapping[str, Any]], *, resamples: int = RESAMPLES, seed: int = 0,
                        level: float = LEVEL, articles: bool = False) -> dict[str, list[float] | None]:
    """figure -> [low, high], the central `level` of its bootstrap distribution (None: nothing to average).
    `articles`: resample whole articles instead of the questions within each (see MIN_ARTICLES)."""
    if not rows:
        return {name: None for name in INTERVAL_FIGURES}
    if articles and len(_articles(rows)) < MIN_ARTICLES:
        raise ValueError(f"an interval over articles needs at least {MIN_ARTICLES} of them")
    w = (_article_weights if articles else _weights)(rows, resamples, seed)
    return {name: (_interval(_ratios(w, num, den), level) if den.sum() > 0 else None)
            for name, (num, den) in terms(rows).items()}


def paired_differences(rows_a: Sequence[Mapping[str, Any]], rows_b: Sequence[Mapping[str, Any]], *,
                       resamples: int = RESAMPLES, seed: int = 0,
                       level: float = LEVEL) -> tuple[int, dict[str, dict[str, Any]]]:
    """On the questions both runs asked (same article and id): (how many, figure -> {"diff": B - A on them,
    "interval": [low, high] of B - A, "p": the two-sided bootstrap p-value of "no difference", twice the smaller
    share of resamples on one side of 0, ties split}). A figure one run cannot measure on those questions is
    left out."""
    def key(r: Mapping[str, Any]) -> tuple[str, str]:
        return str(r.get("article", "")), str(r["id"])

    for name, rows in (("A", rows_a), ("B", rows_b)):
        keys = [key(r) for r in rows]
        if len(set(keys)) != len(keys):
            twice = next(k for k in keys if keys.count(k) > 1)
            raise InputError(f"run {name} has question {twice[1]!r} of {twice[0] or 'its article'!r} twice")
    by_b = {key(r): r for r in rows_b}
    pairs = [(r, by_b[key(r)]) for r in rows_a if key(r) in by_b]
    if not pairs:
        return 0, {}
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    w = _weights(a, resamples, seed)
    ones = np.ones((1, len(pairs)))
    out: dict[str, dict[str, Any]] = {}
    ta, tb = terms(a), terms(b)
    for name in INTERVAL_FIGURES:
        (na, da), (nb, db) = ta[name], tb[name]
        if da.sum() == 0 or db.sum() == 0:
            continue
        diffs = _ratios(w, nb, db) - _ratios(w, na, da)
        kept = diffs[~np.isnan(diffs)]
        out[name] = {"diff": round(float((_ratios(ones, nb, db) - _ratios(ones, na, da))[0]), 4),
                     "interval": _interval(diffs, level),
                     "p": _p_value(kept)}
    return len(pairs), out

"""Does a decision fitted over many signals refuse better than one threshold on the reader's probability?

    python -m assistant.training.answer_decision --cache eval-out/cache/KEY --validate Normans,Yuan_dynasty

Reads the cached rows (`make cache`: the product's own retrieval and reader over labelled questions, each row
with `assistant/training/answer_signals.py`'s signals) and fits, with scikit-learn, a logistic regression and gradient
boosting to P(answering is right: the question is answerable and the chosen sentence holds its answer). Each
is measured against one threshold on the fused probability, both at their own operating point: the highest
`correct` with false abstention at most 0.10 on every article it is chosen on. Two protocols, both split by
article: fitted on the cache's training articles and measured on the validation ones; and fitted on one
validation article, measured on the other (the training articles have few unanswerable questions, the
validation ones half). The product keeps one threshold unless a fitted decision beats it in both; the report
(`--report`) and the printed table say which.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.evaluation.abstention import MAX_FALSE_ABSTENTION
from assistant.training.answer_signals import AnswerSignals

__all__ = ["Outcome", "Rows", "compare", "operating_point", "outcome", "rows_of"]

GRID = tuple(round(i / 200, 3) for i in range(201))  # thresholds on a probability, 0.005 apart


@dataclass(frozen=True)
class Rows:
    """The cached questions a decision is fitted or measured on: signals, whether answering is right, whether
    the question is answerable, its article, and the reader's fused probability (one threshold's score)."""

    x: list[list[float]]
    right: list[bool]
    answerable: list[bool]
    article: list[str]
    probability: list[float]

    def where(self, articles: Collection[str], keep: bool = True) -> Rows:
        """The rows of `articles` (`keep`) or of every other article."""
        i = [n for n, a in enumerate(self.article) if (a in articles) == keep]
        return Rows([self.x[n] for n in i], [self.right[n] for n in i], [self.answerable[n] for n in i],
                    [self.article[n] for n in i], [self.probability[n] for n in i])


@dataclass(frozen=True)
class Outcome:
    threshold: float
    correct: float
    false_abstention: float
    no_answer_accuracy: float


def rows_of(cached: Sequence[dict[str, Any]]) -> Rows:
    """The rows a decision can read: a sentence was chosen and no overview was asked."""
    use = [r for r in cached if r.get("answer_signals") and not r.get("overview")]
    return Rows([AnswerSignals(**r["answer_signals"]).vector() for r in use],
                [bool(r["answerable"] and r["best_holds_answer"]) for r in use],
                [bool(r["answerable"]) for r in use], [str(r["article"]) for r in use],
                [float(r["answer_score"]) for r in use])


def outcome(scores: Sequence[float], rows: Rows, threshold: float) -> Outcome:
    """Answered when the score reaches `threshold`: right when answering is right, or when refusing an
    unanswerable question."""
    n = len(scores)
    answerable = sum(rows.answerable)
    refused = [s < threshold for s in scores]
    right = sum(1 for r, ok, a in zip(refused, rows.right, rows.answerable) if (not r and ok) or (r and not a))
    fa = sum(1 for r, a in zip(refused, rows.answerable) if r and a)
    na = sum(1 for r, a in zip(refused, rows.answerable) if r and not a)
    return Outcome(threshold, right / n if n else 0.0, fa / answerable if answerable else 0.0,
                   na / (n - answerable) if n > answerable else 0.0)


def operating_point(scores: Sequence[float], rows: Rows, cap: float = MAX_FALSE_ABSTENTION) -> float:
    """The threshold of highest `correct` with false abstention at most `cap` on every article (ties: the
    lower threshold); 0 when none keeps every article under the cap."""
    best, chosen = -1.0, 0.0
    # each article's scores and rows, split once rather than at every threshold of the grid
    parts = [([s for s, a in zip(scores, rows.article) if a == name], rows.where({name}))
             for name in sorted(set(rows.article))]
    for t in GRID:
        if any(outcome(part, part_rows, t).false_abstention > cap for part, part_rows in parts):
            continue
        c = outcome(scores, rows, t).correct
        if c > best:
            best, chosen = c, t
    return chosen


def _models(seed: int) -> dict[str, Any]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {"logistic regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
            "gradient boosting": HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_leaf_nodes=15,
                                                                min_samples_leaf=20, random_state=seed)}


def compare(fit: Rows, test: Rows, seed: int = 0) -> dict[str, dict[str, float]]:
    """Each decision's outcome on `test` at the operating point chosen on `fit`, beside one threshold's."""
    out = {"one threshold": outcome(test.probability, test, operating_point(fit.probability, fit)).__dict__}
    if len(set(fit.right)) < 2:
        return out
    for name, model in _models(seed).items():
        model.fit(fit.x, fit.right)
        threshold = operating_point(list(model.predict_proba(fit.x)[:, 1]), fit)
        out[name] = outcome(list(model.predict_proba(test.x)[:, 1]), test, threshold).__dict__
    return out


def main(argv: list[str] | None = None) -> int:
    from assistant.training.cache import load_cache

    p = argparse.ArgumentParser(prog="python -m assistant.training.answer_decision",
                                description=__doc__.splitlines()[0])
    p.add_argument("--cache", type=Path, required=True, help="a cache folder (`make cache` prints it)")
    p.add_argument("--validate", default="Normans,Yuan_dynasty", help="the validation articles, comma-separated")
    p.add_argument("--report", type=Path, default=None, help="write the figures here as JSON")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    held = [n for n in args.validate.split(",") if n]
    rows = rows_of(load_cache(args.cache))
    if not rows.x:
        print(f"answer_decision: {args.cache} holds no rows with answer signals (rebuild it: make cache)",
              file=sys.stderr)
        return 2
    report: dict[str, Any] = {"held-out articles": compare(rows.where(held, keep=False), rows.where(held),
                                                           args.seed)}
    for name in held:
        others = [h for h in held if h != name]
        if others:
            report[f"fit on {', '.join(others)}, measured on {name}"] = compare(
                rows.where(others), rows.where({name}), args.seed)
    print("| protocol | decision | threshold | correct | false abstention | no-answer accuracy |")
    print("|---|---|---|---|---|---|")
    for protocol, by in report.items():
        for decision, o in by.items():
            print(f"| {protocol} | {decision} | {o['threshold']:.3f} | {o['correct']:.3f} | "
                  f"{o['false_abstention']:.3f} | {o['no_answer_accuracy']:.3f} |")
    beats = {d: all(by[d]["correct"] > by["one threshold"]["correct"] for by in report.values() if d in by)
             for d in ("logistic regression", "gradient boosting")}
    report["beats one threshold everywhere"] = beats
    print(f"beats one threshold in every protocol: {beats}")
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

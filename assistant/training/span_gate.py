"""Fits the short-answer gate (assistant/span_gate.py) from the reader's cache (assistant/training/cache.py) in
seconds: a scikit-learn logistic regression over `SpanSignals`, on the questions the product would answer
(fused probability at or above the reader's threshold) of articles the reader never saw; the level is the
lowest probability at which the spans shown on answerable questions are right at least `TARGET_PRECISION` of
the time, chosen on out-of-fold probabilities (folds by article); then measured on the validation articles.

    python -m assistant.training.span_gate --cache eval-out/cache/KEY --validation Normans,Yuan_dynasty \
        [--out assistant/reader/weights/span_gate.json]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import InputError
from assistant.span_gate import FEATURES, NO_OPINION, SpanGate, SpanSignals
from assistant.training.card import replace_section

__all__ = ["RIGHT_F1", "TARGET_PRECISION", "as_product", "figures", "fit", "main", "opinion_fill"]

# A short answer is right at this token F1 or above against a gold answer (half its words right, as SQuAD's
# partial credit reads it).
RIGHT_F1 = 0.5
# The precision the shown short answers of answerable questions must reach (the target).
TARGET_PRECISION = 0.85
SEED = 0


def as_product(rows: Sequence[dict[str, Any]], opinion: Any) -> list[dict[str, Any]]:
    """The rows as the product answers them with this second opinion (`SecondOpinion`, or None: the reader's own
    order, no opinion): the sentence it puts first, that sentence's short answer, its signals (the opinion's
    scores of the sentences it re-ranked among them) and its F1."""
    from assistant.span_gate import span_signals
    from assistant.training.second_opinion import reordered

    if opinion is None:
        return list(rows)
    out = []
    for r in rows:
        if not r.get("candidates") or not r.get("second_opinion"):
            out.append(r)
            continue
        order = reordered(r, opinion.weight, opinion.top)
        first = order[0]
        opinions = [c["ms"] for c in order[:opinion.top]]
        signals = (span_signals(r["question"], first["span"], first["span_p"], [c["p"] for c in order], opinions)
                   if first["span"] else None)
        out.append({**r, "span": first["span"], "span_f1": first["span_f1"],
                    "signals": signals.to_dict() if signals else None, "best_holds_answer": first["holds"]})
    return out


def opinion_fill(rows: Sequence[dict[str, Any]]) -> tuple[float, float]:
    """The mean of the second opinion's two signals over `rows` (what the gate reads where there is none)."""
    pairs = [(r["signals"]["opinion"], r["signals"]["opinion_lead"]) for r in rows
             if r["signals"].get("opinion") is not None and r["signals"].get("opinion_lead") is not None]
    if not pairs:
        return NO_OPINION
    return (round(float(np.mean([a for a, _ in pairs])), 4), round(float(np.mean([b for _, b in pairs])), 4))


def _xy(rows: Sequence[dict[str, Any]], fill: tuple[float, float] = NO_OPINION) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([SpanSignals(**r["signals"]).vector(fill) for r in rows], dtype=np.float64)
    y = np.array([r["answerable"] and r["span_f1"] >= RIGHT_F1 for r in rows], dtype=np.int64)
    return x, y


def candidates(rows: Sequence[dict[str, Any]], threshold: float, floor: float = 0.0) -> list[dict[str, Any]]:
    """Rows the product answers (score at or above `threshold`) with a span to show or hold back (its span
    probability at or above the reader's `floor`, as `Compose.short_answer` asks)."""
    return [r for r in rows if r.get("signals") and r["answer_score"] is not None and r["answer_score"] >= threshold
            and r["signals"]["span"] >= floor]


def choose_level(probs: np.ndarray, rows: Sequence[dict[str, Any]], target: float = TARGET_PRECISION) -> float:
    """The lowest level (grid of 0.01) whose shown spans on answerable questions are right at least `target` of
    the time, with at least 20 of them shown; 1.0 (show none) when no level reaches it."""
    answerable = np.array([bool(r["answerable"]) for r in rows])
    right = np.array([bool(r["answerable"]) and r["span_f1"] >= RIGHT_F1 for r in rows])
    for level in np.round(np.arange(0.0, 1.0, 0.01), 2):
        shown = (probs >= level) & answerable
        if shown.sum() >= 20 and right[shown].mean() >= target:
            return float(level)
    return 1.0


def figures(rows: Sequence[dict[str, Any]], shown: np.ndarray, answered: int) -> dict[str, Any]:
    """Precision of shown spans on answerable questions and on all; the share of answered answerable questions
    with a right span shown."""
    answerable = np.array([bool(r["answerable"]) for r in rows], dtype=bool)
    right = np.array([bool(r["answerable"]) and r["span_f1"] >= RIGHT_F1 for r in rows], dtype=bool)
    ans_shown = shown & answerable

    def rate(num: int, den: int) -> float | None:
        return round(num / den, 4) if den else None

    return {"answered": answered, "shown": int(shown.sum()),
            "precision_answerable": rate(int(right[ans_shown].sum()), int(ans_shown.sum())),
            "precision_all": rate(int(right[shown].sum()), int(shown.sum())),
            "right_share_of_answered_answerable": rate(int(right[ans_shown].sum()), int(answerable.sum()))}


def fit(train: Sequence[dict[str, Any]], validation: Sequence[dict[str, Any]], threshold: float,
        reader_sha256: str, floor: float = 0.0) -> SpanGate:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_val_predict

    rows = candidates(train, threshold, floor)
    if len(rows) < 50:
        raise InputError(f"only {len(rows)} answered questions with a span to fit on; cache more articles")
    fill = opinion_fill(rows)
    x, y = _xy(rows, fill)
    groups = np.array([r["article"] for r in rows])
    model = LogisticRegression(C=1.0, max_iter=1000, random_state=SEED)
    folds = min(5, len(set(groups)))
    oof = (cross_val_predict(model, x, y, groups=groups, cv=GroupKFold(n_splits=folds), method="predict_proba")[:, 1]
           if folds >= 2 else model.fit(x, y).predict_proba(x)[:, 1])
    level = choose_level(oof, rows)
    model.fit(x, y)
    gate = SpanGate(tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0]), level, reader_sha256,
                    fill=fill)
    measured: dict[str, Any] = {
        "fit": {"articles": sorted(set(groups)), "questions": len(train), "answered_with_span": len(rows),
                "right_rate": round(float(y.mean()), 4), "out_of_fold": figures(rows, oof >= level, len(rows))},
        "answer_threshold": threshold, "span_floor": floor, "right_f1": RIGHT_F1,
        "target_precision": TARGET_PRECISION,
    }
    val = candidates(validation, threshold, floor)
    if val:
        vx, _ = _xy(val, fill)
        probs = model.predict_proba(vx)[:, 1]
        measured["validation"] = {
            "articles": sorted({r["article"] for r in val}), "questions": len(validation),
            "gate": figures(val, probs >= level, len(val)),
            "span_probability_only": figures(val, np.ones(len(val), dtype=bool), len(val)),  # before the gate
        }
    return SpanGate(gate.weights, gate.bias, gate.level, reader_sha256, measured, fill)


CARD_HEADING = "## The short-answer gate (span_gate.json)"


def card_section(gate: SpanGate, gate_sha256: str) -> str:
    """The model card's section on the gate: data and licence, split, command, figures, sha256."""
    m = gate.measured
    fit_part, val = m["fit"], m.get("validation", {})
    rows = [("fit articles, out of fold (5 folds by article)", fit_part["out_of_fold"])]
    if val:
        rows += [("validation articles, before the gate (span probability over the reader's floor)",
                  val["span_probability_only"]), ("validation articles, the gate", val["gate"])]
    table = "\n".join(f"| {name} | {f['answered']} | {f['shown']} | {f['precision_answerable']} | "
                      f"{f['precision_all']} | {f['right_share_of_answered_answerable']} |" for name, f in rows)
    return f"""{CARD_HEADING}

P(the short answer is right) = sigmoid(bias + weights . signals), signals {", ".join(FEATURES)}
(assistant/span_gate.py); shown at **{gate.level}** or above. A logistic regression (scikit-learn, C=1, seed
{SEED}) fitted on the reader's cache (assistant/training/cache.py) of {len(fit_part["articles"])} SQuAD 2.0 train
articles the reader never saw (`data/train/squad2_train_phongntdo.json.gz`, CC BY-SA 4.0; {fit_part["questions"]}
questions, {fit_part["answered_with_span"]} answered with a span), the level the lowest whose out-of-fold spans on
answerable questions are right (token F1 >= {RIGHT_F1}) at least {TARGET_PRECISION} of the time; measured on the
validation articles ({", ".join(val.get("articles", []))}: {val.get("questions", 0)} questions, half unanswerable).
Rebuilt by `make fit` (the cache: `make cache`, about 30 minutes; the fit: seconds).
sha256 of span_gate.json: `{gate_sha256}`; fitted for the reader `{gate.reader_sha256}`.

| rows | answered with a span | shown | precision, answerable | precision, all | right, shown: of answered answerable |
|---|---|---|---|---|---|
{table}
"""


def write_card_section(card: Path, section: str) -> None:
    """`section` in place of the card's gate section (added at the end when the card has none)."""
    replace_section(card, section, CARD_HEADING)


def main(argv: list[str] | None = None) -> int:
    import hashlib
    import json

    from assistant.reader.cross_encoder import SPAN_GATE, CrossEncoderReader, default_weights_dir
    from assistant.training.cache import fit_parser, load_checked

    args = fit_parser("Fit the short-answer gate from the reader's cache.",
                      default_weights_dir() / SPAN_GATE).parse_args(argv)
    try:
        reader = CrossEncoderReader(span_gate=False)
        # Fitted on the short answers the product shows: in the sentence the second opinion puts first.
        rows = as_product(load_checked(args.cache, reader.sha256), reader.second_opinion)
        held = set(args.validation.split(","))
        gate = fit([r for r in rows if r["article"] not in held], [r for r in rows if r["article"] in held],
                   reader.threshold, reader.sha256, reader.span_threshold)
    except (InputError, OSError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    gate.save(args.out)
    write_card_section(args.out.parent / "MODEL_CARD.md",
                       card_section(gate, hashlib.sha256(args.out.read_bytes()).hexdigest()))
    print(json.dumps(gate.to_dict(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

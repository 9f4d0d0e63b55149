"""Ideas for the reader's judgement that need no retraining, measured on the validation articles.

Each adds one feature to the shipped fusion score (`logit(reader) + w * cosine`) with its weight fitted as the
fusion's is (listwise likelihood of the answering sentence), or reorders near-ties, and reports what the
product ranks and refuses on: top-1 (answerable questions whose best candidate holds the answer) and the AUC
of the best candidate's score, answerable against unanswerable. Fitted on all validation articles and, the
honest figure, fitted on one and measured on the other.

- `prior`: content-free calibration (Zhao et al. 2021): subtract `lam` times the reader's logit for the
  same sentence asked "What?", a sentence's pull whatever the question.
- `coverage`: the share of the question's content words in the sentence and its context.
- `missing`: the question's content words the whole article never uses, against the best score only.
- `continuity`: a follow-up's answer lies near the previous answer (QuAC, CoQA). Among candidates within
  `eps` of the best fused probability, prefer one in the paragraph of the previous question's answer; the
  previous question is drawn from the same paragraph (a follow-up) or another one (a change of topic). The
  anchor is its gold answer's paragraph (a perfect anchor: an upper bound of what the idea gives), or, as a
  chain would have to find it, the paragraph of the article sentence nearest the previous question and answer
  by the bi-encoder.
- `answerability`: whether the article answers at all, from more than the best score. A logistic regression
  of "answerable" on the best fused score and one more number of the question's candidates (the margin to the
  second, the best sentence's short-answer probability, the entropy over the candidates, the question's
  content words the article never uses, how many content words it has), fitted on one article and measured
  on the other; and how a threshold chosen on one article (best `correct` with false abstention at most 0.10)
  carries to the other.

    python -m benchmarks.reader_probes --data data/squad --work DIR
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.evaluation.abstention import MAX_FALSE_ABSTENTION, choose_threshold
from assistant.reader.fusion import _logit, _logsumexp, _sigmoid  # the fusion's own, so the probes score alike

__all__ = ["ANSWERABILITY_FEATURES", "ProbeCandidate", "ProbeQuestion", "answerability_features",
           "answerability_report", "auc", "collect", "continuity", "figures", "fit_answerability", "fit_weight",
           "main", "threshold_transfer"]

WEIGHTS = tuple(x / 2 for x in range(0, 41))
FEATURE_WEIGHTS = tuple(x / 10 for x in range(0, 41))
CONTENT_FREE = "What?"
EPSILONS = (0.0, 0.01, 0.02, 0.05)
ANSWERABILITY_FEATURES = ("margin", "span", "entropy", "missing", "terms")


@dataclass(frozen=True)
class ProbeCandidate:
    logit: float  # the reader's, unfused
    cosine: float
    prior: float  # the reader's logit for the same sentence asked CONTENT_FREE
    coverage: float
    paragraph: int
    holds: bool
    span: float = 0.0  # the reader's short-answer probability inside this sentence


@dataclass(frozen=True)
class ProbeQuestion:
    article: str
    answerable: bool
    missing: int  # content words of the question the article never uses
    paragraph: int | None  # of the gold answer
    candidates: Sequence[ProbeCandidate]
    located: int | None = None  # where the question and its answer are, found as the chain finds a last exchange
    terms: int = 0  # content words of the question


Score = Callable[[ProbeQuestion, ProbeCandidate], float]


def likelihood(questions: Sequence[ProbeQuestion], score: Score) -> float:
    """Mean log-probability of the answering sentences under a softmax over each question's candidates."""
    total, n = 0.0, 0
    for q in questions:
        scores = [score(q, c) for c in q.candidates]
        good = [z for z, c in zip(scores, q.candidates) if c.holds]
        if good:
            total += _logsumexp(good) - _logsumexp(scores)
            n += 1
    return total / n if n else 0.0


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    if not positives or not negatives:
        return 0.0
    wins = sum((a > b) + 0.5 * (a == b) for a in positives for b in negatives)
    return wins / (len(positives) * len(negatives))


def figures(questions: Sequence[ProbeQuestion], score: Score,
            question_score: Callable[[ProbeQuestion, float], float] = lambda q, s: s) -> tuple[float, float]:
    """(top-1, AUC): the best candidate by `score`; `question_score` may move the question's best score."""
    answerable: list[float] = []
    unanswerable: list[float] = []
    top = 0
    for q in questions:
        if q.candidates:
            best = max(q.candidates, key=lambda c: score(q, c))
            value, holds = question_score(q, score(q, best)), best.holds
        else:
            value, holds = -math.inf, False
        if q.answerable:
            answerable.append(value)
            top += holds
        else:
            unanswerable.append(value)
    return (round(top / len(answerable), 4) if answerable else 0.0), round(auc(answerable, unanswerable), 4)


def fused(w: float, feature: str = "", v: float = 0.0) -> Score:
    def score(q: ProbeQuestion, c: ProbeCandidate) -> float:
        extra = {"": 0.0, "prior": -c.prior, "coverage": c.coverage}[feature]
        return c.logit + w * c.cosine + v * extra
    return score


def fit_weight(questions: Sequence[ProbeQuestion], feature: str = "") -> tuple[float, float]:
    """(w, v): the similarity weight and the feature's weight with the highest listwise likelihood."""
    grid = [(w, v) for w in WEIGHTS for v in (FEATURE_WEIGHTS if feature else (0.0,))]
    return max(grid, key=lambda p: (likelihood(questions, fused(p[0], feature, p[1])), -p[0], -p[1]))


def continuity(questions: Sequence[ProbeQuestion], score: Score, eps: float, *, same: bool,
               calibration: tuple[float, float] = (1.0, 0.0), found: bool = False, seed: int = 0) -> float:
    """Top-1 of the answerable questions when near-ties go to the previous answer's paragraph; `calibration`:
    the fusion's Platt (scale, bias), so that `eps` is in the probability the chain ranks by. `found`: the
    anchor is where the previous exchange was located, not its gold paragraph."""
    scale, bias = calibration
    rng = random.Random(seed)
    located = [q for q in questions if q.answerable and q.paragraph is not None and q.candidates]
    right = 0
    for q in located:
        others = [o.located if found else o.paragraph for o in located
                  if o.article == q.article and (o.paragraph == q.paragraph) == same and o is not q]
        anchor = rng.choice(others) if others else None
        ranked = sorted(q.candidates, key=lambda c: -score(q, c))
        best = ranked[0]
        if anchor is not None:
            top = _sigmoid(scale * score(q, best) + bias)
            near = [c for c in ranked if _sigmoid(scale * score(q, c) + bias) >= top - eps and c.paragraph == anchor]
            best = near[0] if near else best
        right += best.holds
    return round(right / len(located), 4) if located else 0.0


def answerability_features(q: ProbeQuestion, score: Score) -> dict[str, float]:
    """The best candidate's score and what else a question's candidates say about whether any answers."""
    ranked = sorted(((score(q, c), c) for c in q.candidates), key=lambda t: -t[0])
    if not ranked:
        return {"best": -30.0, "margin": 0.0, "span": 0.0, "entropy": 0.0, "missing": float(q.missing),
                "terms": float(q.terms)}
    scores = [z for z, _ in ranked]
    top = _logsumexp(scores)
    shares = [math.exp(z - top) for z in scores]
    return {"best": scores[0], "margin": min(scores[0] - scores[1], 10.0) if len(scores) > 1 else 10.0,
            "span": math.log(ranked[0][1].span + 1e-3), "entropy": -sum(p * math.log(p + 1e-12) for p in shares),
            "missing": float(q.missing), "terms": float(q.terms)}


def fit_answerability(questions: Sequence[ProbeQuestion], score: Score, names: Sequence[str],
                      reg: float = 1.0) -> Callable[[ProbeQuestion], float]:
    """Logistic regression of "answerable" on the named features (standardised, L2 `reg`, Newton steps)."""
    import numpy as np

    def row(q: ProbeQuestion) -> list[float]:
        f = answerability_features(q, score)
        return [f[n] for n in names]

    x = np.asarray([row(q) for q in questions], dtype=np.float64)
    y = np.asarray([q.answerable for q in questions], dtype=np.float64)
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    penalty = reg * np.diag([*([1.0] * len(names)), 0.0])
    coef = np.zeros(z.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ coef))
        step = np.linalg.solve((z.T * (p * (1 - p))) @ z + penalty, z.T @ (p - y) + penalty @ coef)
        coef -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return lambda q: float(np.hstack([(np.asarray(row(q)) - mu) / sd, [1.0]]) @ coef)


def _refusal_figures(questions: Sequence[ProbeQuestion], value: Callable[[ProbeQuestion], float],
                     threshold: float, score: Score) -> tuple[float, float, float]:
    """(correct, no-answer accuracy, false abstention) when questions scoring under `threshold` are refused and
    the rest answered with their best candidate."""
    right = refused_una = refused_ans = n_una = n_ans = 0
    for q in questions:
        answered = value(q) >= threshold
        if q.answerable:
            n_ans += 1
            refused_ans += not answered
            right += answered and bool(q.candidates) and max(q.candidates, key=lambda c: score(q, c)).holds
        else:
            n_una += 1
            refused_una += not answered
            right += not answered
    return (round(right / len(questions), 4), round(refused_una / max(1, n_una), 4),
            round(refused_ans / max(1, n_ans), 4))


def _choose_threshold(questions: Sequence[ProbeQuestion], value: Callable[[ProbeQuestion], float],
                      score: Score) -> float:
    """The evaluation's `choose_threshold` over every value the questions take; -inf (refuse nothing) when no
    threshold keeps false abstention under the cap."""
    values = {id(q): value(q) for q in questions}  # each question's value once, not once a threshold

    def known(q: ProbeQuestion) -> float:
        return values[id(q)]

    points = []
    for t in sorted(set(values.values())):
        correct, _, false_abstention = _refusal_figures(questions, known, t, score)
        points.append({"threshold": t, "correct": correct, "false_abstention_rate": false_abstention})
    chosen = choose_threshold(points, MAX_FALSE_ABSTENTION)
    return -math.inf if chosen is None else chosen


def threshold_transfer(fit_on: Sequence[ProbeQuestion], measure_on: Sequence[ProbeQuestion],
                       score: Score) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """(correct, no-answer, false abstention) on `measure_on` at the threshold chosen on `fit_on`, and at the one
    chosen on `measure_on` itself (what a threshold that carried perfectly would give)."""
    def best(q: ProbeQuestion) -> float:
        return answerability_features(q, score)["best"]

    return (_refusal_figures(measure_on, best, _choose_threshold(fit_on, best, score), score),
            _refusal_figures(measure_on, best, _choose_threshold(measure_on, best, score), score))


def collect(weights: Path, data: Path, names: Sequence[str], work: Path) -> list[ProbeQuestion]:
    """Every question of the named articles as the product sees it before the gate (hybrid retrieval, the
    pruned candidates, the unfused reader)."""
    return [q for name in names for q in _article(weights, data, name, work / name)]


def _article(weights: Path, data: Path, name: str, work: Path) -> list[ProbeQuestion]:
    from assistant.api import Assistant
    from assistant.chain import Turn
    from assistant.evaluation.gold import load_gold
    from assistant.evaluation.metrics import containment
    from assistant.reader import Candidate
    from assistant.reader.cross_encoder import CrossEncoderReader
    from assistant.reader.fusion import Fusion
    from index import content_terms

    assistant = Assistant(backend="extractive", article=data / f"{name}.txt", data_dir=work,
                          reader=CrossEncoderReader(weights, fusion=Fusion()), chat_log=False)
    chain, finder = assistant.chain(), assistant.finder
    index = {(s.start, s.end): i for i, s in enumerate(finder.sentences)}
    priors: dict[int, float] = {}

    def prior(i: int) -> float:
        if i not in priors:
            reading = finder.reader.read(CONTENT_FREE, [Candidate(finder.sentences[i].text, finder.context(i))])
            priors[i] = _logit(reading[0].probability)
        return priors[i]

    out: list[ProbeQuestion] = []
    for row in load_gold(data / f"{name}.jsonl"):
        if row.history:
            continue
        terms = set(content_terms(row.question))
        turn = chain.retrieve(Turn(row.question, standalone=row.question))
        candidates = []
        for e in turn.evidence:
            i = index[(e.sentence.start, e.sentence.end)]
            seen = set(content_terms(f"{e.sentence.text} {finder.context(i)}"))
            candidates.append(ProbeCandidate(
                _logit(e.probability), e.similarity, prior(i), len(terms & seen) / max(1, len(terms)),
                e.sentence.paragraph, row.answerable and bool(containment(e.sentence.text, row.answers)),
                e.span[2] if e.span else 0.0))
        home = next((s.paragraph for s in finder.sentences for ref in row.reference_contexts
                     if ref and (ref[:60] in s.text or s.text[:60] in ref)), None)
        located = finder.locate(f"{row.question} {row.answers[0]}") if row.answerable and row.answers else None
        out.append(ProbeQuestion(name, row.answerable, sum(t not in finder.vocabulary for t in terms),
                                 home if row.answerable else None, candidates, located, len(terms)))
    return out


def _minus_missing(per_word: float) -> Callable[[ProbeQuestion, float], float]:
    return lambda q, s: s - per_word * q.missing


def report(questions: Sequence[ProbeQuestion], calibration: tuple[float, float] = (1.0, 0.0)) -> str:
    names = sorted({q.article for q in questions})
    per = {n: [q for q in questions if q.article == n] for n in names}
    lines = ["| idea | fitted on | weights (w, feature) | top-1 | AUC | measured on |", "|---|---|---|---|---|---|"]
    for feature in ("", "prior", "coverage"):
        label = feature or "fusion as shipped"
        w, v = fit_weight(questions, feature)
        lines.append(f"| {label} | all | {w}, {v} | {' | '.join(map(str, figures(questions, fused(w, feature, v))))}"
                     " | all (in-sample) |")
        for name in names:
            rest = [q for n in names if n != name for q in per[n]]
            w, v = fit_weight(per[name], feature)
            lines.append(f"| {label} | {name} | {w}, {v} | "
                         f"{' | '.join(map(str, figures(rest, fused(w, feature, v))))} | the others |")
    w, _ = fit_weight(questions)  # the shipped fusion's weight when `questions` are its validation articles
    for m in (0.5, 1.0, 2.0):
        top, area = figures(questions, fused(w), _minus_missing(m))
        lines.append(f"| missing words, {m} a word off the best score | all | {w}, {m} | {top} | {area} | all |")
    lines += ["", "| continuity: eps | anchor | previous question in the same paragraph | in another paragraph |",
              "|---|---|---|---|"]
    for found in (False, True):
        for eps in EPSILONS:
            same, other = (continuity(questions, fused(w), eps, same=s, calibration=calibration, found=found)
                           for s in (True, False))
            lines.append(f"| {eps} | {'located' if found else 'gold'} | {same} | {other} |")
    lines += answerability_report(questions, fused(w))
    return "\n".join(lines)


def answerability_report(questions: Sequence[ProbeQuestion], score: Score) -> list[str]:
    names = sorted({q.article for q in questions})
    per = {n: [q for q in questions if q.article == n] for n in names}
    lines = ["", "| answerability from | " + " | ".join(f"AUC, fitted on the others, on {n}" for n in names) + " |",
             "|---|" + "---|" * len(names)]
    for extra in ("", *ANSWERABILITY_FEATURES):
        features = ["best", extra] if extra else ["best"]
        cells = []
        for name in names:
            rest = [q for n in names if n != name for q in per[n]]
            model = fit_answerability(rest, score, features)
            cells.append(str(round(auc([model(q) for q in per[name] if q.answerable],
                                       [model(q) for q in per[name] if not q.answerable]), 4)))
        lines.append(f"| {' + '.join(features)} | {' | '.join(cells)} |")
    lines += ["", "| threshold chosen on | measured on | correct | no-answer | false abstention |"
                  " correct, no-answer, false abstention at its own best threshold |", "|---|---|---|---|---|---|"]
    for name in names:
        rest = [q for n in names if n != name for q in per[n]]
        carried, own = threshold_transfer(rest, per[name], score)
        lines.append(f"| the others | {name} | {' | '.join(map(str, carried))} | {', '.join(map(str, own))} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.reader_probes", description=__doc__.splitlines()[0])
    p.add_argument("--weights", default="assistant/reader/weights")
    p.add_argument("--data", default="data/squad")
    p.add_argument("--work", required=True, help="where the validation articles' indexes go")
    args = p.parse_args(argv)
    import json

    config = json.loads((Path(args.weights) / "reader.json").read_text(encoding="utf-8"))
    fusion = config.get("fusion") or {}
    calibration = (float(fusion.get("scale", 1.0)), float(fusion.get("bias", 0.0)))
    questions = collect(Path(args.weights), Path(args.data), config["validation_articles"], Path(args.work))
    print(report(questions, calibration))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

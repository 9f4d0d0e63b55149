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

    python -m benchmarks.reader_probes --data data/squad --work DIR
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.reader.fusion import _logit, _logsumexp, _sigmoid  # the fusion's own, so the probes score alike

__all__ = ["ProbeCandidate", "ProbeQuestion", "auc", "collect", "continuity", "figures", "fit_weight", "main"]

WEIGHTS = tuple(x / 2 for x in range(0, 41))
FEATURE_WEIGHTS = tuple(x / 10 for x in range(0, 41))
CONTENT_FREE = "What?"
EPSILONS = (0.0, 0.01, 0.02, 0.05)


@dataclass(frozen=True)
class ProbeCandidate:
    logit: float  # the reader's, unfused
    cosine: float
    prior: float  # the reader's logit for the same sentence asked CONTENT_FREE
    coverage: float
    paragraph: int
    holds: bool


@dataclass(frozen=True)
class ProbeQuestion:
    article: str
    answerable: bool
    missing: int  # content words of the question the article never uses
    paragraph: int | None  # of the gold answer
    candidates: Sequence[ProbeCandidate]
    located: int | None = None  # where the question and its answer are, found as the chain finds a last exchange


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


def collect(weights: Path, data: Path, names: Sequence[str], work: Path) -> list[ProbeQuestion]:
    """Every question of the named articles as the product sees it before the gate (hybrid retrieval, the
    pruned candidates, the unfused reader)."""
    return [q for name in names for q in _article(weights, data, name, work / name)]


def _article(weights: Path, data: Path, name: str, work: Path) -> list[ProbeQuestion]:
    from assistant.api import Assistant
    from assistant.chain import Turn
    from assistant.evaluation.metrics import containment
    from assistant.evaluation.runner import load_gold
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
                e.sentence.paragraph, row.answerable and bool(containment(e.sentence.text, row.answers))))
        home = next((s.paragraph for s in finder.sentences for ref in row.reference_contexts
                     if ref and (ref[:60] in s.text or s.text[:60] in ref)), None)
        located = finder.locate(f"{row.question} {row.answers[0]}") if row.answerable and row.answers else None
        out.append(ProbeQuestion(name, row.answerable, sum(t not in finder.vocabulary for t in terms),
                                 home if row.answerable else None, candidates, located))
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
    return "\n".join(lines)


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

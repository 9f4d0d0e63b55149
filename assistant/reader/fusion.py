"""Fusion of the reader with the bi-encoder: the probability the chain ranks sentences by and refuses on.

The cross-encoder, trained on 8 articles' 3,000 questions, and the bi-encoder, trained on a billion sentence
pairs, make different mistakes: on the held-out articles, adding the bi-encoder's cosine to the reader's logit
put the answering sentence first for 0.72 of the answerable questions instead of 0.68 (see MODEL_CARD.md).
Three numbers, all fitted on the validation articles by `python -m assistant.training.calibrate`:

    probability = sigmoid(scale * (logit(reader probability) + similarity_weight * cosine) + bias)

`similarity_weight` maximises the likelihood of the answering sentence among each answerable question's
candidates (a listwise fit: it is chosen for ranking); `scale` and `bias` are Platt scaling of the best
candidate's score against "the reply holds the answer", so the probability means what it says.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from assistant.errors import InputError

__all__ = ["SIMILARITY_GRID", "Fusion", "FusionQuestion"]

SIMILARITY_GRID = tuple(x / 2 for x in range(0, 41))  # 0, 0.5, ..., 20: cosine is in [-1, 1], logits span ~20
_EPS = 1e-6


def _logit(p: float) -> float:
    p = min(max(p, _EPS), 1 - _EPS)
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


@dataclass(frozen=True)
class FusionQuestion:
    """One validation question as the product saw it: per candidate (reader probability, cosine, holds the
    answer). An unanswerable question's candidates all hold nothing."""

    candidates: Sequence[tuple[float, float, bool]]
    answerable: bool


@dataclass(frozen=True)
class Fusion:
    """The identity by default (weight 0, scale 1, bias 0): a reader without fitted fusion is used as is."""

    similarity_weight: float = 0.0
    scale: float = 1.0
    bias: float = 0.0

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
                raise InputError(f"fusion {name} must be a finite number, not {value!r}")
        if self.scale <= 0:
            raise InputError(f"fusion scale must be positive, not {self.scale}")

    @classmethod
    def from_config(cls, data: Any) -> Fusion:
        if data is None:
            return cls()
        if not isinstance(data, dict) or set(data) - {"similarity_weight", "scale", "bias"}:
            raise InputError(f"fusion must be an object with similarity_weight, scale and bias, not {data!r}")
        return cls(**data)

    def to_config(self) -> dict[str, float]:
        return {k: round(v, 6) for k, v in asdict(self).items()}

    def score(self, probability: float, similarity: float) -> float:
        """Before Platt scaling: the ranking score."""
        return _logit(probability) + self.similarity_weight * similarity

    def __call__(self, probability: float, similarity: float) -> float:
        if self == _IDENTITY:
            return probability
        return _sigmoid(self.scale * self.score(probability, similarity) + self.bias)

    @classmethod
    def fit(cls, questions: Sequence[FusionQuestion], grid: Sequence[float] = SIMILARITY_GRID) -> Fusion:
        weight = max(grid, key=lambda w: (_listwise_likelihood(questions, w), -w))
        ranked = cls(weight)
        points = [(max(ranked.score(p, s) for p, s, _ in q.candidates),
                   q.answerable and max(q.candidates, key=lambda c: ranked.score(c[0], c[1]))[2])
                  for q in questions if q.candidates]
        scale, bias = _platt(points)
        return cls(weight, scale, bias)


_IDENTITY = Fusion()


def _listwise_likelihood(questions: Sequence[FusionQuestion], weight: float) -> float:
    """Mean log-probability of the answering sentences under a softmax over each question's candidates."""
    total, n = 0.0, 0
    for q in questions:
        scores = [_logit(p) + weight * s for p, s, _ in q.candidates]
        good = [z for z, (_, _, ok) in zip(scores, q.candidates) if ok]
        if not good:
            continue
        total += _logsumexp(good) - _logsumexp(scores)
        n += 1
    return total / n if n else 0.0


def _logsumexp(xs: Sequence[float]) -> float:
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))


# The Platt fit's L2 penalty on the slope (not the intercept): a perfectly separated set still gives finite
# numbers. scikit-learn's LogisticRegression minimises C * log-loss + 0.5 * slope^2, the same objective at
# C = 1 / PLATT_PENALTY. It replaced a hand-written damped Newton here: on twenty random sets of 20 to 1,000
# points the two agreed to 1e-8 (tests/assistant/reader/test_fusion.py keeps one of the old solver's fits).
PLATT_PENALTY = 1e-2


def _platt(points: Sequence[tuple[float, bool]]) -> tuple[float, float]:
    """(a, b) of sigmoid(a * score + b), fitted by logistic regression on the log-loss, lightly regularised.
    A set with one label only, or a fit that would not rise with the score, gives the identity."""
    if not points or all(y for _, y in points) or not any(y for _, y in points):
        return 1.0, 0.0
    from sklearn.linear_model import LogisticRegression  # the `train` extra: fitting happens when training only

    model = LogisticRegression(C=1 / PLATT_PENALTY, tol=1e-10, max_iter=1000)
    model.fit([[x] for x, _ in points], [bool(y) for _, y in points])
    a, b = float(model.coef_[0][0]), float(model.intercept_[0])
    return (a, b) if a > 0 else (1.0, 0.0)

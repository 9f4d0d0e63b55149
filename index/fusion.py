"""Reciprocal rank fusion over any number of named rankings, each with its own weight."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Fused", "fuse"]

RRF_K = 60  # the constant of Cormack et al. (2009); it damps the lead of the very first ranks


@dataclass(frozen=True)
class Fused:
    id: str
    score: float
    signals: dict[str, float]  # each ranking's own score for this id (absent: it did not rank it)


def fuse(rankings: Mapping[str, Sequence[tuple[str, float]]], weights: Mapping[str, float] | None = None,
         k: int = RRF_K) -> list[Fused]:
    """`rankings`: name -> (id, score) best first. Fused score: sum over rankings of weight / (k + rank).
    Ties go to the higher score of the first ranking named, then to the id, so the order is deterministic."""
    if k < 0:
        raise ValueError("k must be >= 0")
    weights = weights or {}
    unknown = set(weights) - set(rankings)
    if unknown:
        raise ValueError(f"weights for rankings that were not given: {', '.join(sorted(unknown))}")
    fused: dict[str, float] = {}
    signals: dict[str, dict[str, float]] = {}
    for name, ranking in rankings.items():
        w = weights.get(name, 1.0)
        for rank, (item, score) in enumerate(ranking, start=1):
            if name in signals.setdefault(item, {}):
                continue  # a ranking names an id once; a repeat does not count twice
            fused[item] = fused.get(item, 0.0) + w / (k + rank)
            signals[item][name] = score
    first = next(iter(rankings), None)
    order = sorted(fused, key=lambda i: (-fused[i], -(signals[i].get(first, float("-inf")) if first else 0.0), i))
    return [Fused(i, fused[i], signals[i]) for i in order]

"""Weighted reciprocal rank fusion over named rankings."""

from __future__ import annotations

import pytest

from index.fusion import fuse


def test_fusion_adds_weighted_reciprocal_ranks_and_keeps_each_signal() -> None:
    fused = fuse({"dense": [("a", 0.9), ("b", 0.8)], "lexical": [("b", 7.0), ("c", 3.0)]}, k=60)
    assert [f.id for f in fused] == ["b", "a", "c"]
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 61)
    assert fused[0].signals == {"dense": 0.8, "lexical": 7.0} and fused[1].signals == {"dense": 0.9}


def test_weights_change_the_order_and_three_rankings_work() -> None:
    rankings = {"dense": [("a", 0.9), ("b", 0.1)], "lexical": [("b", 5.0), ("a", 1.0)], "titles": [("b", 1.0)]}
    assert fuse(rankings)[0].id == "b"
    assert fuse(rankings, {"dense": 10.0}, k=1)[0].id == "a"
    assert fuse({"x": []}) == []


def test_ties_are_broken_deterministically_and_bad_weights_are_refused() -> None:
    tie = fuse({"dense": [("a", 0.5)], "lexical": [("b", 2.0)]})
    assert [f.id for f in tie] == ["a", "b"]  # same fused score: the first ranking's score decides
    with pytest.raises(ValueError, match="not given: bm25"):
        fuse({"dense": [("a", 1.0)]}, {"bm25": 2.0})

"""The load test's own check: a reply that belongs to another question, or cites outside its passages or
off the article's words, is caught."""

from __future__ import annotations

from typing import Any

from benchmarks.loadtest import _check

ARTICLE = "The tower was built in 1871. It is 42 metres tall. The lamp was electrified in 1936."


def _reply(passages: list[str], citations: list[tuple[str, int, int]], refused: bool = False) -> dict[str, Any]:
    return {"passages": [{"id": p} for p in passages], "refused": refused,
            "citations": [{"n": i, "passage_id": pid, "start": s, "end": e, "quote": ARTICLE[s:e]}
                          for i, (pid, s, e) in enumerate(citations, start=1)]}


def test_a_reply_to_its_own_question_passes() -> None:
    ref = _reply(["p1", "p2"], [("p1", 0, 28)])
    assert _check(_reply(["p1", "p2"], [("p1", 0, 28)]), ref, ARTICLE) is None


def test_mixed_up_or_unfounded_replies_are_caught() -> None:
    ref = _reply(["p1", "p2"], [("p1", 0, 28)])
    assert "passages differ" in str(_check(_reply(["p3", "p2"], [("p3", 58, 88)]), ref, ARTICLE))
    assert "refused" in str(_check(_reply(["p1", "p2"], [], refused=True), ref, ARTICLE))
    assert "without citations" in str(_check(_reply(["p1", "p2"], []), ref, ARTICLE))
    assert "outside" in str(_check(_reply(["p1", "p2"], [("p9", 0, 28)]), ref, ARTICLE))
    bad_quote = _reply(["p1", "p2"], [("p1", 0, 28)])
    bad_quote["citations"][0]["quote"] = "The tower was built in 1900."
    assert "verbatim" in str(_check(bad_quote, ref, ARTICLE))

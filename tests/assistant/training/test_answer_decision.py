"""The answer decision fitted on a tiny cache: it beats one threshold only where its signals carry what the
reader's probability does not, and every operating point keeps false abstention under the cap per article."""

from __future__ import annotations

import json
import random
from pathlib import Path

from assistant.training.answer_decision import compare, main, operating_point, outcome, rows_of
from assistant.training.answer_signals import AnswerSignals, answer_signals


def _signals(probability: float, names_in_article: float) -> dict[str, object]:
    return AnswerSignals(answer=probability, margin=0.1, similarity=0.5, sentence_coverage=0.8,
                         context_coverage=0.9, article_coverage=1.0, names_in_sentence=names_in_article,
                         names_in_article=names_in_article, type_match=None, negation_mismatch=False).to_dict()


def _cache(seed: int, articles: tuple[str, ...]) -> list[dict[str, object]]:
    """Unanswerable questions name something the article never mentions; the reader's probability is noise."""
    rng = random.Random(seed)
    rows = []
    for article in articles:
        for i in range(120):
            answerable = i % 2 == 0
            p = rng.random()
            rows.append({"article": article, "answerable": answerable, "best_holds_answer": answerable,
                         "overview": False, "answer_score": p,
                         "answer_signals": _signals(p, 1.0 if answerable else 0.0)})
    return rows


def test_a_decision_that_reads_the_missing_name_beats_one_threshold() -> None:
    fit, test = rows_of(_cache(0, ("a", "b"))), rows_of(_cache(1, ("c",)))
    figures = compare(fit, test)
    assert figures["logistic regression"]["correct"] > 0.95
    assert figures["one threshold"]["correct"] < 0.6
    assert figures["logistic regression"]["false_abstention"] <= 0.10


def test_the_operating_point_keeps_every_article_under_the_false_abstention_cap() -> None:
    rows = rows_of(_cache(2, ("a", "b")))
    scores = list(rows.probability)
    t = operating_point(scores, rows, cap=0.10)
    for name in ("a", "b"):
        part = rows.where({name})
        assert outcome([s for s, a in zip(scores, rows.article) if a == name], part, t).false_abstention <= 0.10


def test_the_signals_see_a_name_the_article_never_mentions() -> None:
    article = "The Kerrow Point lighthouse was built in 1871. Martha Quinn kept it."
    vocabulary = {"kerrow", "point", "lighthous", "built", "martha", "quinn", "kept", "lighthouse"}
    seen = answer_signals("When was the Kerrow Point lighthouse built?", "The Kerrow Point lighthouse was built "
                          "in 1871.", [], [0.6, 0.2], 0.7, article, vocabulary)
    swapped = answer_signals("When was the Gull Rock lighthouse built?", "The Kerrow Point lighthouse was built "
                             "in 1871.", [], [0.6, 0.2], 0.7, article, vocabulary)
    assert seen.names_in_article == 1.0 and swapped.names_in_article == 0.0
    assert seen.type_match is True and abs(seen.margin - 0.4) < 1e-9
    negated = answer_signals("When was the lighthouse not built?", "The Kerrow Point lighthouse was built in 1871.",
                             [], [0.6], 0.7, article, vocabulary)
    assert negated.negation_mismatch and not seen.negation_mismatch


def test_the_command_prints_the_table_and_writes_the_report(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "cache"
    folder.mkdir()
    for name in ("train", "Normans", "Yuan_dynasty"):
        rows = _cache(len(name), (name,))
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["--cache", str(folder), "--report", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    assert "| held-out articles | one threshold |" in out and "fit on Normans, measured on Yuan_dynasty" in out
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["beats one threshold everywhere"]["logistic regression"] is True


def test_a_cache_without_signals_is_one_clear_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.jsonl").write_text(json.dumps({"article": "a", "answer_signals": None}) + "\n")
    assert main(["--cache", str(tmp_path)]) == 2
    assert "make cache" in capsys.readouterr().err

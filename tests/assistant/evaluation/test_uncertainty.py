import random

import pytest

from assistant.errors import InputError
from assistant.evaluation.scoring import _figures
from assistant.evaluation.tables import summary_table
from assistant.evaluation.uncertainty import INTERVAL_FIGURES, bootstrap_intervals, paired_differences, terms


def scored_row(rng: random.Random, i: int, article: str = "a") -> dict:
    """A scored row as `score_row` writes it, with every way a figure can be missing drawn at random."""
    answerable = rng.random() < 0.6
    refused = rng.random() < 0.3
    error = None if rng.random() < 0.95 else "boom"
    answered = not refused and not error
    has_ref = answerable and rng.random() < 0.8
    cites = [{"n": 1}] * rng.randint(0, 3) if answered and has_ref else []
    hit1 = float(rng.random() < 0.5) if has_ref else None
    short = {"text": "x"} if answered and rng.random() < 0.5 else None
    contained = float(rng.random() < 0.5) if answerable else None
    row = {
        "id": f"q{i}", "article": article, "kind": "k", "answerable": answerable, "refused": refused, "error": error,
        "correct": (contained if answerable else float(refused)), "exact_match": contained,
        "token_f1": rng.random() if answerable else None, "containment": contained,
        "short_answer": short,
        "short_answer_em": float(rng.random() < 0.5) if answerable and short else None,
        "short_answer_f1": rng.random() if answerable and short else None,
        "semantic_similarity": rng.random() if answerable else None,
        "hit_at_1": hit1, "hit_at_3": (max(hit1, float(rng.random() < 0.5)) if hit1 is not None else None),
        "reciprocal_rank": rng.random() if has_ref else None, "citations": cites,
        "citations_supported": rng.randint(0, len(cites)) if has_ref else 0,
        "cited_reference": bool(cites) and rng.random() < 0.7 if has_ref else None,
        "latency_s": rng.random(),
    }
    if rng.random() < 0.1:  # a figure the scorer could not measure on a row that would have it
        row[rng.choice(["correct", "exact_match", "token_f1", "hit_at_3", "reciprocal_rank",
                        "semantic_similarity"])] = None
    return row


def rows(n: int, seed: int = 0, article: str = "a") -> list[dict]:
    rng = random.Random(seed)
    return [scored_row(rng, i, article) for i in range(n)]


def mean(values):
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 4) if values else None


def figures_by_hand(scored: list[dict]) -> dict:
    """The summary's definitions written out row by row (summarize's docstring), as the figures were first coded."""
    ans = [r for r in scored if r["answerable"]]
    una = [r for r in scored if not r["answerable"]]
    ref = [r for r in ans if r["hit_at_1"] is not None]
    n_cit = sum(len(r["citations"]) for r in ref)
    answered = [r for r in ans if not r["refused"] and not r["error"]]
    return {
        "correct": mean(r["correct"] for r in scored),
        **{k: mean(r[k] for r in ans) for k in ("exact_match", "token_f1", "containment", "short_answer_em",
                                                  "short_answer_f1", "semantic_similarity")},
        "short_answer_coverage": mean(float(r["short_answer"] is not None) for r in answered),
        "hit_at_1": mean(r["hit_at_1"] for r in ref), "hit_at_3": mean(r["hit_at_3"] for r in ref),
        "mrr": mean(r["reciprocal_rank"] for r in ref),
        "citation_precision": round(sum(r["citations_supported"] for r in ref) / n_cit, 4) if n_cit else None,
        "citation_recall": mean(float(bool(r["cited_reference"])) for r in ref),
        "no_answer_accuracy": mean(float(bool(r["refused"])) for r in una),
        "false_abstention_rate": mean(float(bool(r["refused"])) for r in ans),
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_terms_give_the_summary_figures(seed):
    scored = rows(120, seed)
    summary = _figures(scored)
    expected = figures_by_hand(scored)
    assert set(terms(scored)) == set(INTERVAL_FIGURES) == set(expected)
    for name in INTERVAL_FIGURES:
        assert summary[name] == expected[name], name


def test_interval_holds_the_figure_and_is_reproducible():
    scored = rows(300)
    figures = _figures(scored)
    intervals = bootstrap_intervals(scored, seed=3)
    assert intervals == bootstrap_intervals(scored, seed=3)
    for name in INTERVAL_FIGURES:
        lo, hi = intervals[name]
        assert lo <= figures[name] <= hi, name
        assert hi - lo > 0, name


def test_the_interval_is_the_central_95_percent():
    # 400 coin flips at 0.5: a 95% interval is about 2 x 1.96 x 0.025 = 0.098 wide (a 50% one would be 0.034).
    flips = [{**r, "answerable": False, "refused": bool(i % 2), "correct": float(i % 2)}
             for i, r in enumerate(rows(400))]
    lo, hi = bootstrap_intervals(flips)["correct"]
    assert 0.085 < hi - lo < 0.11


def test_fewer_questions_give_a_wider_interval():
    def width(n: int) -> float:
        lo, hi = bootstrap_intervals(rows(n, seed=5))["correct"]
        return hi - lo

    assert width(40) > 2 * width(1000)


def test_questions_are_resampled_within_their_article():
    # Article a answers everything, article b nothing: drawn within each article the pooled share never moves.
    right = [{**r, "answerable": False, "refused": True, "correct": 1.0} for r in rows(50, 1, "a")]
    wrong = [{**r, "answerable": False, "refused": False, "correct": 0.0} for r in rows(50, 2, "b")]
    assert bootstrap_intervals(right + wrong)["correct"] == [0.5, 0.5]
    assert bootstrap_intervals(right + wrong)["no_answer_accuracy"] == [0.5, 0.5]


def test_nothing_to_average_is_none():
    unanswerable = [{**r, "answerable": False, "hit_at_1": None} for r in rows(20)]
    intervals = bootstrap_intervals(unanswerable)
    assert intervals["containment"] is None and intervals["hit_at_3"] is None
    assert intervals["no_answer_accuracy"] is not None
    assert bootstrap_intervals([]) == {name: None for name in INTERVAL_FIGURES}


def test_the_same_run_twice_differs_by_nothing():
    scored = rows(200)
    n, diffs = paired_differences(scored, scored)
    assert n == 200
    assert diffs["correct"] == {"diff": 0.0, "interval": [0.0, 0.0], "p": 1.0}


def test_a_run_right_where_the_other_was_wrong_is_clearly_better():
    a = [{**r, "answerable": False, "refused": i % 10 != 0, "correct": float(i % 10 != 0)}
         for i, r in enumerate(rows(400))]
    b = [{**r, "refused": True, "correct": 1.0} for r in a]
    n, diffs = paired_differences(a, b)
    assert n == 400
    assert diffs["correct"]["diff"] == pytest.approx(0.1)
    lo, hi = diffs["correct"]["interval"]
    assert 0 < lo < 0.1 < hi
    assert diffs["correct"]["p"] == 0.0
    assert "containment" not in diffs  # no answerable question: neither run measures it


def test_paired_on_the_questions_both_asked():
    a = rows(100)
    b = [r for r in rows(100) if r["id"] not in {"q1", "q2"}] + rows(5, seed=9, article="other")
    n, diffs = paired_differences(a, b)
    assert n == 98
    assert diffs["correct"]["diff"] == 0.0
    assert paired_differences(a, rows(5, article="other")) == (0, {})


def test_a_question_twice_in_a_run_is_an_error():
    a = rows(10)
    with pytest.raises(InputError, match="run A has question 'q0' of 'a' twice"):
        paired_differences([*a, a[0]], a)
    with pytest.raises(InputError, match="run B has question"):
        paired_differences(a, [*a, a[3]])


def test_intervals_over_articles_see_how_far_articles_differ():
    # Six articles, each all right or all wrong: other questions of the same articles change nothing, other
    # articles change a lot.
    scored = [{**r, "answerable": False, "refused": bool(a % 2), "correct": float(a % 2)}
              for a in range(6) for r in rows(20, seed=a, article=f"art{a}")]
    assert bootstrap_intervals(scored)["correct"] == [0.5, 0.5]
    lo, hi = bootstrap_intervals(scored, articles=True)["correct"]
    assert lo < 0.3 and hi > 0.7
    with pytest.raises(ValueError, match="at least 5"):
        bootstrap_intervals(scored[:80], articles=True)  # four articles


def test_the_summary_table_shows_the_interval_over_articles_when_there_is_one():
    summary = {"n": 10, "correct": 0.5, "intervals": {"correct": [0.4, 0.6]}}
    assert "| correct | 0.500 | 0.400 to 0.600 |  |" in summary_table(summary)
    assert "other articles" not in summary_table(summary)
    wide = summary_table({**summary, "intervals_over_articles": {"correct": [0.2, 0.8]}})
    assert "| figure | value | 95% interval | 95% interval, other articles | gate |" in wide
    assert "| correct | 0.500 | 0.400 to 0.600 | 0.200 to 0.800 |  |" in wide

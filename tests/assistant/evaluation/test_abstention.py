"""`correct`, the short-answer figures and the abstention curve: on hand-made rows, then through a run with a
fake assistant that gives reader scores and short answers."""

import json
from dataclasses import replace

import pytest

from assistant import Assistant
from assistant.evaluation import GoldRow, run_eval, score_row, summarize
from assistant.evaluation.abstention import (
    THRESHOLD_GRID,
    abstention_curve,
    best_point,
    choose_threshold,
    curve_thresholds,
)
from assistant.refusal import REFUSAL, OperatingPoint
from assistant.types import Answer, ShortAnswer
from tests.assistant.evaluation.test_run import GOLD_ROWS, write_gold
from tests.support.fakes import FakeEmbedder


def gold(i: str, answerable: bool, answers=("1871",)) -> GoldRow:
    return GoldRow(id=i, question=f"q{i}?", answers=list(answers) if answerable else [], answerable=answerable,
                   kind="k", reference_contexts=[])


def answer(text: str, refused: bool = False, short: str | None = None, score: float | None = None) -> Answer:
    return Answer(text=text, refused=refused, answer_score=score,
                  short_answer=ShortAnswer(short, 0, len(short)) if short is not None else None)


def scored(row: GoldRow, ans: Answer | None, raw: Answer | None = None, error: str | None = None) -> dict:
    return score_row(row, ans, 0.01, "", FakeEmbedder(), error, raw=raw, article="a")


# -- correct and short answers ---------------------------------------------------------------------------

def test_correct_and_short_answer_figures_on_hand_made_rows():
    rows = [
        scored(gold("1", True), answer("It was built in 1871.", short="1871")),            # right, EM 1
        scored(gold("2", True, ["Maria Holt"]), answer("By Maria Holt.", short="engineer Maria Holt")),  # F1 0.8
        scored(gold("3", True), answer("It was built in 1871.")),                          # right, no short answer
        scored(gold("4", True), answer("It was built long ago.", short="long ago")),       # wrong, EM 0 F1 0
        scored(gold("5", True), answer(REFUSAL, refused=True)),                            # refused: not answered
        scored(gold("6", False), answer(REFUSAL, refused=True)),                           # rightly refused
        scored(gold("7", False), answer("In 1990.", short="1990")),                       # answered: wrong
        scored(gold("8", True), None, error="too long"),                                   # error: wrong
    ]
    assert [r["correct"] for r in rows] == [1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    assert [r["short_answer_em"] for r in rows] == [1.0, 0.0, None, 0.0, None, None, None, None]
    assert rows[1]["short_answer_f1"] == pytest.approx(0.8)
    assert rows[6]["short_answer"] == "1990" and rows[6]["short_answer_f1"] is None  # unanswerable: not scored
    s = summarize(rows)
    assert s["correct"] == pytest.approx(4 / 8, abs=1e-4)
    assert s["short_answer_em"] == pytest.approx(1 / 3, abs=1e-4)  # over rows 1, 2, 4
    assert s["short_answer_f1"] == pytest.approx((1 + 0.8 + 0) / 3, abs=1e-4)
    assert s["short_answer_coverage"] == pytest.approx(3 / 4, abs=1e-4)  # answered answerable: rows 1-4
    assert s["token_f1"] is not None and s["containment"] == 0.5  # rows 1-3 of six answerable


def test_short_answer_figures_are_null_without_any_short_answer():
    rows = [scored(gold("1", True), answer("It was built in 1871.")), scored(gold("2", False), answer("x"))]
    s = summarize(rows)
    assert s["short_answer_em"] is None and s["short_answer_f1"] is None
    assert s["short_answer_coverage"] == 0.0
    assert s["correct"] == 0.5
    assert s["abstention_curve"] == [] and s["answer_threshold"] is None


# -- the curve -------------------------------------------------------------------------------------------

def curve_rows() -> list[dict]:
    """Four questions with would-be answers and scores; the product refuses below 0.5."""
    cases = [
        (gold("a", True), answer("In 1871.", score=0.9)),          # right, confident
        (gold("b", True), answer("In 1871.", score=0.4)),          # right, unsure: refused at 0.5
        (gold("c", True), answer("Long ago.", score=0.6)),         # wrong
        (gold("d", False), answer("In 1990.", score=0.3)),         # unanswerable, unsure: refused at 0.5
        (gold("e", False), answer(REFUSAL, refused=True)),         # refused before any reader ran
    ]
    return [scored(row, OperatingPoint(0.5).apply(raw), raw=raw) for row, raw in cases]


def test_rows_keep_the_would_be_answer():
    rows = curve_rows()
    b = rows[1]
    assert b["refused"] and b["response"] == REFUSAL
    assert b["reason"] == OperatingPoint(0.5).apply(answer("In 1871.", score=0.4)).reason
    assert b["raw_refused"] is False and b["raw_containment"] == 1.0 and b["answer_score"] == 0.4
    assert b["correct"] == 0.0 and b["containment"] == 0.0
    assert rows[4]["raw_refused"] is True and rows[4]["answer_score"] is None


def test_abstention_curve_on_hand_made_rows():
    rows = curve_rows()
    points = {p["threshold"]: p for p in abstention_curve(rows, [0.0, 0.35, 0.5, 0.95])}
    assert points[0.0] == {"threshold": 0.0, "answered": 0.8, "correct": 0.6, "no_answer_accuracy": 0.5,
                           "false_abstention_rate": 0.0}
    assert points[0.35] == {"threshold": 0.35, "answered": 0.6, "correct": 0.8, "no_answer_accuracy": 1.0,
                            "false_abstention_rate": 0.0}
    assert points[0.5] == {"threshold": 0.5, "answered": 0.4, "correct": 0.6, "no_answer_accuracy": 1.0,
                           "false_abstention_rate": 0.3333}
    assert points[0.95] == {"threshold": 0.95, "answered": 0.0, "correct": 0.4, "no_answer_accuracy": 1.0,
                            "false_abstention_rate": 1.0}
    # the product's point is the product's figures
    s = summarize(rows, 0.5)
    own = next(p for p in s["abstention_curve"] if p["threshold"] == 0.5)
    assert (own["correct"], own["no_answer_accuracy"], own["false_abstention_rate"]) == (
        s["correct"], s["no_answer_accuracy"], s["false_abstention_rate"])
    assert [p["threshold"] for p in s["abstention_curve"]] == list(THRESHOLD_GRID)


def test_curve_thresholds_add_the_products_own():
    assert curve_thresholds(None) == list(THRESHOLD_GRID)
    assert len(THRESHOLD_GRID) == 101 and THRESHOLD_GRID[1] == 0.01 and THRESHOLD_GRID[-1] == 1.0
    with_own = curve_thresholds(0.4321)
    assert 0.4321 in with_own and len(with_own) == 102 and with_own == sorted(with_own)


def test_choose_threshold():
    curve = [
        {"threshold": 0.0, "correct": 0.60, "false_abstention_rate": 0.00},
        {"threshold": 0.2, "correct": 0.70, "false_abstention_rate": 0.05},
        {"threshold": 0.3, "correct": 0.70, "false_abstention_rate": 0.08},  # a tie: the lower threshold wins
        {"threshold": 0.5, "correct": 0.80, "false_abstention_rate": 0.15},  # best, but over the cap
        {"threshold": 0.9, "correct": None, "false_abstention_rate": None},
    ]
    assert choose_threshold(curve) == 0.2
    assert choose_threshold(list(reversed(curve))) == 0.2
    assert choose_threshold(curve, max_false_abstention=0.2) == 0.5
    assert choose_threshold(curve, max_false_abstention=0.0) == 0.0
    assert choose_threshold([{"threshold": 0.1, "correct": 0.9, "false_abstention_rate": 0.5}]) is None
    assert choose_threshold([]) is None
    assert choose_threshold([{"threshold": 0.3, "correct": 0.9, "false_abstention_rate": None}]) == 0.3
    assert best_point(curve) == {**curve[1], "max_false_abstention": 0.10}
    assert best_point(curve, 0.2) == {**curve[3], "max_false_abstention": 0.2}
    assert best_point([{"threshold": 0.1, "correct": 0.9, "false_abstention_rate": 0.5}]) is None


# -- through a run ---------------------------------------------------------------------------------------

class ScoredAssistant:
    """A fake over a real assistant (fake embedder): its answers carry scripted reader scores and short
    answers, and it refuses below its own threshold the way the product does (`OperatingPoint.apply`)."""

    def __init__(self, inner: Assistant, scores: dict[str, float], threshold: float | None) -> None:
        self.inner, self.scores, self.threshold = inner, scores, threshold
        self.settings, self.embedder, self.title = inner.settings, inner.embedder, inner.title
        self.article_text, self.default_backend = inner.article_text, inner.default_backend
        self.asked_with: list[float | None] = []

    @property
    def operating_point(self) -> OperatingPoint | None:
        return None if self.threshold is None else OperatingPoint(self.threshold, "setting")

    @property
    def vocabulary(self) -> frozenset[str]:
        return self.inner.vocabulary

    def ask(self, question, history=None, *, k=None, min_score=None):
        self.asked_with.append(min_score)
        ans = self.inner.ask(question, history, k=k, min_score=0.0)
        short = None
        if not ans.refused and ans.citations:
            words = ans.citations[0].quote.split()
            text = " ".join(words[-2:]).rstrip(".")
            start = self.article_text.index(text, ans.citations[0].start)
            short = ShortAnswer(text, start, start + len(text), 0.9)
        ans = replace(ans, answer_score=self.scores.get(question), short_answer=short)
        threshold = self.threshold if min_score is None else min_score
        return ans if threshold is None else OperatingPoint(threshold).apply(ans)


SCORES = {r["question"]: s for r, s in zip(GOLD_ROWS, [0.9, 0.3, 0.7, 0.2, 0.55], strict=True)}


@pytest.fixture
def scored_assistant(small_article, make_assistant):
    inner = make_assistant(article=small_article)

    def make(threshold: float | None, scores: dict[str, float] = SCORES) -> ScoredAssistant:
        return ScoredAssistant(inner, scores, threshold)

    return make


def test_run_applies_the_products_threshold_and_writes_the_curve(scored_assistant, tmp_path, capsys):
    g = write_gold(tmp_path / "g.jsonl", GOLD_ROWS)
    a = scored_assistant(0.5)
    assert run_eval(g, None, out=tmp_path / "o", assistant=a, progress=False) == 0
    assert a.asked_with == [0.0] * 5  # every would-be answer is seen
    rows = [json.loads(line) for line in (tmp_path / "o" / "results.jsonl").read_text().splitlines()]
    assert [r["answer_score"] for r in rows] == [0.9, 0.3, 0.7, 0.2, 0.55]
    v2 = rows[1]  # "How tall is the lighthouse?": answered rightly, but scored 0.3 < 0.5
    assert v2["refused"] and not v2["raw_refused"] and v2["raw_containment"] == 1.0
    assert v2["reason"] == "No sentence of the article answers this." and v2["answer_score"] == 0.3
    assert v2["failures"] == ["refused an answerable question"]
    assert rows[0]["short_answer"] is not None and rows[0]["short_answer_f1"] is not None
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["answer_threshold"] == 0.5
    assert summary["false_abstention_rate"] == 0.25
    assert summary["short_answer_coverage"] == 1.0 and summary["short_answer_f1"] is not None
    curve = {p["threshold"]: p for p in summary["abstention_curve"]}
    assert list(curve) == list(THRESHOLD_GRID)
    for name in ("correct", "no_answer_accuracy", "false_abstention_rate"):
        assert curve[0.5][name] == summary[name]
    assert rows[3]["refused"] and summary["no_answer_accuracy"] == 1.0  # Paris: scored 0.2 < 0.5
    raw_correct = [r["raw_containment"] if r["answerable"] else float(r["raw_refused"]) for r in rows]
    assert curve[0.0]["correct"] == round(sum(raw_correct) / 5, 4)
    assert curve[0.0]["false_abstention_rate"] == 0.0
    assert curve[1.0]["answered"] == 0.0
    answered = [p["answered"] for p in summary["abstention_curve"]]
    assert answered == sorted(answered, reverse=True)
    assert (tmp_path / "o" / "abstention.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (tmp_path / "o" / "report.md").read_text()
    assert "| 0.5 (product) |" in report and "![Abstention curve](abstention.png)" in report
    # Refusing any of the 4 answerable questions costs 0.25 of false abstention, over the 0.10 cap: the best
    # threshold refuses Paris (0.2) and nothing else, and ties go to the lowest such threshold.
    assert summary["best_threshold"] == {**curve[0.21], "max_false_abstention": 0.10}
    assert summary["best_threshold"]["correct"] == 1.0
    assert "the threshold would be **0.21**: `correct` 1.000" in report
    assert "`ARTICLE_ASSISTANT_ANSWER_THRESHOLD=0.21`" in report
    assert "reader-score refusal: below 0.5" in report
    assert "| short_answer_f1 |" in capsys.readouterr().out


def test_run_without_a_threshold_asks_normally_and_curves_whatever_scores_exist(scored_assistant, tmp_path):
    g = write_gold(tmp_path / "g.jsonl", GOLD_ROWS)
    a = scored_assistant(None)
    run_eval(g, None, out=tmp_path / "o", assistant=a, progress=False)
    assert a.asked_with == [None] * 5
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["answer_threshold"] is None and summary["false_abstention_rate"] == 0.0
    assert [p["threshold"] for p in summary["abstention_curve"]] == list(THRESHOLD_GRID)
    assert "(product)" not in (tmp_path / "o" / "report.md").read_text()


def test_run_with_no_scores_says_so(scored_assistant, tmp_path):
    g = write_gold(tmp_path / "g.jsonl", GOLD_ROWS)
    run_eval(g, None, out=tmp_path / "o", assistant=scored_assistant(None, scores={}), progress=False)
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["abstention_curve"] == []
    assert "No scores" in (tmp_path / "o" / "report.md").read_text()
    assert (tmp_path / "o" / "abstention.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_lists_at_most_the_first_failures(tmp_path):
    from assistant.evaluation.tables import failures_section

    rows = [scored(gold(str(i), True), answer("no")) for i in range(5)]
    text = failures_section(rows, limit=2)
    assert text.count("- **") == 2 and "… and 3 more (see results.jsonl)" in text


def test_report_table_lists_every_005_and_the_products_own_threshold() -> None:
    from assistant.evaluation.tables import abstention_table

    curve = [{"threshold": t, "answered": 1.0, "correct": 0.5, "no_answer_accuracy": 0.0,
              "false_abstention_rate": 0.0} for t in curve_thresholds(0.13)]
    table = abstention_table({"abstention_curve": curve, "answer_threshold": 0.13})
    shown = [line.split("|")[1].strip() for line in table.splitlines()[2:]]
    assert shown[:5] == ["0", "0.05", "0.1", "0.13 (product)", "0.15"]
    assert len(shown) == 22 and "0.12" not in shown

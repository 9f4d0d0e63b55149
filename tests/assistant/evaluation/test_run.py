import json
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.evaluation import (
    SUMMARY_KEYS,
    Bound,
    check_gate,
    compare_dirs,
    load_gold,
    load_thresholds,
    run_eval,
)
from assistant.evaluation.metrics import FIGURES

GOLD_ROWS = [
    {"id": "v1", "question": "When was the lighthouse of Varn built?", "answers": ["1871"], "answerable": True,
     "kind": "date", "reference_contexts": ["The lighthouse of Varn was built in 1871"]},
    {"id": "v2", "question": "How tall is the lighthouse?", "answers": ["42 metres"], "answerable": True,
     "kind": "numeric", "reference_contexts": ["It stands 42 metres tall"]},
    {"id": "v3", "question": "How much did the restoration cost?", "answers": ["3 million euros"],
     "answerable": True, "kind": "numeric", "reference_contexts": ["Restoration cost 3 million euros"]},
    {"id": "v4", "question": "What is the population of Paris?", "answers": [], "answerable": False,
     "kind": "unanswerable", "reference_contexts": []},
    {"id": "v5", "question": "When did the keepers leave the lighthouse?", "answers": ["1989"], "answerable": True,
     "kind": "followup", "reference_contexts": ["The keepers left in 1989"],
     "history": [{"role": "user", "content": "Who kept the lighthouse of Varn?"},
                 {"role": "assistant", "content": "Keepers, until the light became automatic."}]},
]
WRONG_ROW = {"id": "v6", "question": "Who designed the lighthouse of Varn?", "answers": ["Gustave Eiffel"],
             "answerable": True, "kind": "fact", "reference_contexts": ["built in 1871 by the engineer Maria Holt"]}
ROW_FIELDS = {"id", "question", "kind", "response", "refused", "citations", "retrieved", "latency_s",
              "exact_match", "token_f1", "containment", "semantic_similarity", "hit_at_1", "hit_at_3",
              "reciprocal_rank", "citation_precision", "failures"}


def write_gold(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def gold(tmp_path: Path) -> Path:
    return write_gold(tmp_path / "gold.jsonl", GOLD_ROWS)


@pytest.fixture
def varn(make_assistant, small_article):
    return make_assistant(article=small_article)


@pytest.fixture
def run(varn, gold, tmp_path):
    out = tmp_path / "out" / "nested"
    code = run_eval(gold, None, out=out, assistant=varn, progress=False)
    return code, out


def test_writes_results_summary_report_and_chart(varn, gold, tmp_path, capsys):
    out = tmp_path / "out" / "nested"
    assert run_eval(gold, None, out=out, assistant=varn, progress=False) == 0
    for name in ("results.jsonl", "summary.json", "report.md", "by_kind.png"):
        assert (out / name).is_file(), name
    assert (out / "by_kind.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    assert "| figure | value | 95% interval | gate |" in printed
    assert "| containment |" in printed


def test_without_matplotlib_the_figures_stand_without_their_charts(varn, gold, tmp_path, capsys, monkeypatch):
    """matplotlib is the `eval` extra's: a run without it writes everything but the charts, and says so."""
    import sys

    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed: importing it raises ImportError
    out = tmp_path / "out"
    assert run_eval(gold, None, out=out, assistant=varn, progress=False) == 0
    assert {p.name for p in out.iterdir()} == {"results.jsonl", "summary.json", "report.md"}
    assert "![" not in (out / "report.md").read_text() and "## Summary" in (out / "report.md").read_text()
    assert "charts skipped: they need matplotlib (pip install 'article-assistant[eval]')" in capsys.readouterr().out


def test_summary_has_every_key(run):
    _, out = run
    summary = json.loads((out / "summary.json").read_text())
    assert set(SUMMARY_KEYS) <= set(summary)
    assert {"n", "answerable", "unanswerable", "exact_match", "token_f1", "containment", "semantic_similarity",
            "hit_at_1", "hit_at_3", "mrr", "citation_precision", "citation_recall", "no_answer_accuracy",
            "false_abstention_rate", "latency_p50_s", "latency_p95_s", "by_kind"} <= set(summary)
    assert (summary["n"], summary["answerable"], summary["unanswerable"]) == (5, 4, 1)
    assert summary["backend"] == "extractive"
    assert summary["settings"]["top_k"] == 4
    assert "openai_api_key" not in summary["settings"]
    assert set(summary["by_kind"]) == {"date", "numeric", "unanswerable", "followup"}
    for figures in summary["by_kind"].values():
        assert set(FIGURES) <= set(figures)
    assert summary["by_kind"]["numeric"]["n"] == 2
    assert summary["by_kind"]["unanswerable"]["containment"] is None
    for name in FIGURES:
        v = summary[name]
        assert v is None or (0.0 <= v <= 1.0 or name.startswith("latency")), name
    assert summary["intervals"]["correct"][0] <= summary["correct"] <= summary["intervals"]["correct"][1]
    assert summary["intervals"]["containment"] is not None and "bootstrap" in summary["run"]["intervals"]


def test_small_article_scores(run):
    _, out = run
    summary = json.loads((out / "summary.json").read_text())
    # the three plain factual questions are answered from the right sentence
    assert summary["by_kind"]["date"]["containment"] == 1.0
    assert summary["by_kind"]["numeric"]["containment"] == 1.0
    assert summary["by_kind"]["date"]["hit_at_1"] == 1.0
    assert summary["by_kind"]["date"]["citation_precision"] == 1.0
    assert summary["no_answer_accuracy"] == 1.0


def test_results_rows(run):
    _, out = run
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["v1", "v2", "v3", "v4", "v5"]
    for r in rows:
        assert set(r) >= ROW_FIELDS
        assert isinstance(r["latency_s"], float)
        for c in r["citations"]:
            assert set(c) == {"n", "passage_id", "quote", "start", "end", "source_start", "source_end"}
        assert [set(h) for h in r["retrieved"]] == [{"id", "text", "start", "end", "score"}] * len(r["retrieved"])
        scores = [h["score"] for h in r["retrieved"]]
        assert scores == sorted(scores, reverse=True)
    v1 = rows[0]
    assert not v1["refused"] and "1871" in v1["response"]
    assert v1["containment"] == 1.0 and v1["hit_at_1"] == 1.0 and v1["citation_precision"] == 1.0
    assert v1["failures"] == []
    v4 = rows[3]
    assert v4["refused"] and v4["containment"] is None and v4["hit_at_1"] is None


def test_report_has_tables_chart_and_failures(varn, tmp_path):
    gold = write_gold(tmp_path / "g.jsonl", [*GOLD_ROWS, WRONG_ROW])
    run_eval(gold, None, out=tmp_path / "o", assistant=varn, progress=False)
    report = (tmp_path / "o" / "report.md").read_text()
    assert "## Summary" in report and "| containment |" in report
    assert "95% interval: 95% percentile bootstrap, 1000 resamples" in report
    assert "## By kind" in report and "| kind | n |" in report
    assert "![Figures per kind](by_kind.png)" in report
    assert "**v6**" in report and "“Gustave Eiffel”" in report
    assert "gold answer not in the reply" in report
    assert "**v1**" not in report


def test_history_is_passed_to_ask(varn, gold, tmp_path, monkeypatch):
    seen = []
    ask = varn.ask

    def spy(question, history=None, **kw):
        seen.append((question, history))
        return ask(question, history, **kw)

    monkeypatch.setattr(varn, "ask", spy)
    run_eval(gold, None, out=tmp_path / "o", assistant=varn, progress=False)
    assert seen[4] == (GOLD_ROWS[4]["question"], GOLD_ROWS[4]["history"])
    assert seen[0][1] is None


def test_k_limits_retrieval(varn, gold, tmp_path):
    run_eval(gold, None, out=tmp_path / "o", assistant=varn, k=2, progress=False)
    rows = [json.loads(line) for line in (tmp_path / "o" / "results.jsonl").read_text().splitlines()]
    assert all(len(r["retrieved"]) <= 2 for r in rows)
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["run"]["k"] == 2
    with pytest.raises(InputError, match="k must be"):
        run_eval(gold, None, out=tmp_path / "o", assistant=varn, k=0, progress=False)


# -- gate ------------------------------------------------------------------------------------------------

def test_packaged_thresholds():
    bounds = load_thresholds()
    assert bounds == {
        "containment": Bound("containment", min=0.74),
        "hit_at_3": Bound("hit_at_3", min=0.92),
        "citation_precision": Bound("citation_precision", min=0.84),
        "no_answer_accuracy": Bound("no_answer_accuracy", min=0.75),
        "false_abstention_rate": Bound("false_abstention_rate", max=0.08),
        "correct": Bound("correct", min=0.74),
    }


def test_check_gate():
    bounds = load_thresholds()
    good = {"containment": 0.8, "hit_at_3": 1.0, "citation_precision": 0.95, "no_answer_accuracy": 1.0,
            "false_abstention_rate": 0.05, "correct": 0.8}
    assert check_gate(good, bounds) == []
    bad = {**good, "containment": 0.5, "false_abstention_rate": 0.2}
    failed = check_gate(bad, bounds)
    assert len(failed) == 2
    assert failed[0].startswith("containment 0.5 < min 0.74")
    assert failed[1].startswith("false_abstention_rate 0.2 > max 0.08")
    assert check_gate({**good, "no_answer_accuracy": None}, bounds) == []  # not measured: not gated


def test_the_followups_gate_holds_them_to_one_conversation_below_fourteen_of_fourteen():
    from importlib import resources

    path = resources.files("assistant.evaluation").joinpath("thresholds-followups.toml")
    bounds = load_thresholds(Path(str(path)))
    assert bounds["correct"].check(13 / 14) is None and bounds["correct"].check(12 / 14)
    assert bounds["containment"].check(12 / 13) is None and bounds["containment"].check(11 / 13)
    assert bounds["false_abstention_rate"].check(1 / 13) is None and bounds["false_abstention_rate"].check(2 / 13)


def test_gate_fails_when_thresholds_cannot_be_met(varn, gold, tmp_path, capsys):
    strict = {"containment": {"min": 1.0}, "false_abstention_rate": {"max": 0.0}, "semantic_similarity": {"min": 1.0}}
    code = run_eval(gold, None, out=tmp_path / "o", assistant=varn, gate=True, thresholds=strict, progress=False)
    assert code == 1
    printed = capsys.readouterr().out
    assert "gate FAILED" in printed and "semantic_similarity" in printed
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["gate"]["passed"] is False


def test_gate_passes_with_loose_thresholds(varn, gold, tmp_path, capsys):
    loose = {"containment": {"min": 0.0}, "false_abstention_rate": {"max": 1.0}}
    assert run_eval(gold, None, out=tmp_path / "o", assistant=varn, gate=True, thresholds=loose,
                    progress=False) == 0
    assert "gate passed" in capsys.readouterr().out


def test_without_gate_the_exit_code_is_zero(varn, gold, tmp_path):
    strict = {"containment": {"min": 1.0}, "semantic_similarity": {"min": 1.0}}
    assert run_eval(gold, None, out=tmp_path / "o", assistant=varn, thresholds=strict, progress=False) == 0


@pytest.mark.parametrize(("toml", "message"), [
    ("[bogus]\nmin = 1\n", "unknown figure"),
    ("[containment]\nleast = 1\n", "min` and/or `max"),
    ("[containment]\nmin = \"high\"\n", "must be a number"),
    ("containment = [", "not valid TOML"),
])
def test_bad_thresholds_file(tmp_path, toml, message):
    p = tmp_path / "t.toml"
    p.write_text(toml)
    with pytest.raises(InputError, match=message):
        load_thresholds(p)


# -- compare ---------------------------------------------------------------------------------------------

def test_compare_dirs(varn, gold, tmp_path):
    run_eval(gold, None, out=tmp_path / "a", assistant=varn, progress=False)
    summary_b = json.loads((tmp_path / "a" / "summary.json").read_text())
    summary_b["containment"] = (summary_b["containment"] or 0) - 0.25
    summary_b["settings"]["top_k"] = 6
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "summary.json").write_text(json.dumps(summary_b))
    text = compare_dirs(tmp_path / "a", tmp_path / "b")
    assert "| figure | A | B | B - A |" in text
    assert any(line.startswith("| containment |") and line.rstrip().endswith("| -0.250 |")
               for line in text.splitlines())
    assert "| hit_at_3 |" in text and "+0.000" in text
    assert "top_k: 4 -> 6" in text
    assert "| kind | figure | A | B | B - A |" in text
    assert "(no paired intervals: a run has no results.jsonl)" in text


def test_compare_dirs_pairs_the_questions_both_asked(varn, gold, tmp_path):
    run_eval(gold, None, out=tmp_path / "a", assistant=varn, progress=False)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "summary.json").write_text((tmp_path / "a" / "summary.json").read_text())
    rows = [json.loads(line) for line in (tmp_path / "a" / "results.jsonl").read_text().splitlines()]
    assert rows[0]["correct"] == 1.0
    rows[0]["correct"] = 0.0  # B gets the first question wrong
    (tmp_path / "b" / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:-1]))
    text = compare_dirs(tmp_path / "a", tmp_path / "b")
    assert f"On the {len(rows) - 1} questions both runs asked" in text
    line = next(line for line in text.splitlines() if line.startswith("| correct |") and "to" in line)
    assert line.split("|")[2].strip() == f"{-1 / (len(rows) - 1):+.3f}"
    (tmp_path / "b" / "results.jsonl").write_text("{nope\n")
    with pytest.raises(InputError, match="not valid JSON lines"):
        compare_dirs(tmp_path / "a", tmp_path / "b")
    (tmp_path / "b" / "results.jsonl").write_text('{"id": "v1", "correct": 1.0}\n')
    with pytest.raises(InputError, match=r"results\.jsonl:1: not a scored result row \(no 'answerable'"):
        compare_dirs(tmp_path / "a", tmp_path / "b")


def test_compare_dirs_bad_input(tmp_path):
    with pytest.raises(InputError, match="no such eval output folder"):
        compare_dirs(tmp_path / "missing", tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"no summary\.json"):
        compare_dirs(tmp_path / "empty", tmp_path / "empty")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "summary.json").write_text("{nope")
    with pytest.raises(InputError, match="not valid JSON"):
        compare_dirs(tmp_path / "broken", tmp_path / "broken")


# -- gold file validation --------------------------------------------------------------------------------

def test_load_gold_shipped_dev_set():
    from tests.support.articles import GOLD

    rows = load_gold(GOLD)
    assert len(rows) == 31
    assert any(r.history for r in rows)
    assert sum(not r.answerable for r in rows) == 4


def test_bad_json_line_is_named(tmp_path, varn):
    p = tmp_path / "gold.jsonl"
    p.write_text(json.dumps(GOLD_ROWS[0]) + "\n\n{\"id\": \"x\", oops}\n")
    with pytest.raises(InputError, match=r"line 3: not valid JSON") as exc:
        run_eval(p, None, out=tmp_path / "o", assistant=varn, progress=False)
    assert "\n" not in str(exc.value)
    assert not (tmp_path / "o").exists()


def test_missing_gold_file(tmp_path):
    with pytest.raises(InputError, match="no such gold file"):
        load_gold(tmp_path / "nope.jsonl")


@pytest.mark.parametrize(("row", "message"), [
    ({k: v for k, v in GOLD_ROWS[0].items() if k != "answers"}, "line 1: missing field.*answers"),
    ({k: v for k, v in GOLD_ROWS[0].items() if k not in ("kind", "question")}, "missing field.*question, kind"),
    ({**GOLD_ROWS[0], "answers": "1871"}, "'answers' must be a list of strings"),
    ({**GOLD_ROWS[0], "answers": [1871]}, "'answers' must be a list of strings"),
    ({**GOLD_ROWS[0], "answerable": "yes"}, "'answerable' must be true or false"),
    ({**GOLD_ROWS[0], "question": "  "}, "'question' is empty"),
    ({**GOLD_ROWS[0], "answers": []}, "needs at least one answer"),
    ({**GOLD_ROWS[0], "history": "hi"}, "'history' must be a list"),
    ([1, 2], "expected a JSON object"),
])
def test_invalid_rows(tmp_path, row, message):
    p = tmp_path / "gold.jsonl"
    p.write_text(json.dumps(row) + "\n")
    with pytest.raises(InputError, match=message):
        load_gold(p)


def test_duplicate_ids_and_empty_file(tmp_path):
    p = write_gold(tmp_path / "dup.jsonl", [GOLD_ROWS[0], GOLD_ROWS[0]])
    with pytest.raises(InputError, match="line 2: id 'v1' already used on line 1"):
        load_gold(p)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(InputError, match="no questions"):
        load_gold(empty)


def test_bad_question_is_a_row_error_not_a_crash(make_assistant, small_article, tmp_path):
    assistant = make_assistant(article=small_article, max_question_chars=20)
    gold = write_gold(tmp_path / "g.jsonl", GOLD_ROWS[:1])
    assert run_eval(gold, None, out=tmp_path / "o", assistant=assistant, progress=False) == 0
    row = json.loads((tmp_path / "o" / "results.jsonl").read_text())
    assert "characters long" in row["error"]
    assert row["failures"][0].startswith("error:")


def test_needs_settings_or_assistant(gold, tmp_path):
    with pytest.raises(InputError, match="settings or an assistant"):
        run_eval(gold, None, out=tmp_path / "o", progress=False)


def test_cli_eval(gold, tmp_path, small_article, capsys):
    """The CLI path builds its own Assistant from the settings, on the models it is given (the fakes)."""
    from functools import partial

    from tests.assistant.evaluation.test_suite import fake_models
    from ui.cli import main as cli_main

    main = partial(cli_main, models=fake_models())
    out = tmp_path / "cli-out"
    args = ["eval", str(gold), "--backend", "extractive", "--article", str(small_article),
            "--data-dir", str(tmp_path / "data"), "--out", str(out)]
    assert main(args) == 0
    assert (out / "summary.json").is_file()
    assert main([*args, "--gate"]) == 0
    failing = write_gold(tmp_path / "failing.jsonl", [GOLD_ROWS[0], WRONG_ROW])  # containment 0.5 < 0.66
    assert main([*args[:1], str(failing), *args[2:], "--gate"]) == 1
    assert "gate FAILED: containment 0.5 < min 0.74" in capsys.readouterr().out
    loose = tmp_path / "loose.toml"
    loose.write_text("[containment]\nmin = 0.4\n", encoding="utf-8")
    assert main([*args[:1], str(failing), *args[2:], "--gate", "--thresholds", str(loose)]) == 0
    assert "gate passed" in capsys.readouterr().out
    assert main([*args, "--gate", "--thresholds", str(tmp_path / "none.toml")]) == 2
    assert "none.toml: no such thresholds file" in capsys.readouterr().err
    assert main([*args, "--thresholds", str(loose)]) == 2
    assert "--thresholds only applies with --gate" in capsys.readouterr().err
    assert main(["eval", "--compare", str(out), str(out)]) == 0
    assert "B - A" in capsys.readouterr().out
    assert main(["eval", str(tmp_path / "missing.jsonl"), "--out", str(out)]) == 2
    assert "no such gold file" in capsys.readouterr().err

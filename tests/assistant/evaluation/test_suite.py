"""`eval --suite DIR`, SQuAD 2.0 files and `--sample`: discovery, isolation between articles, pooled figures."""

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.errors import InputError
from assistant.evaluation import SUMMARY_KEYS, load_gold, run_eval, run_suite, summarize
from assistant.evaluation.suite import discover_suite, read_squad, sample_rows
from tests.support.fakes import FakeEmbedder

SHARED = "The harbour market opens every Saturday morning. Fishermen sell their catch beside the old customs house."
VARN = ("The lighthouse of Varn was built in 1871 by the engineer Maria Holt. "
        "It stands 42 metres tall on the northern cliff.")
OSK = "The mill of Osk was built in 1904 by the miller Jonas Berg. Its wheel is 9 metres wide and turns in the river."

# Two articles sharing one paragraph, at different offsets: Varn has it last, Osk first.
ARTICLES = {
    "Lighthouse_of_Varn": ("Lighthouse of Varn", [VARN, SHARED]),
    "Mill_of_Osk": ("Mill of Osk", [SHARED, OSK]),
}
QUESTIONS = {
    "Lighthouse_of_Varn": [
        {"id": "v1", "question": "When was the lighthouse of Varn built?", "answers": ["1871"],
         "answerable": True, "kind": "squad",
         "reference_contexts": ["The lighthouse of Varn was built in 1871 by the engineer Maria Holt."]},
        {"id": "v2", "question": "When does the harbour market open?", "answers": ["every Saturday morning"],
         "answerable": True, "kind": "squad",
         "reference_contexts": ["The harbour market opens every Saturday morning."]},
        {"id": "v3", "question": "Who built the mill of Osk?", "answers": [], "answerable": False,
         "kind": "squad", "reference_contexts": [], "plausible_answers": ["Maria Holt"],
         "distractor_contexts": ["The lighthouse of Varn was built in 1871 by the engineer Maria Holt."]},
    ],
    "Mill_of_Osk": [
        {"id": "o1", "question": "When was the mill of Osk built?", "answers": ["1904"], "answerable": True,
         "kind": "squad", "reference_contexts": ["The mill of Osk was built in 1904 by the miller Jonas Berg."]},
        {"id": "o2", "question": "Where do fishermen sell their catch?", "answers": ["beside the old customs house"],
         "answerable": True, "kind": "squad",
         "reference_contexts": ["Fishermen sell their catch beside the old customs house."]},
        {"id": "o3", "question": "How tall is the lighthouse of Varn?", "answers": [], "answerable": False,
         "kind": "squad", "reference_contexts": []},
    ],
}


def article_text(title: str, paragraphs: list[str]) -> str:
    return "\n\n".join([title, *paragraphs]) + "\n"


def write_suite(folder: Path, articles=ARTICLES, questions=QUESTIONS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (title, paragraphs) in articles.items():
        (folder / f"{name}.txt").write_text(article_text(title, paragraphs), encoding="utf-8")
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in questions[name]),
                                              encoding="utf-8")
    return folder


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    return write_suite(tmp_path / "suite")


@pytest.fixture
def factory(make_assistant):
    """One assistant per article on the fakes (conftest's), all in one data dir; remembers what it built."""
    built: dict[str, Assistant] = {}

    def make(article: Path) -> Assistant:
        built[Path(article).stem] = make_assistant(article=article)
        return built[Path(article).stem]

    make.built = built  # type: ignore[attr-defined]
    return make


def read_rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def without_latency(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "latency_s"} for r in rows]


# -- discovery -------------------------------------------------------------------------------------------

def test_discover_suite(suite):
    (suite / "LICENSE.md").write_text("CC BY-SA")
    (suite / "notes").mkdir()
    found = discover_suite(suite)
    assert [a.name for a in found] == ["Lighthouse_of_Varn", "Mill_of_Osk"]
    assert found[0].text == suite / "Lighthouse_of_Varn.txt"
    assert found[0].gold == suite / "Lighthouse_of_Varn.jsonl"


def test_discover_suite_bad_folders(tmp_path, suite):
    with pytest.raises(InputError, match="no such suite folder"):
        discover_suite(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no articles in the suite folder"):
        discover_suite(tmp_path / "empty")
    (suite / "Orphan.txt").write_text("Orphan\n\nText.\n")
    with pytest.raises(InputError, match=r"Orphan\.txt: no Orphan\.jsonl beside it"):
        discover_suite(suite)
    (suite / "Orphan.txt").unlink()
    (suite / "Lonely.jsonl").write_text(json.dumps(QUESTIONS["Mill_of_Osk"][0]) + "\n")
    with pytest.raises(InputError, match=r"Lonely\.jsonl: no Lonely\.txt beside it"):
        discover_suite(suite)
    (suite / "Lonely.jsonl").unlink()
    write_suite(suite, {"mill of osk": ARTICLES["Mill_of_Osk"]}, {"mill of osk": QUESTIONS["Mill_of_Osk"]})
    with pytest.raises(InputError, match="would share one index"):
        discover_suite(suite)


# -- a suite run -----------------------------------------------------------------------------------------

@pytest.fixture
def suite_run(suite, factory, tmp_path, capsys):
    out = tmp_path / "out"
    assert run_suite(suite, None, out=out, make_assistant=factory, progress=False) == 0
    return out, capsys.readouterr().out


def test_suite_writes_pooled_outputs(suite_run):
    out, printed = suite_run
    for name in ("results.jsonl", "summary.json", "report.md", "by_kind.png", "by_article.png", "abstention.png"):
        assert (out / name).is_file(), name
    rows = read_rows(out)
    assert [(r["article"], r["id"]) for r in rows] == [
        ("Lighthouse_of_Varn", "v1"), ("Lighthouse_of_Varn", "v2"), ("Lighthouse_of_Varn", "v3"),
        ("Mill_of_Osk", "o1"), ("Mill_of_Osk", "o2"), ("Mill_of_Osk", "o3")]
    assert rows[2]["plausible_answers"] == ["Maria Holt"]
    summary = json.loads((out / "summary.json").read_text())
    assert set(SUMMARY_KEYS) <= set(summary)
    assert (summary["n"], summary["answerable"], summary["unanswerable"]) == (6, 4, 2)
    assert list(summary["by_article"]) == ["Lighthouse_of_Varn", "Mill_of_Osk"]
    pooled_keys = set(summarize([]))
    for figures in summary["by_article"].values():
        assert set(figures) == pooled_keys
    assert summary["run"]["articles"]["Mill_of_Osk"] == {
        "title": "Mill of Osk", "questions": 3, "article": str(out.parent / "suite" / "Mill_of_Osk.txt"),
        "gold": str(out.parent / "suite" / "Mill_of_Osk.jsonl")}
    assert summary["run"]["duration_s"] >= 0
    assert summary["settings"]["article"] == str(out.parent / "suite")
    assert summary["correct"] == 1.0  # every question answered from its own article, or refused
    report = (out / "report.md").read_text()
    assert "## By article" in report and "| Lighthouse_of_Varn | 3 |" in report and "| Mill_of_Osk | 3 |" in report
    assert "![Figures per article](by_article.png)" in report
    assert "## Abstention curve" in report
    assert "intervals_over_articles" not in summary  # two articles are too few to resample
    assert "Chosen on these 6 questions" in report and "Each article's own choice:" in report
    for name, figures in summary["by_article"].items():
        b = figures["best_threshold"]
        assert f"| {name} | 3 | {b['threshold']:g} | {b['correct']:.3f} |" in report
    assert "| article | n | correct |" in printed and "took " in printed


def test_articles_do_not_leak(suite_run, factory, suite):
    """The same paragraph in two articles: each row's passages and citations come from its own article."""
    out, _ = suite_run
    texts = {name: factory.built[name].article_text for name in ARTICLES}
    assert texts["Lighthouse_of_Varn"].index(SHARED) != texts["Mill_of_Osk"].index(SHARED)
    collections = {a.index.manifest.collection for a in factory.built.values()}
    assert len(collections) == 2
    for r in read_rows(out):
        own = texts[r["article"]]
        for h in r["retrieved"]:
            assert own[h["start"]:h["end"]] == h["text"], (r["id"], h)
        for c in r["citations"]:
            assert own[c["start"]:c["end"]] == c["quote"], (r["id"], c)
        other = OSK if r["article"] == "Lighthouse_of_Varn" else VARN
        assert not any(other[:30] in h["text"] for h in r["retrieved"])
    by_id = {r["id"]: r for r in read_rows(out)}
    assert by_id["v2"]["containment"] == 1.0 and by_id["o2"]["containment"] == 1.0
    assert by_id["v3"]["refused"] and by_id["o3"]["refused"]  # the other article's facts are not here


def test_pooled_figures_agree_with_recomputation(suite_run):
    out, _ = suite_run
    rows = read_rows(out)
    summary = json.loads((out / "summary.json").read_text())
    pooled = {k: summary[k] for k in summarize([])}
    assert pooled == json.loads(json.dumps(summarize(rows, summary["answer_threshold"])))
    for name, figures in summary["by_article"].items():
        mine = [r for r in rows if r["article"] == name]
        assert figures == json.loads(json.dumps(summarize(mine, summary["answer_threshold"])))


def test_suite_gate(suite, factory, tmp_path, capsys):
    strict = {"correct": {"min": 1.01}}
    assert run_suite(suite, None, out=tmp_path / "o", make_assistant=factory, progress=False, gate=True,
                     thresholds=strict) == 1
    assert "gate FAILED: correct 1 < min 1.01" in capsys.readouterr().out


# -- sampling --------------------------------------------------------------------------------------------

class Row:
    def __init__(self, i: int, answerable: bool) -> None:
        self.i, self.answerable = i, answerable

    def __repr__(self) -> str:
        return f"Row({self.i}, {self.answerable})"


def test_sample_rows_is_deterministic_and_balanced():
    rows = [Row(i, i % 3 != 0) for i in range(30)]  # 20 answerable, 10 not
    picked = sample_rows(rows, 8, seed=0, salt="a")
    assert len(picked) == 8 and sum(r.answerable for r in picked) == 4
    assert [r.i for r in picked] == sorted(r.i for r in picked)  # file order
    assert picked == sample_rows(rows, 8, seed=0, salt="a")
    assert len({tuple(r.i for r in sample_rows(rows, 8, seed=s, salt="a")) for s in range(5)}) > 1
    assert len({tuple(r.i for r in sample_rows(rows, 8, seed=0, salt=t)) for t in "abcde"}) > 1
    odd = sample_rows(rows, 5, seed=3)
    assert sum(r.answerable for r in odd) == 3
    short = sample_rows(rows, 26, seed=1)  # only 10 unanswerable: the rest answerable
    assert sum(not r.answerable for r in short) == 10 and len(short) == 26
    assert sample_rows(rows, 30) == rows and sample_rows(rows, 99) == rows
    with pytest.raises(InputError, match="--sample must be at least 1"):
        sample_rows(rows, 0)


def test_suite_sample(suite, factory, tmp_path):
    for out in ("a", "b"):
        assert run_suite(suite, None, out=tmp_path / out, make_assistant=factory, progress=False, sample=2,
                         seed=7) == 0
    rows = read_rows(tmp_path / "a")
    assert [r["id"] for r in rows] == [r["id"] for r in read_rows(tmp_path / "b")]
    for name in ARTICLES:
        mine = [r for r in rows if r["article"] == name]
        assert len(mine) == 2 and sum(r["answerable"] for r in mine) == 1
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert (summary["run"]["sample"], summary["run"]["seed"]) == (2, 7)
    assert "sample: 2 questions per article (seed 7)" in (tmp_path / "a" / "report.md").read_text()


# -- SQuAD 2.0 files -------------------------------------------------------------------------------------

def squad_qa(qid: str, question: str, context: str, answer: str | None, plausible: str | None = None) -> dict:
    qa: dict = {"id": qid, "question": question, "is_impossible": answer is None, "answers": []}
    if answer is not None:
        start = context.index(answer)
        qa["answers"] = [{"text": answer, "answer_start": start}, {"text": answer, "answer_start": start}]
    if plausible is not None:
        qa["plausible_answers"] = [{"text": plausible, "answer_start": context.index(plausible)}]
    return qa


def squad_file(path: Path) -> Path:
    """The suite above as a SQuAD 2.0 file."""
    data = {"version": "v2.0", "data": [
        {"title": "Lighthouse_of_Varn", "paragraphs": [
            {"context": VARN, "qas": [
                squad_qa("v1", "When was the lighthouse of Varn built?", VARN, "1871"),
                squad_qa("v3", "Who built the mill of Osk?", VARN, None, plausible="Maria Holt")]},
            {"context": SHARED, "qas": [
                squad_qa("v2", "When does the harbour market open?", SHARED, "every Saturday morning")]}]},
        {"title": "Mill_of_Osk", "paragraphs": [
            {"context": SHARED, "qas": [
                squad_qa("o2", "Where do fishermen sell their catch?", SHARED, "beside the old customs house")]},
            {"context": OSK, "qas": [
                squad_qa("o1", "When was the mill of Osk built?", OSK, "1904"),
                {"id": "o3", "question": "How tall is the lighthouse of Varn?", "answers": [],
                 "is_impossible": True}]}]},
    ]}
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def test_read_squad_lays_out_articles_like_the_suite(tmp_path):
    articles = read_squad(squad_file(tmp_path / "dev.json"))
    assert [a.name for a in articles] == ["Lighthouse_of_Varn", "Mill_of_Osk"]
    for a in articles:
        title, paragraphs = ARTICLES[a.name]
        assert a.text() == article_text(title, paragraphs)
        by_id = {r["id"]: r for r in QUESTIONS[a.name]}
        assert sorted(a.rows, key=lambda r: r["id"]) == sorted(by_id.values(), key=lambda r: r["id"])


def test_squad_file_gives_the_same_rows_as_the_converted_suite(suite, tmp_path, factory):
    squad = squad_file(tmp_path / "dev.json")
    assert run_eval(squad, None, out=tmp_path / "from-squad", make_assistant=factory, progress=False) == 0
    assert run_suite(suite, None, out=tmp_path / "from-suite", make_assistant=factory, progress=False) == 0
    converted = tmp_path / "from-squad" / "squad-articles"
    for name in ARTICLES:
        assert (converted / f"{name}.txt").read_text() == (suite / f"{name}.txt").read_text()
        gold = lambda path: sorted(({**asdict(r), "line": 0} for r in load_gold(path)), key=lambda r: r["id"])
        assert gold(converted / f"{name}.jsonl") == gold(suite / f"{name}.jsonl")
    key = lambda r: (r["article"], r["id"])
    assert sorted(without_latency(read_rows(tmp_path / "from-squad")), key=key) == sorted(
        without_latency(read_rows(tmp_path / "from-suite")), key=key)
    summary = json.loads((tmp_path / "from-squad" / "summary.json").read_text())
    assert summary["run"]["gold"] == str(squad)
    assert "- SQuAD file: `" in (tmp_path / "from-squad" / "report.md").read_text()


def test_squad_reference_context_is_the_sentence_of_the_first_answer(tmp_path):
    context = "Dr. Holt came first. The lamp was lit in 1936 by Holt. It burned oil until 1950."
    data = {"version": "v2.0", "data": [{"title": "Lamp", "paragraphs": [{"context": context, "qas": [
        squad_qa("a", "When was the lamp lit?", context, "1936"),
        squad_qa("b", "Until when did it burn oil?", context, "1950"),
        squad_qa("c", "Who lit the lamp and when?", context, "1936 by Holt. It burned"),
        {"id": "d", "question": "Who came first?", "is_impossible": False,
         "answers": [{"text": "Holt", "answer_start": 999}]},  # a wrong offset: found by search
    ]}]}]}
    path = tmp_path / "lamp.json"
    path.write_text(json.dumps(data))
    rows = {r["id"]: r for r in read_squad(path)[0].rows}
    assert rows["a"]["reference_contexts"] == ["The lamp was lit in 1936 by Holt."]
    assert rows["b"]["reference_contexts"] == ["It burned oil until 1950."]
    assert rows["c"]["reference_contexts"] == ["The lamp was lit in 1936 by Holt. It burned oil until 1950."]
    assert rows["d"]["reference_contexts"] == ["Dr. Holt came first."]
    assert rows["a"]["answers"] == ["1936"]  # duplicates dropped


# -- bad input -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "message"), [
    ('{"version": "v2.0",\n "data": [\n  {"title": "x" "paragraphs": []}]}', r"dev\.json line 3: not valid JSON"),
    ('{"id": 1}\n{"id": 2}\n', r"line 2: not valid JSON \(Extra data.*name the file \.jsonl"),
    ('[{"question": "q"}]', "not a SQuAD 2.0 file"),
    ('{"version": "v2.0", "rows": []}', "not a SQuAD 2.0 file"),
    ('{"data": [{"title": "T", "paragraphs": [{"context": "C.", "qas": [{"id": "q"}]}]}]}',
     r"data\[0\]\.paragraphs\[0\]\.qas\[0\]: missing field 'question'"),
    ('{"data": [{"title": "T", "paragraphs": [{"context": "C.", "qas": [{"id": "q", "question": "Q?", '
     '"answers": [], "is_impossible": false}]}]}]}', "needs at least one answer"),
    ('{"data": [{"title": "T", "paragraphs": [{"context": "C.", "qas": []}]}]}', "no questions in the SQuAD file"),
    ('{"data": [{"paragraphs": []}]}', r"data\[0\]: expected an object with a \"title\""),
])
def test_bad_squad_files(tmp_path, content, message):
    path = tmp_path / "dev.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message) as exc:
        run_eval(path, None, out=tmp_path / "o", make_assistant=lambda p: None, progress=False)  # type: ignore
    assert "\n" not in str(exc.value)
    assert not (tmp_path / "o").exists()


def test_bad_sample_and_missing_settings(suite, tmp_path, factory):
    with pytest.raises(InputError, match="--sample must be at least 1"):
        run_suite(suite, None, out=tmp_path / "o", make_assistant=factory, progress=False, sample=0)
    with pytest.raises(InputError, match="needs settings or make_assistant"):
        run_suite(suite, None, out=tmp_path / "o", progress=False)


def test_bad_gold_line_in_a_suite_stops_before_asking(suite, tmp_path, factory):
    (suite / "Mill_of_Osk.jsonl").write_text('{"id": "o1", oops}\n')
    with pytest.raises(InputError, match=r"Mill_of_Osk\.jsonl line 1: not valid JSON"):
        run_suite(suite, None, out=tmp_path / "o", make_assistant=factory, progress=False)
    assert factory.built == {}


# -- the command line ------------------------------------------------------------------------------------

def fake_models() -> dict[str, object]:
    """What the command line gets instead of loading models: conftest's fake embedder and reader."""
    from tests.support.fakes import FakeReader

    return {"embedder": FakeEmbedder(), "reader": FakeReader()}


@pytest.fixture
def cli(capsys):
    from ui.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args), models=fake_models())
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_cli_suite_and_squad(cli, suite, tmp_path):
    data = str(tmp_path / "data")
    code, out, _ = cli("eval", "--suite", str(suite), "--backend", "extractive", "--data-dir", data,
                       "--out", str(tmp_path / "o"), "--sample", "2", "--seed", "3")
    assert code == 0, out
    assert "| Mill_of_Osk | 2 |" in out and "took " in out
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["n"] == 4 and summary["run"]["seed"] == 3 and summary["backend"] == "extractive"
    squad = squad_file(tmp_path / "dev.json")
    code, out, _ = cli("eval", str(squad), "--backend", "extractive", "--data-dir", data, "--out",
                       str(tmp_path / "s"), "--gate")
    assert code == 0 and "gate passed" in out
    assert (tmp_path / "s" / "squad-articles" / "Mill_of_Osk.txt").is_file()


def test_cli_bad_input_is_one_line_and_exit_2(cli, suite, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad.json").write_text('{"data": 1}')
    orphans = write_suite(tmp_path / "orphans")
    (orphans / "Orphan.txt").write_text("Orphan\n\nText.\n")
    cases = [
        (["eval", "data/gold-dev.jsonl", "--suite", str(suite)], "not both"),
        (["eval", "--suite", str(tmp_path / "empty")], "no articles in the suite folder"),
        (["eval", "--suite", str(orphans)], "Orphan.txt: no Orphan.jsonl beside it"),
        (["eval", str(tmp_path / "bad.json")], "not a SQuAD 2.0 file"),
        (["eval", "--suite", str(suite), "--sample", "0"], "--sample must be at least 1"),
        (["eval"], "give a gold file"),
    ]
    for args, message in cases:
        code, _, err = cli(*args, "--out", str(tmp_path / "o"), "--data-dir", str(tmp_path / "data"))
        assert code == 2, args
        assert message in err, (args, err)
        assert err.count("\n") == 1 and err.startswith("article-assistant: error: "), err


def test_a_suite_of_five_articles_also_gets_intervals_over_articles(tmp_path, factory):
    names = [f"Copy_{i}" for i in range(5)]
    source = list(ARTICLES)
    articles = {n: ARTICLES[source[i % 2]] for i, n in enumerate(names)}
    questions = {n: QUESTIONS[source[i % 2]] for i, n in enumerate(names)}
    out = tmp_path / "out"
    assert run_suite(write_suite(tmp_path / "five", articles, questions), None, out=out, make_assistant=factory,
                     progress=False) == 0
    summary = json.loads((out / "summary.json").read_text())
    lo, hi = summary["intervals_over_articles"]["correct"]
    assert lo <= summary["correct"] <= hi
    assert "over articles: whole articles resampled" in summary["run"]["intervals"]
    assert "| 95% interval, other articles |" in (out / "report.md").read_text()

"""Both training formats load into one shape, gzipped or not, and a malformed file fails with one line that
names the file and the row."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from assistant.training.sources import DataError, load_eval_article, load_selection, load_squad

CONTEXT = "The Kerrow Point lighthouse was built in 1871. Its keeper was Martha Quinn."
SQUAD = {"version": "v2.0", "data": [{"title": "Lighthouses", "paragraphs": [{"context": CONTEXT, "qas": [
    {"id": "a", "question": "When was the lighthouse built?", "is_impossible": False,
     "answers": [{"text": "1871", "answer_start": CONTEXT.index("1871")}]},
    {"id": "b", "question": "When was the lighthouse painted?", "is_impossible": True, "answers": [],
     "plausible_answers": [{"text": "1871", "answer_start": CONTEXT.index("1871")}]},
]}]}]}


def test_squad_json_gives_documents_with_answers_and_plausible_answers(tmp_path: Path) -> None:
    path = tmp_path / "s.json.gz"
    path.write_bytes(gzip.compress(json.dumps(SQUAD).encode()))
    [doc] = load_squad(path)
    assert doc.title == "Lighthouses" and doc.source == "s.json.gz"
    a, b = doc.paragraphs[0].questions
    assert a.answerable and a.answers == (("1871", CONTEXT.index("1871")),)
    assert not b.answerable and b.plausible == (("1871", CONTEXT.index("1871")),)


def test_an_answer_at_a_wrong_offset_is_found_by_its_text_and_one_not_in_the_context_fails(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SQUAD))
    data["data"][0]["paragraphs"][0]["qas"][0]["answers"][0]["answer_start"] = 0
    (tmp_path / "s.json").write_text(json.dumps(data), encoding="utf-8")
    assert load_squad(tmp_path / "s.json")[0].paragraphs[0].questions[0].answers[0][1] == CONTEXT.index("1871")
    data["data"][0]["paragraphs"][0]["qas"][0]["answers"][0]["text"] = "1902"
    (tmp_path / "s.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataError, match=r"s\.json: data\[0\]\.paragraphs\[0\]\.qas\[0\]: answer '1902' is not in"):
        load_squad(tmp_path / "s.json")


@pytest.mark.parametrize(("broken", "message"), [
    ("{", "not valid JSON"),
    ('{"data": 3}', "not SQuAD JSON"),
    ('{"data": [{"paragraphs": [{"context": "x", "qas": [{"id": "q"}]}]}]}',
     r"data\[0\]\.paragraphs\[0\]\.qas\[0\]: a question needs"),
])
def test_a_malformed_squad_file_names_the_file_and_the_row(tmp_path: Path, broken: str, message: str) -> None:
    (tmp_path / "bad.json").write_text(broken, encoding="utf-8")
    with pytest.raises(DataError, match=message) as err:
        load_squad(tmp_path / "bad.json")
    assert str(err.value).startswith(str(tmp_path / "bad.json")) and "\n" not in str(err.value)


def test_selection_jsonl_keeps_labels_and_names_a_bad_line(tmp_path: Path) -> None:
    good = {"question": "Who kept the light?", "candidates": ["Martha Quinn kept it.", "It was built."],
            "labels": [1, 0]}
    tokenized = {**good, "tokenized": True}
    path = tmp_path / "sel.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(tokenized) + "\n", encoding="utf-8")
    [row] = load_selection(path)  # whitespace-tokenized rows are left out
    assert row.candidates == ("Martha Quinn kept it.", "It was built.") and row.labels == (1, 0)
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "labels": [1]}) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"sel\.jsonl: line 2: \"labels\" must be one 0 or 1 per candidate"):
        load_selection(path)
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"sel\.jsonl: line 1: not valid JSON"):
        load_selection(path)


def test_a_missing_or_broken_gzip_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        load_selection(tmp_path / "none.jsonl.gz")
    (tmp_path / "x.json.gz").write_bytes(b"not gzip")
    with pytest.raises(DataError, match="not a gzip file"):
        load_squad(tmp_path / "x.json.gz")


def test_an_evaluation_article_becomes_a_document_of_its_lines(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(f"Lighthouses\n\n{CONTEXT}\n\nA second tower stood at Gull Rock.\n",
                                    encoding="utf-8")
    rows = [{"id": "1", "question": "When was it built?", "answers": ["1871"], "answerable": True,
             "reference_contexts": ["The Kerrow Point lighthouse was built in 1871."]},
            {"id": "2", "question": "When was Gull Rock painted?", "answers": [], "answerable": False,
             "plausible_answers": ["Gull Rock"], "distractor_contexts": ["A second tower stood at Gull Rock."]}]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    doc = load_eval_article(tmp_path, "a")
    distractor = rows[1]["distractor_contexts"][0]
    assert doc.title == "Lighthouses" and [p.context for p in doc.paragraphs] == [CONTEXT, distractor]
    [q1], [q2] = (p.questions for p in doc.paragraphs)
    assert q1.answers == (("1871", CONTEXT.index("1871")),)
    assert not q2.answerable and q2.plausible == (("Gull Rock", distractor.index("Gull Rock")),)
    (tmp_path / "a.jsonl").write_text('{"id": "3"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"a\.jsonl: line 1: not an evaluation row"):
        load_eval_article(tmp_path, "a")

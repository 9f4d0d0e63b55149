"""The example builder: the answering sentence among hard negatives, and unanswerable examples that never
hold a gold answer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from assistant.training.examples import CANDIDATES, Kinds, document_examples, selection_examples
from assistant.training.sources import Document, Paragraph, Question, SelectionRow

P0 = "The Kerrow Point lighthouse was built in 1871 by the Harbour Board. Its lamp burned whale oil."
P1 = "Its keeper, Martha Quinn, kept the lighthouse for thirty years. She rowed to the mainland each week."
P2 = "A second lighthouse stood at Gull Rock from 1902. The storm of 1953 threw it down."
P3 = "Visitors still climb the lighthouse at Kerrow Point. The gallery offers views of the bay."


def _q(qid: str, question: str, answer: str, paragraph: str) -> Question:
    return Question(qid, question, ((answer, paragraph.index(answer)),))


def _doc() -> Document:
    return Document("t.json", "Lighthouses", (
        Paragraph(P0, (_q("a", "When was the Kerrow Point lighthouse built?", "1871", P0),)),
        Paragraph(P1, (_q("b", "Who kept the lighthouse for thirty years?", "Martha Quinn", P1),)),
        Paragraph(P2, (_q("c", "When did the storm throw down the lighthouse?", "1953", P2),
                       Question("d", "Who painted the lighthouse at Gull Rock?", (),
                                (("Gull Rock", P2.index("Gull Rock")),)))),
        Paragraph(P3, ()),
    ))


def test_the_answering_sentence_is_the_target_with_its_span_among_hard_negatives() -> None:
    ex = next(e for e in document_examples([_doc()]) if e.question.startswith("When was"))
    assert ex.kind == "answerable" and len(ex.candidates) == CANDIDATES
    sentence, context = ex.candidates[ex.target]
    assert sentence == "The Kerrow Point lighthouse was built in 1871 by the Harbour Board."
    assert ex.span is not None and sentence[ex.span[0]:ex.span[1]] == "1871"
    assert context == "Lighthouses"  # the first sentence of its paragraph: the title alone
    assert "Visitors still climb the lighthouse at Kerrow Point." in [s for s, _ in ex.candidates]


def test_an_unanswerable_question_has_its_plausible_sentence_as_distractor() -> None:
    ex = next(e for e in document_examples([_doc()]) if e.question.startswith("Who painted"))
    assert ex.kind == "unanswerable" and ex.target == -1 and ex.span is None
    assert "A second lighthouse stood at Gull Rock from 1902." in [s for s, _ in ex.candidates]


def test_answering_sentence_removed_negatives_never_keep_a_sentence_holding_a_gold_answer() -> None:
    made = [e for e in document_examples([_doc()], Kinds(removed=1.0)) if e.kind == "removed"]
    assert made, "no answering-sentence-removed negative was made"
    for ex in made:
        assert ex.target == -1
        for sentence, _ in ex.candidates:
            assert not any(a.lower() in sentence.lower() for a in ex.answers), (ex.question, sentence)
    # "1871": its sentence gone, no other sentence holds it; "1953" neither. Both are kept.
    assert {e.question for e in made} >= {"When was the Kerrow Point lighthouse built?",
                                          "When did the storm throw down the lighthouse?"}


def test_a_question_whose_answer_is_elsewhere_in_the_article_gives_no_removed_negative() -> None:
    doc = _doc()
    p3 = "Visitors still climb the lighthouse built in 1871 at Kerrow Point."
    doc = Document(doc.source, doc.title, (*doc.paragraphs[:3], Paragraph(p3, ())))
    made = [e for e in document_examples([doc], Kinds(removed=1.0)) if e.kind == "removed"]
    assert "When was the Kerrow Point lighthouse built?" not in {e.question for e in made}


def test_negatives_holding_the_answer_text_are_dropped() -> None:
    doc = _doc()
    extra = Paragraph("Martha Quinn wrote a book about the lighthouse.", ())
    doc = Document(doc.source, doc.title, (*doc.paragraphs, extra))
    ex = next(e for e in document_examples([doc]) if e.question.startswith("Who kept"))
    holding = [s for s, _ in ex.candidates if "Martha Quinn" in s]
    assert holding == [ex.candidates[ex.target][0]]


def test_questions_of_another_article_are_unanswerable_there() -> None:
    other = Document("t.json", "Bridges", (Paragraph("The Tay Bridge fell in 1879. It was rebuilt in 1887.", ()),))
    made = [e for e in document_examples([_doc(), other], Kinds(other=1.0)) if e.kind == "other"]
    assert made and all(e.target == -1 for e in made)
    assert all(s.startswith("The Tay Bridge") or s.startswith("It was rebuilt") for e in made for s, _ in e.candidates)


def test_selection_rows_keep_one_positive_and_skip_rows_without_one() -> None:
    rows = [SelectionRow("s.jsonl", "Who?", ("A.", "B.", "C."), (0, 1, 1)),
            SelectionRow("s.jsonl", "What?", ("D.", "E."), (0, 0))]
    [ex] = selection_examples(rows)
    assert ex.kind == "selection" and ex.candidates[ex.target][0] == "B."
    assert sorted(s for s, _ in ex.candidates) == ["A.", "B."]  # the other positive is not a negative


def test_the_builder_gives_the_same_examples_in_every_process() -> None:
    """`make train` rebuilds the shipped weights bit for bit: no example may depend on the process's hash seed."""
    code = ("from tests.assistant.training.test_examples import _doc, Kinds, document_examples; "
            "print(repr(document_examples([_doc()], Kinds(removed=0.5, swap=1.0))))")
    root = Path(__file__).resolve().parents[3]
    runs = [subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert runs[0] == runs[1] and "kind='removed'" in runs[0]  # a kind drawn at random, from the seed

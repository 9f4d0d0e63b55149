"""Entity swaps through the example builder: unanswerable examples with the answering sentence as the
distractor, only where the recipe allows them (the Swapper itself: tests/assistant/reader/test_augment.py)."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.training.examples import Kinds, document_examples
from assistant.training.sources import load_eval_article

ARTICLE = """Lighthouses

The Kerrow Point lighthouse was built in 1871 by the Harbour Board.
Its keeper, Martha Quinn, kept the light for thirty years.

A second tower stood at Gull Rock from 1902 until the storm of 1953.
Visitors from Dunmore Bay still climb to its ruined gallery.
"""


def _lighthouses(tmp_path: Path) -> list:  # type: ignore[type-arg]
    (tmp_path / "lighthouses.txt").write_text(ARTICLE, encoding="utf-8")
    row = {"id": "q1", "question": "When was the lighthouse on Kerrow Point built?", "answers": ["1871"],
           "answerable": True, "kind": "squad",
           "reference_contexts": ["The Kerrow Point lighthouse was built in 1871 by the Harbour Board."]}
    (tmp_path / "lighthouses.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    return [load_eval_article(tmp_path, "lighthouses")]


def test_swapped_questions_are_unanswerable_with_the_answering_sentence_as_distractor(tmp_path: Path) -> None:
    docs = _lighthouses(tmp_path)
    ref = "The Kerrow Point lighthouse was built in 1871 by the Harbour Board."
    plain = document_examples(docs)
    swapped = document_examples(docs, Kinds(swap=1.0))
    assert len(plain) == 1 and len(swapped) == 2
    assert swapped[0] == plain[0]
    extra = swapped[1]
    assert extra.kind == "swap" and extra.target == -1 and extra.span is None
    assert extra.question != plain[0].question and "Kerrow Point" not in extra.question
    assert ref in [s for s, _ in extra.candidates]


def test_swaps_only_where_the_recipe_allows_them(tmp_path: Path) -> None:
    docs = _lighthouses(tmp_path)
    assert len(document_examples(docs, Kinds(swap=1.0, sources_for_swaps=frozenset({"other.json"})))) == 1
    assert len(document_examples(docs, Kinds(swap=1.0, sources_for_swaps=frozenset({"lighthouses.jsonl"})))) == 2


def test_more_swaps_than_one_a_question_are_distinct_and_keep_the_first(tmp_path: Path) -> None:
    docs = _lighthouses(tmp_path)
    one = [e for e in document_examples(docs, Kinds(swap=1.0)) if e.kind == "swap"]
    many = [e for e in document_examples(docs, Kinds(swap=4.0)) if e.kind == "swap"]
    questions = [e.question for e in many]
    assert len(questions) == len(set(questions)) >= 2
    assert set(questions) <= {f"When was the lighthouse on {name} built?"
                              for name in ("Gull Rock", "Dunmore Bay", "Martha Quinn", "Harbour Board")}
    assert all(e.target == -1 for e in many)
    assert len(one) == 1 and one[0] == many[0]

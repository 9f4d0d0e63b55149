"""Swapped questions: one name or number the answering sentence holds, replaced by another of the article's of
the same kind, and only when no sentence would still answer the new question."""

from __future__ import annotations

import json
import random
from pathlib import Path

from assistant.training.augment import Swapper
from assistant.training.recipe import build_examples
from index import load_article, split_sentences
from index.types import Sentence

ARTICLE = """Lighthouses

The Kerrow Point lighthouse was built in 1871 by the Harbour Board.
Its keeper, Martha Quinn, kept the light for thirty years.

A second tower stood at Gull Rock from 1902 until the storm of 1953.
Visitors from Dunmore Bay still climb to its ruined gallery.
"""


def _sentences(tmp_path: Path) -> list[Sentence]:
    path = tmp_path / "lighthouses.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return split_sentences(load_article(path))


def _holding(sentences: list[Sentence], words: str) -> Sentence:
    return next(s for s in sentences if words in s.text)


def test_a_name_is_swapped_for_another_name_of_as_many_words(tmp_path: Path) -> None:
    sentences = _sentences(tmp_path)
    built = _holding(sentences, "built in 1871")
    seen = set()
    for seed in range(20):
        swap = Swapper(sentences).swap("Who built the lighthouse on Kerrow Point?", built, random.Random(seed))
        assert swap is not None
        assert swap.removed == "Kerrow Point"
        assert swap.question == f"Who built the lighthouse on {swap.inserted}?"
        assert len(swap.inserted.split()) == 2 and swap.inserted not in built.text
        seen.add(swap.inserted)
    # any two-word name of another paragraph (no name types: Martha Quinn is a person, the others places)
    assert seen <= {"Gull Rock", "Dunmore Bay", "Martha Quinn"} and len(seen) > 1


def test_a_number_is_swapped_for_another_of_as_many_digits(tmp_path: Path) -> None:
    sentences = _sentences(tmp_path)
    built = _holding(sentences, "built in 1871")
    swap = Swapper(sentences).swap("what was built in 1871 at the point?", built, random.Random(0))
    assert swap is not None and swap.removed == "1871"
    assert swap.inserted in {"1902", "1953"}
    assert swap.question == f"what was built in {swap.inserted} at the point?"


def test_no_swap_when_the_new_question_is_still_answered(tmp_path: Path) -> None:
    path = tmp_path / "towers.txt"
    path.write_text("Towers\n\nThe lighthouse at Kerrow Point was built in 1871.\n\n"
                    "The lighthouse at Gull Rock was built in 1902.\n", encoding="utf-8")
    sentences = split_sentences(load_article(path))
    kerrow = _holding(sentences, "Kerrow Point")
    # "Gull Rock" is the only other two-word name, and the article says when its lighthouse was built
    assert Swapper(sentences).swap("When was the lighthouse at Kerrow Point built?", kerrow, random.Random(0)) is None
    # and when its lighthouse was built: "Which lighthouse was built in 1902?" is answered
    assert Swapper(sentences).swap("Which lighthouse was built in 1871?", kerrow, random.Random(0)) is None


def test_the_first_word_and_words_the_sentence_lacks_are_never_swapped(tmp_path: Path) -> None:
    sentences = _sentences(tmp_path)
    built = _holding(sentences, "built in 1871")
    assert Swapper(sentences).swap("Martha kept what?", built, random.Random(0)) is None  # not in the sentence
    assert Swapper(sentences).swap("Kerrow lighthouse builder?", built, random.Random(0)) is None  # first word


def test_build_examples_adds_swapped_questions_as_unanswerable(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "lighthouses.txt").write_text(ARTICLE, encoding="utf-8")
    ref = "The Kerrow Point lighthouse was built in 1871 by the Harbour Board."
    row = {"id": "q1", "question": "When was the lighthouse on Kerrow Point built?", "answers": ["1871"],
           "answerable": True, "kind": "squad", "reference_contexts": [ref]}
    (tmp_path / "lighthouses.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")

    plain = build_examples(tmp_path, ["lighthouses"], fake_embedder, training=True)
    swapped = build_examples(tmp_path, ["lighthouses"], fake_embedder, training=True, swaps=1.0)
    assert len(plain) == 1 and len(swapped) == 2
    assert swapped[0] == plain[0]
    extra = swapped[1]
    assert extra.target == -1 and extra.answers == [] and extra.span is None
    assert extra.question != row["question"] and "Kerrow Point" not in extra.question
    assert ref in [s for s, _ in extra.candidates]  # the answering sentence is the distractor to refuse
    assert build_examples(tmp_path, ["lighthouses"], fake_embedder, training=False, swaps=1.0) == \
        build_examples(tmp_path, ["lighthouses"], fake_embedder, training=False)


def test_more_swaps_than_one_a_question_are_distinct_and_keep_the_first(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "lighthouses.txt").write_text(ARTICLE, encoding="utf-8")
    row = {"id": "q1", "question": "When was the lighthouse on Kerrow Point built?", "answers": ["1871"],
           "answerable": True, "kind": "squad",
           "reference_contexts": ["The Kerrow Point lighthouse was built in 1871 by the Harbour Board."]}
    (tmp_path / "lighthouses.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")

    one = [e for e in build_examples(tmp_path, ["lighthouses"], fake_embedder, training=True, swaps=1.0)
           if e.synthetic]
    many = [e for e in build_examples(tmp_path, ["lighthouses"], fake_embedder, training=True, swaps=4.0)
            if e.synthetic]
    # The article's other two-word names stand in for Kerrow Point, each at most once.
    questions = [e.question for e in many]
    assert len(questions) == len(set(questions)) >= 2
    assert set(questions) <= {f"When was the lighthouse on {name} built?"
                              for name in ("Gull Rock", "Dunmore Bay", "Martha Quinn", "Harbour Board")}
    assert all(e.target == -1 for e in many)
    assert len(one) == 1 and one[0] == many[0]  # the shipped recipe's swaps are kept as they were

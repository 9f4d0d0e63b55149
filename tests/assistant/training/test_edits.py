"""Made unanswerable questions: a number changed, a negation added or dropped, a WordNet antonym; each kept
only when no sentence of the article still answers it, its answering sentence left as the distractor."""

from __future__ import annotations

import random
import re
from pathlib import Path

from assistant.training.antonyms import load_antonyms
from assistant.training.edits import Edit, Editor
from assistant.training.examples import Kinds, document_examples
from assistant.training.sources import Document, Paragraph, Question

ANTONYMS = {"large": ("small",), "small": ("large",), "first": ("last",), "last": ("first",),
            "increase": ("decrease",), "decrease": ("increase",)}
SENTENCES = [
    "The Kerrow Point lighthouse was built in 1871 by the Harbour Board.",
    "It was the largest lighthouse on the coast, with a lamp of 3,000 candles.",
    "Martha Quinn kept the light for two decades.",
    "The second tower was not rebuilt after the storm.",
    "Visitors increased after the road opened in 1902.",
]


def _edit(kind: str, question: str, answering: int, sentences: list[str] = SENTENCES,
          seed: int = 0) -> Edit | None:
    return Editor(sentences, ANTONYMS).edit(kind, question, sentences[answering], random.Random(seed))


def test_a_year_moves_to_one_the_article_never_writes() -> None:
    for seed in range(10):
        edit = _edit("number", "When was the Kerrow Point lighthouse built, in 1871?", 0, seed=seed)
        assert edit is not None and edit.kind == "number" and edit.removed == "1871"
        year = int(edit.inserted)
        assert 1861 <= year <= 1881 and year != 1871 and str(year) != "1902"
        assert edit.question == f"When was the Kerrow Point lighthouse built, in {year}?"


def test_a_count_keeps_its_thousands_separator_and_a_spelled_number_stays_spelled() -> None:
    edit = _edit("number", "How bright was the lamp, 3,000 candles?", 1)
    assert edit is not None and re.fullmatch(r"\d{1,3}(,\d{3})+", edit.inserted) and edit.inserted != "3,000"
    spelled = _edit("number", "Did Martha Quinn keep the light for two decades?", 2)
    assert spelled is not None and spelled.removed == "two" and spelled.inserted.isalpha()


def test_no_number_edit_without_a_number_the_sentence_holds() -> None:
    assert _edit("number", "Who kept the light?", 2) is None
    assert _edit("number", "Was the lighthouse built in 1650?", 0) is None  # 1650 is not the sentence's


def test_a_negation_goes_where_it_reads_as_english() -> None:
    edit = _edit("negation", "What was the largest lighthouse on the coast?", 1)
    assert edit is not None and edit.question == "What was not the largest lighthouse on the coast?"
    assert _edit("negation", "Who built the Kerrow Point lighthouse?", 0) is None  # "built": not -ed, no slot
    assert _edit("negation", "Who kept the light for two decades?", 2) is None
    edit = _edit("negation", "Who increased after the road opened?", 4)
    assert edit is not None and edit.question == "Who never increased after the road opened?"


def test_a_negation_is_dropped_only_where_the_sentence_denies() -> None:
    edit = _edit("negation", "Which tower was not rebuilt after the storm?", 3)
    assert edit is not None and edit.question == "Which tower was rebuilt after the storm?" and edit.removed == "not"
    # a sentence that already denies something is not flipped by adding a "not"
    assert _edit("negation", "What was the second tower?", 3) is None


def test_a_negated_question_that_another_sentence_answers_is_not_made() -> None:
    sentences = [*SENTENCES, "The largest lighthouse on the coast was never lit, people say."]
    assert _edit("negation", "What was the largest lighthouse on the coast?", 1, sentences) is None


def test_an_antonym_keeps_the_inflection() -> None:
    edit = _edit("antonym", "What was the largest lighthouse on the coast?", 1)
    assert edit is not None and edit.question == "What was the smallest lighthouse on the coast?"
    edit = _edit("antonym", "When were visitors increased?", 4)
    assert edit is not None and edit.inserted == "decreased"


def test_no_antonym_the_article_itself_answers() -> None:
    sentences = [*SENTENCES, "The smallest lighthouse on the coast stood at Gull Rock."]
    assert _edit("antonym", "What was the largest lighthouse on the coast?", 1, sentences) is None
    assert _edit("antonym", "Who kept the light?", 2) is None  # no word with an antonym in the sentence


def test_made_edits_keep_the_answering_sentence_as_distractor_and_no_gold_answer_elsewhere() -> None:
    para = " ".join(SENTENCES)
    questions = (
        Question("a", "What was the largest lighthouse on the coast?", (("It", para.index("It was")),)),
        Question("b", "Which tower was not rebuilt after the storm?",
                 (("The second tower", para.index("The second")),)),
        Question("c", "When was the Kerrow Point lighthouse built, in 1871?", (("1871", para.index("1871")),)),
    )
    doc = Document("t.json", "Lighthouses", (Paragraph(para, questions),))
    made = [e for e in document_examples([doc], Kinds(number=1.0, negation=1.0, antonym=1.0, antonyms=ANTONYMS))
            if e.kind in ("number", "negation", "antonym")]
    assert {e.kind for e in made} == {"number", "negation", "antonym"}
    for ex in made:
        assert ex.target == -1 and ex.span is None
        source = next(s for s in SENTENCES if any(a in s for a in ex.answers) and s in [c for c, _ in ex.candidates])
        others = [c for c, _ in ex.candidates if c != source]
        assert not any(a.lower() in c.lower() for a in ex.answers for c in others), ex


def test_the_shipped_antonym_table_swaps_words_people_swap() -> None:
    table = load_antonyms(Path("data/antonyms/wordnet-antonyms.tsv"))
    assert "small" in table["large"] and "last" in table["first"] and "decrease" in table["increase"]
    assert "unimportant" not in table.get("important", ()) and "disorder" not in table.get("order", ())

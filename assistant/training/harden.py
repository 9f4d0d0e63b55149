"""`make train-negatives`: continue training the shipped reader on the unanswerable kinds people write.

Measured no better than the shipped reader through the whole product (docs/reader.md, "Made unanswerable
questions"), so its weights are not shipped; this is the command that measured it and that a longer run, or
more data, starts from.

    python -m assistant.training.harden --weights assistant/reader/weights --out eval-out/reader-hardened \
        --work eval-out/harden --max-minutes 40 --seed 0

The shipped reader (`make train`: data/squad alone) ranks sentences well but tells answerable from
unanswerable questions weakly (AUC 0.71 on its validation articles). This run goes on from its weights with
answerable Wikipedia questions of data/train and, for about one in two of them, a made unanswerable one:
a name swapped (augment.py), a number changed, a negation added or dropped, a WordNet antonym (edits.py),
the answering sentence removed, each with the source sentence as the hard distractor, beside the shipped
reader's own data/squad articles (their human-written unanswerables). The top `--train-layers` layers learn.

Resumable: a checkpoint every few minutes in `--work`; `--max-minutes` stops (checkpointed, exit status 3)
and the same command goes on. Finished, it writes the weights, `reader.json` and a report of the validation articles
(never trained on): reader-only figures and AUC for the starting and the new reader, and how often each
made kind on those articles is refused, so each kind's effect is measured where nothing was learned.
Adopting the weights would be `python -m assistant.training.calibrate` on them, then `make cache fit`.
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

__all__ = ["MIX", "STOPPED", "main", "write_card_section"]

STOPPED = 3  # exit status of a run `--max-minutes` stopped (checkpointed): `make train-negatives` runs it again

# Answerable Wikipedia questions of data/train, a seeded sample of each (questions, not examples): what fits
# one run of at most 40 minutes on 2 cores with the made negatives and a sample of the shipped reader's own
# examples (about 5,800 examples of 5 candidates; measured 12 pairs a second with the top two layers
# learning, on a machine that was also doing other work).
# squad2_train_phongntdo is left out: its ten articles are `make cache`'s unseen articles, which fit the
# short-answer gate and must stay unseen by the reader.
MIX: dict[str, int] = {"squad1_train_44articles_aqleaderboard.json.gz": 2000, "squadshifts_new_wiki.json.gz": 1000}
# Of the shipped reader's own data/squad examples (about 3,000, half of them human-written unanswerables), a
# seeded sample, so that the run keeps what it learned there.
OWN_SAMPLE = 1500
# Made unanswerable examples per answerable question, on average, of each kind (fewer come out: not every
# question admits every edit). Together about one for every two or three answerable questions (1,178 made for
# 3,000 answerable in the measured run).
RATES = {"removed": 0.12, "swap": 0.2, "number": 0.3, "negation": 0.3, "antonym": 0.4}


def _examples(data: Path, squad_articles: list[str], seed: int, antonyms: Any, log: Any) -> list[Any]:
    from assistant.training.examples import Kinds, document_examples
    from assistant.training.shared_recipe import _sample_questions
    from assistant.training.sources import load_eval_article, load_squad

    kinds = Kinds(antonyms=antonyms, removed=RATES["removed"], swap=RATES["swap"], number=RATES["number"],
                  negation=RATES["negation"], antonym=RATES["antonym"])
    out: list[Any] = []
    for name, cap in MIX.items():
        out += document_examples(_sample_questions(load_squad(data / "train" / name), cap, seed), kinds)
    # the shipped reader's own articles, their human-written unanswerables included, so it keeps what it knew
    own = document_examples([load_eval_article(data / "squad", n) for n in squad_articles], Kinds())
    out += random.Random(seed).sample(own, min(OWN_SAMPLE, len(own)))
    random.Random(seed).shuffle(out)
    log(f"{len(out)} examples: {dict(sorted(Counter(e.kind for e in out).items()))}")
    return out


def _load_net(weights: Path, minilm: Path) -> Any:
    from safetensors.torch import load_file

    from assistant.reader.model import ReaderNet

    net = ReaderNet.from_minilm(minilm)
    net.load_state_dict(load_file(str(weights)), strict=False)
    net.eval()
    return net


def _kind_auc(net: Any, minilm: Path, built: list[Any]) -> dict[str, float]:
    """Per made kind, the AUC of the best candidate's probability between the validation articles' answerable
    questions and that kind's made questions (the same lexical candidates, the answering sentence among them
    for both): how well the reader tells each kind from a question it should answer, with no threshold."""
    from sklearn.metrics import roc_auc_score
    from transformers import AutoTokenizer

    from assistant.reader import Candidate
    from assistant.reader.cross_encoder import CrossEncoderReader

    reader = CrossEncoderReader(net=net, tokenizer=AutoTokenizer.from_pretrained(str(minilm), local_files_only=True),
                                threshold=0.5, span_threshold=0.0)
    best = [max(r.probability for r in reader.read(ex.question, [Candidate(s, c) for s, c in ex.candidates]))
            for ex in built]
    positive = [p for p, ex in zip(best, built) if ex.kind == "answerable"]
    out = {}
    for kind in sorted({ex.kind for ex in built} - {"answerable", "unanswerable"}):
        negative = [p for p, ex in zip(best, built) if ex.kind == kind]
        out[kind] = round(float(roc_auc_score([1] * len(positive) + [0] * len(negative), positive + negative)), 4)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant.training.harden", description=__doc__.splitlines()[0])
    p.add_argument("--weights", default="assistant/reader/weights", help="the reader to continue from")
    p.add_argument("--data", default="data", help="folder holding train/, squad/ and antonyms/")
    p.add_argument("--out", default="eval-out/reader-hardened")
    p.add_argument("--work", default="eval-out/harden", help="where the checkpoint goes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=3e-5)
    p.add_argument("--train-layers", type=int, default=2)
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--max-minutes", type=float, default=40.0, help="stop (checkpointed) after this long; "
                   "run again to go on")
    p.add_argument("--limit", type=int, default=0, help="train on this many examples only (quick checks)")
    p.add_argument("--report-only", action="store_true", help="train nothing: measure the weights in --out "
                   "against those in --weights again and rewrite the report")
    args = p.parse_args(argv)
    log = lambda msg: print(f"harden: {msg}", file=sys.stderr, flush=True)

    from safetensors.torch import save_file

    from assistant.training.antonyms import load_antonyms
    from assistant.training.calibrate import validate
    from assistant.training.examples import Kinds, document_examples
    from assistant.training.sources import load_eval_article
    from assistant.training.train import Recipe, train
    from assistant.training.validation import validation_examples
    from index import SentenceTransformerEmbedder
    from index.embed import default_model_path

    weights, data, out, work = Path(args.weights), Path(args.data), Path(args.out), Path(args.work)
    config = json.loads((weights / "reader.json").read_text(encoding="utf-8"))
    start = weights / str(config["weights"])
    minilm = default_model_path()
    antonyms = load_antonyms(data / "antonyms" / "wordnet-antonyms.tsv")
    examples = _examples(data, list(config["train_articles"]), args.seed, antonyms, log)
    if args.limit:
        examples = examples[:args.limit]
    recipe = Recipe(seed=args.seed, epochs=args.epochs, lr=args.lr, train_layers=args.train_layers)
    t0 = time.perf_counter()
    path = out / "reader.safetensors"
    if args.report_only:
        net = _load_net(path, minilm)
        minutes = json.loads((out / "reader.json").read_text(encoding="utf-8"))["continued"]["train_minutes_last_run"]
    else:
        net = train(examples, minilm, recipe, checkpoint=work / "checkpoint.pt", log=log, init=start,
                    max_minutes=args.max_minutes)
        if net is None:
            log(f"stopped after {args.max_minutes:g} minutes, checkpoint in {work}; run the same command again "
                "to go on")
            return STOPPED
        minutes = round((time.perf_counter() - t0) / 60, 1)
        out.mkdir(parents=True, exist_ok=True)
        save_file(net.shipped_state(), str(path))
    held = list(config["validation_articles"])
    val = validation_examples(data / "squad", held, SentenceTransformerEmbedder())
    rates = Kinds(antonyms=antonyms, removed=1.0, swap=1.0, number=1.0, negation=1.0, antonym=1.0)
    built = [e for e in document_examples([load_eval_article(data / "squad", n) for n in held], rates)
             if e.kind != "unanswerable"]
    before = _load_net(start, minilm)
    start_val, new_val = validate(before, minilm, val), validate(net, minilm, val, log=log)
    report = {
        "start": {"auc": start_val["auc"], "made_auc": _kind_auc(before, minilm, built),
                  "figures": start_val["figures"]},
        "new": {"auc": new_val["auc"], "made_auc": _kind_auc(net, minilm, built), "figures": new_val["figures"]},
        "made_validation_questions": dict(Counter(e.kind for e in built)),
    }
    new_config = dict(config, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), continued={
        "from_sha256": config["sha256"], "seed": args.seed, "lr": args.lr, "train_layers": args.train_layers,
        "epochs": args.epochs, "mix": MIX, "own_sample": OWN_SAMPLE, "rates": RATES, "examples": len(examples),
        "examples_by_kind": dict(sorted(Counter(e.kind for e in examples).items())),
        "train_minutes_last_run": minutes, "validation": report})
    (out / "reader.json").write_text(json.dumps(new_config, indent=2) + "\n", encoding="utf-8")
    write_card_section(weights / "MODEL_CARD.md", out / "MODEL_CARD.md", new_config)
    log(json.dumps(report, indent=2))
    return 0


SECTION = "\n## Continued on made unanswerable questions"


def write_card_section(source: Path, card: Path, config: dict[str, Any]) -> None:
    """The card of `source` with the new sha256 and this run's section, placed before the sections that
    calibration and the span gate rewrite (so that their reruns keep it)."""
    import re

    text = source.read_text(encoding="utf-8") if source.exists() else "# Reader model card\n"
    head, _, rest = text.partition(SECTION)
    if rest:  # a rerun replaces its section: drop it up to the next one
        nxt = rest.find("\n## ")
        text = head + (rest[nxt:] if nxt >= 0 else "")
    text = re.sub(r"sha256 `[0-9a-f]{64}`", f"sha256 `{config['sha256']}`", text, count=1)
    c = config["continued"]
    v = c["validation"]
    rows = "\n".join(
        f"| {k} | {v['start']['figures'].get(k)} | {v['new']['figures'].get(k)} |"
        for k in ("top1_contains_answer", "correct", "containment", "no_answer_accuracy", "false_abstention_rate"))
    kinds = "\n".join(f"| {k} | {v['made_validation_questions'].get(k, 0)} | {v['start']['made_auc'].get(k)} | "
                      f"{v['new']['made_auc'].get(k)} |" for k in sorted(v["start"]["made_auc"]))
    section = f"""{SECTION}

Continued from the reader above (sha256 `{c['from_sha256']}`) by `python -m assistant.training.harden` (`make
train-negatives`): {c['examples']} examples, {c['epochs']} epoch, learning rate {c['lr']}, the top
{c['train_layers']} layers learning, seed {c['seed']}. Data: answerable questions of data/train
({', '.join(f'{k}: {n}' for k, n in c['mix'].items())}; CC BY-SA 4.0, SQuADShifts CC BY 4.0), a sample of
{c['own_sample']} of the first stage's data/squad examples, and made unanswerable questions with WordNet 3.0
antonyms (data/antonyms, WordNet licence). Examples by kind: {', '.join(f'{k} {n}' for k, n in
c['examples_by_kind'].items())}.

Reader-only, validation articles ({', '.join(config['validation_articles'])}; the bi-encoder's top 6
sentences); AUC of the best sentence's probability, answerable against unanswerable:
{v['start']['auc']} -> **{v['new']['auc']}**.

| figure | before | after |
|---|---|---|
{rows}

Made questions of the validation articles (never trained on), each kind told from the articles' answerable
questions ({v['made_validation_questions'].get('answerable', 0)}; AUC of the best probability, same candidates):

| kind | questions | AUC before | AUC after |
|---|---|---|---|
{kinds}
"""
    fusion = text.find("\n## Fusion with the bi-encoder")
    text = (text[:fusion] + section + text[fusion:]) if fusion >= 0 else text.rstrip("\n") + "\n" + section
    card.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

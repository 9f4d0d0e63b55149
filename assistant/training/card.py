"""The reader's MODEL_CARD.md, one writer for both recipes: the shipped reader's (`write_shipped_card`, `make
train`: data/squad alone) and the shared-data recipe's (`write_shared_card`: every source with its licence and
what it gave). Both then get their fusion's and whole product's sections from `python -m
assistant.training.calibrate`, and the span gate's from `make fit`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.evaluation.abstention import MAX_FALSE_ABSTENTION, table_points

__all__ = ["LICENCES", "replace_section", "write_shared_card", "write_shipped_card"]

# Each data/train file's licence line (data/train/README.md), and data/squad's.
LICENCES = {
    "squad2_train_phongntdo.json.gz": "SQuAD 2.0 train, first 10 articles; CC BY-SA 4.0",
    "squad2_train_rungalileo.json.gz": "SQuAD 2.0 train sample; CC BY-SA 4.0",
    "squad1_train_44articles_aqleaderboard.json.gz": "SQuAD 1.1 train articles (Du et al. 2017 split); CC BY-SA 4.0",
    "squad1_train_emptycityjk.json.gz": "SQuAD 1.1 train paragraphs; CC BY-SA 4.0",
    "squad1_train_sentences_chanys.json.gz": "SQuAD train questions, short contexts; CC BY-SA 4.0",
    "squadshifts_new_wiki.json.gz": "SQuADShifts new Wikipedia (Miller et al. 2020); CC BY 4.0, text CC BY-SA",
    "squadshifts_reddit.json.gz": "SQuADShifts Reddit; CC BY 4.0",
    "squadshifts_amazon_reviews.json.gz": "SQuADShifts Amazon reviews; CC BY 4.0",
    "qnli_train_subset_sentence_pairs.jsonl.gz": "QNLI (GLUE) train pairs; CC BY-SA 4.0",
    "selqa_ass_sentence_selection.jsonl.gz": "SelQA answer-sentence selection (Jurczyk et al. 2016); Apache-2.0",
}
SQUAD_DEV_LICENCE = "SQuAD 2.0 dev articles (Rajpurkar, Jia and Liang 2018); CC BY-SA 4.0"


def replace_section(card: Path, section: str, heading: str) -> None:
    """`section` in place of the card's section under `heading` (added at the end when the card has none): each
    fit after the reader (the span gate, the second opinion) rewrites only its own section."""
    text = card.read_text(encoding="utf-8") if card.exists() else "# Reader model card\n"
    start = text.find(heading)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        after = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[after + 1:] if after >= 0 else "")
    card.write_text(text, encoding="utf-8")


def _licence(source: str) -> str:
    return LICENCES.get(source, SQUAD_DEV_LICENCE if source.endswith(".jsonl") else "see data/train/README.md")


def _curve_rows(report: dict[str, Any], threshold: float) -> str:
    """The reader-only abstention curve's table rows, every 0.1 and at `threshold`."""
    return "\n".join(
        f"| {p['threshold']:.2f} | {p['correct']:.3f} | {p['containment']:.3f} | {p['no_answer_accuracy']:.3f} "
        f"| {p['false_abstention_rate']:.3f} |" for p in table_points(report["curve"], threshold, step=0.1))


def _validation_sections(f: dict[str, Any], rows: str) -> str:
    """The card's reader-only validation table and abstention curve, the same in both recipes' cards."""
    heading = ("## Reader-only validation (held-out articles; candidates = the bi-encoder's top 6 sentences of "
               "the article)")
    return f"""{heading}

| figure | value |
|---|---|
| questions (answerable) | {f['questions']} ({f['answerable']}) |
| best sentence holds the answer (answerable) | {f['top1_contains_answer']} |
| correct (answered with the answer, or rightly refused) | {f['correct']} |
| containment (answerable) | {f['containment']} |
| no-answer accuracy | {f['no_answer_accuracy']} |
| false abstention | {f['false_abstention_rate']} |
| short-answer F1 (shown spans) | {f['short_answer_f1']} |
| short-answer coverage | {f['short_answer_coverage']} |
| `correct` of refusing everything | {f['refuse_all_correct']} |

The whole product's figures on the same articles (`make eval-suite`) are in the README.

## Reader-only abstention curve (validation)

| threshold | correct | containment | no-answer accuracy | false abstention |
|---|---|---|---|---|
{rows}
"""


def write_shared_card(path: Path, config: dict[str, Any], report: dict[str, Any]) -> None:
    """MODEL_CARD.md of a shared-data run (`python -m assistant.training.shared_recipe`)."""
    f = report["figures"]
    r = config["recipe"]
    rows = _curve_rows(report, config["threshold"])
    questions = config["questions_by_source"]
    sources = "\n".join(f"| `{s}` | {_licence(s)} | {questions.get(s, 0)} | {n} |"
                        for s, n in config["examples_by_source"].items())
    kinds = ", ".join(f"{k} {n}" for k, n in config["examples_by_kind"].items())
    command = (f"python -m assistant.training.shared_recipe --seed {config['seed']} --epochs {r['epochs']} --batch "
               f"{r['batch_questions']} --lr {r['lr']} --train-layers {r['train_layers']} --removed {r['removed']} "
               f"--swaps {r['swaps']} --other {r['other']} --validation {len(config['validation_articles'])}")
    text = f"""# Reader model card

A cross-encoder that reads (question, one sentence of the article, the title and the sentence before it) and
gives (1) the probability that this sentence answers the question rather than nothing in the article does,
and (2) the short answer's start and end inside the sentence.

- **Base**: {config['base']}; word embeddings frozen and not shipped (loaded from the bundled package); the
  top {r['train_layers']} of its 6 layers trained, the lower ones frozen.
- **Data**: `data/train` (copied from the shared training set with its README and licences) and the
  `data/squad` articles listed under Split. Never the CSTO gold sets: they stay the product's acceptance check.
- **Split** (article level, seed {config['seed']}): the SQuAD 2.0 dev articles {', '.join(config['train_articles'])}
  are trained on; {', '.join(config['validation_articles'])} are never trained on and choose the fusion and
  the refusal threshold.
- **Examples**: {config['train_examples']} ({config['train_pairs']} question-sentence pairs): {kinds}
  (assistant/training/examples.py says what each kind is).
- **Objective**: listwise cross-entropy over 5 candidates plus a learned "no answer" logit (SQuAD 2.0's
  null score); for an answerable question the "no answer" logit must also beat every other candidate, as if
  the answering sentence were not there; start/end cross-entropy on the answer span.
- **Command**: `make train-shared` (`{command}`), {config['train_minutes']} minutes on {config['device']}
  ({config['pairs_per_second']} pairs a second).
- **Weights**: `{config['weights']}`, fp16 safetensors, sha256 `{config['sha256']}`.
- **Thresholds**: the refusal threshold is chosen on the whole product's abstention curve over the
  validation articles (below: highest `correct` with false abstention at most {MAX_FALSE_ABSTENTION:.2f});
  the reader-only proxy would choose {report['threshold']:.2f}. A short answer is shown from span probability
  {config['span_threshold']:.2f}, where a span is more likely right than wrong.

## Sources

| file | what, licence | questions used | examples (with the made negatives) |
|---|---|---|---|
{sources}

`squad_train_answer_sentences_kou.jsonl` of the shared set is not used (positives only, and its questions
are SQuAD train questions the JSON files carry); rows of the selection files whose candidates all say "does
not answer" are not used (their answering sentence was simply not sampled).

{_validation_sections(f, rows)}"""
    path.write_text(text, encoding="utf-8")


def write_shipped_card(path: Path, config: dict[str, Any], report: dict[str, Any], *, candidates: int,
               answer_removed_weight: float) -> None:
    """MODEL_CARD.md of a `main` run: the recipe, the command that rebuilds the weights, the reader-only
    validation; `calibrate` adds the fusion's and the whole product's sections."""
    f = report["figures"]
    rows = _curve_rows(report, config["threshold"])
    score = config.get("score", "cls")
    scoring = "" if score == "cls" else (
        "\n  A candidate's logit is joint (`--score joint`): its [CLS] logit plus the log-mean-exp of its start"
        "\n  and of its end logits, so the span evidence counts towards \"this sentence answers\" and an"
        "\n  unanswerable question's loss reaches the very tokens a careless reader would pick.")
    command = f"python -m assistant.training.recipe --seed {config['seed']} --epochs {config['epochs']} --score {score}"
    swaps = float(config.get("swaps", 0.0))
    if swaps:
        command += f" --swaps {swaps}"
    swapped = config.get("swapped_questions")
    questions = f"{config['train_questions']} questions" + (
        f", of which {swapped} are entity-swap negatives: a name or number of the answering sentence swapped"
        "\n  for another of the article's, kept only when no sentence still answers" if swaps and swapped else "")
    text = f"""# Reader model card

A cross-encoder that reads (question, one sentence of the article, the title and the sentence before it) and
gives (1) the probability that this sentence answers the question rather than nothing in the article does,
and (2) the short answer's start and end inside the sentence.

- **Base**: {config['base']}; word embeddings frozen and not shipped (loaded from the bundled package).
- **Data**: the SQuAD 2.0 dev-set articles in `data/squad` (CC BY-SA 4.0, Rajpurkar, Jia and Liang 2018).
  Never the CSTO gold sets: they stay the product's acceptance check.
- **Split** (article level, seed {config['seed']}): train on {', '.join(config['train_articles'])}
  ({questions}); validate on {', '.join(config['validation_articles'])}.
- **Objective**: listwise cross-entropy over the candidates plus a learned "no answer" logit (SQuAD 2.0's
  null score), with the answering sentence among {candidates} candidates (same paragraph, bi-encoder neighbours, the
  distractor sentence of an unanswerable question); for an answerable question the "no answer" logit must also
  beat every other candidate, as if the answering sentence were not there (weight {answer_removed_weight});
  start/end cross-entropy on the answer span.{scoring}
- **Command**: `make train` (`{command}`),
  {config['train_minutes']} minutes on 2 CPU cores.
- **Weights**: `{config['weights']}`, fp16 safetensors, sha256 `{config['sha256']}`.
- **Thresholds**: the refusal threshold is chosen on the whole product's abstention curve over the
  validation articles (see below: highest `correct` with false abstention at most
  {MAX_FALSE_ABSTENTION:.2f}); the reader-only proxy below would choose {report['threshold']:.2f}. A short
  answer is shown from span probability {config['span_threshold']:.2f}, where a span is more likely right than
  wrong (the threshold maximising the summed F1 - 0.5 of the spans it lets through).

{_validation_sections(f, rows)}"""
    path.write_text(text, encoding="utf-8")

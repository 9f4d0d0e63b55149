"""The shipped reader's MODEL_CARD.md (`make train`): what `python -m assistant.training.recipe` writes first;
`python -m assistant.training.calibrate` then adds the fusion's and the whole product's sections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["write_card"]


def write_card(path: Path, config: dict[str, Any], report: dict[str, Any], *, candidates: int,
               answer_removed_weight: float) -> None:
    """MODEL_CARD.md of a `main` run: the recipe, the command that rebuilds the weights, the reader-only
    validation; `calibrate` adds the fusion's and the whole product's sections."""
    from assistant.evaluation.abstention import MAX_FALSE_ABSTENTION, table_points

    f = report["figures"]
    rows = "\n".join(
        f"| {p['threshold']:.2f} | {p['correct']:.3f} | {p['containment']:.3f} | {p['no_answer_accuracy']:.3f} "
        f"| {p['false_abstention_rate']:.3f} |" for p in table_points(report["curve"], config["threshold"], step=0.1))
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

## Reader-only validation (held-out articles; candidates = the bi-encoder's top 6 sentences of the article)

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
    path.write_text(text, encoding="utf-8")

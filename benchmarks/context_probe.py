"""What the local model is given, against how soon the first verified text comes and what it keeps.

    python -m benchmarks.context_probe            # passages (2) / sentences (1) / sentences (2), dev + follow-ups

The model may only rephrase the reader's best sentence (the verifier keeps only what that sentence backs), so
whole passages cost prompt tokens (read at about 250 tokens a second on 2 cores) for nothing it may use. For
each way of building the context this prints, on the CSTO dev questions and their follow-ups, the first
streamed text's p50, how many answers keep a generated sentence, and how many hold a gold answer (or refuse
an unanswerable one). Measured 2026-12-06 on this machine, idle:

| context | first text p50 dev / follow-ups | generated kept | gold answer held, dev / follow-ups |
|---|---|---|---|
| two passages (before) | 1.32 / 1.17 s | 8 / 3 | 24 of 31 / 14 of 14 |
| the best sentence, after the one before it | 0.83 / 0.76 s | 13 / 6 | 24 of 31 / 13 of 14 |
| the two best sentences, each after the one before it (shipped) | 0.97 / 1.08 s | 9 / 4 | 24 of 31 / 14 of 14 |

One sentence lost a follow-up ("Who are its members?": the model rephrased the founding half of the sentence,
which the article backs but which does not answer), so two sentences ship (`context_sentences`).
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

from assistant import Assistant, Settings
from assistant.evaluation.gold import GoldRow, load_gold
from assistant.pipeline.generate import Generate
from assistant.pipeline.turn import Turn
from assistant.types import Message
from prompts import chat_messages

ROOT = Path(__file__).resolve().parents[1]


class _Passages(Generate):
    """The context as it was: the passages holding the best evidence, whole."""

    def messages(self, turn: Turn) -> list[Message]:
        chosen = []
        for e in turn.evidence:
            if e.hit.passage not in chosen:
                chosen.append(e.hit.passage)
            if len(chosen) == 2:
                break
        passages = "\n".join(f"[{i}] {p.text}" for i, p in enumerate(chosen, start=1))
        return chat_messages("answer", passages=passages, question=turn.standalone)


def _held(row: GoldRow, text: str, refused: bool) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"[^\w]+", " ", s.lower().replace("’", "'")).strip()

    if not row.answerable:
        return refused
    return any(norm(a) in norm(text) for a in row.answers)


def run(variant: str) -> list[str]:
    sentences = {"passages": 2, "sentences-1": 1, "sentences-2": 2}[variant]
    a = Assistant(settings=Settings.resolve(backend="llamacpp", context_sentences=sentences))
    a.warm_up()
    chain = a.chain()
    if variant == "passages":
        step = chain.generate_step
        chain.generate_step = _Passages(step.backend, step.finder, context_sentences=2, max_tokens=step.max_tokens,
                                        temperature=step.temperature)
    lines = []
    for gold in ("gold-dev.jsonl", "gold-dev-followups.jsonl"):
        rows = load_gold(ROOT / "data" / gold)
        a.ask(rows[0].question)  # warm
        firsts, kept, held = [], 0, 0
        for row in rows:
            t = time.perf_counter()
            response = a.respond(row.question, row.history)
            first = next((time.perf_counter() - t for _ in response.segments()), None)
            answer = response.answer()
            firsts.append(first if first is not None else time.perf_counter() - t)
            kept += answer.reason.startswith("generated")
            held += _held(row, answer.text, answer.refused)
        lines.append(f"| {variant} | {gold} | first text p50 {statistics.median(firsts):.2f} s | generated kept "
                     f"{kept} | gold answer held {held} of {len(rows)} |")
    return lines


def main() -> int:
    variants = sys.argv[1:] or ["passages", "sentences-1", "sentences-2"]
    for v in variants:
        print("\n".join(run(v)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

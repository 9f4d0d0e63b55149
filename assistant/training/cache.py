"""The reader's outputs over labelled questions, computed once and cached on disk: what every learned decision
after the reader (the short-answer gate today) is fitted and validated from, in minutes instead of a pass of
the models each time.

One pass of the product's own steps (rewrite, retrieve, read: `AnswerChain.prepare` with no refusal) over each
article's questions, the same candidates and signals as at run time; one JSONL file an article under
`WORK/KEY/`, where KEY hashes the reader's sha256, the cache's format and the data files, so a new reader or
new data gets a new cache and an unchanged one is reused. Resumable: an article is written whole (to a
temporary name, then renamed) and skipped when it is there; `--max-minutes` stops between articles.

    python -m assistant.training.cache --squad-json data/train/squad2_train_phongntdo.json.gz \
        --eval-articles data/squad:Normans,Yuan_dynasty --work eval-out/cache [--max-minutes 40]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import InputError

__all__ = ["CACHE_FORMAT", "CANDIDATES", "CachedArticle", "build_cache", "cache_key", "eval_articles", "fit_parser",
           "load_cache", "load_checked", "squad_articles"]

# Bumped whenever a row's fields or their meaning change: an old cache is then rebuilt, never misread.
# 2: each row carries the answer decision's signals (assistant/training/answer_signals.py).
# 3: the reader's own order (no second opinion), and each row's `candidates`: the CANDIDATES most probable
#    sentences with the second opinion's score, whether each holds a gold answer, and each one's short answer,
#    so that the second opinion's weight and the short-answer gate after it are fitted from the cache.
# 4: each candidate's sentence `text`, so that a re-ranker or judge reading the pairs is fitted from the cache
#    too (benchmarks/judge_probe.py).
CACHE_FORMAT = 4
CANDIDATES = 5


@dataclass(frozen=True)
class CachedArticle:
    """An article to pass over: its text and its questions (id, question, gold answers; none: unanswerable)."""

    name: str
    text: str
    questions: tuple[tuple[str, str, tuple[str, ...]], ...]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:80] or "article"


def squad_articles(path: Path, limit: int = 0) -> list[CachedArticle]:
    """The articles of a SQuAD JSON file (gzipped or not): the title, then each paragraph on its own line."""
    from assistant.training.sources import load_squad

    out = []
    for n, doc in enumerate(load_squad(path)):
        questions = tuple((q.id, q.question, tuple(a for a, _ in q.answers)) for p in doc.paragraphs
                          for q in p.questions)
        text = "\n\n".join([doc.title or path.stem, *(p.context for p in doc.paragraphs)]) + "\n"
        out.append(CachedArticle(_safe(f"{Path(path).name.split('.')[0]}-{n:03d}-{doc.title}"), text, questions))
    return out[:limit] if limit else out


def eval_articles(folder: Path, names: Sequence[str]) -> list[CachedArticle]:
    """Articles of this project's evaluation format (NAME.txt, NAME.jsonl), questions without history only."""
    out = []
    for name in names:
        txt, gold = Path(folder) / f"{name}.txt", Path(folder) / f"{name}.jsonl"
        try:
            text = txt.read_text(encoding="utf-8")
            rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{folder}/{name}: cannot read the article and its questions ({exc})") from None
        questions = tuple((str(r["id"]), str(r["question"]), tuple(r["answers"]) if r.get("answerable") else ())
                          for r in rows if not r.get("history"))
        out.append(CachedArticle(_safe(name), text, questions))
    return out


def cache_key(reader_sha256: str, articles: Sequence[CachedArticle]) -> str:
    h = hashlib.sha256(f"{CACHE_FORMAT}\n{reader_sha256}\n".encode())
    for a in articles:
        h.update(a.name.encode() + b"\0" + a.text.encode() + b"\0")
        h.update(json.dumps(a.questions).encode())
    return h.hexdigest()[:16]


def _candidates(turn: Any, text: str, answers: Sequence[str], scores: Sequence[float]) -> list[dict[str, Any]]:
    """The turn's CANDIDATES most probable sentences as the second opinion's fit and the short-answer gate read
    them: its text, fused probability, ms-marco's score, whether it holds a gold answer, its short answer and
    that answer's token F1."""
    from assistant.evaluation import metrics as m
    from assistant.pipeline.compose import span_candidate

    out = []
    for e, score in zip(turn.evidence[:CANDIDATES], scores, strict=False):
        found = span_candidate(turn, text, 0.0, e)
        span = text[found[0]:found[1]] if found else None
        out.append({"text": e.sentence.text, "p": round(e.probability, 6), "ms": round(score, 4),
                    "holds": bool(answers) and bool(m.containment(e.sentence.text, list(answers))),
                    "span": span, "span_p": round(found[2], 6) if found else None,
                    "span_f1": round(m.token_f1(span, list(answers)), 6) if span and answers else 0.0})
    return out


def _rows(assistant: Any, article: CachedArticle, opinion: Any = None) -> Iterator[dict[str, Any]]:
    from assistant.evaluation import metrics as m
    from assistant.pipeline.compose import span_candidate
    from assistant.pipeline.turn import Turn
    from assistant.span_gate import span_signals
    from assistant.training.answer_signals import answer_signals

    chain = assistant.chain()
    text = assistant.article_text
    sentences = assistant.finder.sentences
    at = {(s.start, s.end): i for i, s in enumerate(sentences)}
    for qid, question, answers in article.questions:
        turn = chain.prepare(Turn(question=question, min_score=0.0))
        probs = [e.probability for e in turn.evidence]
        best = turn.evidence[0] if turn.evidence else None
        found = span_candidate(turn, text, 0.0) if best is not None else None
        span = text[found[0]:found[1]] if found else None
        signals = span_signals(turn.standalone, span, found[2], probs) if found and span else None
        decision = None
        if best is not None:
            i = at.get((best.sentence.start, best.sentence.end))
            around = [sentences[j].text for j in ((i - 1, i + 1) if i is not None else ())
                      if 0 <= j < len(sentences) and sentences[j].paragraph == best.sentence.paragraph]
            decision = answer_signals(turn.standalone, best.sentence.text, around, probs, best.similarity, text,
                                      assistant.finder.vocabulary)
        head = [e.sentence.text for e in turn.evidence[:CANDIDATES]]
        scores = opinion.scores(turn.standalone, head) if opinion is not None and head else [0.0] * len(head)
        yield {
            "id": qid, "article": article.name, "question": question, "kind": turn.query.kind,
            "answerable": bool(answers), "answers": list(answers), "overview": turn.query.overview,
            "answer_score": best.probability if best else None, "probabilities": [round(p, 6) for p in probs[:5]],
            "similarity": round(best.similarity, 6) if best else None,
            "best_sentence": best.sentence.text if best else None,
            "best_holds_answer": bool(answers) and best is not None and bool(m.containment(best.sentence.text,
                                                                                           answers)),
            "span": span, "signals": signals.to_dict() if signals else None,
            "span_f1": round(m.token_f1(span, answers), 6) if span and answers else 0.0,
            "answer_signals": decision.to_dict() if decision else None,
            "candidates": _candidates(turn, text, answers, scores),
            "second_opinion": opinion is not None,
        }


def build_cache(articles: Sequence[CachedArticle], work: Path, make: Callable[[Path], Any], reader_sha256: str, *,
                max_minutes: float = 40.0, log: Any = print, opinion: Any = None) -> tuple[Path, bool]:
    """Passes over the articles not yet cached, each asked of `make(article file)` (an `Assistant` whose reader
    has no second opinion: the reader's own order; the models shared between articles:
    `evaluation.asking.default_factory`); `reader_sha256`: of the reader it holds; `opinion`: the second
    opinion's model (`SecondOpinion`), whose scores each row keeps (none: zeros).
    Returns (the cache folder, whether every article is in it)."""
    folder = Path(work) / cache_key(reader_sha256, articles)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "key.json").write_text(json.dumps({"format": CACHE_FORMAT, "reader_sha256": reader_sha256,
                                                 "articles": [a.name for a in articles]}, indent=1) + "\n")
    todo = [a for a in articles if not (folder / f"{a.name}.jsonl").exists()]
    if not todo:
        return folder, True
    started = time.monotonic()
    for n, article in enumerate(todo, 1):
        if (time.monotonic() - started) / 60 > max_minutes:
            log(f"stopped after {max_minutes:g} minutes; {len(todo) - n + 1} article(s) left: run again to resume")
            return folder, False
        source = Path(work) / "articles" / f"{article.name}.txt"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(article.text, encoding="utf-8")
        t0 = time.monotonic()
        rows = list(_rows(make(source), article, opinion))
        tmp = folder / f"{article.name}.jsonl.tmp"
        tmp.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        tmp.replace(folder / f"{article.name}.jsonl")
        log(f"[{n}/{len(todo)}] {article.name}: {len(rows)} questions in {time.monotonic() - t0:.0f} s")
    return folder, True


def load_cache(folder: Path, names: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The cached rows, of the named articles only when `names` is given."""
    rows: list[dict[str, Any]] = []
    for path in sorted(Path(folder).glob("*.jsonl")):
        if names is None or path.stem in names:
            rows.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return rows


def fit_parser(description: str, out: Path) -> argparse.ArgumentParser:
    """The command line of every fit from the cache (the second opinion, the short-answer gate): the cache
    folder, the articles held out to measure on, and where the fitted JSON goes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--cache", type=Path, required=True, help="a cache folder (assistant.training.cache)")
    parser.add_argument("--validation", default="Normans,Yuan_dynasty", help="articles held out to measure on")
    parser.add_argument("--out", type=Path, default=out)
    return parser


def load_checked(folder: Path, reader_sha256: str) -> list[dict[str, Any]]:
    """The cached rows, once the cache is known to be this reader's (InputError otherwise)."""
    try:
        key = json.loads((Path(folder) / "key.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{folder}: not a cache folder ({exc})") from None
    if key.get("reader_sha256") != reader_sha256:
        raise InputError(f"{folder}: cached for another reader; rebuild it with assistant.training.cache")
    return load_cache(folder)


def _parse_eval(spec: str) -> tuple[Path, list[str]]:
    folder, _, names = spec.partition(":")
    if not names:
        raise InputError(f"--eval-articles {spec!r}: give FOLDER:NAME,NAME")
    return Path(folder), [n for n in names.split(",") if n]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cache the reader's outputs over labelled questions.")
    parser.add_argument("--squad-json", type=Path, action="append", default=[],
                        help="a SQuAD JSON file (gzipped or not); repeat for more")
    parser.add_argument("--limit", type=int, default=0, help="the first N articles of each --squad-json")
    parser.add_argument("--eval-articles", action="append", default=[], help="FOLDER:NAME,NAME (data/squad format)")
    parser.add_argument("--work", type=Path, default=Path("eval-out/cache"))
    parser.add_argument("--max-minutes", type=float, default=40.0)
    args = parser.parse_args(argv)
    try:
        articles = [a for p in args.squad_json for a in squad_articles(p, args.limit)]
        for spec in args.eval_articles:
            articles += eval_articles(*_parse_eval(spec))
        if not articles:
            raise InputError("nothing to cache: give --squad-json or --eval-articles")
        from assistant.evaluation.asking import default_factory
        from assistant.reader.cross_encoder import CrossEncoderReader
        from assistant.reader.second_opinion import SecondOpinion, model_dir
        from assistant.settings import Settings

        # The reader's own order: what comes after it (the second opinion, the short-answer gate) is fitted here.
        settings = Settings.resolve(backend="extractive", data_dir=args.work / "index", chat_log=False,
                                    second_opinion=False)
        reader_sha = CrossEncoderReader().sha256
        folder_ms = model_dir()
        opinion = SecondOpinion(0.0, CANDIDATES, folder=folder_ms) if folder_ms is not None else None
        if opinion is None:
            print("the second opinion's model is not installed: its scores are cached as zeros", file=sys.stderr)
        folder, complete = build_cache(articles, args.work, default_factory(settings), reader_sha,
                                       max_minutes=args.max_minutes, log=lambda m: print(m, file=sys.stderr),
                                       opinion=opinion)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(folder)  # the only line on stdout: `make fit` reads it
    return 0 if complete else 3


if __name__ == "__main__":
    raise SystemExit(main())

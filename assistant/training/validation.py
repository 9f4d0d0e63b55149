"""The held-out articles' questions as the product reads them: candidates are the bi-encoder's top sentences of
the whole article, so the answering sentence may be missing (then the right call is to refuse)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["VALIDATION_CANDIDATES", "validation_examples"]

VALIDATION_CANDIDATES = 6  # the bi-encoder's top 6 sentences of the article, as the product reads them


def validation_examples(folder: Path, names: Sequence[str], embedder: Any,
                        k: int = VALIDATION_CANDIDATES) -> list[Any]:
    """Every question of the named evaluation articles with the candidates the bi-encoder ranks first, as at
    run time (the answering sentence may be missing: then the right call is to refuse)."""
    from assistant.reader import is_title, reader_context
    from assistant.training.examples import Example
    from assistant.training.sources import load_eval_article
    from index import load_article, split_sentences

    out = []
    for name in names:
        article = load_article(folder / f"{name}.txt")
        sentences = [s for s in split_sentences(article) if not is_title(s, article.title)]
        questions = [q for p in load_eval_article(folder, name).paragraphs for q in p.questions]
        unanswerable = _unanswerable_rows(folder / f"{name}.jsonl")
        questions += [q for q in unanswerable if q.id not in {x.id for x in questions}]
        vectors = embedder.embed([s.text for s in sentences])
        qvecs = embedder.embed([q.question for q in questions])
        for q, qv in zip(questions, qvecs):
            sims = [sum(a * b for a, b in zip(qv, v)) for v in vectors]
            order = sorted(range(len(sentences)), key=lambda i: -sims[i])[:k]
            cands = tuple((sentences[i].text, reader_context(article.title, sentences, i)) for i in order)
            out.append(Example(q.question, cands, -1, None, tuple(a for a, _ in q.answers), f"{name}.jsonl",
                               "answerable" if q.answerable else "unanswerable"))
    return out


def _unanswerable_rows(path: Path) -> list[Any]:
    """Unanswerable questions whose distractor is not in the article text (load_eval_article keeps only those
    it can place): each is still a question to refuse."""
    from assistant.training.sources import Question

    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if not row.get("answerable") and not row.get("history"):
                out.append(Question(str(row["id"]), str(row["question"]).strip()))
    return out

"""Training data in, one shape out: every file format the reader learns from becomes `Document`s (an article
with its questions) or `SelectionRow`s (a question with candidate sentences already chosen).

Three formats (see data/train/README.md): SQuAD 2.0 JSON, sentence-selection JSONL, and this project's own
evaluation articles (NAME.txt + NAME.jsonl, as in data/squad). A malformed file fails with one line that names
the file and the row, never with a traceback from deep inside the builder.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import InputError

__all__ = ["DataError", "Document", "Paragraph", "Question", "SelectionRow", "load_eval_article", "load_selection",
           "load_squad"]


class DataError(InputError):
    """A training file that cannot be read as its format says: the message names the file and the row."""


@dataclass(frozen=True)
class Question:
    """`answers`: (text, start in the paragraph) of each gold answer; for an unanswerable question,
    `plausible`: the spans a careless reader would answer with (SQuAD 2.0's plausible answers)."""

    id: str
    question: str
    answers: tuple[tuple[str, int], ...] = ()
    plausible: tuple[tuple[str, int], ...] = ()

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass(frozen=True)
class Paragraph:
    context: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Document:
    """One article: its paragraphs in order, each with the questions asked of it. `source`: the file's name."""

    source: str
    title: str
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class SelectionRow:
    """A question with its candidate sentences and which of them answer (1) or not (0)."""

    source: str
    question: str
    candidates: tuple[str, ...]
    labels: tuple[int, ...]


def _spans(path: Path, where: str, context: str, items: Any) -> tuple[tuple[str, int], ...]:
    out = []
    if not isinstance(items, list):
        raise DataError(f"{path}: {where}: answers must be a list")
    for a in items:
        if not isinstance(a, dict) or not isinstance(a.get("text"), str) or not isinstance(a.get("answer_start"), int):
            raise DataError(f"{path}: {where}: an answer needs a text and an integer answer_start")
        text, start = a["text"], a["answer_start"]
        if context[start:start + len(text)] != text:
            at = context.find(text)  # a few published files count offsets differently; the text is what counts
            if at < 0:
                raise DataError(f"{path}: {where}: answer {text[:40]!r} is not in its context")
            start = at
        out.append((text, start))
    return tuple(out)


def _text(path: Path) -> str:
    """The file's text; `.gz` files (how data/train ships them, a quarter of the size) are read through gzip."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"{path}: not a gzip file ({exc})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc})") from None


def load_squad(path: Path) -> list[Document]:
    """A SQuAD 2.0 (or 1.1) JSON file: `{"data": [{"title", "paragraphs": [{"context", "qas"}]}]}`."""
    path = Path(path)
    try:
        data = json.loads(_text(path))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise DataError(f"{path}: not SQuAD JSON (no top-level \"data\" list)")
    docs = []
    for a, article in enumerate(data["data"]):
        if not isinstance(article, dict) or not isinstance(article.get("paragraphs"), list):
            raise DataError(f"{path}: data[{a}]: an article needs a \"paragraphs\" list")
        paragraphs = []
        for p, para in enumerate(article["paragraphs"]):
            where = f"data[{a}].paragraphs[{p}]"
            if not isinstance(para, dict) or not isinstance(para.get("context"), str) or \
                    not isinstance(para.get("qas"), list):
                raise DataError(f"{path}: {where}: a paragraph needs a context string and a qas list")
            # one line a paragraph (the sentence splitter's paragraphs are lines); same length, offsets kept
            context = para["context"].replace("\r", " ").replace("\n", " ")
            questions = []
            for q, qa in enumerate(para["qas"]):
                at = f"{where}.qas[{q}]"
                if not isinstance(qa, dict) or not isinstance(qa.get("question"), str) or not qa["question"].strip():
                    raise DataError(f"{path}: {at}: a question needs a non-empty \"question\"")
                impossible = bool(qa.get("is_impossible", False))
                answers = () if impossible else _spans(path, at, context, qa.get("answers", []))
                if not impossible and not answers:
                    raise DataError(f"{path}: {at}: answerable but has no answers")
                plausible = _spans(path, at, context, qa.get("plausible_answers", [])) if impossible else ()
                questions.append(Question(str(qa.get("id", f"{path.stem}-{a}-{p}-{q}")), qa["question"].strip(),
                                          answers, plausible))
            paragraphs.append(Paragraph(context, tuple(questions)))
        docs.append(Document(path.name, str(article.get("title") or ""), tuple(paragraphs)))
    return docs


def load_selection(path: Path) -> list[SelectionRow]:
    """A sentence-selection JSONL file: one `{"question", "candidates", "labels"}` a line."""
    path = Path(path)
    lines = _text(path).splitlines()
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: line {n}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise DataError(f"{path}: line {n}: not a JSON object")
        question, cands, labels = row.get("question"), row.get("candidates"), row.get("labels")
        if not isinstance(question, str) or not question.strip():
            raise DataError(f"{path}: line {n}: \"question\" must be a non-empty string")
        if not isinstance(cands, list) or not all(isinstance(c, str) for c in cands) or not cands:
            raise DataError(f"{path}: line {n}: \"candidates\" must be a non-empty list of strings")
        if not isinstance(labels, list) or len(labels) != len(cands) or not all(x in (0, 1) for x in labels):
            raise DataError(f"{path}: line {n}: \"labels\" must be one 0 or 1 per candidate")
        if row.get("tokenized"):
            continue  # whitespace-tokenized text ("do n't", "( 1992 )") is not what the reader meets
        rows.append(SelectionRow(path.name, question.strip(), tuple(cands), tuple(int(x) for x in labels)))
    return rows


def load_eval_article(folder: Path, name: str) -> Document:
    """One article of this project's evaluation format (NAME.txt, NAME.jsonl with `reference_contexts`, and
    for unanswerable questions `distractor_contexts` and `plausible_answers`), as a Document whose paragraphs
    are the article's lines, so that the same builder serves it."""
    from index import load_article

    txt, gold = Path(folder) / f"{name}.txt", Path(folder) / f"{name}.jsonl"
    article = load_article(txt)
    lines = [line for line in article.text.split("\n") if line.strip()]
    title = article.title
    if lines and lines[0].strip() == title.strip():
        lines = lines[1:]
    questions: list[list[Question]] = [[] for _ in lines]
    try:
        raw = gold.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(f"{gold}: no such file") from None
    for n, line in enumerate(raw, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            question, answerable = str(row["question"]).strip(), bool(row["answerable"])
            refs = row["reference_contexts"] if answerable else row.get("distractor_contexts") or []
            golds = [str(a) for a in (row["answers"] if answerable else row.get("plausible_answers") or [])]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DataError(f"{gold}: line {n}: not an evaluation row ({exc})") from None
        if row.get("history"):
            continue
        for ref in refs[:1]:
            p = next((i for i, text in enumerate(lines) if ref in text), None)
            if p is None:
                continue
            base = lines[p].find(ref)
            spans = tuple((g, base + ref.find(g)) for g in golds if g and ref.find(g) >= 0)
            if answerable and not spans:
                continue
            questions[p].append(Question(str(row.get("id", f"{name}-{n}")), question,
                                         spans if answerable else (), () if answerable else spans))
    return Document(f"{name}.jsonl", title, tuple(Paragraph(t, tuple(q)) for t, q in zip(lines, questions)))

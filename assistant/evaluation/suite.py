"""Many articles at once: finding a suite's `NAME.txt` + `NAME.jsonl` pairs, sampling questions, and turning a
SQuAD 2.0 JSON file into such a suite.

A suite folder holds, for each article, `NAME.txt` (title line, blank line, paragraphs separated by blank
lines) and `NAME.jsonl` (its gold questions). Each article is indexed into its own collection of the data dir
(the collection name derives from NAME), so two articles never share passages. Other files are ignored.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from assistant.errors import InputError
from assistant.evaluation.gold import read_gold_text
from index import Article, IndexConfig, split_sentences

__all__ = ["SQUAD_KIND", "SquadArticle", "SuiteArticle", "discover_suite", "read_squad", "sample_rows",
           "write_suite"]

SQUAD_KIND = "squad"


@dataclass(frozen=True)
class SuiteArticle:
    name: str
    text: Path
    gold: Path


def _index_name(name: str) -> str:
    return IndexConfig(article=Path(f"{name}.txt"), data_dir=Path()).index_name()


def discover_suite(folder: Path) -> list[SuiteArticle]:
    """The suite's articles, sorted by name; InputError for a missing or empty folder, a `.txt` without its
    `.jsonl` (or the reverse), or two names that would share one index collection."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such suite folder")
    texts = {p.stem: p for p in folder.glob("*.txt") if p.is_file()}
    golds = {p.stem: p for p in folder.glob("*.jsonl") if p.is_file()}
    if not texts and not golds:
        raise InputError(f"{folder}: no articles in the suite folder (expected NAME.txt + NAME.jsonl pairs)")
    for stem in sorted(texts.keys() - golds.keys()):
        raise InputError(f"{texts[stem]}: no {stem}.jsonl beside it (every NAME.txt needs its gold NAME.jsonl)")
    for stem in sorted(golds.keys() - texts.keys()):
        raise InputError(f"{golds[stem]}: no {stem}.txt beside it (every NAME.jsonl needs its article NAME.txt)")
    seen: dict[str, str] = {}
    for stem in sorted(texts):
        index = _index_name(stem)
        if index in seen:
            raise InputError(f"{folder}: {seen[index]}.txt and {stem}.txt would share one index ({index}); "
                             "rename one")
        seen[index] = stem
    return [SuiteArticle(stem, texts[stem], golds[stem]) for stem in sorted(texts)]


class _Row(Protocol):
    @property
    def answerable(self) -> bool: ...


R = TypeVar("R", bound=_Row)


def sample_rows(rows: Sequence[R], n: int, seed: int = 0, salt: str = "") -> list[R]:
    """`n` of `rows`, half answerable and half not where possible (the odd one answerable; a short side is
    made up from the other), picked at random but deterministically from `seed` and `salt` (the article's
    name, so that articles get different picks), kept in file order. All rows when there are no more than `n`.
    """
    if n < 1:
        raise InputError("--sample must be at least 1")
    if n >= len(rows):
        return list(rows)
    rng = random.Random(f"{seed}/{salt}")  # a str seed hashes the same in every process
    ans = [i for i, r in enumerate(rows) if r.answerable]
    una = [i for i, r in enumerate(rows) if not r.answerable]
    n_una = min(len(una), n // 2)
    n_ans = min(len(ans), n - n_una)
    n_una = min(len(una), n - n_ans)
    picked = rng.sample(ans, n_ans) + rng.sample(una, n_una)
    return [rows[i] for i in sorted(picked)]


# -- SQuAD 2.0 -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SquadArticle:
    name: str
    title: str
    paragraphs: list[str]
    rows: list[dict[str, Any]]

    def text(self) -> str:
        return "\n\n".join([self.title, *self.paragraphs]) + "\n"


def _file_name(title: str, taken: set[str]) -> str:
    """A file stem for `title`, unique among `taken` and in its index collection name."""
    base = re.sub(r"[^\w.-]+", "_", title).strip("._") or "article"
    base = base[:60]
    name, i = base, 1
    while name.casefold() in taken or _index_name(name) in taken:
        i += 1
        name = f"{base[:30]}_{i}"
    taken.update({name.casefold(), _index_name(name)})
    return name


def _flat(text: str) -> str:
    """The paragraph as one line, every offset kept (the article loader reads a line break as a new block)."""
    return re.sub(r"[\r\n\u00a0]", " ", text)


def _sentences_holding(context: str, text: str, start: object) -> str:
    """The sentence(s) of `context` that hold the answer `text` at `start` (found by search when `start` is
    missing or wrong); the whole paragraph when the answer is not in it."""
    if not isinstance(start, int) or isinstance(start, bool) or context[start:start + len(text)] != text:
        start = context.find(text)
    if start < 0 or not text:
        return context.strip()
    end = start + len(text)
    sentences = split_sentences(Article(title="", text=context, source=""))
    hold = [s for s in sentences if s.start < end and s.end > start]
    if not hold:
        return context.strip()
    return context[hold[0].start:hold[-1].end]


def _unique(texts: list[str]) -> list[str]:
    return list(dict.fromkeys(t for t in texts if t.strip()))


def _answers(qa: dict[str, Any], key: str, where: str) -> list[tuple[str, object]]:
    value = qa.get(key, [])
    if not isinstance(value, list):
        raise InputError(f"{where}: field {key!r} must be a list of {{\"text\", \"answer_start\"}}")
    out = []
    for i, a in enumerate(value):
        if not isinstance(a, dict) or not isinstance(a.get("text"), str):
            raise InputError(f"{where}: {key}[{i}] must be an object with a \"text\" string")
        out.append((a["text"], a.get("answer_start")))
    return out


def _squad_row(qa: object, context: str, where: str) -> dict[str, Any]:
    if not isinstance(qa, dict):
        raise InputError(f"{where}: expected a question object")
    for name in ("id", "question"):
        if name not in qa:
            raise InputError(f"{where}: missing field {name!r}")
    if not isinstance(qa["id"], str | int) or isinstance(qa["id"], bool):
        raise InputError(f"{where}: field 'id' must be text or a number")
    if not isinstance(qa["question"], str) or not qa["question"].strip():
        raise InputError(f"{where}: field 'question' must be non-empty text")
    impossible = qa.get("is_impossible", False)
    if not isinstance(impossible, bool):
        raise InputError(f"{where}: field 'is_impossible' must be true or false")
    answers = _answers(qa, "answers", where)
    plausible = _answers(qa, "plausible_answers", where)
    row: dict[str, Any] = {"id": str(qa["id"]), "question": qa["question"].strip()}
    if impossible:
        row.update(answers=[], answerable=False, kind=SQUAD_KIND, reference_contexts=[])
        if plausible:
            row["plausible_answers"] = _unique([t for t, _ in plausible])
            row["distractor_contexts"] = [_sentences_holding(context, *plausible[0])]
        return row
    texts = _unique([t for t, _ in answers])
    if not texts:
        raise InputError(f"{where}: an answerable question (is_impossible false) needs at least one answer")
    first = next((t, s) for t, s in answers if t.strip())
    row.update(answers=texts, answerable=True, kind=SQUAD_KIND,
               reference_contexts=[_sentences_holding(context, *first)])
    return row


def _list(obj: dict[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise InputError(f"{where}: field {key!r} must be a list")
    return value


def read_squad(path: Path) -> list[SquadArticle]:
    """The articles of a SQuAD 2.0 JSON file (v1.1 too: no `is_impossible` means answerable): each title's
    paragraphs joined by blank lines; each question's reference context is the sentence holding its first
    answer (for an unanswerable one with `plausible_answers`: its distractor context). Articles without
    questions are left out. Any problem is one InputError naming the file and the place in it."""
    path = Path(path)
    raw = read_gold_text(path, "is a folder; pass a suite folder with --suite", encoding="utf-8-sig")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        hint = " (JSON lines? name the file .jsonl)" if exc.msg == "Extra data" else ""
        raise InputError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg} at column {exc.colno}){hint}") from None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise InputError(f"{path}: not a SQuAD 2.0 file (expected {{\"version\": \"v2.0\", \"data\": [...]}})")
    articles: list[SquadArticle] = []
    taken: set[str] = set()
    seen_ids: dict[str, str] = {}
    for i, entry in enumerate(data["data"]):
        where = f"{path}: data[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("title"), str) or not entry["title"].strip():
            raise InputError(f"{where}: expected an object with a \"title\" and \"paragraphs\"")
        paragraphs: list[str] = []
        rows: list[dict[str, Any]] = []
        for j, para in enumerate(_list(entry, "paragraphs", where)):
            pwhere = f"{where}.paragraphs[{j}]"
            if not isinstance(para, dict) or not isinstance(para.get("context"), str):
                raise InputError(f"{pwhere}: expected an object with a \"context\" string and \"qas\"")
            context = _flat(para["context"])
            qas = _list(para, "qas", pwhere)
            if not context.strip():
                if qas:
                    raise InputError(f"{pwhere}: questions on an empty context")
                continue
            paragraphs.append(context.strip())
            for q, qa in enumerate(qas):
                row = _squad_row(qa, context, f"{pwhere}.qas[{q}]")
                if row["id"] in seen_ids:
                    raise InputError(f"{pwhere}.qas[{q}]: id {row['id']!r} already used at {seen_ids[row['id']]}")
                seen_ids[row["id"]] = f"{pwhere}.qas[{q}]"
                rows.append(row)
        if rows:
            title = entry["title"].strip()
            articles.append(SquadArticle(_file_name(title, taken), title.replace("_", " "), paragraphs, rows))
    if not articles:
        raise InputError(f"{path}: no questions in the SQuAD file")
    return articles


def write_suite(articles: Sequence[SquadArticle], folder: Path) -> Path:
    """NAME.txt and NAME.jsonl per article (`read_squad`'s) into `folder`, a suite folder; its earlier .txt and
    .jsonl files are removed first, so that it holds these articles only."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in [*folder.glob("*.txt"), *folder.glob("*.jsonl")]:
            old.unlink()
        for a in articles:
            (folder / f"{a.name}.txt").write_text(a.text(), encoding="utf-8")
            (folder / f"{a.name}.jsonl").write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in a.rows), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{folder}: cannot write the converted articles ({exc.strerror or exc})") from None
    return folder

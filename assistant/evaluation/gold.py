"""Gold files: reading a JSON-lines gold file into `GoldRow`s, every problem one `InputError` line naming the file
and the line, so that a bad gold set stops the run before the first question is asked."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import InputError

__all__ = ["REQUIRED_FIELDS", "GoldRow", "load_gold", "read_gold_text"]

REQUIRED_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": (str, int), "question": str, "answers": list, "answerable": bool, "kind": str, "reference_contexts": list,
}
_FIELD_WORDS = {"id": "text or a number", "question": "text", "answers": "a list of strings",
                "answerable": "true or false", "kind": "text", "reference_contexts": "a list of strings"}
# Optional, for unanswerable questions (the SQuAD suite has them): the answer a careless reader would give
# and the sentences holding it.
_OPTIONAL_LISTS = ("plausible_answers", "distractor_contexts")


@dataclass(frozen=True)
class GoldRow:
    id: str
    question: str
    answers: list[str]
    answerable: bool
    kind: str
    reference_contexts: list[str]
    history: list[dict[str, Any]] | None = None
    line: int = 0
    plausible_answers: list[str] = field(default_factory=list)
    distractor_contexts: list[str] = field(default_factory=list)


def read_gold_text(path: Path, folder_message: str, encoding: str = "utf-8") -> str:
    """A gold file's text; a missing, folder, non-UTF-8 or unreadable path is one InputError naming it."""
    try:
        return path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise InputError(f"{path}: no such gold file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: {folder_message}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the gold file ({exc.strerror})") from None


def _gold_row(data: object, where: str, line: int) -> GoldRow:
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(data).__name__}")
    missing = [f for f in REQUIRED_FIELDS if f not in data]
    if missing:
        raise InputError(f"{where}: missing field(s) {', '.join(missing)}")
    for name, kind in REQUIRED_FIELDS.items():
        if not isinstance(data[name], kind) or (kind is not bool and isinstance(data[name], bool)):
            raise InputError(f"{where}: field {name!r} must be {_FIELD_WORDS[name]}")
    for name in ("answers", "reference_contexts", *_OPTIONAL_LISTS):
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise InputError(f"{where}: field {name!r} must be a list of strings")
    if not data["question"].strip():
        raise InputError(f"{where}: field 'question' is empty")
    if data["answerable"] and not any(a.strip() for a in data["answers"]):
        raise InputError(f"{where}: an answerable question needs at least one answer")
    history = data.get("history")
    if history is not None and not isinstance(history, list):
        raise InputError(f"{where}: field 'history' must be a list of {{\"role\", \"content\"}} messages")
    return GoldRow(id=str(data["id"]), question=data["question"], answers=list(data["answers"]),
                   answerable=data["answerable"], kind=data["kind"] or "unknown",
                   reference_contexts=list(data["reference_contexts"]), history=history, line=line,
                   plausible_answers=list(data.get("plausible_answers", [])),
                   distractor_contexts=list(data.get("distractor_contexts", [])))


def load_gold(path: Path) -> list[GoldRow]:
    """The gold rows of a JSON-lines file; any problem is one InputError naming the file (and line)."""
    path = Path(path)
    text = read_gold_text(path, "is a folder, not a gold file (JSON lines)")
    rows: list[GoldRow] = []
    seen: dict[str, int] = {}
    for no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        where = f"{path} line {no}"
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        row = _gold_row(data, where, no)
        if row.id in seen:
            raise InputError(f"{where}: id {row.id!r} already used on line {seen[row.id]}")
        seen[row.id] = no
        rows.append(row)
    if not rows:
        raise InputError(f"{path}: no questions in the gold file")
    return rows

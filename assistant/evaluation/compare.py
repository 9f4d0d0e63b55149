"""`eval --compare DIR_A DIR_B`: two runs' output folders read back (`load_summary`, `load_results`) and set side
by side, overall and per kind, with the difference B - A and its paired-bootstrap interval."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.evaluation.metrics import FIGURES
from assistant.evaluation.tables import COUNTS, fmt, interval_text, markdown_table
from assistant.evaluation.uncertainty import RESAMPLES, TERM_FIELDS, paired_differences

__all__ = ["compare_dirs", "comparison_text", "load_results", "load_summary"]

RESULT_FIELDS = ("id", *TERM_FIELDS)
"""What `--compare` needs of each results.jsonl row to pair two runs."""


def load_summary(folder: Path) -> dict[str, Any]:
    """summary.json of an eval output folder; InputError when the folder or file is missing or invalid."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such eval output folder")
    path = folder / "summary.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{folder}: no summary.json (not an eval output folder)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or "n" not in data:
        raise InputError(f"{path}: not an eval summary")
    return data


def load_results(folder: Path) -> list[dict[str, Any]] | None:
    """results.jsonl of an eval output folder, or None when it has none (a summary alone can still be compared)."""
    path = Path(folder) / "results.jsonl"
    if not path.is_file():
        return None
    rows = []
    try:
        with path.open(encoding="utf-8") as f:
            for n, line in enumerate(f, start=1):
                if line.strip():
                    row = json.loads(line)
                    if not isinstance(row, dict):
                        raise InputError(f"{path}:{n}: not a scored result row")
                    missing = next((k for k in RESULT_FIELDS if k not in row), None)
                    if missing:
                        raise InputError(f"{path}:{n}: not a scored result row (no {missing!r}; from an older "
                                         "version? run the eval again)")
                    rows.append(row)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON lines ({exc})") from None
    return rows


def compare_dirs(dir_a: Path, dir_b: Path) -> str:
    """The two runs' figures side by side, overall and per kind, with the difference B - A and, on the questions
    both asked, its paired-bootstrap interval (`uncertainty.paired_differences`)."""
    a, b = load_summary(dir_a), load_summary(dir_b)
    rows_a, rows_b = load_results(dir_a), load_results(dir_b)
    paired = paired_differences(rows_a, rows_b) if rows_a is not None and rows_b is not None else None
    return comparison_text(a, b, str(dir_a), str(dir_b), FIGURES, paired=paired)


def _diff(a: object, b: object) -> str:
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, int | float) or not isinstance(b, int | float):
        return "n/a"
    d = b - a
    if isinstance(a, int) and isinstance(b, int):
        return f"{d:+d}"
    return f"{d:+.3f}"


def _p(p: object) -> str:
    """A bootstrap p-value; 0 means no resample crossed 0, so it is below what the resamples resolve."""
    if p == 0:
        return f"< {2 / RESAMPLES:.3f}"
    return fmt(p)


def comparison_text(a: Mapping[str, Any], b: Mapping[str, Any], label_a: str, label_b: str,
                    figures: Sequence[str] = FIGURES,
                    paired: tuple[int, Mapping[str, Mapping[str, Any]]] | None = None) -> str:
    """Two summaries side by side (overall, then per kind), with the difference B - A; with `paired` (how many
    questions both runs asked, and per figure B - A on them, its interval and p: `paired_differences`), a
    table of those too."""
    parts = [f"A: {label_a} (backend {a.get('backend', '?')})", f"B: {label_b} (backend {b.get('backend', '?')})"]
    sa: Mapping[str, Any] = a.get("settings") or {}
    sb: Mapping[str, Any] = b.get("settings") or {}
    changed = [f"{k}: {sa.get(k)!r} -> {sb.get(k)!r}" for k in sorted(set(sa) | set(sb)) if sa.get(k) != sb.get(k)]
    if changed:
        parts.append("settings that differ: " + "; ".join(changed))
    names = [*COUNTS, *figures]
    parts += ["", markdown_table(["figure", "A", "B", "B - A"],
                         [[n, fmt(a.get(n)), fmt(b.get(n)), _diff(a.get(n), b.get(n))] for n in names])]
    if paired is None:
        parts += ["", "(no paired intervals: a run has no results.jsonl)"]
    elif not paired[0]:
        parts += ["", "(no paired intervals: the runs asked no question in common)"]
    else:
        asked, diffs = paired
        parts += ["", f"On the {asked} questions both runs asked, B - A with its 95% paired-bootstrap interval "
                      "(p: how likely a difference this large is by chance):", "",
                  markdown_table(["figure", "B - A", "95% interval", "p"],
                         [[name, f"{d['diff']:+.3f}", interval_text(d.get("interval")), _p(d.get("p"))]
                          for name, d in diffs.items()])]
    ka: Mapping[str, Mapping[str, Any]] = a.get("by_kind") or {}
    kb: Mapping[str, Mapping[str, Any]] = b.get("by_kind") or {}
    rows = []
    for kind in sorted(set(ka) | set(kb)):
        fa, fb = ka.get(kind, {}), kb.get(kind, {})
        for n in names:
            if fa.get(n) is None and fb.get(n) is None:
                continue
            rows.append([kind, n, fmt(fa.get(n)), fmt(fb.get(n)), _diff(fa.get(n), fb.get(n))])
    if rows:
        parts += ["", "By kind:", "", markdown_table(["kind", "figure", "A", "B", "B - A"], rows, right_from=2)]
    return "\n".join(parts)

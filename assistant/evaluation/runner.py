"""`article-assistant eval`: ask every gold question, score the answers, write results, summary and report.

    run_eval(gold, settings, out=DIR)  ->  DIR/results.jsonl, DIR/summary.json, DIR/report.md, DIR/by_kind.png

Scoring is offline and deterministic apart from latency (see `metrics` for the definitions). With `gate=True`
the figures are checked against `thresholds.toml` and the exit code says whether they all passed.
"""

from __future__ import annotations

import json
import sys
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import InputError
from assistant.evaluation import metrics as m
from assistant.evaluation.metrics import FIGURES
from assistant.evaluation.report import (
    CHART_NAME,
    comparison_text,
    summary_table,
    write_chart,
    write_report,
)
from index import Embedder

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.settings import Settings
    from assistant.types import Answer

__all__ = [
    "FIGURES",
    "REQUIRED_FIELDS",
    "SUMMARY_KEYS",
    "Bound",
    "GoldRow",
    "check_gate",
    "compare_dirs",
    "load_gold",
    "load_summary",
    "load_thresholds",
    "run_eval",
    "score_row",
    "summarize",
]

SUMMARY_KEYS = ("n", "answerable", "unanswerable", *FIGURES, "by_kind")
REQUIRED_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": (str, int), "question": str, "answers": list, "answerable": bool, "kind": str, "reference_contexts": list,
}
_FIELD_WORDS = {"id": "text or a number", "question": "text", "answers": "a list of strings",
                "answerable": "true or false", "kind": "text", "reference_contexts": "a list of strings"}
_SECRETS = {"openai_api_key", "auth", "api_key"}


# -- gold file -------------------------------------------------------------------------------------------

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


def _gold_row(data: object, where: str, line: int) -> GoldRow:
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(data).__name__}")
    missing = [f for f in REQUIRED_FIELDS if f not in data]
    if missing:
        raise InputError(f"{where}: missing field(s) {', '.join(missing)}")
    for name, kind in REQUIRED_FIELDS.items():
        if not isinstance(data[name], kind) or (kind is not bool and isinstance(data[name], bool)):
            raise InputError(f"{where}: field {name!r} must be {_FIELD_WORDS[name]}")
    for name in ("answers", "reference_contexts"):
        if not all(isinstance(x, str) for x in data[name]):
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
                   reference_contexts=list(data["reference_contexts"]), history=history, line=line)


def load_gold(path: Path) -> list[GoldRow]:
    """The gold rows of a JSON-lines file; any problem is one InputError naming the file (and line)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such gold file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a gold file (JSON lines)") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the gold file ({exc.strerror})") from None
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


# -- scoring ---------------------------------------------------------------------------------------------

def score_row(row: GoldRow, answer: Answer | None, latency_s: float, article_text: str, embedder: Embedder,
              error: str | None = None) -> dict[str, Any]:
    """One results.jsonl row: what was asked and answered, what was retrieved, and the per-question figures.

    Answer figures score a refusal as an empty reply. Figures that do not apply to the row are None.
    """
    refused = bool(answer.refused) if answer else False
    response = answer.text if answer else ""
    citations = [c.to_dict() for c in answer.citations] if answer else []
    retrieved = [h.to_dict() for h in answer.passages] if answer else []
    out: dict[str, Any] = {
        "id": row.id, "question": row.question, "kind": row.kind, "answerable": row.answerable,
        "answers": row.answers, "response": response, "refused": refused,
        "reason": answer.reason if answer else "", "error": error,
        "citations": citations, "retrieved": retrieved, "latency_s": round(latency_s, 4),
        "exact_match": None, "token_f1": None, "containment": None, "semantic_similarity": None,
        "relevant_rank": None, "hit_at_1": None, "hit_at_3": None, "reciprocal_rank": None,
        "citations_supported": None, "citation_precision": None, "cited_reference": None,
    }
    failures: list[str] = []
    if error:
        failures.append(f"error: {error}")
    if row.answerable:
        reply = "" if refused else response
        out["exact_match"] = m.exact_match(reply, row.answers)
        out["token_f1"] = round(m.token_f1(reply, row.answers), 6)
        out["containment"] = m.containment(reply, row.answers)
        out["semantic_similarity"] = round(m.semantic_similarity(reply, row.answers, embedder), 6)
        if refused:
            failures.append("refused an answerable question")
        elif not out["containment"]:
            failures.append("gold answer not in the reply")
        if row.reference_contexts:
            rank = m.first_relevant_rank([str(h["text"]) for h in retrieved], row.reference_contexts)
            out["relevant_rank"] = rank
            out["hit_at_1"] = m.hit_at_k(rank, 1)
            out["hit_at_3"] = m.hit_at_k(rank, 3)
            out["reciprocal_rank"] = m.reciprocal_rank(rank)
            supported = [m.citation_supported(c.quote, c.start, c.end, article_text, row.reference_contexts)
                         for c in (answer.citations if answer else [])]
            out["citations_supported"] = sum(supported)
            out["citation_precision"] = m.rate(supported)
            out["cited_reference"] = any(supported)
            if not out["hit_at_3"]:
                failures.append("no relevant passage in the top 3")
            if not refused and not any(supported):
                failures.append("no citation on a reference context")
    elif not refused:
        failures.append("answered an unanswerable question")
    out["failures"] = failures
    return out


def _round(v: float | None, nd: int = 4) -> float | None:
    return None if v is None else round(v, nd)


def _figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    ref = [r for r in ans if r["hit_at_1"] is not None]
    n_cit = sum(len(r["citations"]) for r in ref)
    latencies = [float(r["latency_s"]) for r in rows]
    return {
        "n": len(rows), "answerable": len(ans), "unanswerable": len(una),
        "exact_match": _round(m.mean(r["exact_match"] for r in ans)),
        "token_f1": _round(m.mean(r["token_f1"] for r in ans)),
        "containment": _round(m.mean(r["containment"] for r in ans)),
        "semantic_similarity": _round(m.mean(r["semantic_similarity"] for r in ans)),
        "hit_at_1": _round(m.mean(r["hit_at_1"] for r in ref)),
        "hit_at_3": _round(m.mean(r["hit_at_3"] for r in ref)),
        "mrr": _round(m.mean(r["reciprocal_rank"] for r in ref)),
        "citation_precision": _round(sum(r["citations_supported"] for r in ref) / n_cit if n_cit else None),
        "citation_recall": _round(m.rate(r["cited_reference"] for r in ref)),
        "no_answer_accuracy": _round(m.rate(r["refused"] for r in una)),
        "false_abstention_rate": _round(m.rate(r["refused"] for r in ans)),
        "latency_p50_s": _round(m.percentile(latencies, 50)),
        "latency_p95_s": _round(m.percentile(latencies, 95)),
    }


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """summary.json's figures from scored rows: overall, then `by_kind` with the same figures per kind.

    Answer figures average over answerable rows; retrieval and citation figures over answerable rows with
    reference contexts (citation_precision over all their citations); no_answer_accuracy over unanswerable
    rows. A figure with no rows to average is None.
    """
    kinds = sorted({r["kind"] for r in rows})
    return {**_figures(rows), "by_kind": {k: _figures([r for r in rows if r["kind"] == k]) for k in kinds}}


# -- gate ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bound:
    figure: str
    min: float | None = None
    max: float | None = None

    def check(self, value: float | None) -> str | None:
        """Why `value` fails this bound, or None when it passes (or was not measured)."""
        if value is None:
            return None
        if self.min is not None and value < self.min:
            return f"{self.figure} {value:.4g} < min {self.min:g}"
        if self.max is not None and value > self.max:
            return f"{self.figure} {value:.4g} > max {self.max:g}"
        return None

    def describe(self) -> str:
        parts = ([f"≥ {self.min:g}"] if self.min is not None else []) + (
            [f"≤ {self.max:g}"] if self.max is not None else [])
        return " and ".join(parts)


def load_thresholds(source: Path | str | Mapping[str, Any] | None = None) -> dict[str, Bound]:
    """Bounds per figure from a TOML file (default: the packaged thresholds.toml) or an equivalent mapping:
    `[figure]` tables with `min` and/or `max`."""
    where = "thresholds.toml"
    if source is None:
        text = resources.files("assistant.evaluation").joinpath("thresholds.toml").read_text(encoding="utf-8")
        data: Mapping[str, Any] = tomllib.loads(text)
    elif isinstance(source, Mapping):
        data, where = source, "thresholds"
    else:
        where = str(source)
        try:
            data = tomllib.loads(Path(source).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{where}: no such thresholds file") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{where}: not valid TOML ({exc})") from None
    bounds: dict[str, Bound] = {}
    for figure, spec in data.items():
        if figure not in FIGURES:
            raise InputError(f"{where}: unknown figure {figure!r}; choose from {', '.join(FIGURES)}")
        if not isinstance(spec, Mapping) or not spec or set(spec) - {"min", "max"}:
            raise InputError(f"{where}: [{figure}] must hold `min` and/or `max` and nothing else")
        for key, v in spec.items():
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise InputError(f"{where}: [{figure}] {key} must be a number")
        bounds[figure] = Bound(figure, _num(spec.get("min")), _num(spec.get("max")))
    return bounds


def _num(v: object) -> float | None:
    return None if v is None else float(v)  # type: ignore[arg-type]


def check_gate(summary: Mapping[str, Any], thresholds: Mapping[str, Bound]) -> list[str]:
    """One line per figure out of bounds; empty when the gate passes."""
    failed = [b.check(summary.get(name)) for name, b in thresholds.items()]
    return [f for f in failed if f]


# -- the run ---------------------------------------------------------------------------------------------

@dataclass
class _Bar:
    """A tqdm bar on stderr for the index build's (done, total) callbacks."""

    label: str
    bar: Any = field(default=None)

    def __call__(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, desc=self.label, unit="passage", file=sys.stderr, leave=False)
        self.bar.n = done
        self.bar.refresh()
        if done >= total:
            self.bar.close()


def _settings_info(settings: Settings) -> dict[str, Any]:
    return settings.model_dump(mode="json", exclude=_SECRETS)


def _iterate(rows: list[GoldRow], show: bool) -> Iterable[GoldRow]:
    if not show:
        return rows
    from tqdm import tqdm

    return tqdm(rows, desc="eval", unit="question", file=sys.stderr, dynamic_ncols=True)


def run_eval(gold_path: Path, settings: Settings | None = None, *, out: Path, k: int | None = None,
             gate: bool = False, assistant: Assistant | None = None,
             thresholds: Path | Mapping[str, Any] | None = None, progress: bool = True,
             echo: Callable[[str], None] = print) -> int:
    """Ask every question of `gold_path`, write results.jsonl, summary.json, report.md and the chart into `out`,
    print the summary table. Returns the exit code: 1 when `gate` and a figure is out of bounds, else 0.

    Pass `assistant` to evaluate a prebuilt one (tests do, with fakes); otherwise one is built from `settings`.
    `k` overrides the number of passages retrieved.
    """
    rows = load_gold(gold_path)
    bounds = load_thresholds(thresholds)
    if k is not None and not 1 <= k <= 50:
        raise InputError("k must be between 1 and 50")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    if assistant is None:
        if settings is None:
            raise InputError("run_eval needs settings or an assistant")
        from assistant.api import Assistant

        assistant = Assistant(settings=settings, progress=_Bar("embedding") if progress else None)
    settings = assistant.settings
    article_text = assistant.article_text
    started = datetime.now(UTC)

    scored: list[dict[str, Any]] = []
    for row in _iterate(rows, progress):
        t0 = time.perf_counter()
        answer, error = None, None
        try:
            answer = assistant.ask(row.question, row.history, k=k)
        except InputError as exc:  # a bad question or history is this row's failure, not the run's
            error = str(exc)
        latency = time.perf_counter() - t0
        scored.append(score_row(row, answer, latency, article_text, assistant.embedder, error))

    summary = summarize(scored)
    summary["backend"] = assistant.default_backend
    summary["settings"] = _settings_info(settings)
    summary["run"] = {
        "gold": str(gold_path), "article_title": assistant.title, "embedder": assistant.embedder.name,
        "k": k or settings.top_k, "started": started.isoformat(timespec="seconds"),
        "duration_s": round((datetime.now(UTC) - started).total_seconds(), 3),
        "thresholds": {name: {"min": b.min, "max": b.max} for name, b in bounds.items()},
    }
    gate_failures = check_gate(summary, bounds)
    summary["gate"] = {"passed": not gate_failures, "failures": gate_failures}

    try:
        out.mkdir(parents=True, exist_ok=True)
        with (out / "results.jsonl").open("w", encoding="utf-8") as f:
            for r in scored:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        write_chart(summary, out / CHART_NAME)
        write_report(out / "report.md", summary, scored, bounds, chart=CHART_NAME)
    except OSError as exc:
        raise InputError(f"{out}: cannot write the results ({exc.strerror or exc})") from None

    echo(summary_table(summary, bounds))
    echo(f"\nwrote {out / 'results.jsonl'}, {out / 'summary.json'}, {out / 'report.md'}")
    if not gate:
        return 0
    if gate_failures:
        echo("\ngate FAILED: " + "; ".join(gate_failures))
        return 1
    echo("\ngate passed")
    return 0


# -- comparing runs --------------------------------------------------------------------------------------

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


def compare_dirs(dir_a: Path, dir_b: Path) -> str:
    """The two runs' figures side by side, overall and per kind, with the difference B - A."""
    return comparison_text(load_summary(dir_a), load_summary(dir_b), str(dir_a), str(dir_b), FIGURES)

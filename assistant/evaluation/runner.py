"""`article-assistant eval`: ask every gold question, score the answers, write results, summary and report.

    run_eval(GOLD.jsonl, settings, out=DIR)  ->  DIR/results.jsonl, summary.json, report.md, by_kind.png,
                                                 abstention.png
    run_eval(SQUAD.json, settings, out=DIR)  ->  the SQuAD 2.0 file converted into DIR/squad-articles, run as a suite
    run_suite(FOLDER, settings, out=DIR)     ->  every NAME.txt + NAME.jsonl article of FOLDER in its own index,
                                                 the same files pooled, plus `by_article` and by_article.png

Scoring is offline and deterministic apart from latency (see `metrics` for the definitions). With `gate=True`
the figures are checked against `thresholds.toml` and the exit code says whether they all passed.

When the assistant refuses on a reader score (`assistant.answer_threshold` is not None), each question is asked
with `min_score=0.0` to see the would-be answer, and `refuse_below(answer, threshold)` gives the product's
answer, which is what results.jsonl and the figures score; the abstention curve applies `refuse_below` with
every threshold of a grid to the would-be answers (see `abstention`).
"""

from __future__ import annotations

import json
import sys
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import InputError
from assistant.evaluation import metrics as m
from assistant.evaluation.abstention import abstention_curve, best_point, curve_thresholds
from assistant.evaluation.metrics import FIGURES
from assistant.evaluation.report import (
    ABSTENTION_CHART,
    ARTICLE_CHART,
    CHART_NAME,
    CONSOLE_FIGURES,
    article_table,
    comparison_text,
    summary_table,
    write_abstention_chart,
    write_chart,
    write_report,
)
from assistant.evaluation.suite import discover_suite, read_gold_text, read_squad, sample_rows, write_suite
from assistant.evaluation.uncertainty import (
    LEVEL,
    MIN_ARTICLES,
    RESAMPLES,
    TERM_FIELDS,
    bootstrap_intervals,
    paired_differences,
    terms,
)
from assistant.history import validate_k
from assistant.progress import IndexProgress
from assistant.refusal import refuse_below
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
    "load_results",
    "load_summary",
    "load_thresholds",
    "run_eval",
    "run_suite",
    "score_row",
    "summarize",
]

SUMMARY_KEYS = ("n", "answerable", "unanswerable", *FIGURES, "by_kind", "answer_threshold", "abstention_curve",
                "best_threshold")
RESULT_FIELDS = ("id", *TERM_FIELDS)
"""What `--compare` needs of each results.jsonl row to pair two runs."""
SQUAD_FOLDER = "squad-articles"
"""Where `run_eval` writes the articles of a SQuAD file, inside the output folder."""
REQUIRED_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": (str, int), "question": str, "answers": list, "answerable": bool, "kind": str, "reference_contexts": list,
}
_FIELD_WORDS = {"id": "text or a number", "question": "text", "answers": "a list of strings",
                "answerable": "true or false", "kind": "text", "reference_contexts": "a list of strings"}
# Optional, for unanswerable questions (the SQuAD suite has them): the answer a careless reader would give
# and the sentences holding it.
_OPTIONAL_LISTS = ("plausible_answers", "distractor_contexts")
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
    plausible_answers: list[str] = field(default_factory=list)
    distractor_contexts: list[str] = field(default_factory=list)


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


# -- scoring ---------------------------------------------------------------------------------------------

def score_row(row: GoldRow, answer: Answer | None, latency_s: float, article_text: str, embedder: Embedder,
              error: str | None = None, *, raw: Answer | None = None, article: str = "") -> dict[str, Any]:
    """One results.jsonl row: what was asked and answered, what was retrieved, and the per-question figures.

    `answer` is the product's answer; `raw` the would-be answer before the reader-score refusal (default:
    `answer`), kept for the abstention curve as `raw_refused`, `raw_containment` and `answer_score`.
    Answer figures score a refusal as an empty reply. Figures that do not apply to the row are None:
    `short_answer_em`/`_f1` are measured on answerable questions answered with a short answer; `correct` on
    every question (the gold answer contained, or an unanswerable question refused).
    """
    raw = raw if raw is not None else answer
    refused = bool(answer.refused) if answer else False
    raw_refused = bool(raw.refused) if raw else False
    response = answer.text if answer else ""
    citations = [c.to_dict() for c in answer.citations] if answer else []
    retrieved = [h.to_dict() for h in answer.passages] if answer else []
    short = answer.short_answer if answer and not refused else None
    out: dict[str, Any] = {
        "id": row.id, "article": article, "question": row.question, "kind": row.kind, "answerable": row.answerable,
        "answers": row.answers, "response": response, "refused": refused,
        "reason": answer.reason if answer else "", "error": error,
        "answer_score": raw.answer_score if raw else None,  # not rounded: the curve compares it with thresholds
        "short_answer": short.text if short else None,
        "citations": citations, "retrieved": retrieved, "latency_s": round(latency_s, 4),
        "correct": None, "exact_match": None, "token_f1": None, "containment": None, "semantic_similarity": None,
        "short_answer_em": None, "short_answer_f1": None,
        "relevant_rank": None, "hit_at_1": None, "hit_at_3": None, "reciprocal_rank": None,
        "citations_supported": None, "citation_precision": None, "cited_reference": None,
        "raw_refused": raw_refused, "raw_containment": None,
    }
    if row.plausible_answers or row.distractor_contexts:
        out["plausible_answers"] = row.plausible_answers
        out["distractor_contexts"] = row.distractor_contexts
    failures: list[str] = []
    if error:
        failures.append(f"error: {error}")
    if row.answerable:
        reply = "" if refused else response
        out["exact_match"] = m.exact_match(reply, row.answers)
        out["token_f1"] = round(m.token_f1(reply, row.answers), 6)
        out["containment"] = m.containment(reply, row.answers)
        out["semantic_similarity"] = round(m.semantic_similarity(reply, row.answers, embedder), 6)
        out["correct"] = out["containment"]
        out["raw_containment"] = m.containment("" if raw is None or raw_refused else raw.text, row.answers)
        if short is not None and not error:
            out["short_answer_em"] = m.exact_match(short.text, row.answers)
            out["short_answer_f1"] = round(m.token_f1(short.text, row.answers), 6)
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
    else:
        out["correct"] = float(refused)
        if not refused:
            failures.append("answered an unanswerable question")
    out["failures"] = failures
    return out


def _round(v: float | None, nd: int = 4) -> float | None:
    return None if v is None else round(v, nd)


def _figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ans = sum(1 for r in rows if r["answerable"])
    latencies = [float(r["latency_s"]) for r in rows]
    means = {name: _round(float(num.sum() / den.sum()) if den.sum() > 0 else None)
             for name, (num, den) in terms(rows).items()}
    return {"n": len(rows), "answerable": ans, "unanswerable": len(rows) - ans,
            **{name: means[name] for name in FIGURES if name in means},
            "latency_p50_s": _round(m.percentile(latencies, 50)),
            "latency_p95_s": _round(m.percentile(latencies, 95))}


def summarize(rows: list[dict[str, Any]], answer_threshold: float | None = None) -> dict[str, Any]:
    """summary.json's figures from scored rows: overall, then `by_kind` with the same figures per kind, the
    product's `answer_threshold` and the `abstention_curve` (empty when no row has an answer score).

    `correct` averages over all rows; answer figures over answerable rows; `short_answer_em`/`_f1` over
    answerable rows answered with a short answer (None when no row has one) and `short_answer_coverage` is
    the share of answered answerable rows that have one; retrieval and citation figures over answerable rows
    with reference contexts (citation_precision over all their citations); no_answer_accuracy over
    unanswerable rows. A figure with no rows to average is None. `best_threshold`: the curve's point with the
    highest `correct` under the false-abstention cap (`abstention.best_point`), chosen on these very rows.
    """
    kinds = sorted({r["kind"] for r in rows})
    curve = abstention_curve(rows, curve_thresholds(answer_threshold))
    return {**_figures(rows), "by_kind": {k: _figures([r for r in rows if r["kind"] == k]) for k in kinds},
            "answer_threshold": answer_threshold, "abstention_curve": curve, "best_threshold": best_point(curve)}


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

AssistantFactory = Callable[[Path], "Assistant"]
"""Builds the assistant for one article file (a suite builds one per article)."""


class _Progress:
    """tqdm bars on stderr: one for the whole run and, in a suite, one for the article being asked.
    Does nothing when `show` is false."""

    def __init__(self, show: bool, total: int, per_article: bool) -> None:
        self.show, self.per_article = show, per_article
        self.overall = self._bar(total, "eval", 0, leave=True) if show else None
        self.current: Any = None

    @staticmethod
    def _bar(total: int, label: str, position: int, leave: bool) -> Any:
        from tqdm import tqdm

        return tqdm(total=total, desc=label, unit="question", file=sys.stderr, dynamic_ncols=True,
                    position=position, leave=leave)

    def start(self, name: str, total: int) -> None:
        if self.show and self.per_article:
            self.current = self._bar(total, name, 1, leave=False)

    def step(self) -> None:
        for bar in (self.current, self.overall):
            if bar is not None:
                bar.update(1)

    def end(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None

    def close(self) -> None:
        self.end()
        if self.overall is not None:
            self.overall.close()


def _settings_info(settings: Settings) -> dict[str, Any]:
    return settings.model_dump(mode="json", exclude=_SECRETS)


def default_factory(settings: Settings, progress: bool = False, in_suite: bool = False) -> AssistantFactory:
    """Assistants for the given settings, each on its own article; the models (embedder, generator and reader,
    if any) are loaded once and shared, not once per article. `progress`: a bar for each index build."""
    from assistant.api import Assistant
    from assistant.backends import make_backend

    shared: dict[str, Any] = {}

    def make(article: Path) -> Assistant:
        s = settings.model_copy(update={"article": Path(article)})
        label = f"embedding {Path(article).stem}" if in_suite else "embedding"
        bar = IndexProgress(label, position=1 if in_suite else 0) if progress else None
        if not shared:
            shared["generator"] = make_backend(settings)
            a = Assistant(settings=s, generator=shared["generator"], progress=bar)
            shared["embedder"] = a.embedder
            if getattr(a, "reader", None) is not None:
                shared["reader"] = a.reader
            return a
        return Assistant(settings=s, progress=bar, **shared)

    return make


def _ask(assistant: Assistant, row: GoldRow, k: int | None,
         threshold: float | None) -> tuple[Answer | None, Answer | None, str | None]:
    """(the product's answer, the would-be answer before the reader-score refusal, an error)."""
    try:
        if threshold is None:
            answer = assistant.ask(row.question, row.history, k=k)
            return answer, answer, None
        raw = assistant.ask(row.question, row.history, k=k, min_score=0.0)
        return refuse_below(raw, threshold), raw, None
    except InputError as exc:  # a bad question or history is this row's failure, not the run's
        return None, None, str(exc)


def _evaluate(assistant: Assistant, rows: list[GoldRow], k: int | None, article: str,
              progress: _Progress) -> list[dict[str, Any]]:
    scored = []
    threshold = assistant.answer_threshold
    for row in rows:
        t0 = time.perf_counter()
        answer, raw, error = _ask(assistant, row, k, threshold)
        latency = time.perf_counter() - t0
        if answer is not None and raw is not None and answer is not raw:
            # Refused after the fact: the product stops at the gate and never generates or verifies.
            latency -= raw.timings.get("generate_s", 0.0) + raw.timings.get("verify_s", 0.0)
        scored.append(score_row(row, answer, latency, assistant.article_text, assistant.embedder, error,
                                raw=raw, article=article))
        progress.step()
    return scored


def _check_options(k: int | None, sample: int | None, out: Path) -> Path:
    validate_k(k)
    if sample is not None and sample < 1:
        raise InputError("--sample must be at least 1")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    return out


def run_eval(gold_path: Path, settings: Settings | None = None, *, out: Path, k: int | None = None,
             gate: bool = False, assistant: Assistant | None = None, make_assistant: AssistantFactory | None = None,
             thresholds: Path | Mapping[str, Any] | None = None, progress: bool = True,
             echo: Callable[[str], None] = print, sample: int | None = None, seed: int = 0) -> int:
    """Ask every question of `gold_path`, write results.jsonl, summary.json, report.md and the charts into `out`,
    print the summary table. Returns the exit code: 1 when `gate` and a figure is out of bounds, else 0.

    `gold_path` is JSON lines about `settings.article`, or a SQuAD 2.0 `.json` file: that is converted into
    `out`/squad-articles (NAME.txt + NAME.jsonl per title) and evaluated like a suite (`run_suite`).
    Pass `assistant` to evaluate a prebuilt one, or `make_assistant(article_path)` to build them (tests do, with
    fakes); otherwise they are built from `settings`. `k` overrides the number of passages retrieved;
    `sample` asks only that many questions per article (`sample_rows`, seeded by `seed`).
    """
    gold_path = Path(gold_path)
    if gold_path.suffix.lower() == ".json":
        if assistant is not None:
            raise InputError("a SQuAD file holds many articles: pass make_assistant, not one assistant")
        articles = read_squad(gold_path)  # validated before anything is written
        load_thresholds(thresholds)
        out = _check_options(k, sample, out)
        folder = write_suite(articles, out / SQUAD_FOLDER)
        return run_suite(folder, settings, out=out, k=k, gate=gate, make_assistant=make_assistant,
                         thresholds=thresholds, progress=progress, echo=echo, sample=sample, seed=seed,
                         source=gold_path)
    rows = load_gold(gold_path)
    bounds = load_thresholds(thresholds)
    out = _check_options(k, sample, out)
    if sample is not None:
        rows = sample_rows(rows, sample, seed, gold_path.stem)
    if assistant is None:
        if settings is None:
            raise InputError("run_eval needs settings or an assistant")
        factory = make_assistant or default_factory(settings, progress)
        assistant = factory(settings.article)
    started = datetime.now(UTC)
    bar = _Progress(progress, len(rows), per_article=False)
    article = Path(assistant.settings.article).stem
    try:
        scored = _evaluate(assistant, rows, k, article, bar)
    finally:
        bar.close()

    summary = summarize(scored, assistant.answer_threshold)
    summary["backend"] = assistant.default_backend
    summary["settings"] = _settings_info(assistant.settings)
    summary["run"] = {
        "gold": str(gold_path), "article_title": assistant.title, "embedder": assistant.embedder.name,
        "k": k or assistant.settings.top_k, "sample": sample, "seed": seed,
        "started": started.isoformat(timespec="seconds"),
        "thresholds": {name: {"min": b.min, "max": b.max} for name, b in bounds.items()},
    }
    return _finish(out, scored, summary, bounds, gate, started, echo)


def run_suite(folder: Path, settings: Settings | None = None, *, out: Path, k: int | None = None,
              gate: bool = False, make_assistant: AssistantFactory | None = None,
              thresholds: Path | Mapping[str, Any] | None = None, progress: bool = True,
              echo: Callable[[str], None] = print, sample: int | None = None, seed: int = 0,
              source: Path | None = None) -> int:
    """Evaluate every NAME.txt + NAME.jsonl article of `folder` (see `suite.discover_suite`), each in its own
    index, with the same backend and settings; write the pooled results.jsonl (rows carry `article`),
    summary.json (pooled figures, plus `by_article` with the same keys per article), report.md and the charts
    into `out`. Every gold file is checked before the first question is asked. Returns the exit code as
    `run_eval` does (the gate checks the pooled figures).

    `make_assistant(article_path)` builds each article's assistant (default: from `settings`, sharing the
    embedder and the generator). `source` names the SQuAD file the folder was converted from, if any.
    """
    folder = Path(folder)
    articles = discover_suite(folder)
    bounds = load_thresholds(thresholds)
    out = _check_options(k, sample, out)
    golds = [(a, load_gold(a.gold)) for a in articles]
    if sample is not None:
        golds = [(a, sample_rows(rows, sample, seed, a.name)) for a, rows in golds]
    bar = _Progress(progress, sum(len(rows) for _, rows in golds), per_article=True)
    if make_assistant is not None:
        factory = make_assistant
    elif settings is not None:
        factory = default_factory(settings, progress, in_suite=True)
    else:
        raise InputError("run_suite needs settings or make_assistant")
    started = datetime.now(UTC)
    scored: list[dict[str, Any]] = []
    info: dict[str, Any] = {}
    first: dict[str, Any] = {}
    try:
        for a, rows in golds:
            assistant = factory(a.text)
            if not first:
                first.update(backend=assistant.default_backend, settings=assistant.settings,
                             embedder=assistant.embedder.name, threshold=assistant.answer_threshold)
            elif assistant.answer_threshold != first["threshold"]:
                raise InputError(f"{a.text}: its assistant refuses below {assistant.answer_threshold}, the first "
                                 f"one below {first['threshold']}; a suite runs one configuration")
            bar.start(a.name, len(rows))
            scored += _evaluate(assistant, rows, k, a.name, bar)
            bar.end()
            info[a.name] = {"title": assistant.title, "questions": len(rows), "article": str(a.text),
                            "gold": str(a.gold)}
            del assistant
    finally:
        bar.close()

    summary = summarize(scored, first["threshold"])
    summary["by_article"] = {name: summarize([r for r in scored if r["article"] == name], first["threshold"])
                             for name in info}
    summary["backend"] = first["backend"]
    summary["settings"] = {**_settings_info(first["settings"]), "article": str(folder)}
    summary["run"] = {
        "gold": str(source or folder), "suite": str(folder), "article_title": f"{len(info)} articles",
        "articles": info, "embedder": first["embedder"], "k": k or first["settings"].top_k,
        "sample": sample, "seed": seed, "started": started.isoformat(timespec="seconds"),
        "thresholds": {name: {"min": b.min, "max": b.max} for name, b in bounds.items()},
    }
    return _finish(out, scored, summary, bounds, gate, started, echo)


def _finish(out: Path, scored: list[dict[str, Any]], summary: dict[str, Any], bounds: Mapping[str, Bound],
            gate: bool, started: datetime, echo: Callable[[str], None]) -> int:
    """Gate, write the output files, print the tables and the time taken; the exit code."""
    duration = (datetime.now(UTC) - started).total_seconds()
    summary["run"]["duration_s"] = round(duration, 3)
    summary["intervals"] = bootstrap_intervals(scored)
    summary["run"]["intervals"] = (f"{LEVEL:.0%} percentile bootstrap, {RESAMPLES} resamples of the questions "
                                   "within each article, seed 0")
    if len(summary.get("by_article") or {}) >= MIN_ARTICLES:
        summary["intervals_over_articles"] = bootstrap_intervals(scored, articles=True)
        summary["run"]["intervals"] += "; over articles: whole articles resampled"
    gate_failures = check_gate(summary, bounds)
    summary["gate"] = {"passed": not gate_failures, "failures": gate_failures}
    suite = "by_article" in summary
    try:
        out.mkdir(parents=True, exist_ok=True)
        with (out / "results.jsonl").open("w", encoding="utf-8") as f:
            for r in scored:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        write_chart(summary, out / CHART_NAME)
        if suite:
            write_chart(summary, out / ARTICLE_CHART, group="by_article")
        write_abstention_chart(summary, out / ABSTENTION_CHART)
        write_report(out / "report.md", summary, scored, bounds, chart=CHART_NAME)
    except OSError as exc:
        raise InputError(f"{out}: cannot write the results ({exc.strerror or exc})") from None

    echo(summary_table(summary, bounds))
    if suite:
        echo("\n" + article_table(summary, CONSOLE_FIGURES))
    echo(f"\nwrote {out / 'results.jsonl'}, {out / 'summary.json'}, {out / 'report.md'}")
    echo(f"took {duration:.1f} s for {len(scored)} questions")
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

"""`article-assistant eval`: one gold file (`run_eval`) or a suite of articles (`run_suite`), from the options
to the exit code.

    run_eval(GOLD.jsonl, settings, out=DIR)  ->  DIR/results.jsonl, summary.json, report.md, by_kind.png,
                                                 abstention.png
    run_eval(SQUAD.json, settings, out=DIR)  ->  the SQuAD 2.0 file converted into DIR/squad-articles, run as a suite
    run_suite(FOLDER, settings, out=DIR)     ->  every NAME.txt + NAME.jsonl article of FOLDER in its own index,
                                                 the same files pooled, plus `by_article` and by_article.png

Scoring is offline and deterministic apart from latency (see `metrics` for the definitions). With `gate=True`
the figures are checked against `thresholds.toml` and the exit code says whether they all passed.

When the assistant refuses on a reader score (`assistant.operating_point` is not None), each question is asked
with `min_score=0.0` to see the would-be answer, and `operating_point.apply(answer)` gives the product's
answer (the same object the product decides with), which is what results.jsonl and the figures score; the
abstention curve applies the same rule at every threshold of a grid to the would-be answers (see `abstention`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import InputError
from assistant.evaluation.asking import AssistantFactory, Progress, ask_rows, default_factory
from assistant.evaluation.gate import load_thresholds
from assistant.evaluation.gold import load_gold
from assistant.evaluation.output import finish
from assistant.evaluation.scoring import summarize
from assistant.evaluation.suite import discover_suite, read_squad, sample_rows, write_suite
from assistant.history import validate_k

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.settings import Settings

__all__ = ["SQUAD_FOLDER", "run_eval", "run_suite"]

SQUAD_FOLDER = "squad-articles"
"""Where `run_eval` writes the articles of a SQuAD file, inside the output folder."""
_SECRETS = {"openai_api_key", "auth", "api_key"}


def _settings_info(settings: Settings) -> dict[str, Any]:
    return settings.model_dump(mode="json", exclude=_SECRETS)


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
    bar = Progress(progress, len(rows), per_article=False)
    article = Path(assistant.settings.article).stem
    try:
        scored = ask_rows(assistant, rows, k, article, bar)
    finally:
        bar.close()

    summary = summarize(scored, _threshold(assistant))
    summary["backend"] = assistant.default_backend
    summary["settings"] = _settings_info(assistant.settings)
    summary["run"] = {
        "gold": str(gold_path), "article_title": assistant.title, "embedder": assistant.embedder.name,
        "k": k or assistant.settings.top_k, "sample": sample, "seed": seed,
        "started": started.isoformat(timespec="seconds"),
        "thresholds": {name: {"min": b.min, "max": b.max} for name, b in bounds.items()},
    }
    return finish(out, scored, summary, bounds, gate, started, echo)


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
    bar = Progress(progress, sum(len(rows) for _, rows in golds), per_article=True)
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
            threshold = _threshold(assistant)
            if not first:
                first.update(backend=assistant.default_backend, settings=assistant.settings,
                             embedder=assistant.embedder.name, threshold=threshold)
            elif threshold != first["threshold"]:
                raise InputError(f"{a.text}: its assistant refuses below {threshold}, the first "
                                 f"one below {first['threshold']}; a suite runs one configuration")
            bar.start(a.name, len(rows))
            scored += ask_rows(assistant, rows, k, a.name, bar)
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
    return finish(out, scored, summary, bounds, gate, started, echo)


def _threshold(assistant: Assistant) -> float | None:
    """The product's threshold (None: it refuses on no reader score)."""
    point = assistant.operating_point
    return None if point is None else point.threshold

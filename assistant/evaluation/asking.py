"""Asking: building each article's assistant (`default_factory`, the models loaded once for a whole suite) and
asking it every gold question (`ask_rows`), with the product's reader-score refusal applied after the fact and the
tqdm bars of a run (`Progress`)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import InputError
from assistant.evaluation.gold import GoldRow
from assistant.evaluation.scoring import score_row
from assistant.progress import IndexProgress
from assistant.refusal import OperatingPoint

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.settings import Settings
    from assistant.types import Answer

__all__ = ["AssistantFactory", "Progress", "ask_rows", "default_factory"]

AssistantFactory = Callable[[Path], "Assistant"]
"""Builds the assistant for one article file (a suite builds one per article)."""


class Progress:
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


def default_factory(settings: Settings, progress: bool = False, in_suite: bool = False,
                    models: Mapping[str, Any] | None = None) -> AssistantFactory:
    """Assistants for the given settings, each on its own article; the models (embedder, generator and reader,
    if any) are loaded once and shared, not once per article. `progress`: a bar for each index build;
    `models`: prebuilt ones to share instead of loading them (`embedder`, `reader`, `generator`)."""
    from assistant.api import Assistant
    from assistant.backends import make_backend

    shared: dict[str, Any] = {}
    given = dict(models or {})

    def make(article: Path) -> Assistant:
        s = settings.model_copy(update={"article": Path(article)})
        label = f"embedding {Path(article).stem}" if in_suite else "embedding"
        bar = IndexProgress(label, position=1 if in_suite else 0) if progress else None
        if not shared:
            shared.update(given)
            if "generator" not in shared:
                shared["generator"] = make_backend(settings)
            a = Assistant(settings=s, progress=bar, **shared)
            shared["embedder"] = a.embedder
            if getattr(a, "reader", None) is not None:
                shared["reader"] = a.reader
            return a
        return Assistant(settings=s, progress=bar, **shared)

    return make


def _ask(assistant: Assistant, row: GoldRow, k: int | None,
         point: OperatingPoint | None) -> tuple[Answer | None, Answer | None, str | None]:
    """(the product's answer, the would-be answer before the reader-score refusal, an error). The product's
    answer is the would-be one refused at the product's own operating point, by the same rule and words."""
    try:
        if point is None:
            answer = assistant.ask(row.question, row.history, k=k)
            return answer, answer, None
        raw = assistant.ask(row.question, row.history, k=k, min_score=0.0)
        return point.apply(raw, assistant.vocabulary), raw, None
    except InputError as exc:  # a bad question or history is this row's failure, not the run's
        return None, None, str(exc)


def ask_rows(assistant: Assistant, rows: list[GoldRow], k: int | None, article: str,
              progress: Progress) -> list[dict[str, Any]]:
    scored = []
    point = assistant.operating_point
    for row in rows:
        t0 = time.perf_counter()
        answer, raw, error = _ask(assistant, row, k, point)
        latency = time.perf_counter() - t0
        if answer is not None and raw is not None and answer is not raw:
            # Refused after the fact: the product stops at the gate and never generates or verifies.
            latency -= raw.timings.get("generate_s", 0.0) + raw.timings.get("verify_s", 0.0)
        scored.append(score_row(row, answer, latency, assistant.article_text, assistant.embedder, error,
                                raw=raw, article=article))
        progress.step()
    return scored

"""The one progress callback for index builds, used by the CLI, serve and the evaluation."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["IndexProgress"]


class IndexProgress:
    """A `(done, total)` callback: a tqdm bar on a terminal; when stderr is redirected (a log, CI), one line
    when the build ends instead of a bar redrawn into the file."""

    def __init__(self, label: str = "embedding", position: int = 0) -> None:
        self.label = label
        self.position = position
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            if done >= total:
                print(f"article-assistant: {self.label}: {total} passages", file=sys.stderr, flush=True)
            return
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, desc=self.label, unit="passage", file=sys.stderr, leave=False,
                            position=self.position)
        self.bar.n = done
        self.bar.refresh()
        if done >= total:
            self.bar.close()

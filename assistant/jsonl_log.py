"""Append-only JSON-lines logs that many writers can share without losing or tearing a line."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, ClassVar

__all__ = ["JsonlLog"]


class JsonlLog:
    """Feedback votes and chat records as JSON lines. Each line is one os.write on an O_APPEND descriptor
    (under a lock within a process), so concurrent writers, threads or processes, never tear or interleave
    a line."""

    _locks: ClassVar[dict[Path, threading.Lock]] = {}
    _locks_guard = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._locks_guard:
            self._lock = self._locks.setdefault(path.resolve(), threading.Lock())

    def append(self, record: dict[str, Any]) -> None:
        data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                written = os.write(fd, data)
                if written != len(data):  # a regular file takes it whole; never seen, but never lose the rest
                    os.write(fd, data[written:])
            finally:
                os.close(fd)

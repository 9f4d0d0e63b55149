"""One thread that owns a model and runs its jobs one at a time, first come, first served.

A plain lock wakes its waiters in no particular order, so under load one request can wait through many
others' answers. Here the worker's queue is the fair line for every way in (HTTP API and web chat), a
request that waits longer than the timeout leaves it with a clean error, a reader that goes away stops its
generation at the next piece, and llama.cpp is always driven from the same thread (its OpenMP team belongs
to the calling thread).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["Busy", "ModelWorker"]

T = TypeVar("T")
_DONE = object()


class Busy(Exception):
    """The job did not start within the timeout: too many ahead of it."""


@dataclass(frozen=True)
class _Failed:
    error: BaseException


class ModelWorker:
    def __init__(self, name: str = "model") -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._waiting = 0
        self._count_lock = threading.Lock()

    @property
    def waiting(self) -> int:
        """Jobs submitted and not yet started."""
        with self._count_lock:
            return self._waiting

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the worker thread and return its result (or raise its exception)."""
        return self._pool.submit(fn).result()

    def stream(self, produce: Callable[[], Iterable[T]], *, timeout_s: float) -> Iterator[T]:
        """Yields what `produce()` yields, produced on the worker thread. Raises Busy when the job has not
        started after `timeout_s`; closing this iterator early stops the producer at its next item."""
        items: queue.Queue[object] = queue.Queue()
        started = threading.Event()
        stop = threading.Event()
        claim = threading.Lock()  # the job starting and its reader giving up are decided under it, once
        abandoned = False

        def job() -> None:
            with self._count_lock:
                self._waiting -= 1
            with claim:
                if abandoned:  # its reader gave up while it waited
                    return
                started.set()
            try:
                for item in produce():
                    if stop.is_set():
                        break
                    items.put(item)
            except BaseException as exc:  # handed to the reader, which raises it in its own thread
                items.put(_Failed(exc))
            finally:
                items.put(_DONE)

        with self._count_lock:  # counted and queued as one step, so `waiting` never runs ahead of the queue
            self._waiting += 1
            self._pool.submit(job)
        try:
            if not started.wait(timeout_s):
                with claim:
                    if not started.is_set():
                        abandoned = True
                if abandoned:
                    raise Busy(f"waited {timeout_s:.0f} s")
            while True:
                item = items.get()
                if item is _DONE:
                    return
                if isinstance(item, _Failed):
                    raise item.error
                yield item  # type: ignore[misc]
        finally:
            stop.set()

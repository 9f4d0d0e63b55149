"""The model's worker thread: one job at a time in arrival order, a clean Busy for a job that waits too long
(and it then never runs), errors reach the reader, and a reader that stops early stops its producer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from assistant.backends.worker import Busy, ModelWorker


def _wait_for(predicate, limit: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < end, "condition never held"
        time.sleep(0.001)


def _blocker(worker: ModelWorker) -> tuple[threading.Event, threading.Thread]:
    """Occupies the worker until the returned event is set."""
    release, running = threading.Event(), threading.Event()

    def produce() -> Iterator[str]:
        running.set()
        release.wait(10)
        yield "done"

    t = threading.Thread(target=lambda: list(worker.stream(produce, timeout_s=10)))
    t.start()
    assert running.wait(5)
    return release, t


def test_jobs_run_on_one_thread_in_arrival_order() -> None:
    worker = ModelWorker()
    release, blocker = _blocker(worker)
    order: list[int] = []
    threads: set[int] = set()

    def job(n: int) -> Iterator[int]:
        order.append(n)
        threads.add(threading.get_ident())
        yield n

    readers = []
    for n in range(6):
        t = threading.Thread(target=lambda n=n: list(worker.stream(lambda: job(n), timeout_s=10)))
        t.start()
        readers.append(t)
        _wait_for(lambda n=n: worker.waiting == n + 1)  # type: ignore[misc]
    release.set()
    for t in [blocker, *readers]:
        t.join(10)
    assert order == list(range(6)) and len(threads) == 1


def test_a_job_that_waits_too_long_gets_busy_and_never_runs() -> None:
    worker = ModelWorker()
    release, blocker = _blocker(worker)
    ran = threading.Event()

    def produce() -> Iterator[str]:
        ran.set()
        yield "late"

    with pytest.raises(Busy):
        list(worker.stream(produce, timeout_s=0.05))
    release.set()
    blocker.join(10)
    assert worker.call(lambda: 42) == 42  # the line moved past the abandoned job
    assert not ran.is_set() and worker.waiting == 0


def test_errors_reach_the_reader() -> None:
    def produce() -> Iterator[str]:
        yield "a"
        raise ValueError("context window exceeded")

    stream = ModelWorker().stream(produce, timeout_s=5)
    assert next(stream) == "a"
    with pytest.raises(ValueError, match="context window"):
        next(stream)


def test_a_reader_that_stops_early_stops_the_producer() -> None:
    produced: list[int] = []
    gate = threading.Event()

    def produce() -> Iterator[int]:
        for i in range(1000):
            produced.append(i)
            yield i
            gate.wait(5)

    worker = ModelWorker()
    stream = worker.stream(produce, timeout_s=5)
    assert next(stream) == 0
    stream.close()
    gate.set()
    assert worker.call(lambda: len(produced)) < 5  # it stopped at its next item, not after 1000

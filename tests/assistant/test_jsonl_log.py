"""Feedback and chat logs: concurrent writers, threads or whole processes, never tear or lose a line."""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path

from assistant import Assistant
from assistant.jsonl_log import JsonlLog

BIG = "é" * 20_000  # far beyond a pipe's atomic size: only one write per line keeps it whole


def _write_many(path: str, writer: int, n: int) -> None:
    log = JsonlLog(Path(path))
    for j in range(n):
        log.append({"writer": writer, "j": j, "text": BIG})


def _check(path: Path, writers: int, n: int) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == writers * n
    records = [json.loads(line) for line in lines]
    assert all(r["text"] == BIG for r in records)
    assert sorted((r["writer"], r["j"]) for r in records) == [(w, j) for w in range(writers) for j in range(n)]


def test_threads_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "feedback.jsonl"
    threads = [threading.Thread(target=_write_many, args=(str(path), i, 20)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _check(path, 8, 20)


def test_processes_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(str(path), i, 25)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    _check(path, 4, 25)


def test_chat_log_is_off_by_default_and_records_each_answer_when_on(make_assistant: Callable[..., Assistant],
                                                                   small_article: Path, data_dir: Path) -> None:
    make_assistant(article=small_article).ask("When was the lighthouse of Varn built?")
    assert not (data_dir / "chat.jsonl").exists()
    a = make_assistant(article=small_article, chat_log=True)
    a.ask("When was the lighthouse of Varn built?")
    list(a.stream("How tall is the lighthouse?"))
    a.ask("What is the capital of Peru?")
    records = [json.loads(x) for x in (data_dir / "chat.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["question"] for r in records] == ["When was the lighthouse of Varn built?",
                                                 "How tall is the lighthouse?", "What is the capital of Peru?"]
    assert "1871" in records[0]["answer"] and records[0]["citations"] and not records[0]["refused"]
    assert records[2]["refused"] and records[0]["timestamp"]

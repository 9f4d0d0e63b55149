"""A running `serve` keeps answering while the index is rebuilt by another process, and follows the flip."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from benchmarks.procs import ServerDied, free_port, http_json, start_serve, stop

QUESTIONS = ["When was the CSTO founded?", "Who called for CSTO help in January 2022?",
             "What is the CSTO?", "How many members does the CSTO have?"]


@pytest.mark.e2e
@pytest.mark.slow
def test_serve_answers_through_two_rebuilds_in_another_process(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    exe = shutil.which("article-assistant", path=str(Path(sys.executable).parent)) or "article-assistant"
    try:
        proc = start_serve(data, port, tmp_path / "serve.log", {"ARTICLE_ASSISTANT_BACKEND": "extractive"})
    except ServerDied as exc:
        pytest.fail(str(exc))
    base = f"http://127.0.0.1:{port}"
    collections: list[str] = []
    rebuilds_done = threading.Event()
    errors: list[str] = []

    def rebuild_twice() -> None:
        try:
            for _ in range(2):
                done = subprocess.run([exe, "index", "--rebuild", "--data-dir", str(data)], capture_output=True,
                                      text=True, timeout=300)
                if done.returncode != 0:
                    errors.append(done.stderr)
                collections.append(done.stdout.split("(collection ")[-1].split(")")[0])
        finally:
            rebuilds_done.set()

    try:
        _, health = http_json(base + "/healthz")
        worker = threading.Thread(target=rebuild_twice)
        worker.start()
        answers = []
        while not rebuilds_done.is_set() or len(answers) < 20:
            q = QUESTIONS[len(answers) % len(QUESTIONS)]
            body = json.dumps({"messages": [{"role": "user", "content": q}]}).encode()
            status, reply = http_json(base + "/v1/chat/completions", body)
            assert status == 200, (q, status, reply)
            answers.append(reply)
        worker.join()
        assert not errors, errors
        assert len(collections) == 2 and len(set(collections)) == 2
        founded = answers[::len(QUESTIONS)]  # the same question, asked before, during and after the rebuilds
        assert all(not a["refused"] and "1992" in a["choices"][0]["message"]["content"] for a in founded)
        status, health = http_json(base + "/healthz")
        assert status == 200 and health["status"] == "ok"
        # The server now reads the collection of the last rebuild (the first two are gone).
        status, reply = http_json(base + "/v1/chat/completions",
                                  json.dumps({"messages": [{"role": "user", "content": QUESTIONS[0]}]}).encode())
        assert status == 200 and "1992" in reply["choices"][0]["message"]["content"]
        assert health["collection"] == collections[-1]
    finally:
        stop(proc)

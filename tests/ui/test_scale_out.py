"""Past one machine: a real Chroma server, `article-assistant index` into it, and two stateless `serve`
workers on loopback ports sharing it; both answer with the same citations, over the HTTP API."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import start_chroma, wait_for_http
from tests.support.procs import free_port, http_json, stop

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

EXE = shutil.which("article-assistant", path=str(Path(sys.executable).parent)) or "article-assistant"


def _ask(base: str, question: str) -> dict[str, Any]:
    body = json.dumps({"model": "article-assistant", "messages": [{"role": "user", "content": question}]})
    status, answer = http_json(base + "/v1/chat/completions", body.encode())
    assert status == 200, answer
    return answer


def test_two_workers_share_one_chroma_server(chroma_server: tuple[str, int], tmp_path: Path) -> None:
    host, port = chroma_server
    env = {**os.environ, "ARTICLE_ASSISTANT_CHROMA_HOST": host, "ARTICLE_ASSISTANT_CHROMA_PORT": str(port),
           "ARTICLE_ASSISTANT_BACKEND": "extractive"}
    out = subprocess.run([EXE, "index", "--data-dir", str(tmp_path / "indexer")], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert f"http://{host}:{port}" in out.stdout
    workers = []
    try:
        for i in range(2):
            p = free_port()
            log = tmp_path / f"worker{i}.log"
            proc = subprocess.Popen([EXE, "serve", "--port", str(p), "--data-dir", str(tmp_path / f"w{i}")],
                                    env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
            workers.append((f"http://127.0.0.1:{p}", proc, log))
        for base, proc, log in workers:
            wait_for_http(base + "/healthz", proc, log)
        for question in ("When was the CSTO founded?", "How long did the CSTO peacekeeping mission last?"):
            a, b = (_ask(base, question) for base, _, _ in workers)
            assert a["choices"][0]["message"]["content"] == b["choices"][0]["message"]["content"]
            assert a["citations"] == b["citations"] and a["citations"]
        for i, _ in enumerate(workers):  # the shared store was used: nothing indexed locally
            assert not (tmp_path / f"w{i}" / "chroma").exists()
    finally:
        for _, proc, _ in workers:
            stop(proc)


def test_chroma_server_going_away_gives_503_then_recovers(tmp_path: Path) -> None:
    chroma_dir, port = tmp_path / "chroma", free_port()
    chroma_dir.mkdir()
    chroma = start_chroma(chroma_dir, port)
    env = {**os.environ, "ARTICLE_ASSISTANT_CHROMA_HOST": "127.0.0.1", "ARTICLE_ASSISTANT_CHROMA_PORT": str(port),
           "ARTICLE_ASSISTANT_BACKEND": "extractive"}
    serve_port, log = free_port(), tmp_path / "serve.log"
    worker = subprocess.Popen([EXE, "serve", "--port", str(serve_port), "--data-dir", str(tmp_path / "w")], env=env,
                              stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{serve_port}"
    ask = json.dumps({"model": "article-assistant",
                      "messages": [{"role": "user", "content": "When was the CSTO founded?"}]}).encode()
    try:
        wait_for_http(base + "/healthz", worker, log)
        status, body = http_json(base + "/v1/chat/completions", ask)
        assert status == 200 and body["citations"]

        stop(chroma)  # the store goes away mid-session
        status, body = http_json(base + "/v1/chat/completions", ask)
        assert status == 503 and body["error"]["type"] == "service_unavailable", body
        assert "vector store" in body["error"]["message"]
        assert http_json(base + "/healthz")[0] == 503

        chroma = start_chroma(chroma_dir, port)  # and comes back, same data
        status, body = http_json(base + "/v1/chat/completions", ask)
        assert status == 200 and body["citations"], body
        assert http_json(base + "/healthz")[0] == 200
        assert worker.poll() is None
    finally:
        stop(worker)
        stop(chroma)

"""A running `serve` (the session's, with the local model) keeps answering while another process (this test's)
rebuilds the index twice, and follows the manifest to the newest collection."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from tests.support.procs import http_json

QUESTIONS = ["When was the CSTO founded?", "Who called for CSTO help in January 2022?",
             "What is the CSTO?", "How many members does the CSTO have?"]


@pytest.mark.e2e
@pytest.mark.slow
def test_serve_answers_through_two_rebuilds_in_another_process(live_serve: tuple[str, Path, Path]) -> None:
    from assistant.settings import Settings
    from index import SentenceTransformerEmbedder, build_index

    url, data, _ = live_serve
    base = url.rstrip("/")
    config = Settings.resolve(data_dir=data).index_config()  # the index the server reads, as the CLI names it
    embedder = SentenceTransformerEmbedder()  # this test's process is the other process that rebuilds
    collections: list[str] = []
    rebuilds_done = threading.Event()
    errors: list[BaseException] = []

    def rebuild_twice() -> None:
        try:
            for _ in range(2):
                time.sleep(1.0)  # some questions before, between and after the rebuilds
                collections.append(build_index(config, embedder, rebuild=True).collection)
        except BaseException as exc:
            errors.append(exc)
        finally:
            rebuilds_done.set()

    worker = threading.Thread(target=rebuild_twice)
    worker.start()
    answers = []
    while not rebuilds_done.is_set() or len(answers) < 20:
        q = QUESTIONS[len(answers) % len(QUESTIONS)]
        # The extractive backend: the server's retrieval, reader and citations, without waiting on the model.
        ask = {"model": "article-assistant/extractive", "messages": [{"role": "user", "content": q}]}
        body = json.dumps(ask).encode()
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
    status, reply = http_json(base + "/v1/chat/completions", json.dumps({
        "model": "article-assistant/extractive", "messages": [{"role": "user", "content": QUESTIONS[0]}]}).encode())
    assert status == 200 and "1992" in reply["choices"][0]["message"]["content"]
    assert health["collection"] == collections[-1]

"""The OpenAI-compatible API on a live loopback server: the official openai client, then raw HTTP."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from assistant import Assistant, BackendError
from tests.support.fakes import FakeLLM
from tests.support.procs import free_port, http_json
from ui.http_api import create_router


class _Down(FakeLLM):
    def generate(self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float) -> Iterator[str]:
        raise BackendError("cannot reach the model server at http://127.0.0.1:9/v1")


def _serve(assistant: Assistant) -> Iterator[str]:
    app = FastAPI()
    app.include_router(create_router(assistant, assistant.settings))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def url(make_assistant: Callable[..., Assistant], small_article: Path) -> Iterator[str]:
    yield from _serve(make_assistant(article=small_article, api_key="s3cret", max_body_bytes=4096))


def _post(url: str, body: bytes, key: str | None = "s3cret") -> tuple[int, dict[str, Any]]:
    return http_json(url + "/v1/chat/completions", body, {"Authorization": f"Bearer {key}"} if key else {}, 20)


def test_openai_client_plain_and_streaming(url: str) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=url + "/v1", api_key="s3cret")
    models = [m.id for m in client.models.list()]
    assert models[0] == "article-assistant" and "article-assistant/extractive" in models
    assert "article-assistant/openai" not in models  # not configured here: not offered
    quoted = client.chat.completions.create(
        model="article-assistant/extractive", messages=[{"role": "user", "content": "Who built the lighthouse?"}])
    assert (quoted.model_extra or {})["citations"] and "Maria Holt" in (quoted.choices[0].message.content or "")
    reply = client.chat.completions.create(
        model="article-assistant", messages=[{"role": "user", "content": "Who built the lighthouse of Varn?"}])
    assert "Maria Holt" in (reply.choices[0].message.content or "")
    extra = reply.model_extra or {}
    assert extra["citations"][0]["quote"] and extra["refused"] is False
    dated = client.chat.completions.create(
        model="article-assistant", messages=[{"role": "user", "content": "When was the lighthouse of Varn built?"}])
    assert (dated.model_extra or {})["short_answer"]["text"] == "1871"
    assert (dated.choices[0].message.content or "").startswith("**1871**.")

    stream = client.chat.completions.create(
        model="article-assistant", stream=True,
        messages=[{"role": "user", "content": "Who is Maria Holt?"}, {"role": "assistant", "content": "An engineer."},
                  {"role": "user", "content": "What did she build?"}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "lighthouse" in text.lower()
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].model_extra or {})["citations"]


def test_a_long_history_is_cut_to_its_newest_turns_as_on_every_surface(make_assistant: Callable[..., Assistant],
                                                                       small_article: Path) -> None:
    """One history policy (assistant/history.py): the page, Python, the CLI and HTTP all keep the newest
    MAX_HISTORY_TURNS messages; HTTP used to reject a longer conversation with a 400 instead."""
    assistant = make_assistant(article=small_article, api_key="s3cret", max_history_turns=2)
    chat = [{"role": "user", "content": "Who built it?"}, {"role": "assistant", "content": "Maria Holt [1]."}] * 3
    question = {"role": "user", "content": "When was the lighthouse of Varn built?"}
    for served in _serve(assistant):
        status, body = _post(served, json.dumps({"messages": [*chat, question]}).encode())
        assert status == 200, body
        over_http = body["choices"][0]["message"]["content"]
    cut = assistant.ask(question["content"], chat[-2:]).text
    assert over_http == assistant.ask(question["content"], chat).text == cut


def test_error_shapes(url: str) -> None:
    ok = json.dumps({"model": "x", "messages": [{"role": "user", "content": "Who built it?"}]}).encode()
    assert _post(url, ok, key=None)[0] == 401
    status, body = _post(url, ok, key="wrong")
    assert status == 401 and body["error"]["type"] == "authentication_error"
    assert _post(url, b"{nope")[0] == 400
    assert _post(url, json.dumps({"messages": []}).encode())[0] == 400
    status, body = _post(url, json.dumps({"messages": [{"role": "user", "content": "  "}]}).encode())
    assert status == 400 and "empty" in body["error"]["message"]
    assert _post(url, json.dumps({"messages": [{"role": "assistant", "content": "hi"}]}).encode())[0] == 400
    unknown = {"model": "gpt-4", "messages": [{"role": "user", "content": "Who?"}]}
    status, body = _post(url, json.dumps(unknown).encode())
    assert status == 400 and body["error"]["code"] == "model_not_found"
    big = json.dumps({"messages": [{"role": "user", "content": "x" * 5000}]}).encode()
    assert _post(url, big)[0] == 413
    with urllib.request.urlopen(url + "/healthz", timeout=10) as r:
        assert json.loads(r.read())["status"] == "ok"


def test_backend_down_is_503(make_assistant: Callable[..., Assistant], small_article: Path) -> None:
    for base in _serve(make_assistant(article=small_article, generator=_Down())):
        body = json.dumps({"messages": [{"role": "user", "content": "Who built the lighthouse of Varn?"}]}).encode()
        status, err = _post(base, body, key=None)
        assert status == 503 and err["error"]["type"] == "service_unavailable"


class _Held(FakeLLM):
    """Answers only once released, so a test can hold requests in flight."""

    def __init__(self) -> None:
        super().__init__("The lighthouse of Varn was built in 1871 by the engineer Maria Holt.")
        self.entered = threading.Event()
        self.release = threading.Event()

    def generate(self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float) -> Iterator[str]:
        self.entered.set()
        assert self.release.wait(30)
        yield from super().generate(messages, max_tokens=max_tokens, temperature=temperature)


def test_requests_beyond_the_queue_bound_get_a_clean_429(make_assistant: Callable[..., Assistant],
                                                         small_article: Path) -> None:
    llm = _Held()
    body = json.dumps({"messages": [{"role": "user", "content": "When was the lighthouse of Varn built?"}]}).encode()
    for base in _serve(make_assistant(article=small_article, generator=llm, queue_size=1)):
        first: list[tuple[int, dict[str, Any]]] = []
        t = threading.Thread(target=lambda url=base, out=first: out.append(_post(url, body, key=None)))
        t.start()
        assert llm.entered.wait(20)  # the one slot is taken
        status, err = _post(base, body, key=None)
        assert status == 429 and err["error"]["type"] == "rate_limit_error"
        llm.release.set()
        t.join(30)
        assert first[0][0] == 200 and "1871" in first[0][1]["choices"][0]["message"]["content"]
        assert _post(base, body, key=None)[0] == 200  # the slot is free again


class _Slow(FakeLLM):
    """Writes two backed sentences, pausing between its pieces, and notes when it finished."""

    def __init__(self) -> None:
        super().__init__("The lighthouse of Varn was built in 1871. It was built by the engineer Maria Holt.")
        self.finished_at = 0.0

    def generate(self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float) -> Iterator[str]:
        for piece in super().generate(messages, max_tokens=max_tokens, temperature=temperature):
            time.sleep(0.05)
            yield piece
        self.finished_at = time.monotonic()


def _sse(base: str, question: str) -> list[tuple[float, dict[str, Any]]]:
    body = json.dumps({"stream": True, "messages": [{"role": "user", "content": question}]}).encode()
    req = urllib.request.Request(base + "/v1/chat/completions", data=body, headers={"Content-Type": "application/json"})
    events = []
    with urllib.request.urlopen(req, timeout=60) as r:
        for raw in r:
            line = raw.decode().strip()
            if line.startswith("data: ") and line != "data: [DONE]":
                events.append((time.monotonic(), json.loads(line[6:])))
    return events


def test_sse_sends_each_verified_sentence_as_it_passes(make_assistant: Callable[..., Assistant],
                                                       small_article: Path) -> None:
    llm = _Slow()
    question = "When was the lighthouse of Varn built?"
    for base in _serve(make_assistant(article=small_article, generator=llm)):
        events = _sse(base, question)
        deltas = [(t, e["choices"][0]["delta"].get("content")) for t, e in events]
        texts = [(t, d) for t, d in deltas if d]
        assert len(texts) >= 2
        assert texts[0][0] < llm.finished_at  # the first sentence arrived while the model was still writing
        status, plain = http_json(base + "/v1/chat/completions",
                                  json.dumps({"messages": [{"role": "user", "content": question}]}).encode())
        assert status == 200
        assert "".join(d for _, d in texts) == plain["choices"][0]["message"]["content"]
        last = events[-1][1]
        assert last["choices"][0]["finish_reason"] == "stop" and last["citations"]
        assert last["article_sha256"] == plain["article_sha256"]


def test_article_endpoint_gives_the_text_every_offset_indexes(url: str) -> None:
    headers = {"Authorization": "Bearer s3cret"}
    status, article = http_json(url + "/v1/article", headers=headers)
    assert status == 200 and article["text"].startswith("The Lighthouse of Varn")
    import hashlib

    assert article["sha256"] == hashlib.sha256(article["text"].encode()).hexdigest()
    body = json.dumps({"messages": [{"role": "user", "content": "When was the lighthouse of Varn built?"}]}).encode()
    _, reply = _post(url, body)
    c = reply["citations"][0]
    assert reply["article_sha256"] == article["sha256"] and article["text"][c["start"]:c["end"]] == c["quote"]
    assert http_json(url + "/v1/article")[0] == 401


def test_the_model_asked_for_is_echoed_usage_is_counted_and_unknown_routes_have_the_openai_shape(url: str) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=url + "/v1", api_key="s3cret")
    ask = [{"role": "user", "content": "Who built the lighthouse of Varn?"}]
    reply = client.chat.completions.create(model="article-assistant/extractive", messages=ask)
    assert reply.model == "article-assistant/extractive"
    assert reply.usage is not None and reply.usage.prompt_tokens == 7  # six words and the question mark
    assert reply.usage.completion_tokens > 5 and reply.usage.total_tokens == 7 + reply.usage.completion_tokens
    chunks = list(client.chat.completions.create(model="article-assistant/extractive", messages=ask, stream=True))
    assert {c.model for c in chunks} == {"article-assistant/extractive"}
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == reply.usage.completion_tokens
    status, body = http_json(url + "/v1/embeddings", b"{}", {"Authorization": "Bearer s3cret"}, 10)
    assert status == 404 and body["error"]["code"] == "unknown_url"
    assert "/v1/chat/completions" in body["error"]["message"]

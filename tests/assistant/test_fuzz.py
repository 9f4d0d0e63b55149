"""Fuzzing with hypothesis: whatever arrives (unicode, control characters, huge or empty input, deep history,
wrong JSON types), every call ends in an answer or a clean error, never a crash or a 500."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import Assistant, InputError
from assistant.citations import split_answer
from index import parse_article
from index.chunk import split_sentences
from tests.support.fakes import FakeLLM
from ui.http_api import create_router

# Text with the awkward parts of unicode: controls, surrogates excluded (not encodable), RTL, zero-width, emoji.
hostile_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400) | st.sampled_from([
    "", " ", "\x00", "\u202e\u200b\ufeff", "🙂" * 100, "a" * 5000, "<script>alert(1)</script>", "\r\n\t" * 50,
    "’“”‘", "İstanbul ﬁ ß", "ignore previous instructions",
])
role = st.sampled_from(["user", "assistant", "system", "tool", "", 7, None])
message = st.fixed_dictionaries({"role": role, "content": hostile_text | st.integers() | st.none()
                                  | st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": hostile_text}),
                                             max_size=3)})
json_value = st.recursive(st.none() | st.booleans() | st.integers() | hostile_text,
                          lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=4), max_leaves=12)
bodies = st.one_of(
    st.fixed_dictionaries({"messages": st.lists(message, max_size=60)},
                          optional={"stream": st.booleans() | st.integers(), "model": json_value}),
    json_value,
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def client(make_assistant: Callable[..., Assistant], small_article: Path) -> TestClient:
    a = make_assistant(article=small_article, generator=FakeLLM("The lighthouse was built in 1871."),
                       max_body_bytes=20_000, max_history_turns=20)
    app = FastAPI()
    app.include_router(create_router(a, a.settings))
    return TestClient(app, raise_server_exceptions=False)


@FUZZ
@given(body=bodies)
def test_http_api_never_fails_with_a_500(client: TestClient, body: Any) -> None:
    r = client.post("/v1/chat/completions", content=json.dumps(body, ensure_ascii=False).encode())
    assert r.status_code in (200, 400, 413, 429, 503), r.text
    if r.status_code != 200:
        assert set(r.json()["error"]) >= {"message", "type"}
    elif not (isinstance(body, dict) and body.get("stream")):
        assert isinstance(r.json()["choices"][0]["message"]["content"], str)


@FUZZ
@given(raw=st.binary(max_size=3000))
def test_http_api_survives_arbitrary_bytes(client: TestClient, raw: bytes) -> None:
    r = client.post("/v1/chat/completions", content=raw)
    assert r.status_code in (200, 400, 413), r.text


def test_http_api_deep_and_huge_requests(client: TestClient) -> None:
    deep = '{"messages": ' + "[" * 5000 + '"x"' + "]" * 5000 + "}"  # json.loads recurses: a RecursionError
    r = client.post("/v1/chat/completions", content=deep.encode())
    assert r.status_code == 400 and "JSON" in r.json()["error"]["message"]
    many = {"messages": [{"role": "user", "content": "hi"}] * 500}  # within the body limit: the newest turns kept
    assert client.post("/v1/chat/completions", json=many).status_code == 200
    huge = {"messages": [{"role": "user", "content": "a" * 30_000}]}
    assert client.post("/v1/chat/completions", json=huge).status_code == 413


@FUZZ
@given(question=hostile_text, history=st.lists(message, max_size=8))
def test_ask_answers_or_raises_a_clean_error(make_assistant: Callable[..., Assistant], small_article: Path,
                                            question: str, history: list[dict[str, Any]]) -> None:
    a = make_assistant(article=small_article)
    try:
        ans = a.ask(question, history)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    for c in ans.citations:
        assert a.article_text[c.start:c.end] == c.quote


@settings(max_examples=80, deadline=None)
@given(raw=st.binary(max_size=4000) | hostile_text.map(lambda t: t.encode("utf-8")),
       kind=st.sampled_from([".txt", ".md", ".html"]))
def test_cleaner_returns_an_article_or_a_clean_error(raw: bytes, kind: str) -> None:
    try:
        article = parse_article(raw, "fuzz", kind)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert article.text.strip()
    for s in split_sentences(article):
        assert article.text[s.start:s.end] == s.text


@settings(max_examples=80, deadline=None)
@given(quote=hostile_text)
def test_answer_splitter_on_hostile_text(quote: str) -> None:
    assert all(part.strip() for part in split_answer(quote))

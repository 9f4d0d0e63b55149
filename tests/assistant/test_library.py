"""Articles opened at run time over HTTP: upload, ask, fetch, limits, many at once (fakes for the models)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from assistant.library import ArticleLibrary, NotFound, TooLarge
from tests.support.articles import SMALL_ARTICLE
from tests.support.fakes import FakeEmbedder
from tests.support.procs import http_json
from tests.ui.test_http_api import _serve

HARBOUR = """# The Harbour of Kell

The harbour of Kell was dredged in 1902 by the engineer Tomas Brann.

Its breakwater is 310 metres long. Ferries to the islands leave twice a day.
"""


def _post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return http_json(url + "/v1/articles", json.dumps(body).encode(), {}, 30)


@pytest.fixture
def url(make_assistant: Callable[..., Assistant]) -> Iterator[str]:
    yield from _serve(make_assistant(max_article_bytes=4096, library_size=2))


def test_an_uploaded_article_answers_exactly_as_ask_article_on_the_same_file(
        url: str, make_assistant: Callable[..., Assistant], tmp_path: Path) -> None:
    status, opened = _post(url, {"text": HARBOUR, "filename": "kell.md"})
    assert status == 200 and opened["title"] == "The Harbour of Kell" and len(opened["id"]) == 64
    q = {"messages": [{"role": "user", "content": "When was the harbour of Kell dredged?"}],
         "article_id": opened["id"]}
    status, reply = http_json(url + "/v1/chat/completions", json.dumps(q).encode(), {}, 30)
    assert status == 200 and "1902" in reply["choices"][0]["message"]["content"]
    status, fetched = http_json(url + f"/v1/articles/{opened['id']}", None, {}, 10)
    assert status == 200 and fetched["sha256"] == opened["id"]
    for c in reply["citations"]:
        assert fetched["text"][c["start"]:c["end"]] == c["quote"]  # offsets point into the uploaded text
    same = tmp_path / "kell.md"
    same.write_text(HARBOUR, encoding="utf-8")
    local = make_assistant(same).ask("When was the harbour of Kell dredged?")
    assert [(c.start, c.end, c.quote) for c in local.citations] == \
        [(c["start"], c["end"], c["quote"]) for c in reply["citations"]]
    assert local.article_sha256 == opened["id"]
    again = _post(url, {"text": HARBOUR, "filename": "kell.md"})[1]
    assert again["id"] == opened["id"]  # the same text: the same index, built once


def test_bad_articles_get_one_clear_message_each(url: str) -> None:
    status, body = _post(url, {"text": "x" * 5000})
    assert status == 413 and "limit is 4096" in body["error"]["message"]
    status, body = _post(url, {"text": "   \n  "})
    assert status == 400 and "empty" in body["error"]["message"]
    status, body = http_json(url + "/v1/articles?filename=blob.txt", b"\x00\x01\x02" * 50,
                             {"Content-Type": "application/octet-stream"}, 10)
    assert status == 400 and body["error"]["code"] == "bad_article"
    latin = "Caf\xe9 story about a harbour.".encode("latin-1")
    status, body = http_json(url + "/v1/articles?filename=latin.txt", latin, {"Content-Type": "text/plain"}, 10)
    assert status == 400 and "UTF-8" in body["error"]["message"]
    status, body = http_json(url + "/v1/articles/" + "0" * 64, None, {}, 10)
    assert status == 404 and body["error"]["code"] == "article_not_found"
    q = {"messages": [{"role": "user", "content": "Who?"}], "article_id": "nope"}
    assert http_json(url + "/v1/chat/completions", json.dumps(q).encode(), {}, 10)[0] == 404


def test_a_hostile_html_page_becomes_text(url: str) -> None:
    page = ("<html><head><title>Kell</title><style>body{color:red}</style><script>alert('x')</script></head>"
            "<body><h1>The Harbour of Kell</h1><p onclick=\"steal()\">The harbour was dredged in 1902 by the "
            "engineer Tomas Brann.</p><img src=x onerror=alert(1)></body></html>")
    status, opened = _post(url, {"text": page, "filename": "kell.html"})
    assert status == 200
    text = http_json(url + f"/v1/articles/{opened['id']}", None, {}, 10)[1]["text"]
    assert "dredged in 1902" in text
    for hostile in ("<script", "alert(", "onclick", "onerror", "color:red", "<p"):
        assert hostile not in text


def test_the_least_recently_used_article_is_evicted_and_the_default_never(
        make_assistant: Callable[..., Assistant]) -> None:
    default = make_assistant(library_size=2)
    library = ArticleLibrary(default)
    a = library.add(HARBOUR.encode(), "a.md")
    b = library.add(SMALL_ARTICLE.encode(), "b.txt")
    time.sleep(0.01)
    library.get(a.article_sha256)  # a is used again: b is now the least recent
    time.sleep(0.01)
    library.add((HARBOUR + "\nA third article's line.\n").encode(), "c.md")
    assert set(library.ids()) == {a.article_sha256, library.ids()[0]} and b.article_sha256 not in library.ids()
    with pytest.raises(NotFound):
        library.get(b.article_sha256)
    assert library.get(default.article_sha256) is default
    with pytest.raises(TooLarge):
        library.add(b"x" * (default.settings.max_article_bytes + 1), "big.txt")


class _SlowEmbedder(FakeEmbedder):
    def embed(self, texts: list[str]) -> list[list[float]]:
        time.sleep(0.05)
        return super().embed(texts)


def test_ten_uploads_at_once_are_indexed_or_told_to_retry(data_dir: Path, fake_reader: Any) -> None:
    from assistant.settings import Settings

    s = Settings.resolve(data_dir=data_dir, backend="extractive", max_concurrent_uploads=2, library_size=20)
    default = Assistant(settings=s, embedder=_SlowEmbedder(), reader=fake_reader)
    start = threading.Barrier(10)
    for url in _serve(default):
        def upload(i: int, url: str = url) -> tuple[int, dict[str, Any]]:
            start.wait()
            return _post(url, {"text": f"Article {i}\n\nThe tower {i} was built in {1900 + i}.\n"})

        with ThreadPoolExecutor(10) as pool:
            results = list(pool.map(upload, range(10)))
        statuses = sorted(status for status, _ in results)
        assert set(statuses) == {200, 429}, results  # nothing else: no 500, no lost upload
        assert all(body["error"]["type"] == "rate_limit_error" for status, body in results if status == 429)
        for status, body in results:
            if status == 200:
                fetched = http_json(url + f"/v1/articles/{body['id']}", None, {}, 10)[1]
                assert "was built in" in fetched["text"]


class _BrokenEmbedder(FakeEmbedder):
    def embed(self, texts: list[str]) -> list[list[float]]:
        if any("Kell" in t for t in texts):
            raise OSError("the embedder went away")
        return super().embed(texts)


def test_a_failed_build_leaves_nothing_behind(data_dir: Path, fake_reader: Any) -> None:
    from assistant.settings import Settings

    default = Assistant(settings=Settings.resolve(data_dir=data_dir, backend="extractive"),
                        embedder=_BrokenEmbedder(), reader=fake_reader)
    library = ArticleLibrary(default)
    with pytest.raises(OSError):
        library.add(HARBOUR.encode(), "kell.md")
    assert library.ids() == []

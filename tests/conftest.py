"""Fakes over mocks: a deterministic embedder and a scripted LLM, used by the unit tests."""

from __future__ import annotations

import hashlib
import math
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.backends import Backend
from assistant.reader import Candidate, Reader, Reading
from assistant.settings import default_article_path
from benchmarks.procs import ServerDied, free_port, http_json, stop
from benchmarks.procs import wait_for_http as _wait_for_http
from index import Embedder, content_terms

ARTICLE = default_article_path()
GOLD = Path(__file__).resolve().parent.parent / "data" / "gold-dev.jsonl"

SMALL_ARTICLE = """The Lighthouse of Varn

Harbour News

The lighthouse of Varn was built in 1871 by the engineer Maria Holt. It stands 42 metres tall on the northern cliff.

Its lamp was converted to electricity in 1936. The keepers left in 1989, when the light became automatic.

Share article
FacebookTwitter

The town council voted to restore the tower in 2019. Restoration cost 3 million euros and took two years.

Harbour News

For the full operation of the site you need to enable JavaScript in your browser settings.
"""


class FakeEmbedder(Embedder):
    """Hashed bag of stemmed content words: same text, same vector; shared words, higher cosine."""

    name = "fake-embedder"

    def __init__(self, dims: int = 256) -> None:
        self.dims = dims
        self.calls = 0

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        out = []
        for text in texts:
            v = [0.0] * self.dims
            for w in content_terms(text):
                h = int(hashlib.md5(w.encode()).hexdigest(), 16)
                v[h % self.dims] += 1.0 if (h >> 8) % 2 else -1.0
            norm = math.sqrt(sum(x * x for x in v)) or 1.0
            out.append([x / norm for x in v])
        return out


class FakeLLM(Backend):
    """Replies from a script: a fixed string, or a function of the messages. Records what it was sent."""

    name = "fake"

    def __init__(self, reply: str | Callable[[list[dict[str, str]]], str] = "") -> None:
        self.reply = reply
        self.prompts: list[list[dict[str, str]]] = []

    def generate(self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float) -> Iterator[str]:
        self.prompts.append(messages)
        text = self.reply(messages) if callable(self.reply) else self.reply
        for i in range(0, len(text), 7):
            yield text[i:i + 7]


class FakeReader(Reader):
    """Probability = the share of the question's content words in the sentence or its context; the short
    answer is the sentence's first number. Deterministic, instant, and easy to reason about in a test."""

    name = "fake-reader"
    threshold = 0.5
    span_threshold = 0.5

    def read(self, question: str, candidates: list[Candidate]) -> list[Reading]:
        terms = set(content_terms(question))
        out = []
        for c in candidates:
            have = set(content_terms(c.sentence)) | set(content_terms(c.context))
            prob = len(terms & have) / len(terms) if terms else 0.0
            m = re.search(r"\d[\d,.]*\d|\d", c.sentence)
            out.append(Reading(prob, (m.start(), m.end(), 0.9) if m else None))
        return out


@pytest.fixture
def fake_reader() -> FakeReader:
    return FakeReader()


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def small_article(tmp_path: Path) -> Path:
    p = tmp_path / "varn.txt"
    p.write_text(SMALL_ARTICLE, encoding="utf-8")
    return p


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def make_assistant(data_dir: Path, fake_embedder: FakeEmbedder, fake_reader: FakeReader) -> Callable[..., Assistant]:
    """An Assistant on the fake embedder and reader; pass `generator=FakeLLM(...)` for the generative path."""

    def make(article: Path = ARTICLE, generator: Backend | None = None, **settings: object) -> Assistant:
        settings.setdefault("backend", "extractive")
        s = Settings.resolve(article=article, data_dir=data_dir, **settings)
        return Assistant(settings=s, embedder=fake_embedder, generator=generator, reader=fake_reader)

    return make


__all__ = ["ARTICLE", "GOLD", "SMALL_ARTICLE", "FakeEmbedder", "FakeLLM", "FakeReader", "free_port", "http_json",
           "live_serve", "start_chroma", "stop", "wait_for_http"]


def wait_for_http(url: str, proc: subprocess.Popen[bytes], log: Path | None = None, timeout_s: float = 180) -> None:
    """benchmarks.procs.wait_for_http, failing the test (with the log's tail) instead of raising."""
    try:
        _wait_for_http(url, proc, log, timeout_s)
    except ServerDied as exc:
        pytest.fail(str(exc))


def start_chroma(path: Path, port: int) -> subprocess.Popen[bytes]:
    """A real `chroma run` server on loopback, storing into `path`/db; returned once it answers."""
    import shutil
    import sys

    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        pytest.fail("the chroma CLI (from the chromadb package) is not installed")
    log_path = path / "server.log"
    with log_path.open("a") as log:
        proc = subprocess.Popen([exe, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path / "db")],
                                stdout=log, stderr=subprocess.STDOUT)
    wait_for_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, log_path, timeout_s=60)
    return proc


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real `chroma run` server on a free loopback port, for the whole session."""
    port = free_port()
    proc = start_chroma(tmp_path_factory.mktemp("chroma-server"), port)
    try:
        yield "127.0.0.1", port
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def live_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """One real `article-assistant serve` with the local model for the session: (url, data dir, log).
    Started once (it loads every model) and shared by the browser and live-rebuild tests."""
    import os
    import shutil
    import sys

    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    log = tmp / "server.log"
    exe = shutil.which("article-assistant", path=str(Path(sys.executable).parent)) or "article-assistant"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1",
           "ARTICLE_ASSISTANT_BACKEND": "llamacpp"}
    with log.open("wb") as out:
        proc = subprocess.Popen([exe, "serve", "--port", str(port), "--data-dir", str(tmp / "data")],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url + "healthz", proc, log, timeout_s=900)
        yield url, tmp / "data", log
    finally:
        stop(proc, timeout_s=30)

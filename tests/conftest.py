"""The shared fixtures; the fakes, articles and process helpers they use live in tests/support."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.backends import Backend
from tests.support.articles import ARTICLE, SMALL_ARTICLE
from tests.support.fakes import FakeEmbedder, FakeReader
from tests.support.procs import ServerDied, free_port, stop
from tests.support.procs import wait_for_http as _wait_for_http


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


__all__ = ["live_serve", "start_chroma", "wait_for_http"]


def wait_for_http(url: str, proc: subprocess.Popen[bytes], log: Path | None = None, timeout_s: float = 180) -> None:
    """tests.support.procs.wait_for_http, failing the test (with the log's tail) instead of raising."""
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

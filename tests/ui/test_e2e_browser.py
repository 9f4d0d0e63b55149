"""End to end: `article-assistant serve` with the real models, asked through gradio_client and a real browser.

Screenshots go to the test's tmp folder and to test-output/ at the repository root (gitignored); set
ARTICLE_ASSISTANT_UPDATE_SCREENSHOT=1 to also refresh docs/screenshot.png for the README.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import free_port, stop, wait_for_http

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STARTUP_S = 900  # first start builds the index and loads both models; slow on a 2-core machine
ANSWER_MS = 300_000


def _chromium() -> str:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.skip("no Chromium at /usr/bin/chromium or on PATH: install it with `make browser` "
                "(apt-get install chromium)")


def _cli() -> str:
    local = Path(sys.executable).parent / "article-assistant"
    found = str(local) if local.exists() else shutil.which("article-assistant")
    if not found:
        pytest.fail("the article-assistant command is not installed (pip install -e .)")
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    log = tmp / "server.log"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen([_cli(), "serve", "--port", str(port), "--data-dir", str(tmp / "data")],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, proc, log, timeout_s=STARTUP_S)
        assert f"Running on http://127.0.0.1:{port}" in log.read_text(errors="replace")
        yield url
    finally:
        stop(proc, timeout_s=30)


def test_ask_endpoint_with_gradio_client(server: str) -> None:
    from gradio_client import Client

    from assistant.settings import default_article_path
    from index import load_article

    result = Client(server, verbose=False).predict("When was the CSTO founded?", [], api_name="/ask")
    assert set(result) >= {"answer", "refused", "citations", "passages", "timings", "backend", "reason"}
    assert result["refused"] is False and result["answer"].strip()
    assert result["citations"], result
    assert any("1992" in c["quote"] for c in result["citations"])
    text = load_article(default_article_path()).text
    for c in result["citations"]:
        assert text[c["start"]:c["end"]] == c["quote"]  # verbatim: the article's exact words


def test_chat_in_a_browser(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    executable = _chromium()
    out = ROOT / "test-output"
    out.mkdir(exist_ok=True)
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda r: outside.append(r.url)
                    if urlparse(r.url).hostname not in ("127.0.0.1", "localhost", None) and
                    not r.url.startswith(("data:", "blob:")) else None)
            page.goto(server, wait_until="domcontentloaded")
            box = page.locator("#aa-question textarea")
            expect(box).to_be_visible(timeout=60_000)
            expect(page.locator("#aa-header h1")).to_contain_text("CSTO")

            box.fill("When was the CSTO founded?")
            page.locator("#aa-send").click()
            expect(page.locator("#aa-chat .aa-q")).to_contain_text("When was the CSTO founded?")
            answer = page.locator("#aa-chat .aa-answer:not(.aa-streaming)").first
            expect(answer).to_be_visible(timeout=ANSWER_MS)
            marker = answer.locator("a.aa-cite").first
            expect(marker).to_have_text("[1]")
            source = page.locator("#aa-sources-panel #src-1")
            expect(source.locator("mark")).to_be_visible()
            expect(source.locator("mark")).to_contain_text("1992")
            page.screenshot(path=str(tmp_path / "answer.png"))
            shutil.copy(tmp_path / "answer.png", out / "answer.png")
            if os.environ.get("ARTICLE_ASSISTANT_UPDATE_SCREENSHOT") == "1":
                (ROOT / "docs").mkdir(exist_ok=True)
                shutil.copy(tmp_path / "answer.png", ROOT / "docs" / "screenshot.png")

            marker.click()  # brings source 1 into view, in this tab
            expect(source).to_have_class("aa-source aa-flash", timeout=5_000)
            expect(source).to_be_in_viewport()
            assert len(browser.contexts[0].pages) == 1

            example = page.locator(".aa-example").first
            question = example.inner_text().strip()
            assert question.endswith("?")
            example.click()
            expect(page.locator("#aa-chat .aa-q").nth(1)).to_contain_text(question)
            replies = page.locator("#aa-chat .aa-answer:not(.aa-streaming), #aa-chat .aa-refusal, #aa-chat .aa-error")
            expect(replies).to_have_count(2, timeout=ANSWER_MS)
            expect(page.locator("#aa-chat .aa-error")).to_have_count(0)

            page.locator("#aa-read").get_by_text("Read the article").click()
            expect(page.locator("#aa-article mark").first).to_be_visible()
            page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)
            shutil.copy(tmp_path / "chat.png", out / "chat.png")
        finally:
            browser.close()
    assert not outside, f"the page reached outside this machine: {outside[:5]}"

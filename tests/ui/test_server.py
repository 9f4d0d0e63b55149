"""The server layer (ui.server): the HTTP API's routes and the chat page on one FastAPI app, with the page's
CSS and JS read from ui/static."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from fnmatch import fnmatch
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant import Assistant
from ui.server import create_server_app

ROOT = Path(__file__).resolve().parents[2]


def test_server_app_mounts_the_chat_after_extra_routes(make_assistant: Callable[..., Assistant],
                                                      small_article: Path) -> None:
    assistant = make_assistant(article=small_article)

    def setup(app: FastAPI) -> None:
        @app.get("/v1/ping")
        def ping() -> dict[str, str]:
            return {"pong": "yes"}

    app = create_server_app(assistant, assistant.settings, setup=setup)
    with TestClient(app) as client:
        assert client.get("/v1/ping").json() == {"pong": "yes"}
        page = client.get("/")
        assert page.status_code == 200 and "<html" in page.text.lower()
        config = client.get("/config").json()
        assert any(d.get("api_name") == "ask" for d in config["dependencies"])
        assert "The Lighthouse of Varn" in json.dumps(config)


def test_server_app_asks_for_a_login_when_auth_is_set(make_assistant: Callable[..., Assistant],
                                                      small_article: Path) -> None:
    assistant = make_assistant(article=small_article, auth="ann:s3cret")
    app = create_server_app(assistant, assistant.settings)
    with TestClient(app) as client:
        assert client.get("/config").status_code == 401
        assert client.post("/login", data={"username": "ann", "password": "wrong"}).status_code == 400
        assert client.post("/login", data={"username": "ann", "password": "s3cret"}).status_code == 200
        assert client.get("/config").status_code == 200


def test_the_page_gets_the_css_and_js_of_ui_static(make_assistant: Callable[..., Assistant],
                                                   small_article: Path) -> None:
    static = resources.files("ui") / "static"
    css, js = (static / "app.css").read_text(encoding="utf-8"), (static / "app.js").read_text(encoding="utf-8")
    assert ".aa-answer a.aa-cite" in css and "@media (max-width: 768px)" in css
    assert js.startswith("() => {") and "MutationObserver" in js  # one function expression, as Gradio runs it
    assistant = make_assistant(article=small_article)
    with TestClient(create_server_app(assistant, assistant.settings)) as client:
        config = client.get("/config").json()
    assert config["css"] == css and config["js"] == js


def test_every_static_file_is_package_data() -> None:
    """A wheel ships what [tool.setuptools.package-data] names: every file of ui/static must match it."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["ui"]
    files = [p.relative_to(ROOT / "ui").as_posix() for p in (ROOT / "ui" / "static").rglob("*") if p.is_file()]
    assert {"static/app.css", "static/app.js"} <= set(files)
    assert all(any(fnmatch(f, pattern) for pattern in patterns) for f in files), (files, patterns)

"""The server layer, on top of everything: a FastAPI app with the HTTP API's routes (`ui.http_api`) and
the web chat's Gradio Blocks (`ui.app`) mounted at "/", run by uvicorn. `article-assistant serve` (`ui.cli`) runs
`serve(settings)`. Nothing in `assistant/` imports this module, `ui` or Gradio.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
import time
from collections.abc import Callable

from fastapi import FastAPI

from assistant.api import Assistant
from assistant.errors import InputError
from assistant.library import ArticleLibrary
from assistant.progress import IndexProgress
from assistant.settings import Settings
from ui.http_api import create_router

__all__ = ["create_server_app", "serve"]


def _auth(settings: Settings) -> tuple[str, str] | None:
    if settings.auth is None:
        return None
    user, sep, password = settings.auth.get_secret_value().partition(":")
    if not sep or not user or not password:
        raise InputError("auth must be USER:PASSWORD (ARTICLE_ASSISTANT_AUTH)")
    return user, password


def create_server_app(assistant: Assistant, settings: Settings, *,
                      setup: Callable[[FastAPI], None] | None = None,
                      library: ArticleLibrary | None = None) -> FastAPI:
    """The FastAPI app served by `serve`: `setup(app)` adds routes (the HTTP API), then the chat page is
    mounted at "/". Routes must be added before that mount, which catches every path it is given. `library`:
    the articles opened at run time, shared by the page and the API."""
    import gradio as gr

    from ui.app import CSS, JS, build_app

    app = FastAPI(title="article-assistant", docs_url=None, redoc_url=None)
    if setup is not None:
        setup(app)
    blocks = build_app(assistant, settings, library)
    # Events run concurrently and line up first-come, first-served at the local model's worker thread, the
    # same line the HTTP API's requests join, so neither way in can starve the other; max_size bounds it.
    blocks.queue(default_concurrency_limit=settings.queue_size, max_size=settings.queue_size)
    return gr.mount_gradio_app(app, blocks, path="/", server_name=settings.host, server_port=settings.port,
                               auth=_auth(settings), footer_links=["api"], run_history=False, css=CSS, js=JS,
                               show_error=True, ssr_mode=False, mcp_server=False)


def _listen(host: str, port: int) -> socket.socket:
    """Binds now, so a busy port is a one-line error before any model loads."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


# On SIGTERM or Ctrl-C, requests in flight get this long to finish. An open page keeps an event stream that never
# ends by itself, so with a page open every stop waited out the whole grace (5 s, then 6 s in all) and printed
# the cancelled stream's 80-line traceback.
SHUTDOWN_GRACE_S = 2


def _quiet_shutdown(record: logging.LogRecord) -> bool:
    """Drops uvicorn's traceback of a connection cancelled at shutdown (an open page's event stream): that is
    how a stop ends it, not an error."""
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, asyncio.CancelledError) and "graceful shutdown exceeded" not in record.getMessage()


def serve(settings: Settings) -> None:
    """Builds the assistant (and the index, if missing or stale), loads the models, then serves the chat page
    (and whatever `create_server_app` mounts) on settings.host:settings.port until interrupted."""
    import uvicorn

    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    auth = _auth(settings)  # a malformed value fails before the slow start
    sock = _listen(settings.host, settings.port)
    try:
        started = time.perf_counter()
        print("article-assistant: opening the index (built on first start)…", file=sys.stderr, flush=True)
        assistant = Assistant(settings=settings, progress=IndexProgress("indexed the article"))
        print("article-assistant: loading the models…", file=sys.stderr, flush=True)
        assistant.warm_up()
        library = ArticleLibrary(assistant)  # one for the page and the API: an article opened once is indexed once
        app = create_server_app(assistant, settings, library=library,
                                setup=lambda api: api.include_router(create_router(assistant, settings, library)))
        port = sock.getsockname()[1]
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        print(f"article-assistant: ready in {time.perf_counter() - started:.1f}s"
              f"{' (login required)' if auth else ''}", file=sys.stderr, flush=True)
        print(f"Running on http://{host}:{port}", flush=True)
        logging.getLogger("uvicorn.error").addFilter(_quiet_shutdown)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=SHUTDOWN_GRACE_S))
        server.run(sockets=[sock])
    finally:
        sock.close()

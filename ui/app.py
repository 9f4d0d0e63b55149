"""The web chat: a thin Gradio adapter over `Assistant`. It formats answers for display and records feedback;
retrieval, refusal and citations all happen in the assistant.

`serve(settings)` is what `article-assistant serve` runs: a FastAPI app (see `create_server_app`, where the
HTTP API's routes go) with the Gradio Blocks mounted at "/", run by uvicorn on settings.host:settings.port.
"""

# No `from __future__ import annotations` here: gr.api reads the /ask function's annotations at runtime.

import logging
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import gradio as gr
from fastapi import FastAPI

from assistant.api import BACKENDS, Assistant
from assistant.errors import BackendError, InputError
from assistant.http_api import create_router
from assistant.jsonl_log import JsonlLog
from assistant.settings import Settings
from assistant.types import Answer
from ui import format as fmt

__all__ = ["CSS", "JS", "ChatUI", "build_app", "create_server_app", "serve"]

log = logging.getLogger("article_assistant.ui")

# One generation at a time, whichever surface asks: the chat and the /ask endpoint share this group.
CONCURRENCY_ID = "generate"

Turn = dict[str, Any]  # {"question": str, "answer": Answer.to_dict() | None, "error": str | None}
Update = tuple[Any, ...]
_VOTES: dict[bool | str, str] = {True: "up", False: "down", "like": "up", "dislike": "down", "up": "up",
                                 "down": "down"}

CSS = """
.aa-header h1 { margin: 0 0 .2em 0; font-size: 1.6em; }
.aa-header p { margin: 0; opacity: .8; }
.aa-q { white-space: pre-wrap; }
.aa-try { font-size: .9em; opacity: .8; }
.aa-answer a.aa-cite { text-decoration: none; font-weight: 600; padding: 0 .1em; color: var(--color-accent); }
.aa-pending, .aa-streaming { opacity: .75; }
.aa-cursor { animation: aa-blink 1s step-start infinite; }
@keyframes aa-blink { 50% { opacity: 0; } }
.aa-refusal { border-left: 4px solid #b45309; padding: .3em .6em; background: rgba(245, 158, 11, .12);
  font-style: italic; }
.aa-badge { display: inline-block; font-style: normal; font-size: .75em; font-weight: 700; text-transform: uppercase;
  letter-spacing: .03em; color: #fff; background: #b45309; border-radius: 4px; padding: 0 .4em; margin-right: .3em; }
.aa-why { font-size: .85em; opacity: .8; font-style: normal; }
.aa-error { border-left: 4px solid #b91c1c; padding: .3em .6em; background: rgba(239, 68, 68, .12); }
.aa-sources h3 { margin-top: 0; }
.aa-source-list { padding-left: 0; list-style: none; }
.aa-source { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: .5em .7em;
  margin-bottom: .6em; scroll-margin: 4em; transition: box-shadow .3s; }
.aa-source-head { font-size: .85em; opacity: .85; margin-bottom: .3em; }
.aa-num { font-weight: 700; }
.aa-para { margin: 0; line-height: 1.5; }
mark.aa-mark { background: #fde047; color: #111; padding: 0 .1em; border-radius: 2px; }
.aa-flash { box-shadow: 0 0 0 3px var(--color-accent); }
.aa-note { opacity: .85; }
.aa-sources-refused .aa-refused-note { border-left: 4px solid #b45309; padding: .3em .6em; }
.aa-article { max-height: 32em; overflow-y: auto; line-height: 1.6; }
#aa-sources-panel { max-height: 40em; overflow-y: auto; }
"""

# Clicking a marker [n] (or anything linking to #src-n / #art-n) brings that element into view. Capture phase,
# so that the chat's own link handling (which would open a new tab) never sees the click.
JS = """
() => {
  document.addEventListener('click', (ev) => {
    const a = ev.target && ev.target.closest ? ev.target.closest('a[href^="#src-"], a[href^="#art-"]') : null;
    if (!a) return;
    const el = document.getElementById(a.getAttribute('href').slice(1));
    ev.preventDefault();
    ev.stopPropagation();
    if (!el) return;
    el.scrollIntoView({behavior: 'smooth', block: 'center'});
    el.classList.add('aa-flash');
    setTimeout(() => el.classList.remove('aa-flash'), 1600);
  }, true);
}
"""


def _history(turns: list[Turn]) -> list[dict[str, str]]:
    """What the model sees: the raw questions and answer texts, never the display HTML or error messages."""
    out: list[dict[str, str]] = []
    for t in turns:
        if t.get("answer"):
            out += [{"role": "user", "content": t["question"]},
                    {"role": "assistant", "content": str(t["answer"]["answer"])}]
    return out


class ChatUI:
    """The handlers behind the page, as plain functions so that tests can call them directly."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.assistant = assistant
        self.settings = settings
        self.feedback = JsonlLog(settings.data_dir / "feedback.jsonl")
        self.examples = fmt.example_questions(assistant.title, assistant.article_text)

    def _options(self, backend: str | None, k: float | int | None) -> dict[str, Any]:
        chosen = backend if backend and backend != self.assistant.default_backend else None
        return {"backend": chosen, "k": int(k) if k else None}

    def respond(self, question: str | None, chat: list[dict[str, Any]] | None, turns: list[Turn] | None,
                backend: str | None = None, k: float | int | None = None) -> Iterator[Update]:
        """The chat handler. Yields (textbox, chat, turns, sources, article) updates: the question at once,
        then the answer as it streams, then the verified answer with its sources. Errors become a chat
        message; nothing escapes to the page."""
        chat, turns = list(chat or []), list(turns or [])
        question = question or ""
        if not question.strip():
            yield gr.skip(), list(chat), list(turns), gr.skip(), gr.skip()
            return
        chat += [{"role": "user", "content": fmt.question_html(question)},
                 {"role": "assistant", "content": fmt.pending_html()}]
        yield "", list(chat), list(turns), gr.skip(), gr.skip()
        turn: Turn = {"question": question, "answer": None, "error": None}
        final: Update | None = None
        try:
            answer: Answer | None = None
            partial = ""
            for piece in self.assistant.stream(question, _history(turns), **self._options(backend, k)):
                if isinstance(piece, Answer):
                    answer = piece
                    break
                partial += piece
                chat[-1] = {"role": "assistant", "content": fmt.streaming_html(partial)}
                yield gr.skip(), list(chat), list(turns), gr.skip(), gr.skip()
            if answer is None:
                raise BackendError("the assistant stopped without an answer")
            text = self.assistant.article_text
            shown = {"role": "assistant", "content": fmt.answer_html(answer)}
            final = (gr.skip(), [*chat[:-1], shown], [*turns, {**turn, "answer": answer.to_dict()}],
                     fmt.sources_html(answer, text), fmt.article_html(text, answer.citations))
        except (InputError, BackendError) as exc:
            turn["error"] = str(exc)
        except Exception as exc:  # the page keeps serving; the details go to the server log
            log.exception("chat handler failed")
            turn["error"] = f"Something went wrong ({type(exc).__name__}). Please try again."
        if final is None:
            chat[-1] = {"role": "assistant", "content": fmt.error_html(turn["error"] or "no answer")}
            final = (gr.skip(), chat, [*turns, turn], gr.skip(), gr.skip())
        yield final

    def ask_api(self, question: str, history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The /ask endpoint: the same JSON as `article-assistant ask --json`."""
        try:
            return self.assistant.ask(question, history or []).to_dict()
        except (InputError, BackendError) as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def clear(self) -> Update:
        return [], [], fmt.EMPTY_SOURCES, fmt.article_html(self.assistant.article_text)

    def record_feedback(self, turns: list[Turn] | None, index: int | tuple[int, int] | list[int],
                        liked: bool | str | None) -> dict[str, Any] | None:
        """Stores a vote on the assistant message at chat position `index` (user, assistant, user, ...)."""
        if isinstance(index, (tuple, list)):
            index = index[0]
        turns = turns or []
        turn_no, is_answer = divmod(int(index), 2)
        if not is_answer or not 0 <= turn_no < len(turns):
            return None
        turn = turns[turn_no]
        answer = turn.get("answer") or {}
        vote = _VOTES.get(liked if isinstance(liked, bool) else str(liked).lower(), str(liked))
        record = {
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "vote": vote,
            "question": turn.get("question", ""),
            "answer": answer.get("answer", turn.get("error") or ""),
            "refused": answer.get("refused"),
            "citations": answer.get("citations", []),
            "backend": answer.get("backend", ""),
            "error": turn.get("error"),
        }
        self.feedback.append(record)
        return record

    def on_like(self, turns: list[Turn] | None, data: gr.LikeData) -> None:
        try:
            self.record_feedback(turns, data.index, data.liked)
        except OSError as exc:
            log.warning("could not store feedback: %s", exc)
            gr.Warning(f"Could not store the feedback: {exc}")


def build_app(assistant: Assistant, settings: Settings) -> gr.Blocks:
    """The chat page over one Assistant. Queue it (`create_server_app` does) before serving."""
    ui = ChatUI(assistant, settings)
    backends = list(BACKENDS)
    if assistant.default_backend not in backends:
        backends.insert(0, assistant.default_backend)
    paragraphs = sum(1 for p in assistant.article_text.split("\n\n") if p.strip())
    with gr.Blocks(title=f"{assistant.title} · Article assistant", analytics_enabled=False) as blocks:
        blocks.chat_ui = ui  # type: ignore[attr-defined]
        gr.HTML(f'<div class="aa-header"><h1>{fmt.esc(assistant.title)}</h1><p>Ask about this article '
                f'({paragraphs} paragraphs). Answers come only from it, and every claim cites its exact words; '
                f'when the article does not say, the assistant says so.</p></div>', elem_id="aa-header")
        turns = gr.State([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Chat", elem_id="aa-chat", height=520, latex_delimiters=[],
                                     buttons=["copy"], feedback_options=("Like", "Dislike"),
                                     placeholder="Ask a question about the article, or pick an example below.")
                with gr.Row():
                    question = gr.Textbox(placeholder="Ask about the article…", show_label=False, scale=5,
                                          lines=1, max_lines=4, elem_id="aa-question", autofocus=True,
                                          submit_btn=False)
                    send = gr.Button("Send", variant="primary", scale=1, min_width=80, elem_id="aa-send")
                gr.HTML('<span class="aa-try">Try an example:</span>', js_on_load=None)
                with gr.Row(elem_id="aa-examples"):
                    example_buttons = [gr.Button(q, size="sm", variant="secondary", elem_classes=["aa-example"])
                                       for q in ui.examples]
                with gr.Row():
                    clear = gr.Button("Clear chat", size="sm", variant="secondary", scale=0, min_width=140,
                                      elem_id="aa-clear")
            with gr.Column(scale=2):
                sources = gr.HTML(fmt.EMPTY_SOURCES, elem_id="aa-sources-panel", js_on_load=None, container=True,
                                  padding=True)
        with gr.Accordion("Read the article", open=False, elem_id="aa-read"):
            article = gr.HTML(fmt.article_html(assistant.article_text), elem_id="aa-article", js_on_load=None)
        with gr.Accordion("Settings", open=False, elem_id="aa-settings"):
            backend = gr.Dropdown(backends, value=assistant.default_backend, label="Backend",
                                  info="llamacpp: local SmolLM2; openai: an OpenAI-compatible server; "
                                       "extractive: quotes the sentence the reader chose, no generation")
            k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages to retrieve (k)")

        inputs = [question, chatbot, turns, backend, k]
        outputs = [question, chatbot, turns, sources, article]
        chat_events: dict[str, Any] = {"concurrency_id": CONCURRENCY_ID, "api_visibility": "private",
                                       "show_progress": "hidden"}
        question.submit(ui.respond, inputs, outputs, **chat_events)
        send.click(ui.respond, inputs, outputs, **chat_events)
        for button in example_buttons:
            button.click(ui.respond, [button, chatbot, turns, backend, k], outputs, **chat_events)
        clear.click(ui.clear, None, [chatbot, turns, sources, article], api_visibility="private", queue=False)
        chatbot.clear(ui.clear, None, [chatbot, turns, sources, article], api_visibility="private", queue=False)
        chatbot.like(ui.on_like, [turns], None, api_visibility="private", queue=False)
        gr.api(ui.ask_api, api_name="ask", concurrency_id=CONCURRENCY_ID,
               api_description="Answer a question about the article; same JSON as `article-assistant ask --json`.")
    return blocks


def _auth(settings: Settings) -> tuple[str, str] | None:
    if settings.auth is None:
        return None
    user, sep, password = settings.auth.get_secret_value().partition(":")
    if not sep or not user or not password:
        raise InputError("auth must be USER:PASSWORD (ARTICLE_ASSISTANT_AUTH)")
    return user, password


def create_server_app(assistant: Assistant, settings: Settings, *,
                      setup: Callable[[FastAPI], None] | None = None) -> FastAPI:
    """The FastAPI app served by `serve`: `setup(app)` adds routes (the HTTP API), then the chat page is
    mounted at "/". Routes must be added before that mount, which catches every path it is given."""
    app = FastAPI(title="article-assistant", docs_url=None, redoc_url=None)
    if setup is not None:
        setup(app)
    blocks = build_app(assistant, settings)
    # Events run concurrently and line up first-come, first-served at the local model's lock, the same line
    # the HTTP API's requests join, so neither way in can starve the other; max_size bounds the waiting.
    blocks.queue(default_concurrency_limit=settings.queue_size, max_size=settings.queue_size)
    return gr.mount_gradio_app(app, blocks, path="/", server_name=settings.host, server_port=settings.port,
                               auth=_auth(settings), footer_links=["api"], run_history=False, css=CSS, js=JS,
                               show_error=True, ssr_mode=False, mcp_server=False)


def _progress(done: int, total: int) -> None:
    """One line on stderr, redrawn in place on a terminal; only the last state when redirected."""
    if sys.stderr.isatty():
        sys.stderr.write(f"\rarticle-assistant: indexing the article: {done}/{total} passages")
        if done >= total:
            sys.stderr.write("\n")
    elif done >= total:
        sys.stderr.write(f"article-assistant: indexed the article: {total} passages\n")
    sys.stderr.flush()


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
        assistant = Assistant(settings=settings, progress=_progress)
        print("article-assistant: loading the models…", file=sys.stderr, flush=True)
        assistant.warm_up()
        app = create_server_app(assistant, settings,
                                setup=lambda api: api.include_router(create_router(assistant, settings)))
        port = sock.getsockname()[1]
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        print(f"article-assistant: ready in {time.perf_counter() - started:.1f}s"
              f"{' (login required)' if auth else ''}", file=sys.stderr, flush=True)
        print(f"Running on http://{host}:{port}", flush=True)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=5))
        server.run(sockets=[sock])
    finally:
        sock.close()

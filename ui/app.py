"""The web chat: a thin Gradio adapter over `Assistant`. It formats answers for display and records feedback;
retrieval, refusal and citations all happen in the assistant. `build_app` returns the Blocks; the server
layer (`ui.server`) mounts them beside the HTTP API and runs them.
"""

# No `from __future__ import annotations` here: gr.api reads the /ask function's annotations at runtime.

import logging
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import gradio as gr

from assistant.api import Assistant
from assistant.backends import available_backends
from assistant.errors import BackendError, InputError
from assistant.jsonl_log import JsonlLog
from assistant.library import ArticleLibrary, NotFound
from assistant.settings import Settings
from assistant.types import Segment
from ui import format as fmt

__all__ = ["CONCURRENCY_ID", "CSS", "EXAMPLES", "JS", "ChatUI", "build_app"]

log = logging.getLogger("article_assistant.ui")

# The chat and the /ask endpoint share one Gradio concurrency group (bounded by Settings.queue_size); the
# local model's own worker thread then serves their generations first come, first served.
CONCURRENCY_ID = "generate"
ASK = "Ask about the article…"
EXAMPLES = 4  # example buttons on the page; an article with fewer examples hides the rest

Turn = dict[str, Any]  # {"question": str, "answer": Answer.to_dict() | None, "error": str | None}
Update = tuple[Any, ...]
_VOTES: dict[bool | str, str] = {True: "up", False: "down", "like": "up", "dislike": "down", "up": "up",
                                 "down": "down"}


def _static(name: str) -> str:
    """A file of ui/static (shipped as package data), as text."""
    return (resources.files("ui") / "static" / name).read_text(encoding="utf-8")


# The page's styles. Text colours meet WCAG AA on Gradio's light and dark themes; see the comments in the file.
CSS = _static("app.css")
# A function Gradio runs once the page loads. Clicking a marker [n] shows *that answer's* sources (each answer
# keeps its own section in the panel) and brings the quote into view. Capture phase, so that the chat's own link
# handling (a new tab) never sees the click. Two more repairs the Chatbot does not offer: its messages'
# aria-labels get their text (not their HTML), and the chat keeps following the newest message even after the
# reader scrolled once. (No comment inside app.js: Gradio takes the file as one function expression.)
JS = _static("app.js")


def message_text(content: Any) -> str:
    """A chat message's text as the page sent it back: Gradio 6 returns a message's content as a list of parts
    (`[{"type": "text", "text": ...}]`); `str()` of that list is what showed as raw Python text after Stop."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text", ""))
    if isinstance(content, (list, tuple)):
        return "".join(message_text(part) for part in content)
    return "" if content is None else str(content)


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

    def __init__(self, assistant: Assistant, settings: Settings, library: ArticleLibrary | None = None) -> None:
        self.assistant = assistant
        self.settings = settings
        self.library = library or ArticleLibrary(assistant)
        self.feedback = JsonlLog(settings.data_dir / "feedback.jsonl")
        self.examples = fmt.example_questions(assistant.title, assistant.article_text, EXAMPLES)

    def on(self, article_id: str | None) -> Assistant:
        """The assistant on this browser session's article (its id in the session's state; None: the default)."""
        if not article_id:
            return self.assistant
        try:
            return self.library.get(article_id)
        except NotFound:
            raise InputError("the article you opened was closed to make room for others; open it again, "
                             "or go back to the default article") from None

    def _options(self, backend: str | None, k: float | int | None) -> dict[str, Any]:
        chosen = backend if backend and backend != self.assistant.default_backend else None
        return {"backend": chosen, "k": int(k) if k else None}

    def respond(self, question: str | None, chat: list[dict[str, Any]] | None, turns: list[Turn] | None,
                backend: str | None = None, k: float | int | None = None,
                article_id: str | None = None) -> Iterator[Update]:
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
        number = len(turns)  # this answer's place: its markers open its own sources
        final: Update | None = None
        try:
            about = self.on(article_id)
            response = about.respond(question, _history(turns), **self._options(backend, k))
            shown: list[Segment] = []
            for segment in response.segments():
                shown.append(segment)
                chat[-1] = {"role": "assistant", "content": fmt.streaming_html(shown, number)}
                yield gr.skip(), list(chat), list(turns), gr.skip(), gr.skip()
            answer = response.answer()
            text = about.article_text
            message = {"role": "assistant", "content": fmt.answer_html(answer, number)}
            done = [*turns, {**turn, "answer": answer.to_dict()}]
            final = (gr.skip(), [*chat[:-1], message], done, fmt.sources_panel(done, text),
                     fmt.article_html(text, done))
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

    def stopped(self, chat: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        """After Stop: what was shown stays (it was verified), marked as cut short; a placeholder says so."""
        chat = list(chat or [])
        if chat and chat[-1].get("role") == "assistant":
            content = message_text(chat[-1].get("content", ""))
            if "aa-pending" in content:
                chat[-1] = {"role": "assistant", "content": fmt.error_html("Stopped before an answer.")}
            elif "aa-streaming" in content:
                cut = content.replace(" aa-streaming", "").replace(
                    '<span class="aa-cursor" aria-hidden="true">▍</span>',
                    ' <span class="aa-stopped-note">(stopped)</span>')
                chat[-1] = {"role": "assistant", "content": cut}
        return chat

    def clear(self, article_id: str | None = None) -> Update:
        try:
            text = self.on(article_id).article_text
        except InputError:
            text = self.assistant.article_text
        return [], [], fmt.EMPTY_SOURCES, fmt.article_html(text)

    def _switched(self, about: Assistant, article_id: str | None, status: str) -> Update:
        """The page's parts on another article: (article id, header, article, chat, turns, sources, status,
        file, pasted text, *example buttons); the chat starts anew."""
        examples = fmt.example_questions(about.title, about.article_text, EXAMPLES)
        buttons = [gr.update(value=examples[i], visible=True) if i < len(examples) else gr.update(visible=False)
                   for i in range(EXAMPLES)]
        return (article_id, fmt.header_html(about.title, about.article_text), fmt.article_html(about.article_text),
                [], [], fmt.EMPTY_SOURCES, status, None, "", *buttons)

    def open_article(self, file: Any, pasted: str | None, article_id: str | None = None) -> Iterator[Update]:
        """ "Open": the chosen file, else the pasted text, indexed, then the page is about it. While it indexes,
        the status line says what is being done ("Embedding passages: 40 of 120"), every quarter second. A
        failure says why in one line and leaves the session on its article: nothing else changes."""
        keep = (gr.skip(),) * (9 + EXAMPLES)

        def status(message: str, error: bool = False) -> Update:
            return (*keep[:6], fmt.status_html(message, error=error), *keep[7:])

        try:
            if file is not None:
                path = file if isinstance(file, str) else getattr(file, "name", None) or file["path"]
                name = getattr(file, "orig_name", None) or os.path.basename(str(path))
                with open(path, "rb") as f:
                    data = f.read(self.settings.max_article_bytes + 1)
            elif pasted and pasted.strip():
                data, name = pasted.encode("utf-8"), "pasted.txt"
            else:
                raise InputError("choose a .txt, .md or .html file, or paste the article's text")
        except InputError as exc:
            yield status(str(exc), error=True)
            return
        except OSError as exc:
            yield status(f"cannot read the file: {exc.strerror or exc}", error=True)
            return
        doing = ["Cleaning the text and cutting it into passages…"]
        outcome: dict[str, Any] = {}

        def index() -> None:
            try:
                outcome["opened"] = self.library.add(data, name, progress=lambda done, total: doing.append(
                    f"Embedding passages: {done} of {total}…"))
            except Exception as exc:  # reported below, in the page
                outcome["error"] = exc

        worker = threading.Thread(target=index, name="open-article", daemon=True)
        worker.start()
        shown = ""
        while worker.is_alive():
            if doing[-1] != shown:
                shown = doing[-1]
                yield status(shown)
            worker.join(0.25)
        error = outcome.get("error")
        if isinstance(error, InputError):
            yield status(str(error), error=True)
            return
        if error is not None:
            log.error("opening an article failed", exc_info=error)
            yield status(f"Something went wrong while indexing ({type(error).__name__}). Please try again.", True)
            return
        about: Assistant = outcome["opened"]
        opened = None if about is self.assistant else about.article_sha256
        yield self._switched(about, opened, fmt.status_html(
            f"Now answering about “{about.title}” ({len(about.index.passages)} passages)."))

    def default_article(self) -> Update:
        """ "Back to the default article", in one click."""
        return self._switched(self.assistant, None, fmt.status_html(
            f"Back to “{self.assistant.title}”."))

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


def build_app(assistant: Assistant, settings: Settings, library: ArticleLibrary | None = None) -> gr.Blocks:
    """The chat page over one Assistant (and the articles a reader opens: `library`, shared with the HTTP API).
    Queue it (`ui.server.create_server_app` does) before serving."""
    ui = ChatUI(assistant, settings, library)
    backends = available_backends(settings)  # only what can run here: no openai without its URL
    if assistant.default_backend not in backends:
        backends.insert(0, assistant.default_backend)
    with gr.Blocks(title=f"{assistant.title} · Article assistant", analytics_enabled=False) as blocks:
        blocks.chat_ui = ui  # type: ignore[attr-defined]
        header = gr.HTML(fmt.header_html(assistant.title, assistant.article_text), elem_id="aa-header")
        turns = gr.State([])
        article_id = gr.State(None)  # this browser session's article: None, the default; else its sha256
        with gr.Row(equal_height=False, elem_id="aa-main"):
            with gr.Column(scale=3, elem_id="aa-left"):
                # No visible label: Gradio floats it over the messages, which scrolled under it; the log keeps
                # its own accessible name ("chatbot conversation").
                chatbot = gr.Chatbot(label="Chat", show_label=False, elem_id="aa-chat", height=520,
                                     latex_delimiters=[],
                                     buttons=["copy"], feedback_options=("Like", "Dislike"),
                                     placeholder="Ask a question about the article, or pick an example below.")
                with gr.Row(elem_id="aa-input"):
                    question = gr.Textbox(placeholder=ASK, label="Your question about the article", show_label=False,
                                          scale=5, lines=1, max_lines=4, elem_id="aa-question", autofocus=True,
                                          submit_btn=False)
                    send = gr.Button("Send", variant="primary", scale=1, min_width=80, elem_id="aa-send")
                    stop = gr.Button("Stop", variant="stop", scale=1, min_width=80, elem_id="aa-stop", visible=False)
                gr.HTML('<span class="aa-try">Try an example:</span>', js_on_load=None, elem_id="aa-try")
                with gr.Row(elem_id="aa-examples"):
                    example_buttons = [gr.Button(ui.examples[i] if i < len(ui.examples) else "", size="sm",
                                                 variant="secondary", elem_classes=["aa-example"],
                                                 visible=i < len(ui.examples)) for i in range(EXAMPLES)]
                with gr.Row(elem_id="aa-clear-row"):
                    clear = gr.Button("Clear chat", size="sm", variant="secondary", scale=0, min_width=140,
                                      elem_id="aa-clear")
            with gr.Column(scale=2, elem_id="aa-right"):
                sources = gr.HTML(fmt.EMPTY_SOURCES, elem_id="aa-sources-panel", js_on_load=None, container=True,
                                  padding=True)
        with gr.Accordion("Read the article", open=False, elem_id="aa-read"):
            article = gr.HTML(fmt.article_html(assistant.article_text), elem_id="aa-article", js_on_load=None)
        with gr.Accordion("Open another article", open=False, elem_id="aa-open"):
            with gr.Row():
                upload = gr.File(label="A .txt, .md or .html file", file_types=[".txt", ".md", ".html", ".htm"],
                                 type="filepath", elem_id="aa-file")
                pasted = gr.Textbox(label="…or paste its text", lines=6, max_lines=12, elem_id="aa-paste")
            with gr.Row():
                open_button = gr.Button("Open", variant="primary", elem_id="aa-open-button", scale=0, min_width=120)
                back = gr.Button("Back to the default article", variant="secondary", elem_id="aa-default",
                                 scale=0, min_width=220)
            status = gr.HTML("", elem_id="aa-open-status")
        with gr.Accordion("Settings", open=False, elem_id="aa-settings"):
            backend = gr.Dropdown(backends, value=assistant.default_backend, label="Backend",
                                  info="llamacpp: local SmolLM2; openai: an OpenAI-compatible server; "
                                       "extractive: quotes the sentence the reader chose, no generation")
            k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages to retrieve (k)")

        outputs = [question, chatbot, turns, sources, article]
        chat_events: dict[str, Any] = {"concurrency_id": CONCURRENCY_ID, "api_visibility": "private",
                                       "show_progress": "hidden"}
        # While answering: Send and the examples are disabled, the question box is read-only (a second question
        # cannot be dropped: it cannot be sent until this answer is done or stopped) and Stop is offered.
        # Clear chat waits too: clearing under a streaming answer would lose the answer's sources.
        controls = [question, send, stop, clear, *example_buttons]
        busy = lambda: [gr.update(interactive=False, placeholder="Answering… press Stop to ask something else"),
                        gr.update(interactive=False), gr.update(visible=True), gr.update(interactive=False),
                        *[gr.update(interactive=False) for _ in example_buttons]]
        idle = lambda: [gr.update(interactive=True, placeholder=ASK), gr.update(interactive=True),
                        gr.update(visible=False), gr.update(interactive=True),
                        *[gr.update(interactive=True) for _ in example_buttons]]
        answering = []
        for trigger, first in [(question.submit, question), (send.click, question),
                               *[(b.click, b) for b in example_buttons]]:
            started = trigger(busy, None, controls, queue=False, api_visibility="private", show_progress="hidden",
                              trigger_mode="multiple")
            # "multiple": the page keeps a stopped answer's submission until the server confirms the cancel; with
            # Gradio's default ("once") a Send within about a second of Stop was silently skipped. The controls,
            # disabled while answering, already keep two answers from overlapping.
            event = started.then(ui.respond, [first, chatbot, turns, backend, k, article_id], outputs,
                                 trigger_mode="multiple", **chat_events)
            event.then(idle, None, controls, queue=False, api_visibility="private", show_progress="hidden")
            answering.append(event)
        stop.click(ui.stopped, [chatbot], [chatbot], cancels=answering, queue=False, api_visibility="private") \
            .then(idle, None, controls, queue=False, api_visibility="private", show_progress="hidden")
        clear.click(ui.clear, [article_id], [chatbot, turns, sources, article], api_visibility="private", queue=False)
        chatbot.clear(ui.clear, [article_id], [chatbot, turns, sources, article], api_visibility="private",
                      queue=False)
        switched = [article_id, header, article, chatbot, turns, sources, status, upload, pasted, *example_buttons]
        open_button.click(ui.open_article, [upload, pasted, article_id], switched, api_visibility="private",
                          concurrency_limit=settings.max_concurrent_uploads, show_progress="hidden")
        back.click(ui.default_article, None, switched, api_visibility="private", queue=False)
        chatbot.like(ui.on_like, [turns], None, api_visibility="private", queue=False)
        gr.api(ui.ask_api, api_name="ask", concurrency_id=CONCURRENCY_ID,
               api_description="Answer a question about the article; same JSON as `article-assistant ask --json`.")
    return blocks

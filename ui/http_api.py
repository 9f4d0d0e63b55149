"""An OpenAI-compatible HTTP API with sources: any OpenAI client can point at `serve` and still get the
citations (in an extra top-level `citations` field, the same shape as `ask --json`).

Streaming sends the *verified* answer as it is checked: each delta is a generated sentence the article backs
(or the extractive answer, whole), sent as soon as it passes, so a stream never shows words that the final
answer takes back, and the deltas joined are the non-streamed content. The last chunk carries the citations.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.api import Assistant
from assistant.backends import available_backends
from assistant.errors import BackendError, InputError
from assistant.library import ArticleLibrary, Busy, NotFound, TooLarge
from assistant.settings import Settings
from assistant.types import Answer
from index import StoreError

__all__ = ["MODEL_ID", "create_router"]

MODEL_ID = "article-assistant"


class APIError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.kind, self.code = status, message, kind, code

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.kind, "param": None, "code": self.code}}
        return JSONResponse(body, status_code=self.status)


def _parse(raw: bytes, settings: Settings) -> dict[str, Any]:
    if len(raw) > settings.max_body_bytes:
        raise APIError(413, f"request body is {len(raw)} bytes; the limit is {settings.max_body_bytes}",
                       code="request_too_large")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise APIError(400, "request body is not valid JSON") from None
    except RecursionError:
        raise APIError(400, "request body is JSON nested too deeply") from None
    if not isinstance(body, dict):
        raise APIError(400, "request body must be a JSON object")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise APIError(400, "'messages' must be a non-empty list", code="invalid_messages")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise APIError(400, f"messages[{i}] must be an object with a role and content")
    last = messages[-1]
    if last["role"] != "user":
        raise APIError(400, "the last message must be the user's question")
    if not isinstance(body.get("stream", False), bool):
        raise APIError(400, "'stream' must be true or false")
    return body


def _question(body: dict[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    messages = body["messages"]
    content = messages[-1].get("content")
    if isinstance(content, list):
        content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    history = [m for m in messages[:-1] if m.get("role") in ("user", "assistant")]
    return content, history


def _extras(answer: Answer) -> dict[str, Any]:
    data = answer.to_dict()
    return {k: data[k] for k in ("citations", "passages", "refused", "reason", "refusal", "timings",
                                 "short_answer", "answer_score", "article_sha256", "standalone_question",
                                 "backend", "segments")}


_TOKEN = re.compile(r"\w+|[^\w\s]")


def usage(prompt: str, completion: str) -> dict[str, int]:
    """OpenAI's `usage`, counted as words and punctuation marks (no one model's tokenizer answers every backend;
    the extractive one has none): what was asked, history included, and what was answered."""
    p, c = len(_TOKEN.findall(prompt)), len(_TOKEN.findall(completion))
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _completion(answer: Answer, cid: str, created: int, model: str, prompt: str) -> dict[str, Any]:
    return {
        "id": cid, "object": "chat.completion", "created": created, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text},
                     "finish_reason": "stop"}],
        "usage": usage(prompt, answer.text),
        **_extras(answer),
    }


def _chunk(cid: str, created: int, delta: dict[str, Any], finish: str | None = None, model: str = MODEL_ID,
           **extra: Any) -> str:
    payload = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def _sse(first: str | Answer, rest: Iterator[str | Answer], cid: str, created: int,
         release: Callable[[], None], model: str = MODEL_ID, prompt: str = "") -> Iterator[str]:
    """`first` was taken from the answer's stream before the response started (so that bad input is still a
    plain 400); the rest follows as it is verified. `release` frees the request's slot at the end."""
    try:
        yield _chunk(cid, created, {"role": "assistant", "content": ""}, model=model)
        piece: str | Answer = first
        while True:
            if isinstance(piece, Answer):
                yield _chunk(cid, created, {}, "stop", model=model, usage=usage(prompt, piece.text),
                             **_extras(piece))
                break
            if piece:
                yield _chunk(cid, created, {"content": piece}, model=model)
            piece = next(rest)
        yield "data: [DONE]\n\n"
    except BackendError as exc:  # the headers are sent: the error goes in the stream, the OpenAI way
        yield f"data: {json.dumps({'error': {'message': str(exc), 'type': 'service_unavailable'}})}\n\n"
    finally:
        close = getattr(rest, "close", None)
        if close is not None:
            close()  # a client that went away stops the generation
        release()


async def _article_upload(request: Request) -> tuple[bytes, str]:
    """(the article's bytes, its file name) from a multipart file, a JSON text, or a raw body."""
    kind = request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is not None and not isinstance(upload, str):
            return await upload.read(), str(upload.filename or "article.txt")
        text = form.get("text")
        if isinstance(text, str):
            return text.encode("utf-8"), str(form.get("filename") or "article.txt")
        raise APIError(400, "send the article as the form's 'file' or 'text'", code="bad_article")
    raw = await request.body()
    if kind.startswith("application/json"):
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise APIError(400, "request body is not valid JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            raise APIError(400, "send {\"text\": \"...\", \"filename\": \"notes.md\"}", code="bad_article")
        return body["text"].encode("utf-8"), str(body.get("filename") or "article.txt")
    return raw, request.query_params.get("filename") or "article.txt"


def create_router(assistant: Assistant, settings: Settings, library: ArticleLibrary | None = None) -> APIRouter:
    """The API's routes on `assistant` (the default article) and `library` (articles opened at run time; one
    of its own when None)."""
    router = APIRouter()
    library = library or ArticleLibrary(assistant)
    slots = threading.BoundedSemaphore(settings.queue_size)

    def authorize(request: Request) -> None:
        if settings.api_key is None:
            return
        given = request.headers.get("authorization", "")
        expected = f"Bearer {settings.api_key.get_secret_value()}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise APIError(401, "missing or wrong API key", "authentication_error", "invalid_api_key")

    # "article-assistant" answers with the configured backend; "article-assistant/NAME" with backend NAME, for
    # each backend that can run here (the web chat's backend menu, for API clients).
    named = {f"{MODEL_ID}/{name}": name for name in available_backends(settings)}

    def backend_for(body: dict[str, Any]) -> str | None:
        model = body.get("model")
        if model is None or model in ("", MODEL_ID):
            return None
        if not isinstance(model, str):
            raise APIError(400, "'model' must be a string", code="model_not_found")
        if model not in named:
            raise APIError(400, f"unknown model {model!r}; choose one of {', '.join([MODEL_ID, *named])}",
                           code="model_not_found")
        return named[model]

    @router.get("/v1/models")
    def models(request: Request) -> JSONResponse:
        try:
            authorize(request)
        except APIError as exc:
            return exc.response()
        return JSONResponse({"object": "list", "data": [
            {"id": m, "object": "model", "created": 0, "owned_by": "article-assistant"} for m in [MODEL_ID, *named]]})

    @router.get("/v1/article")
    def article(request: Request) -> JSONResponse:
        """The cleaned article text that every `start`/`end` of an answer indexes, with its sha256 (the
        `article_sha256` every answer carries), so a client can check a quote itself."""
        try:
            authorize(request)
        except APIError as exc:
            return exc.response()
        return JSONResponse({"object": "article", "title": assistant.title, "text": assistant.article_text,
                             "sha256": assistant.article_sha256, "source": Path(assistant.index.article.source).name})

    @router.get("/v1/search")
    def search(request: Request, q: str = "", k: int = 4) -> JSONResponse:
        """The hybrid search's ranked passages (what `article-assistant search` prints), offsets included."""
        try:
            authorize(request)
            hits = assistant.search(q, k)
        except APIError as exc:
            return exc.response()
        except InputError as exc:
            return APIError(400, str(exc)).response()
        return JSONResponse({"object": "list", "data": [h.to_dict() for h in hits]})

    @router.get("/healthz")
    def healthz() -> JSONResponse:
        with contextlib.suppress(StoreError):
            assistant.index.refresh()  # follow a rebuild made by another process
        count = assistant.index.store.collection_count(assistant.index.manifest.collection)
        ok = count == len(assistant.index.passages) and count > 0
        body = {"status": "ok" if ok else "unavailable", "passages": count, "backend": assistant.default_backend,
                "article": assistant.title, "collection": assistant.index.manifest.collection,
                "article_sha256": assistant.article_sha256}
        return JSONResponse(body, status_code=200 if ok else 503)

    @router.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Any:
        try:
            authorize(request)
            body = _parse(await request.body(), settings)
        except APIError as exc:
            return exc.response()
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(_answer, body)

    def _answer(body: dict[str, Any]) -> Any:
        if not slots.acquire(blocking=False):
            return APIError(429, "too many requests in flight; retry shortly", "rate_limit_error").response()
        streaming = False
        try:
            question, history = _question(body)
            backend = backend_for(body)
            about = body.get("article_id")
            if about is not None and not isinstance(about, str):
                raise APIError(400, "'article_id' must be a string", code="article_not_found")
            answering = assistant if about is None else library.get(about)
            model = body.get("model") or MODEL_ID  # echoed as asked ("article-assistant/llamacpp"), as OpenAI does
            prompt = " ".join([*(str(m.get("content", "")) for m in history), str(question)])
            cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
            if body.get("stream"):
                pieces = answering.stream(question, history, backend=backend)
                first = next(pieces)  # input errors and a failing backend surface here, before any byte is sent
                streaming = True
                return StreamingResponse(_sse(first, pieces, cid, created, slots.release, model, prompt),
                                         media_type="text/event-stream")
            answer = answering.ask(question, history, backend=backend)
            return JSONResponse(_completion(answer, cid, created, model, prompt))
        except APIError as exc:
            return exc.response()
        except NotFound as exc:
            return APIError(404, str(exc), code="article_not_found").response()
        except InputError as exc:
            return APIError(400, str(exc)).response()
        except BackendError as exc:
            return APIError(503, str(exc), "service_unavailable").response()
        finally:
            if not streaming:
                slots.release()

    @router.post("/v1/articles")
    async def open_article(request: Request) -> JSONResponse:
        """Opens an article: a file (multipart field `file`), or text (JSON `{"text", "filename"}`, or any other
        body with `?filename=`). Returns its id (the sha256 of its cleaned text) once it is indexed."""
        try:
            authorize(request)
            declared = int(request.headers.get("content-length") or 0)
            if declared > settings.max_article_bytes + 64_000:  # the form's own bytes on top of the file's
                raise TooLarge(f"the article is about {declared} bytes; the limit is {settings.max_article_bytes}")
            data, name = await _article_upload(request)
        except APIError as exc:
            return exc.response()
        except TooLarge as exc:
            return APIError(413, str(exc), code="article_too_large").response()
        except InputError as exc:
            return APIError(400, str(exc), code="bad_article").response()
        from starlette.concurrency import run_in_threadpool

        try:
            opened = await run_in_threadpool(library.add, data, name)
        except TooLarge as exc:
            return APIError(413, str(exc), code="article_too_large").response()
        except Busy as exc:
            return APIError(429, str(exc), "rate_limit_error").response()
        except InputError as exc:
            return APIError(400, str(exc), code="bad_article").response()
        return JSONResponse({"object": "article", "id": opened.article_sha256, "title": opened.title,
                             "passages": len(opened.index.passages), "source": Path(opened.settings.article).name})

    @router.get("/v1/articles/{article_id}")
    def get_article(request: Request, article_id: str) -> JSONResponse:
        """An opened article's cleaned text: what the offsets of answers about it index."""
        try:
            authorize(request)
            opened = library.get(article_id)
        except APIError as exc:
            return exc.response()
        except NotFound as exc:
            return APIError(404, str(exc), code="article_not_found").response()
        return JSONResponse({"object": "article", "id": opened.article_sha256, "title": opened.title,
                             "text": opened.article_text, "sha256": opened.article_sha256})

    @router.api_route("/v1/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                      include_in_schema=False)
    def unknown(path: str) -> JSONResponse:
        """Any other /v1 route: an OpenAI-shaped 404 (the page mounted at "/" would answer Starlette's own)."""
        return APIError(404, f"unknown route /v1/{path}; the routes: /v1/models, /v1/article, /v1/articles, "
                             "/v1/search, /v1/chat/completions", code="unknown_url").response()

    return router

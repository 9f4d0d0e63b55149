"""Asking a running `article-assistant serve` instead of loading the models in this process.

A one-shot `ask` or `search` spends most of its seconds loading the embedder, the reader and the index; a
`serve` already holds them. So the command line first looks for a serve (as `ollama run` talks to the ollama
server): one that answers `/healthz` at the settings' host and port (or `--server URL`) within
`PROBE_TIMEOUT_S`, about the very same article (the sha256 of its cleaned text, which every offset indexes,
is the one the serve reports). Anything else (no serve, another article, an error, a backend the serve does
not offer) and the command answers in its own process, as before. `--local` skips the look.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.types import Answer, Citation

__all__ = ["PROBE_TIMEOUT_S", "Serve", "answer_from_json", "find_serve"]

# A serve on loopback answers /healthz in a few milliseconds; waiting longer would only slow the local path.
PROBE_TIMEOUT_S = 0.5
# An answer through the serve: the local model may take its time on a busy machine.
ANSWER_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Serve:
    """A running serve about the article asked of: its base URL and the key its API wants (or None)."""

    url: str
    api_key: str | None = None

    def _request(self, path: str, body: dict[str, Any] | None = None, timeout: float = ANSWER_TIMEOUT_S) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            try:
                error = json.loads(exc.read().decode("utf-8"))["error"]
                message, code = str(error["message"]), error.get("code")
            except (ValueError, KeyError, TypeError):
                message, code = f"HTTP {exc.code}", None
            if exc.code == 400 and code != "model_not_found":
                raise InputError(message) from None  # the question itself is bad: here too
            raise ConnectionError(message) from None  # busy, down, or no such backend there: answer here

    def ask(self, question: str, history: list[dict[str, Any]] | None,
            backend: str | None) -> tuple[Answer, dict[str, Any]]:
        """The serve's answer, as the `Answer` this process would have made, and as `Answer.to_dict()` would
        give it (passages included). ConnectionError: ask locally."""
        messages = [*(history or []), {"role": "user", "content": question}]
        model = f"article-assistant/{backend}" if backend else "article-assistant"
        reply = self._request("/v1/chat/completions", {"model": model, "messages": messages})
        data = {**reply, "answer": reply["choices"][0]["message"]["content"], "question": question}
        answer = answer_from_json(data)
        return answer, {**answer.to_dict(), "passages": reply.get("passages", [])}

    def search(self, query: str, k: int) -> list[dict[str, Any]]:
        """The serve's ranked passages (each as `Hit.to_dict()`)."""
        found = self._request("/v1/search?" + urllib.parse.urlencode({"q": query, "k": k}))
        return list(found["data"])


def find_serve(url: str, article: Path, api_key: str | None = None) -> Serve | None:
    """The serve at `url`, when it is up and about `article` (same cleaned text); else None."""
    from index.load import article_hash, load_article

    serve = Serve(url.rstrip("/"), api_key)
    try:
        health = serve._request("/healthz", timeout=PROBE_TIMEOUT_S)
    except (OSError, ValueError, InputError):  # nothing listening, a timeout, not our server
        return None
    if not isinstance(health, dict) or health.get("status") != "ok":
        return None
    return serve if health.get("article_sha256") == article_hash(load_article(article)) else None


def answer_from_json(data: dict[str, Any]) -> Answer:
    """An `Answer` from the JSON the HTTP API gives (`Answer.to_dict()`'s fields)."""
    from assistant.types import Segment, ShortAnswer

    short = data.get("short_answer")
    return Answer(
        text=str(data["answer"]), refused=bool(data["refused"]),
        citations=[Citation(**c) for c in data.get("citations", [])],
        timings={k: float(v) for k, v in data.get("timings", {}).items()},
        question=str(data.get("question", "")), standalone_question=str(data.get("standalone_question", "")),
        backend=str(data.get("backend", "")), reason=str(data.get("reason", "")), refusal=data.get("refusal"),
        answer_score=data.get("answer_score"),
        short_answer=ShortAnswer(**short) if short else None, article_sha256=str(data.get("article_sha256", "")),
        segments=[Segment(**s) for s in data.get("segments", [])])

"""Starting, waiting for and stopping real processes on loopback, for the benchmarks and the test suite alike."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["ServerDied", "ask_http", "free_port", "http_json", "rss_mb", "start_serve", "stop", "wait_for_http"]


class ServerDied(RuntimeError):
    """The process exited, or its URL did not answer in time; the message ends with its log's tail."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_http(url: str, proc: subprocess.Popen[bytes], log: Path | None = None, timeout_s: float = 180) -> None:
    """Until `url` answers 2xx; raises ServerDied with the end of the log if the process dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    tail = lambda: log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerDied(f"{proc.args!r} exited with {proc.returncode}:\n{tail()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if 200 <= response.status < 300:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise ServerDied(f"{url} did not answer within {timeout_s:.0f}s:\n{tail()}")


def stop(proc: subprocess.Popen[bytes], timeout_s: float = 20) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout_s)


def start_serve(data_dir: Path, port: int, log: Path, extra_env: dict[str, str] | None = None,
                timeout_s: float = 300, args: list[str] | None = None) -> subprocess.Popen[bytes]:
    """`article-assistant serve` on 127.0.0.1:port (plus `args`), returned once /healthz answers."""
    exe = shutil.which("article-assistant", path=str(Path(sys.executable).parent)) or "article-assistant"
    env = {**os.environ, **(extra_env or {})}
    with log.open("w") as out:
        proc = subprocess.Popen([exe, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir",
                                 str(data_dir), *(args or [])], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", proc, log, timeout_s)
    except ServerDied:
        if proc.poll() is None:
            proc.kill()
        raise
    return proc


def http_json(url: str, body: bytes | None = None, headers: dict[str, str] | None = None,
              timeout_s: float = 120) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) of a GET, or a POST when `body` is given; error statuses are returned, not raised."""
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def ask_http(base: str, question: str, history: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    """One question to a running serve's HTTP API; on 200 the reply's text, refusal, citations and passages."""
    body = json.dumps({"model": "article-assistant",
                       "messages": [*history, {"role": "user", "content": question}]}).encode()
    status, data = http_json(base + "/v1/chat/completions", body, timeout_s=300)
    if status != 200:
        return status, data
    return 200, {"text": data["choices"][0]["message"]["content"], "refused": data["refused"],
                 "citations": data["citations"], "passages": data["passages"]}


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    """Resident memory of a process from /proc (VmHWM for its peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0

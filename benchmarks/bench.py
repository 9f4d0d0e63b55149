"""`make bench`: speed and memory on this machine, ours against the usual LangChain tutorial chain.

The baseline is built the way the tutorial does it: recursive 1000/200 splitter, dense top-4 with the
same embedder, the whole context stuffed into one prompt for the same SmolLM2 model.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.api import Assistant
from assistant.evaluation.gold import GoldRow, load_gold
from assistant.evaluation.metrics import percentile
from assistant.settings import Settings, default_article_path
from assistant.types import Answer
from tests.support.procs import ask_http, free_port, rss_mb, start_serve, stop

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "data" / "gold-dev.jsonl"


def p95(values: list[float]) -> float:
    return float(percentile(values, 95) or 0.0)


def _baseline(article_text: str, questions: list[GoldRow], embedder: Any, gguf: Path) -> dict[str, float]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.backends import LlamaCppBackend

    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_text(article_text)
    vectors = embedder.embed(chunks)
    llm = LlamaCppBackend(gguf)
    answer_s, first_s, search_s = [], [], []
    for row in questions:
        t0 = time.perf_counter()
        q = embedder.embed([row.question])[0]
        ranked = sorted(range(len(chunks)), key=lambda i: -sum(a * b for a, b in zip(q, vectors[i])))[:4]
        search_s.append(time.perf_counter() - t0)
        context = "\n\n".join(chunks[i] for i in ranked)
        messages = [{"role": "system", "content": "Use the following pieces of context to answer the question."},
                    {"role": "user", "content": f"Context:\n{context}\n\nQuestion: {row.question}\nAnswer:"}]
        first = None
        for _ in llm.generate(messages, max_tokens=128, temperature=0.0):
            first = first or time.perf_counter() - t0
        answer_s.append(time.perf_counter() - t0)
        first_s.append(first or answer_s[-1])
    return {"answer_p50": statistics.median(answer_s), "answer_p95": p95(answer_s),
            "first_p50": statistics.median(first_s), "search_p50": statistics.median(search_s),
            "search_p95": p95(search_s)}


def _serve(data_dir: Path, questions: list[GoldRow], backend: str, *, warm_up: bool) -> dict[str, float]:
    """`article-assistant serve` as users run it, asked every question once over HTTP (after one untimed
    question with `warm_up`): each answer's time as the client sees it, and the process's peak RSS."""
    port = free_port()
    proc = start_serve(data_dir, port, data_dir / f"serve-{backend}.log", {"ARTICLE_ASSISTANT_BACKEND": backend})
    base = f"http://127.0.0.1:{port}"
    try:
        if warm_up:
            ask_http(base, questions[0].question, [])
        times = []
        for row in questions:
            t = time.perf_counter()
            status, reply = ask_http(base, row.question, row.history or [])
            times.append(time.perf_counter() - t)
            if status != 200:
                raise RuntimeError(f"serve answered {row.id} with HTTP {status}: {reply}")
        out = {"answer_p50": statistics.median(times), "answer_p95": p95(times),
               "rss_mb": rss_mb(proc.pid, "VmHWM")}
        if warm_up:
            out |= _cli_times(base, data_dir)
        return out
    finally:
        stop(proc, 30)


def _cli_times(base: str, data_dir: Path, runs: int = 3) -> dict[str, float]:
    """A one-shot `article-assistant ask`, the whole process as a user waits for it: answered through the
    running serve (the default), and in its own process (`--local`: loads the models), median of `runs`."""
    cli = Path(sys.executable).with_name("article-assistant")
    env = {**os.environ, "ARTICLE_ASSISTANT_DATA_DIR": str(data_dir)}
    times: dict[str, list[float]] = {"cli_serve_s": [], "cli_local_s": []}
    for _ in range(runs):
        for key, extra in (("cli_serve_s", ["--server", base]), ("cli_local_s", ["--local"])):
            t = time.perf_counter()
            subprocess.run([str(cli), "ask", "When was the CSTO founded?", *extra], env=env, check=True,
                           capture_output=True)
            times[key].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def _open_50kb(a: Assistant) -> float:
    """Seconds to open a 50 kB article as the page and `POST /v1/articles` do (clean, cut, embed, store): the
    first 50,000 characters of a SQuAD article, cut at a paragraph."""
    from assistant.library import ArticleLibrary

    text = (ROOT / "data" / "squad" / "European_Union_law.txt").read_text(encoding="utf-8")
    cut = text[:50_000].rsplit("\n\n", 1)[0]
    t = time.perf_counter()
    ArticleLibrary(a).add(cut.encode("utf-8"), "eu-law-50kb.txt")
    return time.perf_counter() - t


def main() -> int:
    questions = load_gold(GOLD)
    data_dir = Path(tempfile.mkdtemp(prefix="aa-bench-"))
    t0 = time.perf_counter()
    a = Assistant(settings=Settings.resolve(data_dir=data_dir, backend="llamacpp"))
    build_s = time.perf_counter() - t0
    first = a.ask(questions[0].question)
    cold_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    Assistant(settings=Settings.resolve(data_dir=data_dir, backend="extractive"), embedder=a.embedder)
    reopen_s = time.perf_counter() - t1
    open_50kb_s = _open_50kb(a)
    search = []
    for row in questions:
        t = time.perf_counter()
        a.index.search(row.question, 4)
        search.append(time.perf_counter() - t)
    rows: dict[str, dict[str, float]] = {}
    for backend in ("extractive", "llamacpp"):
        totals, firsts = [], []
        for row in questions:
            t = time.perf_counter()
            ttft = None
            for piece in a.stream(row.question, row.history, backend=backend):
                if isinstance(piece, Answer) or ttft is None:
                    ttft = ttft or time.perf_counter() - t
            totals.append(time.perf_counter() - t)
            firsts.append(ttft or totals[-1])
        rows[backend] = {"answer_p50": statistics.median(totals), "answer_p95": p95(totals),
                         "first_p50": statistics.median(firsts), "per_s": len(totals) / sum(totals)}
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    serve_mb = _serve(data_dir, questions, "llamacpp", warm_up=False)["rss_mb"]
    # The default serve: extractive, so torch keeps both cores (no llama.cpp beside it).
    default = _serve(data_dir, questions, "extractive", warm_up=True)
    base = _baseline(a.article_text, questions, a.embedder, a.settings.gguf_path())
    reader = json.loads(subprocess.run([sys.executable, "-m", "benchmarks.reader_rss"], check=True,
                                       capture_output=True, text=True).stdout)
    generation = json.loads(subprocess.run([sys.executable, "-m", "benchmarks.busy_generation"], check=True,
                                           capture_output=True, text=True).stdout)
    ours = rows["llamacpp"]
    lines = [
        f"article-assistant bench — {len(questions)} dev questions, {default_article_path().name}, this machine",
        "",
        "| figure | ours | tutorial baseline | ours / baseline |",
        "|---|---|---|---|",
        f"| cold start to first answer (build index + load models) | {cold_s:.2f} s | | |",
        f"| index build (first run, embedding included) | {build_s:.2f} s | | |",
        f"| index reopen (unchanged article) | {reopen_s:.2f} s | | |",
        f"| open a 50 kB article (page or `POST /v1/articles`: clean, cut, embed, store) | {open_50kb_s:.2f} s | | |",
        f"| search p50 / p95 | {statistics.median(search) * 1000:.1f} / {p95(search) * 1000:.1f} ms | "
        f"{base['search_p50'] * 1000:.1f} / {base['search_p95'] * 1000:.1f} ms | "
        f"{statistics.median(search) / base['search_p50']:.2f} |",
        f"| answer p50 / p95, llamacpp | {ours['answer_p50']:.2f} / {ours['answer_p95']:.2f} s | "
        f"{base['answer_p50']:.2f} / {base['answer_p95']:.2f} s | {ours['answer_p50'] / base['answer_p50']:.2f} |",
        f"| first streamed text p50, llamacpp | {ours['first_p50']:.2f} s | {base['first_p50']:.2f} s | "
        f"{ours['first_p50'] / base['first_p50']:.2f} |",
        f"| answer p50 / p95, extractive, default `serve` over HTTP | {default['answer_p50'] * 1000:.0f} / "
        f"{default['answer_p95'] * 1000:.0f} ms | | |",
        f"| answer p50 / p95, extractive beside llama.cpp (same process) | "
        f"{rows['extractive']['answer_p50'] * 1000:.0f} / {rows['extractive']['answer_p95'] * 1000:.0f} ms | | |",
        f"| first streamed text p50, extractive beside llama.cpp | {rows['extractive']['first_p50'] * 1000:.0f} ms "
        f"| | |",
        f"| one-shot `ask` on the command line, whole process: through the running serve / in its own process "
        f"(`--local`) | {default['cli_serve_s']:.2f} / {default['cli_local_s']:.2f} s | | |",
        f"| local model generation, idle / with a busy-looping process on each of the "
        f"{generation['competing_processes']} cores (OMP_WAIT_POLICY={generation['omp_wait_policy']}) | "
        f"{generation['idle_tokens_per_s']:.0f} / {generation['busy_tokens_per_s']:.0f} tokens/s | | |",
        f"| throughput of one worker, one request at a time, llamacpp / extractive | "
        f"{ours['per_s']:.2f} / {rows['extractive']['per_s']:.0f} answers/s | | |",
        f"| peak RSS of the assistant process (both backends loaded) | {rss_mb:.0f} MB | | |",
        f"| peak RSS of `serve` (web chat + HTTP API, llamacpp, after {len(questions)} questions) | "
        f"{serve_mb:.0f} MB | | |",
        f"| peak RSS of the default `serve` (extractive, after {len(questions)} questions) | "
        f"{default['rss_mb']:.0f} MB | | |",
        f"| the reader's share of peak RSS (own process: embedder {reader['embedder_mb']:.0f} MB, then reader "
        f"on 16 candidates) | {reader['reader_mb']:.0f} MB | | |",
    ]
    print("\n".join(lines))
    print(f"\n(first answer: {first.text[:80]!r})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

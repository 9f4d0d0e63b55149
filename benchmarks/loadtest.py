"""`make loadtest`: concurrent users against one real `serve` process on loopback, with the local model.

N clients send a fixed number of questions, alternating between the HTTP API and the Gradio `/ask`
endpoint. Each reply must be a clean 429/503 or answer *its own* question: the same retrieved passages and
refusal as that question got when asked alone, every citation inside those passages and verbatim in the
article. The server's memory is sampled throughout. It stops by itself; a failed check exits 1.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.evaluation.gold import load_gold
from assistant.evaluation.metrics import percentile
from assistant.settings import default_article_path
from index import load_article
from tests.support.procs import ServerDied, ask_http, free_port, rss_mb, start_serve

__all__ = ["main"]

GOLD = Path(__file__).resolve().parent.parent / "data" / "gold-dev.jsonl"


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"http": [], "gradio": []})
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    same_text: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _check(reply: dict[str, Any], ref: dict[str, Any], article: str) -> str | None:
    """Why `reply` is not an answer to the question `ref` was the answer to, or None."""
    ids = [p["id"] for p in reply["passages"]]
    if ids != [p["id"] for p in ref["passages"]]:
        return "retrieved passages differ from this question's own"
    if reply["refused"] != ref["refused"]:
        return "refused where the question alone was answered, or the reverse"
    if not reply["refused"] and not reply["citations"]:
        return "an answer without citations"
    for c in reply["citations"]:
        if c["passage_id"] not in ids:
            return f"citation [{c['n']}] points outside this question's passages"
        if article[c["start"]:c["end"]] != c["quote"]:
            return f"citation [{c['n']}] is not verbatim in the article"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loadtest", description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend", default="llamacpp")
    parser.add_argument("--max-rss-mb", type=float, default=3000.0, help="fail above this peak server memory")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.clients < 1 or args.requests < 1:
        print("error: --clients and --requests must be at least 1", file=sys.stderr)
        return 2
    from gradio_client import Client

    rows = load_gold(GOLD)
    article = load_article(default_article_path()).text
    work_dir = Path(tempfile.mkdtemp(prefix="aa-loadtest-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t_start = time.perf_counter()
    try:
        proc = start_serve(work_dir / "data", port, work_dir / "serve.log",
                           {"ARTICLE_ASSISTANT_BACKEND": args.backend, "ARTICLE_ASSISTANT_QUEUE_SIZE": "16"})
    except ServerDied as exc:
        last = str(exc).strip().splitlines()[-1] if str(exc).strip() else "no output"
        print(f"error: serve did not start ({last}); its log is in {work_dir / 'serve.log'}", file=sys.stderr)
        return 1
    samples: list[float] = []
    stop_sampling = threading.Event()

    def sample() -> None:
        while not stop_sampling.wait(0.25):
            try:
                samples.append(rss_mb(proc.pid))
            except OSError:
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        print(f"serve up in {time.perf_counter() - t_start:.1f} s on {base} ({args.backend}); reference pass ...",
              file=sys.stderr)
        refs: dict[str, dict[str, Any]] = {}
        t_ref = time.perf_counter()
        for row in rows:  # each question alone, one at a time: what a reply to it must match
            status, ref = ask_http(base, row.question, row.history or [])
            if status != 200:
                print(f"error: reference question {row.id} got HTTP {status}: {ref}", file=sys.stderr)
                return 1
            refs[row.id] = ref
        alone_per_s = len(rows) / (time.perf_counter() - t_ref)
        rss_after_warmup = rss_mb(proc.pid)
        rng = random.Random(args.seed)
        plan = [(i, rng.choice(rows), "http" if i % 2 == 0 else "gradio") for i in range(args.requests)]
        tally = Tally()
        next_job = iter(plan)
        job_lock = threading.Lock()

        def client() -> None:
            gradio = Client(base + "/", verbose=False)
            while True:
                with job_lock:
                    job = next(next_job, None)
                if job is None:
                    return
                _, row, channel = job
                history = row.history or []
                t = time.perf_counter()
                try:
                    if channel == "http":
                        status, reply = ask_http(base, row.question, history)
                    else:
                        data = gradio.predict(row.question, history, api_name="/ask")
                        reply = {**data, "text": data["answer"]}
                        status = 200
                except Exception as exc:  # any client-side failure counts as a failed request
                    status, reply = -1, {"error": f"{type(exc).__name__}: {exc}"}
                elapsed = time.perf_counter() - t
                with tally.lock:
                    tally.statuses[f"{channel} {status}"] += 1
                    if status == 200:
                        tally.latencies[channel].append(elapsed)
                        why = _check(reply, refs[row.id], article)
                        if why:
                            tally.failures.append(f"{row.id} via {channel}: {why}")
                        tally.same_text += reply["text"] == refs[row.id]["text"]
                    elif status not in (429, 503):
                        tally.failures.append(f"{row.id} via {channel}: status {status} {reply}")

        t_load = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t_load
        alive = proc.poll() is None
        peak = rss_mb(proc.pid, "VmHWM") if alive else max(samples, default=0.0)
        end_rss = rss_mb(proc.pid) if alive else 0.0
    finally:
        stop_sampling.set()
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    ok_all = [x for v in tally.latencies.values() for x in v]
    answered = len(ok_all)

    def pct(values: list[float], p: float) -> str:
        return f"{percentile(values, p * 100):.2f}" if values else "-"

    lines = [
        f"article-assistant loadtest — {args.clients} clients, {args.requests} requests, backend {args.backend}, "
        "loopback",
        "",
        "| figure | value |",
        "|---|---|",
        f"| answered (200) | {answered} / {args.requests} |",
        f"| clean 429 / 503 | {sum(n for k, n in tally.statuses.items() if k.endswith((' 429', ' 503')))} |",
        f"| failed checks | {len(tally.failures)} |",
        f"| throughput | {answered / wall:.2f} answers/s over {wall:.1f} s "
        f"(one client, one question at a time: {alone_per_s:.2f}/s) |",
        f"| latency p50 / p95, all | {pct(ok_all, .5)} / {pct(ok_all, .95)} s |",
        f"| latency p50 / p95, HTTP API | {pct(tally.latencies['http'], .5)} / {pct(tally.latencies['http'], .95)} s |",
        f"| latency p50 / p95, Gradio /ask | {pct(tally.latencies['gradio'], .5)} / "
        f"{pct(tally.latencies['gradio'], .95)} s |",
        f"| same text as the question asked alone | {tally.same_text} / {answered} |",
        f"| serve RSS after warm-up / end / peak | {rss_after_warmup:.0f} / {end_rss:.0f} / {peak:.0f} MB |",
        f"| statuses | {', '.join(f'{k}: {n}' for k, n in sorted(tally.statuses.items()))} |",
    ]
    print("\n".join(lines))
    problems = list(tally.failures)
    if not alive:
        problems.append("serve died during the load")
    if peak > args.max_rss_mb:
        problems.append(f"peak RSS {peak:.0f} MB is above {args.max_rss_mb:.0f} MB")
    if answered == 0:
        problems.append("no request was answered")
    for p in problems[:20]:
        print(f"FAIL {p}", file=sys.stderr)
    shutil.rmtree(work_dir, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
